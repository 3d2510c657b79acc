"""Counting what the server sends to the database while it answers one request.

Statements are counted where SQLAlchemy hands them to the driver (SELECT, INSERT, UPDATE, …), and
transaction control where it happens: BEGIN, COMMIT, ROLLBACK, plus connection checkouts from the
pool (each costs a ping on PostgreSQL, where the pool pre-pings).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


class StatementCounter:
    """What one engine sent, by kind, since the last `reset()`."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def reset(self) -> None:
        self.counts.clear()

    @property
    def round_trips(self) -> int:
        """Statements, transaction control and pre-pings: each one a round trip to the database."""
        return sum(n for kind, n in self.counts.items() if kind != "checkout" or self.pings)

    pings = False

    def summary(self) -> str:
        return ", ".join(f"{n} {kind}" for kind, n in sorted(self.counts.items()))

    @contextmanager
    def watching(self, engine: AsyncEngine) -> Iterator[StatementCounter]:
        sync = engine.sync_engine
        self.pings = bool(getattr(sync.pool, "_pre_ping", False))

        def cursor(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            kind = statement.lstrip().split(None, 1)[0].upper()
            if kind != "BEGIN":  # SQLite's BEGIN is counted by the begin event
                self.counts[kind] += 1

        def begin(_conn: Any) -> None:
            self.counts["BEGIN"] += 1

        def commit(_conn: Any) -> None:
            self.counts["COMMIT"] += 1

        def rollback(_conn: Any) -> None:
            self.counts["ROLLBACK"] += 1

        def checkout(*_args: Any) -> None:
            self.counts["checkout"] += 1

        listeners = [
            (sync, "before_cursor_execute", cursor),
            (sync, "begin", begin),
            (sync, "commit", commit),
            (sync, "rollback", rollback),
            (sync.pool, "checkout", checkout),
        ]
        for target, name, listener in listeners:
            event.listen(target, name, listener)
        try:
            yield self
        finally:
            for target, name, listener in listeners:
                event.remove(target, name, listener)
