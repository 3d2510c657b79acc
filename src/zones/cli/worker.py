"""`zones worker`: run plan jobs (the solver never runs in an API process)."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys

import click

from zones.cli.output import Invocation, out, pass_invocation, redacted, require_schema, run
from zones.settings import Settings


@click.command()
@pass_invocation
def worker(invocation: Invocation) -> None:
    """Run plan jobs until stopped (Ctrl-C or SIGTERM): SAQ on Redis (ZONES_REDIS_URL) or PostgreSQL,
    else the embedded database's job table. Start as many as you like; each runs one plan at a time."""
    from zones.jobs.worker import work

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = invocation.settings
    run(settings, require_schema, needs_schema=False)  # refuse before the worker starts

    def ready(carrier: str) -> None:
        out.print(f"worker {os.getpid()} on {carrier}: {redacted(settings.database_url)}", highlight=False)

    asyncio.run(work(settings, clock=invocation.clock, ready=ready))


def start_local_worker(settings: Settings) -> subprocess.Popen[bytes] | None:
    """The worker `zones serve` and `zones demo` start beside the server on the embedded default
    (SQLite without Redis), so one command still does everything; None elsewhere, where workers are
    processes of their own (`zones worker`)."""
    from zones.jobs.carriers import uses_saq

    if uses_saq(settings):
        out.print("plan runs wait for a worker: start one or more with `zones worker`", highlight=False)
        return None
    from zones.jobs.worker import PARENT_VARIABLE

    environment = {
        **os.environ,
        "ZONES_DATABASE_URL": settings.database_url,
        PARENT_VARIABLE: str(os.getpid()),
    }
    return subprocess.Popen([sys.executable, "-m", "zones", "worker"], env=environment)


def stop_local_worker(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
