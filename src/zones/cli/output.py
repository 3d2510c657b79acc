"""What every command shares: the consoles, one-line errors, running async work, progress bars."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import DBAPIError, OperationalError

from zones.clock import Clock, utc_now
from zones.db import Database, create_database
from zones.db import migrate as migrations
from zones.db.engine import sqlite_file
from zones.errors import ZonesError
from zones.office.errors import ConfigError
from zones.settings import Settings, UnsupportedDatabase, hide_password
from zones.text import single_line_problem

if TYPE_CHECKING:
    from zones.optimizer import planning

T = TypeVar("T")
# Piped output gets a wide fixed width so tables stay readable in logs and files.
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)


@dataclass(frozen=True)
class Invocation:
    """What `zones` hands every command: the settings, read once, and the clock."""

    settings: Settings
    clock: Clock = utc_now


pass_invocation = click.make_pass_decorator(Invocation)
"""Decorates a command so its first argument is the `Invocation`."""


def single_line(_context: click.Context, _parameter: click.Parameter, value: str) -> str:
    """A click callback that refuses a value with a control character or a line break."""
    if problem := single_line_problem(value):
        raise click.BadParameter(problem)
    return value


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `error: message` on one line and exit with `code`."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    sys.exit(code)


def fail_config(error: ConfigError) -> NoReturn:
    """Print each problem with an input file on its own `error:` line and exit with 2."""
    for line in error.lines:
        err.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
    sys.exit(2)


def redacted(url: str) -> str:
    """The database URL without its password, for messages."""
    return hide_password(url)


@contextmanager
def database_errors(settings: Settings) -> Iterator[None]:
    """Turn a database that cannot be reached or used into a one-line error."""
    try:
        yield
    except UnsupportedDatabase as error:
        fail(str(error))
    except (OperationalError, DBAPIError, OSError) as error:
        fail(f"database {redacted(settings.database_url)}: {str(error).splitlines()[0]}")


def run(settings: Settings, work: Callable[[Database], Awaitable[T]], *, needs_schema: bool = True) -> T:
    """Run async work against the configured database, turning failures into one-line errors.

    Unless `needs_schema` is false, the database must be at the newest migration first.
    """

    if needs_schema:
        require_database_file(settings)

    async def main() -> T:
        database = create_database(settings.database_url)
        try:
            if needs_schema:
                await require_schema(database)
            return await work(database)
        finally:
            await database.dispose()

    with database_errors(settings):
        try:
            return asyncio.run(main())
        except ConfigError as error:
            fail_config(error)
        except ZonesError as error:
            fail(error.detail)


def require_database_file(settings: Settings) -> None:
    """Stop with a one-line hint when the SQLite file does not exist, instead of creating an empty one.

    `run` calls it for every command that needs the schema, since connecting would otherwise create
    the file (and its folder); `zones db upgrade` and `zones demo` are the ones that create it.
    """
    path = sqlite_file(settings.database_url)
    if path is not None and not path.exists():
        fail(
            f"no database at {path}: run `zones demo` (the demo office) or `zones db upgrade` "
            "(an empty one) first, or set ZONES_DATABASE_URL or ZONES_DATA_DIR"
        )


async def require_schema(database: Database) -> None:
    """Stop with a hint to run `zones db upgrade` unless the schema is the newest."""
    current = await migrations.current_revision(database.engine)
    head = migrations.head_revision()
    if current != head:
        state = "is empty" if current is None else f"is at revision {current}"
        fail(f"the database {state}, Zones needs {head}: run `zones db upgrade` first")


def counting_progress(label: str, total: int) -> Progress:
    """A transient bar counting `total` items on stderr, shown only for long jobs (1000 or more)."""
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=total < 1000,
    )


def solver_progress() -> Progress:
    """A bar on stderr for solver runs: the stage, then objective, bound and gap."""
    return Progress(
        TextColumn("[bold]{task.fields[stage]}[/]"),
        BarColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def follow_planner(
    progress: Progress, task: TaskID, time_limit: float
) -> Callable[[planning.PlanProgress], None]:
    """A planner progress callback that moves `task` along the time limit."""

    def update(update: planning.PlanProgress) -> None:
        gap = "–" if update.gap != update.gap else f"{update.gap:.1%}"
        progress.update(
            task,
            completed=min(update.elapsed, time_limit),
            stage=update.stage,
            detail=f"objective {update.objective:,.0f}  bound {update.bound:,.0f}  gap {gap}",
        )

    return update
