"""`zones serve` and `zones demo`: serve the API, with or without the demo office first."""

from __future__ import annotations

import os
import sys
from dataclasses import replace

import click

from zones import __version__
from zones.cli.database import upgrade
from zones.cli.office import load_office_into, print_load_report, print_summary, read_summaries
from zones.cli.output import Invocation, out, pass_invocation, redacted, require_schema, run
from zones.cli.staff import import_staff_file
from zones.cli.worker import start_local_worker, stop_local_worker
from zones.office.paths import demo_office_file, demo_staff_file
from zones.settings import Settings

DEMO_SITE = "kff-cph"


@click.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1). Env: ZONES_HOST.")
@click.option("--port", type=int, default=None, help="Port (default 8000). Env: ZONES_PORT.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Server processes (default: the number of cores; 1 on SQLite). Env: ZONES_WORKERS.",
)
@click.option("--reload", is_flag=True, help="Restart when the code changes (development).")
@click.option(
    "--no-worker",
    is_flag=True,
    help="Do not start a plan worker beside the server (embedded database only; see `zones worker`).",
)
@pass_invocation
def serve(
    invocation: Invocation,
    host: str | None,
    port: int | None,
    workers: int | None,
    reload: bool,
    no_worker: bool,
) -> None:
    """Serve the API and the web app (OpenAPI documentation at /schema)."""
    settings = invocation.settings
    run(settings, require_schema, needs_schema=False)  # refuse before the server starts
    _serve(
        settings,
        host or settings.host,
        port or settings.port,
        reload,
        workers or settings.worker_count,
        local_worker=not no_worker,
    )


@click.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8000).")
@click.option("--no-serve", is_flag=True, help="Only create or refresh the demo data; do not serve.")
@click.option("--no-worker", is_flag=True, help="Do not start a plan worker beside the server.")
@pass_invocation
def demo(invocation: Invocation, host: str | None, port: int | None, no_serve: bool, no_worker: bool) -> None:
    """Create or refresh the demo office (Copenhagen, 2 floors, 140 staff) and serve the API."""
    settings = invocation.settings
    out.print(f"database: {redacted(settings.database_url)}", highlight=False)
    upgrade(settings)
    print_load_report(load_office_into(invocation, demo_office_file()), demo_office_file())
    report = import_staff_file(invocation, demo_staff_file())
    for line in report.lines():
        out.print(line, highlight=False)
    if not report.written:
        sys.exit(2)
    for summary in read_summaries(invocation, DEMO_SITE):
        print_summary(summary)
    if not no_serve:
        # Demo mode: the sign-in page offers "sign in as" the demo people (never on a real server).
        os.environ["ZONES_DEMO"] = "1"
        _serve(
            settings,
            host or settings.host,
            port or settings.port,
            workers=settings.worker_count,
            local_worker=not no_worker,
        )


def _serve(
    settings: Settings,
    host: str,
    port: int,
    reload: bool = False,
    workers: int = 1,
    *,
    local_worker: bool = True,
) -> None:
    workers = 1 if reload else workers
    # The app factory reads settings from the environment, also in worker processes: what the
    # command line chose must reach it, or links in feeds and invites name another server.
    os.environ.update(
        ZONES_DATABASE_URL=settings.database_url,
        ZONES_HOST=host,
        ZONES_PORT=str(port),
        ZONES_WORKERS=str(workers),
    )
    served = replace(settings, workers=workers)
    out.print(f"Zones {__version__} on http://{host}:{port}  (API docs: http://{host}:{port}/schema)")
    pool = "" if served.is_sqlite else f", {served.pool_size} database connections each"
    out.print(f"{workers} worker process{'es' if workers > 1 else ''}{pool}", highlight=False)
    worker = start_local_worker(settings) if local_worker else None
    try:
        _run_uvicorn(settings, host, port, reload, workers)
    finally:
        stop_local_worker(worker)


def _run_uvicorn(settings: Settings, host: str, port: int, reload: bool, workers: int) -> None:
    import uvicorn

    uvicorn.run(
        "zones.server.app:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=workers,
        log_level="info",
        access_log=settings.access_log,
        http=settings.http,
        # h11 reads request heads up to this size, so the app itself answers larger URLs and headers
        # than it takes with 414 and 431 problem details (see ZONES_MAX_URL_BYTES).
        h11_max_incomplete_event_size=settings.server_head_limit,
    )
