"""Real Zones servers for tests: `zones serve` in its own process on a free loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def zones_serve(
    env: dict[str, str], folder: Path, name: str, port: int | None = None, args: Sequence[str] = ()
) -> Iterator[str]:
    """`zones serve` in its own process on a loopback port (a free one unless given), with any further
    command-line `args` (e.g. `--workers 1 --no-worker`): its base URL, while it runs."""
    port = port or free_port()
    log_path = folder / f"{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "zones", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(f"{base}/health", timeout=1)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        process.kill()
                        process.wait(timeout=10)
                        pytest.fail(f"{name} did not start: {log_path.read_text()[-2000:]}")
                    time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
