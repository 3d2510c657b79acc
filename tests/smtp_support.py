"""A real SMTP server for delivery tests: aiosmtpd in its own process, storing mail in a Maildir."""

from __future__ import annotations

import mailbox
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_smtp_server(tmp_path: Path) -> Iterator[tuple[int, mailbox.Maildir]]:
    """aiosmtpd in its own process, storing every message it accepts in a Maildir.

    A test module makes it its `smtp_server` fixture with `smtp = smtp_server_fixture()`.
    """
    maildir = mailbox.Maildir(tmp_path / "maildir", create=True)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(tmp_path / "maildir"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise
            time.sleep(0.1)
    yield port, maildir
    process.terminate()
    process.wait(timeout=10)


def smtp_server_fixture() -> Any:
    """`run_smtp_server` as a fixture named `smtp_server` (yields the port and the Maildir)."""
    return pytest.fixture(name="smtp_server")(run_smtp_server)


def calendar_part(message: Message) -> Message:
    """The one text/calendar part of a received invite."""
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0]
