"""Round trips to the database, counted the way the server really sends them.

PostgreSQL: at the wire. `WireProxy` is an asyncio TCP proxy on 127.0.0.1 between the app and the
real server. It forwards both directions untouched and reads the frontend (client → server) half of
protocol v3:

* The untyped startup phase. An SSLRequest or GSSENCRequest is answered by the proxy itself with
  'N' (no encryption), so asyncpg's default `sslmode=prefer` carries on in plain text and the stream
  stays readable; the proxy then opens the upstream connection and passes on the StartupMessage (or
  a CancelRequest) without asking the server for TLS. A client that *requires* TLS cannot use it.
* Then typed messages (1 byte type, int32 length). A round trip ends with each simple Query ('Q'),
  FunctionCall ('F'), Sync ('S') and Flush ('H'). Flush counts because asyncpg prepares a statement
  with Parse, Describe, Flush and waits for the answer before it sends Bind, Execute, Sync; a Sync
  sent straight after a Flush, with no answer from the server in between, is the same round trip.
  Password messages ('p') count too (each waits for the server), as do the StartupMessage
  ("connect") and the SSL/GSS request: a request that opens a connection pays for them.

Each round trip keeps its SQL: the text of the Query, of the statements Parsed in it, or of the
prepared statements its Bind/Execute ran (statement name → text remembered from their Parse, per
connection). Pool pre-pings are plain round trips here (SQLAlchemy's asyncpg ping is `;`, wrapped
in BEGIN … ROLLBACK when no transaction is open).

SQLite: there is no wire, so every statement the sqlite3 connection executes is one round trip,
BEGIN, COMMIT and ROLLBACK included. `trace_sqlite` uses sqlite3's `set_trace_callback` on the raw
sqlite3 connection under each aiosqlite connection (found from SQLAlchemy's "connect" event, and
installed through aiosqlite's own worker thread, which is also the thread that calls it), not
SQLAlchemy's engine events: it sees what sqlite3 really runs, including the COMMIT/ROLLBACK that
`Connection.commit()`/`rollback()` issue and nothing when they have nothing to end.
"""

from __future__ import annotations

import asyncio
import re
import struct
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
MAX_STARTUP_PACKET = 10_000
PING = "ping ';'"
"""The kind of SQLAlchemy's pre-ping statement, `;`."""


@dataclass(frozen=True)
class RoundTrip:
    """One wait for the database: the messages that made it and the SQL they carried."""

    connection: int
    """Which connection (numbered from 1 as the proxy or the tracer saw them open)."""
    kind: str
    """`SELECT`, `BEGIN`, `prepare SELECT`, `connect`, …: what the summary counts."""
    messages: str
    """The frontend messages, e.g. `Q`, `P D H`, `B E S`; `sqlite3` for SQLite."""
    statements: tuple[str, ...] = ()
    reprepared: bool = False
    """A Parse of SQL this connection had already prepared (under another name)."""

    def describe(self, width: int = 110) -> str:
        sql = " | ".join(" ".join(s.split()) for s in self.statements)
        if len(sql) > width:
            sql = sql[: width - 1] + "…"
        again = " (re-prepared)" if self.reprepared else ""
        return f"conn {self.connection} {self.messages:<7} {self.kind + again:<26} {sql}"


class Recorder:
    """The round trips seen since the last `reset()`; safe to add to from sqlite3's worker threads."""

    def __init__(self) -> None:
        self._trips: list[RoundTrip] = []
        self._lock = threading.Lock()

    def add(self, trip: RoundTrip) -> None:
        with self._lock:
            self._trips.append(trip)

    def reset(self) -> None:
        with self._lock:
            self._trips.clear()

    def take(self) -> list[RoundTrip]:
        """The round trips so far, and start counting afresh."""
        with self._lock:
            trips, self._trips = self._trips, []
        return trips

    def __len__(self) -> int:
        with self._lock:
            return len(self._trips)


def statement_kind(sql: str) -> str:
    """The first keyword of `sql` (comments skipped), upper case; `ping ';'` for an empty statement."""
    text = sql
    while True:
        text = text.lstrip()
        if text.startswith("--"):
            text = text.partition("\n")[2]
        elif text.startswith("/*"):
            text = text.partition("*/")[2]
        else:
            break
    text = text.rstrip("; \t\r\n")
    if not text:
        return PING
    word = re.match(r"[A-Za-z_]+", text)
    return word[0].upper() if word else text.split(None, 1)[0]


def summary(trips: Iterable[RoundTrip]) -> str:
    """`1 BEGIN, 2 SELECT, 3 INSERT, 1 COMMIT`: counts by kind, in the order kinds first appear."""
    counts = Counter(trip.kind for trip in trips)
    return ", ".join(f"{n} {kind}" for kind, n in counts.items()) or "nothing"


# PostgreSQL: the wire.


class ProtocolError(Exception):
    """The frontend stream is not protocol v3 as this reader understands it."""


