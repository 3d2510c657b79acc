"""Import staff and team memberships from CSV: every row checked, all or nothing written.

Columns: `email,name` (required) and `team,role,home_site,contracted_share,needs,shares_presence`
(optional). `team` and `needs` take several values separated by `;`. People are matched by e-mail
without regard to case, so re-importing the same file changes nothing.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from zones.db.rows import assign_changed
from zones.models import Absence, Employee, Role, Site, Team, TeamKind
from zones.office.errors import ConfigError, Problem, read_input_text
from zones.text import single_line_problem
from zones.weekdays import Weekday

REQUIRED_COLUMNS = ("email", "name")
OPTIONAL_COLUMNS = (
    "team",
    "role",
    "home_site",
    "contracted_share",
    "needs",
    "shares_presence",
    "preferred_days",
    "focus_days",
    "team_days",
    "unavailable",
)
_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"0", "false", "no", "n"}


@dataclass(frozen=True)
class StaffRow:
    """One valid CSV row, ready to write."""

    line: int
    email: str
    name: str
    teams: tuple[str, ...] | None
    role: Role | None
    home_site: str | None
    contracted_share: float | None
    needs: tuple[str, ...] | None
    shares_presence: bool | None
    preferred_days: tuple[int, ...] | None = None
    focus_days: int | None = None
    team_days: int | None = None
    unavailable: tuple[tuple[date, date], ...] | None = None


@dataclass(frozen=True)
class RejectedRow:
    """A row that was not imported, and why."""

    line: int
    reason: str


@dataclass
class StaffReport:
    """The outcome of an import: rows accepted and rejected, and what was written."""

    source: str
    accepted: list[StaffRow] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_teams: list[str] = field(default_factory=list)
    written: bool = False

    def lines(self) -> list[str]:
        """A readable report: totals first, then each rejected row with its reason."""
        head = f"{self.source}: {len(self.accepted)} rows accepted, {len(self.rejected)} rejected"
        out = [head]
        out += [f"{self.source}:{row.line}: {row.reason}" for row in self.rejected]
        if self.written:
            out.append(f"written: {self.created} created, {self.updated} updated, {self.unchanged} unchanged")
            if self.new_teams:
                out.append(f"new teams: {', '.join(self.new_teams)}")
        else:
            out.append("nothing written: fix the rejected rows, or pass --skip-invalid to import the rest")
        return out


def read_staff_csv(path: Path, known_sites: Iterable[str]) -> StaffReport:
    """Parse and check every row of a staff CSV; header problems raise `ConfigError`."""
    return parse_staff_csv(read_input_text(path, "utf-8-sig"), str(path), known_sites)


def parse_staff_csv(text: str, source: str, known_sites: Iterable[str]) -> StaffReport:
    """Check CSV text row by row (see `read_staff_csv`)."""
    dialect = _dialect(text)
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    _check_header(reader.fieldnames, source)
    sites = set(known_sites)
    report = StaffReport(source=source)
    first_line_of: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if record.get(None):  # type: ignore[call-overload,unused-ignore]
            report.rejected.append(RejectedRow(line, "has more fields than the header"))
            continue
        try:
            row = _parse_row(record, line, sites)
        except ValueError as error:
            report.rejected.append(RejectedRow(line, str(error)))
            continue
        key = row.email.casefold()
        if key in first_line_of:
            report.rejected.append(RejectedRow(line, f"{row.email} is already on line {first_line_of[key]}"))
            continue
        first_line_of[key] = line
        report.accepted.append(row)
    return report


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _check_header(fieldnames: Sequence[str] | None, source: str) -> None:
    if not fieldnames:
        raise ConfigError(f"{source}:1", [Problem("", "has no header; expected columns email,name,...")])
    columns = [name.strip().lower() for name in fieldnames]
    problems = []
    allowed = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    for column in columns:
        if column not in allowed:
            close = difflib.get_close_matches(column, allowed, n=1)
            hint = f" (did you mean {close[0]}?)" if close else f" (expected: {', '.join(allowed)})"
            problems.append(Problem("", f"unknown column {column!r}{hint}"))
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            problems.append(Problem("", f"lacks the required column {column!r}"))
    if problems:
        raise ConfigError(f"{source}:1", problems)
    # Normalise in place so rows are read with clean names.
    fieldnames[:] = columns  # type: ignore[index]


def _parse_row(record: dict[str, Any], line: int, sites: set[str]) -> StaffRow:
    value = {key: (record.get(key) or "").strip() for key in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    if not value["email"]:
        raise ValueError("email is empty")
    try:
        email = validate_email(value["email"], check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(f"email {value['email']!r} is not valid: {error}") from error
    if not value["name"]:
        raise ValueError("name is empty")
    if len(value["name"]) > 200:
        raise ValueError("name is longer than 200 characters")
    for column in ("name", "team"):
        _single_line(column, value[column])
    return StaffRow(
        line=line,
        email=email,
        name=value["name"],
        teams=_teams(value["team"]) if "team" in record else None,
        role=_role(value["role"]) if value["role"] else None,
        home_site=_site(value["home_site"], sites) if value["home_site"] else None,
        contracted_share=_share(value["contracted_share"]) if value["contracted_share"] else None,
        needs=_needs(value["needs"]) if "needs" in record else None,
        shares_presence=_flag(value["shares_presence"]) if value["shares_presence"] else None,
        preferred_days=_weekdays(value["preferred_days"]) if "preferred_days" in record else None,
        focus_days=_days_a_week("focus_days", value["focus_days"]) if value["focus_days"] else None,
        team_days=_days_a_week("team_days", value["team_days"]) if value["team_days"] else None,
        unavailable=_periods(value["unavailable"]) if "unavailable" in record else None,
    )


def _single_line(column: str, text: str) -> None:
    """Refuse a value with a control character or a line break (a quoted CSV field may hold one)."""
    if problem := single_line_problem(text):
        raise ValueError(f"{column} {problem}")


def _weekdays(text: str) -> tuple[int, ...]:
    """ISO numbers of `mon;wed` (or `Monday;Wednesday`), sorted and without repeats."""
    days = set()
    for part in (p.strip().lower()[:3] for p in text.split(";") if p.strip()):
        try:
            days.add(Weekday(part).iso)
        except ValueError:
            raise ValueError(f"preferred_days {text!r}: {part!r} is not a weekday (use mon;tue;…)") from None
    return tuple(sorted(days))


def _days_a_week(column: str, text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 7:
        raise ValueError(f"{column} {text!r} must be a whole number of days from 0 to 7")
    return int(text)


def _periods(text: str) -> tuple[tuple[date, date], ...]:
    """`2026-12-24..2027-01-01;2027-02-03`: inclusive ranges or single days."""
    periods = []
    for part in (p.strip() for p in text.split(";") if p.strip()):
        first, _, last = part.partition("..")
        try:
            start, end = date.fromisoformat(first.strip()), date.fromisoformat((last or first).strip())
        except ValueError:
            raise ValueError(
                f"unavailable {part!r} is not a date or a range like 2026-12-24..2027-01-01"
            ) from None
        if end < start:
            raise ValueError(f"unavailable {part!r} ends before it starts")
        periods.append((start, end))
    return tuple(periods)


def _teams(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(" ".join(part.split()) for part in text.split(";") if part.strip()))
    for name in names:
        if len(name) > 200:
            raise ValueError(f"team name {name[:20]!r}… is longer than 200 characters")
    return names


def _role(text: str) -> Role:
    try:
        return Role(text.lower())
    except ValueError:
        raise ValueError(f"role {text!r} is not one of {', '.join(r.value for r in Role)}") from None


def _site(text: str, sites: set[str]) -> str:
    if text not in sites:
        close = difflib.get_close_matches(text, sorted(sites), n=1)
        hint = f" (did you mean {close[0]}?)" if close else " (load the office file first)"
        raise ValueError(f"home_site {text!r} is not a known site{hint}")
    return text


def _share(text: str) -> float:
    try:
        share = float(text.removesuffix("%").strip().replace(",", ".")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise ValueError(f"contracted_share {text!r} is not a number (use 0.8 or 80%)") from None
    if not 0 < share <= 1:
        raise ValueError(f"contracted_share {text!r} must be more than 0 and at most 1 (100%)")
    return share


def _needs(text: str) -> tuple[str, ...]:
    needs = tuple(dict.fromkeys(part.strip().lower() for part in text.split(";") if part.strip()))
    for need in needs:
        if not all(ch.isalnum() or ch == "-" for ch in need):
            raise ValueError(f"need {need!r} must be letters, digits and dashes, such as accessible")
    return needs


def _flag(text: str) -> bool:
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise ValueError(f"shares_presence {text!r} must be yes or no")


ProgressCallback = Callable[[int, int], None]


async def import_staff(
    session: AsyncSession,
    report: StaffReport,
    *,
    skip_invalid: bool = False,
    progress: ProgressCallback | None = None,
) -> StaffReport:
    """Write the accepted rows into the session's transaction, unless rows were rejected.

    With rejected rows nothing is written unless `skip_invalid`; then only the accepted rows are.
    The caller commits, so a failure part-way leaves the database as it was.
    """
    if report.rejected and not skip_invalid:
        return report
    rows = report.accepted
    sites = {site.key: site.id for site in await session.scalars(select(Site))}
    only_site = next(iter(sites.values())) if len(sites) == 1 else None
    emails = [row.email.casefold() for row in rows]
    existing: dict[str, Employee] = {}
    for chunk in _chunks(emails, 500):
        found = await session.scalars(
            select(Employee)
            .where(func.lower(Employee.email).in_(chunk))
            .options(selectinload(Employee.teams))
        )
        existing.update({employee.email.casefold(): employee for employee in found})
    teams = {team.name.casefold(): team for team in await session.scalars(select(Team))}

    for done, row in enumerate(rows, 1):
        employee = existing.get(row.email.casefold())
        values: dict[str, Any] = {"email": row.email, "name": row.name}
        if row.role is not None:
            values["role"] = row.role
        if row.home_site is not None:
            values["home_site_id"] = sites[row.home_site]
        if row.contracted_share is not None:
            values["contracted_share"] = row.contracted_share
        if row.needs is not None:
            values["needs"] = list(row.needs)
        if row.shares_presence is not None:
            values["shares_presence"] = row.shares_presence
        if row.preferred_days is not None:
            values["preferred_days"] = list(row.preferred_days)
        if row.focus_days is not None:
            values["focus_days"] = row.focus_days
        if row.team_days is not None:
            values["team_days"] = row.team_days
        is_new = employee is None
        if employee is None:
            values.setdefault("home_site_id", only_site)
            employee = Employee(teams=[], **values)
            session.add(employee)
        changed = assign_changed(employee, values)
        if row.teams is not None:
            wanted = [_team(teams, name, report) for name in row.teams]
            if {t.name for t in employee.teams} != {t.name for t in wanted}:
                employee.teams = wanted
                changed = True
        if row.unavailable is not None:
            changed |= await _replace_absences(session, employee, row.unavailable)
        if is_new:
            report.created += 1
        elif changed:
            report.updated += 1
        else:
            report.unchanged += 1
        if progress is not None and (done % 200 == 0 or done == len(rows)):
            progress(done, len(rows))
    for team in teams.values():
        session.add(team)
    await session.flush()
    report.written = True
    return report


async def _replace_absences(
    session: AsyncSession, employee: Employee, periods: tuple[tuple[date, date], ...]
) -> bool:
    """Make the imported absences the person's absences; say whether anything changed."""
    await session.flush()  # a new employee needs its id
    current = list(await session.scalars(select(Absence).where(Absence.employee_id == employee.id)))
    if sorted((a.starts_on, a.ends_on) for a in current) == sorted(periods):
        return False
    for absence in current:
        await session.delete(absence)
    session.add_all(
        Absence(employee_id=employee.id, starts_on=s, ends_on=e, reason="import") for s, e in periods
    )
    return True


def _team(teams: dict[str, Team], name: str, report: StaffReport) -> Team:
    team = teams.get(name.casefold())
    if team is None:
        team = Team(name=name, kind=TeamKind.TEAM, members=[])
        teams[name.casefold()] = team
        report.new_teams.append(name)
    return team


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
