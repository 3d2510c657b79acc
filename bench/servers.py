"""Start Zones and the ceiling app as real server processes on 127.0.0.1, and stop them again.

Each server runs in its own session (process group), so Ctrl-C in the terminal reaches only the
bench, which then stops the servers itself: SIGTERM, and SIGKILL to the group if that is ignored.
Server output goes to a log file; its tail is shown when a server does not come up.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
BENCH = Path(__file__).resolve().parent


class ServerFailed(RuntimeError):
    """A server exited or did not answer its health check; the message has its log's tail."""


@dataclass
class Server:
    """A running server process."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_environment(**settings: str) -> dict[str, str]:
    """This environment without any ZONES_* or CEILING_* setting of the caller's, plus `settings`."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("ZONES_", "CEILING_"))}
    return kept | settings


def zones_upgrade(database_url: str, data_dir: Path) -> None:
    """`zones db upgrade` on the bench's database (the only way Zones creates its schema)."""
    env = clean_environment(ZONES_DATABASE_URL=database_url, ZONES_DATA_DIR=str(data_dir))
    done = subprocess.run(
        [str(VENV_BIN / "zones"), "db", "upgrade"], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise ServerFailed(f"zones db upgrade failed: {(done.stderr or done.stdout).strip()[-500:]}")


def start_zones(database_url: str, workers: int, folder: Path) -> Server:
    """`zones serve --workers N` on a free port; no background release, no mail."""
    port = free_port()
    env = clean_environment(
        ZONES_DATABASE_URL=database_url, ZONES_DATA_DIR=str(folder), ZONES_RELEASE_INTERVAL="0"
    )
    command = [str(VENV_BIN / "zones"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return _start("zones", [*command, "--workers", str(workers)], env, port, folder)


def start_ceiling(database_url: str, workers: int, pool_size: int, folder: Path) -> Server:
    """bench/ceiling.py under uvicorn with httptools and uvloop, as many workers as Zones."""
    port = free_port()
    env = clean_environment(CEILING_DATABASE_URL=database_url, CEILING_POOL_SIZE=str(pool_size))
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "ceiling:create_app",
        "--factory",
        "--app-dir",
        str(BENCH),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--http",
        "httptools",
        "--loop",
        "uvloop",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return _start("ceiling", command, env, port, folder)


def _start(name: str, command: list[str], env: dict[str, str], port: int, folder: Path) -> Server:
    log = folder / f"{name}-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(name, process, port, log)
    try:
        _wait_until_healthy(server)
    except BaseException:
        stop(server)
        raise
    return server


def _wait_until_healthy(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerFailed(
                f"{server.name} exited with status {server.process.returncode}:\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(f"{server.url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise ServerFailed(
        f"{server.name} did not answer GET /health within {timeout:.0f} s:\n{server.log_tail()}"
    )


def stop(server: Server) -> None:
    """SIGTERM and wait; SIGKILL the server's process group (it and its workers) after 20 s."""
    if server.process.poll() is not None:
        return
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        # Still running, so the group (its own session) is still ours to end.
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()