def _cstring(body: bytes, at: int) -> tuple[str, int]:
    end = body.index(b"\0", at)
    return body[at:end].decode("utf-8", "replace"), end + 1


class _Frontend:
    """Reads one connection's frontend messages and records a round trip at each Q, F, S, H or p."""

    def __init__(self, connection: int, recorder: Recorder) -> None:
        self.connection = connection
        self.recorder = recorder
        self.buffer = bytearray()
        self.statements: dict[str, str] = {}  # prepared statement name -> SQL ("" is the unnamed one)
        self.portals: dict[str, str] = {}  # portal name -> SQL of the statement bound to it
        self.prepared_sql: set[str] = set()  # every SQL text this connection has parsed
        self.messages: list[str] = []  # of the round trip being assembled
        self.parsed: list[str] = []
        self.executed: list[str] = []
        self.described: list[str] = []
        self.reprepared = False
        self.after_flush = False  # the last round trip ended with a Flush…
        self.server_spoke = False  # …and the server has (or has not) answered since

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= 5:
            kind = chr(self.buffer[0])
            (length,) = struct.unpack_from("!i", self.buffer, 1)
            if length < 4:
                raise ProtocolError(f"message {kind!r} with length {length}")
            if len(self.buffer) < 1 + length:
                return
            body = bytes(self.buffer[5 : 1 + length])
            del self.buffer[: 1 + length]
            self._message(kind, body)

    def _message(self, kind: str, body: bytes) -> None:
        self.messages.append(kind)
        if kind == "Q":
            sql, _ = _cstring(body, 0)
            self._end(statement_kind(sql), (sql,))
        elif kind == "P":
            name, at = _cstring(body, 0)
            sql, _ = _cstring(body, at)
            self.reprepared |= sql in self.prepared_sql
            self.prepared_sql.add(sql)
            self.statements[name] = sql
            self.parsed.append(sql)
        elif kind == "B":
            portal, at = _cstring(body, 0)
            name, _ = _cstring(body, at)
            self.portals[portal] = self.statements.get(name, f"<unknown statement {name!r}>")
        elif kind == "E":
            portal, _ = _cstring(body, 0)
            self.executed.append(self.portals.get(portal, f"<unknown portal {portal!r}>"))
        elif kind == "D":
            what, name = chr(body[0]), _cstring(body, 1)[0]
            table = self.statements if what == "S" else self.portals
            self.described.append(table.get(name, f"<unknown {what} {name!r}>"))
        elif kind == "C":
            what, name = chr(body[0]), _cstring(body, 1)[0]
            if what == "S":
                self.statements.pop(name, None)
            else:
                self.portals.pop(name, None)
        elif kind == "S":
            if self.messages == ["S"] and self.after_flush and not self.server_spoke:
                self.messages.clear()  # the Flush before it already made this round trip
                return
            self._end_extended(flush=False)
        elif kind == "H":
            self._end_extended(flush=True)
        elif kind == "F":
            self._end("function call", ())
        elif kind == "p":
            self._end("auth", ())
        elif kind in "cf":  # CopyDone, CopyFail: the end of COPY FROM STDIN's data ('d')
            self._end("copy data", ())
        # 'X' (Terminate) waits for nothing: it stays in `messages` and is never recorded.

    def _end_extended(self, *, flush: bool) -> None:
        if self.executed:
            kinds = dict.fromkeys(statement_kind(sql) for sql in self.executed)
            self._end("+".join(kinds), (*self.parsed, *[s for s in self.executed if s not in self.parsed]))
        elif self.parsed:
            self._end("prepare " + statement_kind(self.parsed[0]), tuple(self.parsed))
        elif self.described:
            self._end("describe " + statement_kind(self.described[0]), tuple(self.described))
        else:
            self._end("sync" if not flush else "flush", ())
        self.after_flush = flush

    def _end(self, kind: str, statements: tuple[str, ...]) -> None:
        self.recorder.add(
            RoundTrip(self.connection, kind, " ".join(self.messages), statements, self.reprepared)
        )
        self.messages.clear()
        self.parsed.clear()
        self.executed.clear()
        self.described.clear()
        self.reprepared = False
        self.after_flush = False
        self.server_spoke = False


class WireProxy:
    """A PostgreSQL proxy on 127.0.0.1 that records every round trip its clients make.

    Use as `with WireProxy.to(url, recorder) as proxy:` (it serves from its own thread) and point
    the client at `proxy.url_for(url)`. Any number of concurrent connections; leaving the block cuts
    those still open and stops the thread. Problems reading the stream are kept in `errors` (the
    bytes are forwarded regardless). `start()`/`stop()` serve on the running loop instead.
    """

    def __init__(self, upstream_host: str, upstream_port: int, recorder: Recorder | None = None) -> None:
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.recorder = recorder if recorder is not None else Recorder()
        self.port = 0
        self.connections = 0
        self.errors: list[BaseException] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop: asyncio.AbstractEventLoop
        self._thread: threading.Thread

    @classmethod
    def to(cls, url: str, recorder: Recorder | None = None) -> WireProxy:
        """A proxy to the server a database URL names."""
        parsed = make_url(url)
        return cls(parsed.host or "127.0.0.1", parsed.port or 5432, recorder)

    def url_for(self, url: str, drivername: str | None = None) -> str:
        """`url` with its host and port replaced by the proxy's (same database and user; same driver
        unless `drivername` is given, e.g. `postgresql` for asyncpg's own DSN)."""
        parsed = make_url(url).set(host="127.0.0.1", port=self.port)
        if drivername is not None:
            parsed = parsed.set(drivername=drivername)
        return parsed.render_as_string(hide_password=False)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening, cut every connection still open and wait for their handlers to end."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        tasks = list(self._tasks)
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=5)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def __enter__(self) -> WireProxy:
        """Serve from a thread with its own event loop, so whichever loop (or thread) the client runs
        on, the proxy keeps forwarding while that loop waits (Litestar's test client runs the app in
        a portal thread and blocks the caller's loop until the response is complete)."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="pg-wire-proxy", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *_exc: object) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.stop(), self._loop).result(timeout=15)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                self._loop.close()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(client_writer)
        self.connections += 1
        frontend = _Frontend(self.connections, self.recorder)
        upstream_writer: asyncio.StreamWriter | None = None
        pumps: list[asyncio.Task[None]] = []
        try:
            first = await self._startup(frontend, client_reader, client_writer)
            upstream_reader, upstream_writer = await asyncio.open_connection(
                self.upstream_host, self.upstream_port
            )
            self._writers.add(upstream_writer)
            upstream_writer.write(first)
            await upstream_writer.drain()
            pumps = [
                asyncio.create_task(self._client_to_server(frontend, client_reader, upstream_writer)),
                asyncio.create_task(self._server_to_client(frontend, upstream_reader, client_writer)),
            ]
            done, _ = await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            for pump in done:
                if (error := pump.exception()) is not None and not isinstance(error, ConnectionError):
                    self.errors.append(error)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # a client or server that went away mid-message
        except ProtocolError as error:
            self.errors.append(error)
        except asyncio.CancelledError:
            pass  # `stop()` gave up waiting; asyncio's stream callback must not see a cancelled task
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            for writer in (client_writer, upstream_writer):
                if writer is not None:
                    self._writers.discard(writer)
                    writer.close()
                    with suppress(Exception):
                        await writer.wait_closed()
            self._tasks.discard(task)

    async def _startup(
        self, frontend: _Frontend, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bytes:
        """Answer encryption requests with 'N'; return the StartupMessage (or CancelRequest) to pass on."""
        while True:
            head = await reader.readexactly(8)
            length, code = struct.unpack("!ii", head)
            if not 8 <= length <= MAX_STARTUP_PACKET:
                raise ProtocolError(f"startup packet of {length} bytes")
            packet = head + await reader.readexactly(length - 8)
            if code in (SSL_REQUEST, GSSENC_REQUEST):
                name = "SSLRequest" if code == SSL_REQUEST else "GSSENCRequest"
                self.recorder.add(RoundTrip(frontend.connection, name, "-", ("(the proxy answers N)",)))
                writer.write(b"N")
                await writer.drain()
                continue
            kind = "cancel" if code == CANCEL_REQUEST else "connect"
            self.recorder.add(RoundTrip(frontend.connection, kind, "-", ()))
            return packet

    async def _client_to_server(
        self, frontend: _Frontend, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        reading = True
        while chunk := await reader.read(65536):
            if reading:
                try:
                    frontend.feed(chunk)
                except Exception as error:  # keep forwarding; the test sees the error
                    self.errors.append(error)
                    reading = False
            writer.write(chunk)
            await writer.drain()

    async def _server_to_client(
        self, frontend: _Frontend, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while chunk := await reader.read(65536):
            frontend.server_spoke = True
            writer.write(chunk)
            await writer.drain()


# SQLite: the statements sqlite3 runs.


@contextmanager
def trace_sqlite(engine: AsyncEngine, recorder: Recorder) -> Iterator[None]:
    """Record every statement run on connections `engine` opens from now on (attach before use).

    The listener goes first, so the PRAGMAs Zones runs on connect are seen too.
    """
    opened = 0

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        nonlocal opened
        opened += 1
        connection = opened

        def trace(sql: str) -> None:
            if not sql.startswith("--"):  # "-- TRIGGER name": a trigger's body, inside a statement
                recorder.add(RoundTrip(connection, statement_kind(sql), "sqlite3", (sql,)))

        # The aiosqlite connection; it sets the callback on its own thread, where sqlite3 wants it.
        await_(dbapi_connection.driver_connection.set_trace_callback(trace))

    event.listen(engine.sync_engine, "connect", on_connect, insert=True)
    try:
        yield
    finally:
        event.remove(engine.sync_engine, "connect", on_connect)
