"""The planner's pages: the office, staff and office files, plan runs, review and apply, closures,
analytics (planners and admins).

Every page calls the service the API and the CLI call (`office.summary`, `staff.csv_import`,
`office.parse`/`office.load`, `closures.service`, `analytics.service`, `plans.service`), so the
figures, the rules and the error messages are theirs. The services report import and file problems
in English: the pages show those reasons as they are (marked `lang="en"`), and everything around
them in the page's language. Employees get a 403 page; signed-out visitors are sent to sign in.
"""

from __future__ import annotations

import base64
import binascii
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path, PurePath
from typing import Any, Final
from urllib.parse import urlencode
from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from anyio import to_thread
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from zones.analytics.schemas import Grouping, Occupancy
from zones.analytics.service import occupancy
from zones.auth.principal import Principal
from zones.bookings.plan_pages import ACTIVITY_NAMES
from zones.bookings.times import local_today, site_zone
from zones.closures import service as closures
from zones.closures.schemas import ClosedRead
from zones.errors import Conflict, InvalidInput, NotFound, ZonesError
from zones.models import Activity, Employee, Floor, Plan, PlanStatus, Site
from zones.models.closure import REASON_LENGTH
from zones.office.errors import ConfigError
from zones.office.errors import Problem as FileProblem
from zones.office.load import LoadReport, PlacesStillBooked, load_office
from zones.office.parse import load_office_file, load_policy_file
from zones.office.paths import default_policy_file
from zones.office.service import site_keys, site_summary
from zones.office.spec import OfficeSpec, PolicySpec
from zones.office.summary import SiteSummary
from zones.optimizer import planning
from zones.optimizer.planning.densification import counted_air_per_person
from zones.optimizer.planning.spec import all_in, gathering_days_wanted, gathering_eligible_days
from zones.plans import service as plans
from zones.plans.apply import PlanApplyRead, apply_plan
from zones.plans.scenario_from_db import scenario_for_site, site_thresholds, stored_plan
from zones.plans.schemas import PlanCreate, PlanRead
from zones.server.problems import status_of
from zones.server.state import AppState
from zones.staff.csv_import import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    StaffReport,
    import_staff,
    parse_staff_csv,
)
from zones.web.forms import Problem, date_or_none, uuid_or_none
from zones.web.i18n import N_
from zones.web.render import environment, gettext_for, page_locale, render

# Words ------------------------------------------------------------------------------------------

SECTIONS: Final = (
    ("/planning", N_("Overview")),
    ("/planning/runs", N_("Plan runs")),
    ("/planning/closures", N_("Closures")),
    ("/planning/analytics", N_("Analytics")),
    ("/planning/staff", N_("Staff file")),
    ("/planning/office", N_("Office file")),
)
"""The planner's pages, as their own menu says them."""
NOT_A_PLANNER_TITLE: Final = N_("Only for planners")
NOT_A_PLANNER: Final = N_(
    "The planning pages are for facilities planners and administrators. Ask an administrator if you"
    " need to plan the office."
)
STATUS_NAMES: Final = {
    PlanStatus.QUEUED: N_("Queued"),
    PlanStatus.RUNNING: N_("Running"),
    PlanStatus.DONE: N_("Done"),
    PlanStatus.FAILED: N_("Failed"),
    PlanStatus.CANCELLED: N_("Stopped"),
}
SEVERITY_NAMES: Final = {"info": N_("Note"), "warning": N_("Warning"), "breach": N_("Breach")}
STAGE_NAMES: Final = {"days": N_("Office days"), "zones": N_("Zones"), "desks": N_("Desks")}
METRIC_NAMES: Final = {
    "air_m3_per_person": N_("Air per person"),
    "area_m2_per_person": N_("Floor area per person"),
    "zone_area_m2": N_("Workroom floor area"),
    "desks_per_fte": N_("Desks per full-time employee"),
    "peak_utilisation": N_("Busiest-day utilisation"),
    "quiet_zone_utilisation": N_("Quiet-zone utilisation"),
    "days_outside_preferences": N_("Office days not asked for"),
    "team_days_lost": N_("Team days lost"),
    "team_days_price": N_("Preferred days given up for team days"),
    "leave_on_workshop_day": N_("On leave on their workshop day"),
}
"""The thresholds' and flags' metrics (`planning.thresholds.METRIC_NAMES`), as people say them."""
UNIT_NAMES: Final = {"desks/FTE": N_("desks per FTE")}
"""Units said in words (m² and m³ are the same in every language)."""
SHARE_UNITS: Final = frozenset({"share", "share of usable desks"})
"""Units that are fractions: shown as percentages."""
KPI_NAMES: Final = {
    "preferences_honoured": N_("Preferred days honoured"),
    "preferences_lost_twice": N_("Weeks in which a person lost two or more preferred days"),
    "office_days_wanted": N_("Office days people asked for"),
    "teammate_overlap": N_("Teammates in on the same day"),
    "teams_with_an_all_in_day": N_("Team weeks with an all-in day"),
    "team_overlap_days_met": N_("Team weeks with all their team days"),
    "activity_match": N_("Focus and team days in the right kind of zone"),
    "neighbourhood_seating": N_("Days seated in the team's area"),
    "peak_utilisation": N_("Busiest-day utilisation"),
    "peak_to_average": N_("Busiest day ÷ average day"),
    "desk_stability": N_("Days at the person's usual desk"),
    "office_days": N_("Office days planned"),
    "band_shortfall_days": N_("Office days short of the attendance band"),
    "unseated": N_("Office days without a desk"),
}
"""The plan's KPIs (`planning.PlanKpis`), in the order the review shows them."""
KPI_COUNTS: Final = frozenset({"office_days", "band_shortfall_days", "unseated"})
KPI_RATIOS: Final = frozenset({"peak_to_average"})
DAY_ACTIVITIES: Final = {"focus": N_("focus day"), "team": N_("team day"), "flex": N_("office day")}
LOAD_KINDS: Final = {
    "floors": N_("Floors"),
    "neighbourhoods": N_("Team areas"),
    "zones": N_("Zones"),
    "desks": N_("Desks"),
    "rooms": N_("Workshop rooms"),
    "teams": N_("Teams"),
    "policy": N_("Policy"),
    "thresholds": N_("Thresholds"),
}
"""What an office file holds, in the order `LoadReport.lines` reports them."""
GROUPINGS: Final = {
    Grouping.ZONE: N_("Zone"),
    Grouping.FLOOR: N_("Floor"),
    Grouping.TEAM: N_("Team"),
    Grouping.DAY: N_("Whole office, per day"),
}

NEEDS_FILE: Final = N_("Choose a file to upload.")
FILE_UNUSABLE: Final = N_("The file cannot be used, so nothing was imported. The problems are listed below.")
NOTHING_IMPORTED: Final = N_(
    "%(count)s rows were rejected, so nothing was imported. Fix them and upload the file again, or tick"
    " “Import the valid rows” to import the rest."
)
NOT_UTF8: Final = N_("The file is not UTF-8 text. Save it as CSV (UTF-8) and upload it again.")
OFFICE_UNUSABLE: Final = N_(
    "The office file cannot be used, so nothing was changed. The problems are listed below, each with"
    " the key it is about."
)
STILL_BOOKED: Final = N_(
    "The file removes desks or rooms that still have bookings, so nothing was changed. Cancel those"
    " bookings first, or keep the desks in the file with bookable = false."
)
OFFICE_GONE: Final = N_("The checked office file was lost on the way. Upload it again.")
NEEDS_START: Final = N_("Enter the first closed day as a date, for example %(example)s.")
NEEDS_END: Final = N_("Enter the last closed day as a date, for example %(example)s, or leave it empty.")
NEEDS_REASON: Final = N_("Say why the place is closed: the people whose bookings are cancelled are told.")
REASON_TOO_LONG: Final = N_("The reason can be at most %(length)s characters.")
NEEDS_PLACE: Final = N_("Choose what to close: the whole office, a floor or a zone.")
NEEDS_WEEK: Final = N_("Enter the first week to plan, for example %(example)s.")
NEEDS_WEEKS: Final = N_("Choose how many weeks to plan: from 1 to 8.")
NEEDS_TIME_LIMIT: Final = N_("Choose how long the planner may work: from 10 to 600 seconds.")
NEEDS_RANGE: Final = N_("Enter the first and the last day as dates, for example %(example)s.")
REFUSALS: Final = {
    "closure.ends-before-start": N_("The last day is before the first day. Choose a later last day."),
    "closure.too-long": N_("A closure can last at most %(max_days)s days. Choose an earlier last day."),
    "closure.reason-required": NEEDS_REASON,
    "closure.one-place": NEEDS_PLACE,
    "not-found.closure-floor": N_("That floor no longer exists. Choose the place again."),
    "not-found.closure-zone": N_("That zone no longer exists. Choose the place again."),
    "not-found.id": N_("We could not find that. It may have been removed already."),
    "invalid-range": N_("The last day is before the first day. Choose a later last day."),
    "range-too-long": N_("Choose a range of at most %(max_days)s days."),
    "invalid-week": N_("%(week)s is not a week. Write it like 2026-W49, or choose it in the field."),
    "plan.no-working-days": N_("Those weeks have no working days at the office. Choose other weeks."),
    "plan-running": N_("A plan of these weeks is already running. Follow it, or cancel it first."),
    "plan-finished": N_("The run has already finished, so there is nothing to cancel."),
    "plan-conflicts": N_(
        "%(conflicts)s planned seats clash with bookings made or desks changed since the plan was made,"
        " so nothing was booked. Plan again, or tick “Book the other seats” and apply the rest."
    ),
    "plan-not-applicable": N_("Only a finished plan can be turned into bookings."),
    "not-found.policy": N_("The site has no booking policy. Load its office file again."),
}
"""What a page says when a service refuses, by the error's `message_id` (English msgids)."""
REFUSED_OTHERWISE: Final = N_("This could not be done. Reload the page and try again.")
TARGETS: Final = {
    "closure.ends-before-start": "ends_on",
    "closure.too-long": "ends_on",
    "closure.reason-required": "reason",
    "closure.one-place": "place",
    "not-found.closure-floor": "place",
    "not-found.closure-zone": "place",
    "invalid-range": "ends_on",
    "range-too-long": "ends_on",
    "invalid-week": "week",
    "plan.no-working-days": "week",
    "plan-running": "week",
}
DONE: Final = {
    "closure-added": N_("Closure added"),
    "closure-removed": N_("Closure removed"),
    "run-started": N_("Planning started"),
    "cancel-requested": N_("Cancel requested"),
    "cancelled": N_("Run cancelled"),
    "applied": N_("Plan applied"),
}
DONE_TEXT: Final = {
    "closure-removed": N_("Its days can be booked again. Bookings it cancelled stay cancelled."),
    "run-started": N_("The run waits for a planner worker. This page shows its progress."),
    "cancel-requested": N_("The planner stops within a few seconds and keeps the best plan it has found."),
    "cancelled": N_("The run was cancelled before it started."),
}
CANCELLED_BOOKINGS: Final = N_(
    "Desk bookings cancelled: %(desks)s. Room bookings cancelled: %(rooms)s. Each person was sent a"
    " cancellation."
)
NOTHING_CANCELLED: Final = N_("No bookings on those days had to be cancelled.")
APPLIED: Final = N_(
    "Bookings made: %(created)s. Seats kept as people had booked them: %(kept)s. Seats not booked:"
    " %(skipped)s. Everyone with a new booking gets an invitation."
)
CONFLICT_KINDS: Final = {
    "desk-taken": N_("someone else has booked the desk"),
    "zone-full": N_("the zone is full"),
    "attendance-cap": N_("the person's week is full"),
    "desk-not-bookable": N_("the desk is out of use"),
    "closed": N_("the office is closed"),
    "not-a-working-day": N_("not a working day"),
    "in-the-past": N_("the day is over"),
    "person-gone": N_("the person has left"),
}
"""Why a planned seat cannot be booked (`plans.apply.ConflictKind`)."""
KEPT_REASONS: Final = {
    "own-booking": N_("has booked that day already"),
    "applied": N_("booked from this plan already"),
    "moved": N_("moved the booking from this plan"),
    "cancelled": N_("cancelled the booking from this plan"),
    "released": N_("the booking from this plan was released"),
}
"""Why a planned seat is left alone (`plans.apply.KeptReason`)."""
RUN_FINISHED: Final = N_("The run has finished.")

TIME_LIMITS: Final = (30, 60, 120, 300, 600)
"""The planner's time limits the start form offers, in seconds."""
RUNS_SHOWN: Final = 50
CLOSURES_AHEAD_DAYS: Final = 365
ANALYTICS_WEEKS: Final = 4


class Words:
    """Text built in Python in the page's language: translated msgids, numbers, dates."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.gettext: Callable[[str], str] = gettext_for(locale)
        self.long_date: Callable[[date], str] = environment(locale).filters["long_date"]

    def say(self, msgid: str, **params: Any) -> str:
        text = str(self.gettext(msgid))
        return text % params if params else text

    def number(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, value: float | None) -> str:
        return "–" if value is None else format_percent(value, locale=self.locale)

    def figure(self, value: float | None, unit: str) -> str:
        """A figure with its unit as a flag or threshold states it ("9,8 m²", "85 %")."""
        if value is None:
            return "–"
        if unit in SHARE_UNITS:
            return self.percent(value)
        if unit == "people":
            return self.number(value)
        digits = 2 if unit == "desks/FTE" else 1
        shown = self.number(value, digits)
        return f"{shown} {self.say(UNIT_NAMES[unit]) if unit in UNIT_NAMES else unit}".strip()

    def short_day(self, day: date) -> str:
        """A day as a table column says it: "tir. 1. dec." / "Tue 1 Dec"."""
        return format_date(day, "EEE d. MMM" if self.locale == "da" else "EEE d MMM", locale=self.locale)

    def day_name(self, day: date) -> str:
        text = self.long_date(day)
        return text[:1].upper() + text[1:]

    def moment(self, value: datetime | None, site: Site) -> str:
        if value is None:
            return "–"
        pattern = "d. MMM y 'kl.' HH.mm" if self.locale == "da" else "d MMM y, HH:mm"
        return format_datetime(value.astimezone(site_zone(site)), pattern, locale=self.locale)

    def refusal(self, error: ZonesError, default_target: str = "main") -> Problem:
        """What a service's refusal says in the page's language, and the field it is about."""
        template = REFUSALS.get(error.message_id)
        target = TARGETS.get(error.message_id, default_target)
        if template is None:
            return Problem(target, self.say(REFUSED_OTHERWISE))
        try:
            return Problem(target, self.say(template, **error.params))
        except (KeyError, TypeError, ValueError):
            return Problem(target, self.say(REFUSED_OTHERWISE))


async def words(request: Request[Any, Any, Any]) -> Words:
    return Words(await page_locale(request))


async def planners_only(request: Request[Any, Any, Any]) -> Response[Any] | None:
    """The pages' guard: planners and admins go on, anyone else gets a 403 page (signed-out
    visitors never get here: authentication sends them to sign in)."""
    user = request.scope.get("user")
    if isinstance(user, Principal) and user.is_planner:
        return None
    return await render(
        request, "problem.html", status_code=403, title=NOT_A_PLANNER_TITLE, text=NOT_A_PLANNER
    )


async def chosen_site(
    session: AsyncSession, user: Principal, key: str = "", site_id: UUID | None = None
) -> tuple[Site | None, list[Site]]:
    """The site a page is about (by key or id; else the planner's home site, else the first by
    name), and every site for the chooser. None when there is no office yet."""
    sites = list(await session.scalars(select(Site).order_by(Site.name)))
    home = await session.scalar(select(Employee.home_site_id).where(Employee.id == user.employee_id))
    by_key = {site.key: site for site in sites}
    by_id = {site.id: site for site in sites}
    found = (
        by_key.get(key) or (by_id.get(site_id) if site_id else None) or (by_id.get(home) if home else None)
    )
    if found is not None:
        return found, sites
    return (sites[0] if sites else None), sites


async def read_upload(value: Any) -> tuple[str, bytes] | None:
    """The uploaded file's base name and content, or None when no file was chosen."""
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    content = await value.read()
    name = PurePath(value.filename.replace("\\", "/")).name
    return name, content


def heat_level(value: float, target: float) -> int:
    """A heatmap cell's shade: 0 empty, 1–3 rising use, 4 above the target, 5 above the desks."""
    if value <= 0:
        return 0
    if value > 1.0 + 1e-9:
        return 5
    if value > target + 1e-9:
        return 4
    return 1 if value < 0.5 else 2 if value < 0.7 else 3


# The office overview -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Judged:
    """A figure against a threshold: the severity it reaches (None: within it)."""

    value: float | None
    severity: str | None


@dataclass(frozen=True)
class ZoneRow:
    """One zone of the overview: what it holds, and its space per person at full use."""

    key: str
    name: str
    activity: Activity
    desks: int
    seats: int
    rooms: int
    room_seats: int
    area_m2: float
    ceiling_m: float
    volume_m3: float
    area_per_person: Judged
    air_per_person: Judged


@dataclass(frozen=True)
class FloorRows:
    name: str
    zones: list[ZoneRow]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    severity: str | None
    width: float
    """The bar's length in the chart's units (0–100)."""


@dataclass(frozen=True)
class BarChart:
    """Bars of one metric per zone against the threshold's warning and breach lines (0–100)."""

    metric: str
    unit: str
    bars: list[Bar]
    threshold: planning.Threshold | None
    warning_x: float | None
    breach_x: float | None
    scale_max: float


def judged(value: float | None, threshold: planning.Threshold | None) -> Judged:
    if value is None or threshold is None:
        return Judged(value, None)
    return Judged(value, threshold.severity(value))


def bar_chart(metric: str, rows: list[tuple[str, float]], threshold: planning.Threshold | None) -> BarChart:
    levels = [level for level in (threshold.warning, threshold.breach) if level] if threshold else []
    top = max([value for _, value in rows] + [level * 1.25 for level in levels] + [1.0])

    def x(value: float | None) -> float | None:
        return None if value is None else round(100 * value / top, 2)

    return BarChart(
        metric=metric,
        unit=threshold.unit if threshold else "",
        bars=[
            Bar(label, value, threshold.severity(value) if threshold else None, x(value) or 0.0)
            for label, value in rows
        ],
        threshold=threshold,
        warning_x=x(threshold.warning) if threshold else None,
        breach_x=x(threshold.breach) if threshold else None,
        scale_max=top,
    )


@dataclass(frozen=True)
class Overview:
    summary: SiteSummary
    floors: list[FloorRows]
    charts: list[BarChart]
    desks_per_fte: Judged
    desks_per_fte_threshold: planning.Threshold | None
    thresholds: dict[str, planning.Threshold]
    flags: list[planning.DensificationFlag]
    volume_m3: float
    seats: int


async def office_overview(session: AsyncSession, site: Site) -> Overview:
    """The office as configured (`office.summary`), every zone at full use against the site's
    thresholds (`analyse_densification` without a plan: the figures the planner's flags use)."""
    summary = await site_summary(session, site.id)
    scenario, _ = await scenario_for_site(session, site.id, ())
    thresholds = await site_thresholds(session, site)
    analysis = planning.analyse_densification(scenario, None, thresholds)
    by_metric = {t.metric: t for t in thresholds}
    area, air = by_metric.get("area_m2_per_person"), by_metric.get("air_m3_per_person")
    zones = {z.key: z for z in scenario.zones}
    at_full_use = {figures.key: figures for figures in analysis.configured}
    floors = []
    for floor in summary.floors:
        rows = []
        for zone in floor.zones:
            figures = at_full_use.get(zone.key)
            air_figure = (
                counted_air_per_person(figures, zones, air.counted_height_max_m if air else None)
                if figures
                else None
            )
            rows.append(
                ZoneRow(
                    key=zone.key,
                    name=zone.name,
                    activity=zone.activity,
                    desks=zone.desks,
                    seats=figures.seats if figures else 0,
                    rooms=zone.rooms,
                    room_seats=zone.room_seats,
                    area_m2=zone.area_m2,
                    ceiling_m=zone.ceiling_height_m,
                    volume_m3=round(zone.area_m2 * zone.ceiling_height_m, 1),
                    area_per_person=judged(figures.m2_per_person if figures else None, area),
                    air_per_person=judged(air_figure, air),
                )
            )
        floors.append(FloorRows(floor.name, rows))
    shown = [row for floor in floors for row in floor.zones if row.seats]
    charts = [
        bar_chart(
            "area_m2_per_person",
            [(row.name, row.area_per_person.value or 0.0) for row in shown],
            area,
        ),
        bar_chart(
            "air_m3_per_person",
            [(row.name, row.air_per_person.value or 0.0) for row in shown],
            air,
        ),
    ]
    fte_threshold = by_metric.get("desks_per_fte")
    return Overview(
        summary=summary,
        floors=floors,
        charts=charts,
        desks_per_fte=judged(analysis.desks_per_fte if analysis.fte else None, fte_threshold),
        desks_per_fte_threshold=fte_threshold,
        thresholds=by_metric,
        flags=[f for f in analysis.flags if f.severity != "info"],
        volume_m3=round(sum(r.volume_m3 for f in floors for r in f.zones), 1),
        seats=analysis.seats,
    )


# Flags ----------------------------------------------------------------------------------------


@dataclass
class FlagRow:
    """Densification flags of one place and metric at one figure, as the pages show them: severity,
    what, where, on which days, the figure and the threshold (the sources are listed once)."""

    severity: str
    what: str
    what_in_english: bool
    where: str
    days: list[date]
    figure: str
    threshold: str
    detail: str
    """The flag's own sentence (English) for notes no threshold judges."""


@dataclass(frozen=True)
class FlagTable:
    rows: list[FlagRow]
    sources: list[tuple[str, str]]
    """(what, source) once per metric, in the order the rows name them."""


SEVERITY_ORDER: Final = {"breach": 0, "warning": 1, "info": 2}


def flag_table(
    flags: Iterable[dict[str, Any] | planning.DensificationFlag], zone_names: dict[str, str], said: Words
) -> FlagTable:
    """Flags (stored dicts or the analysis' own), the most severe first; a place's days with the
    same figure in one row (as the CLI's report groups them)."""
    rows: dict[tuple[Any, ...], FlagRow] = {}
    sources: dict[str, str] = {}
    for flag in flags:
        data = flag if isinstance(flag, dict) else _flag_dict(flag)
        metric, unit = str(data.get("metric", "")), str(data.get("unit", ""))
        severity = str(data.get("severity", "info"))
        name = METRIC_NAMES.get(metric)
        what = said.say(name) if name else str(data.get("name") or metric)
        day = data.get("day")
        day = date_or_none(day) if isinstance(day, str) else day if isinstance(day, date) else None
        figure = said.figure(_float(data.get("figure")), unit)
        threshold = (
            said.figure(_float(data.get("threshold")), unit)
            if data.get("threshold") is not None and severity != "info"
            else "–"
        )
        where = _flag_place(data, zone_names, said)
        detail = str(data.get("message", "")) if severity == "info" else ""
        key = (severity, metric, where, figure, threshold, detail)
        row = rows.setdefault(
            key, FlagRow(severity, what, name is None, where, [], figure, threshold, detail)
        )
        if day is not None:
            row.days.append(day)
        if data.get("source"):
            sources.setdefault(what, str(data["source"]))
    ordered = sorted(rows.values(), key=lambda r: SEVERITY_ORDER.get(r.severity, 3))
    return FlagTable(
        ordered, [(what, sources[what]) for what in dict.fromkeys(r.what for r in ordered) if what in sources]
    )


def _flag_dict(flag: planning.DensificationFlag) -> dict[str, Any]:
    return {
        "severity": flag.severity,
        "metric": flag.metric,
        "scope": flag.scope,
        "figure": flag.figure,
        "threshold": flag.threshold,
        "unit": flag.unit,
        "source": flag.source,
        "message": flag.message,
        "name": flag.name,
        "zone": flag.zone,
        "day": flag.day,
    }


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


FLAG_PLACES: Final = {
    "zone-configured": N_("%(zone)s, as configured"),
    "zone-full-use": N_("%(zone)s, every desk taken"),
    "floor": N_("Floor %(floor)s"),
    "office": N_("The whole office"),
    "people": N_("People"),
    "plan": N_("The plan"),
}


def _flag_place(data: dict[str, Any], zone_names: dict[str, str], said: Words) -> str:
    """Where a flag is about, without its day, in the page's language (from its zone and scope)."""
    scope = str(data.get("scope", ""))
    zone = data.get("zone")
    if zone:
        name = zone_names.get(str(zone), str(zone))
        if scope.endswith(" as configured"):
            return said.say(FLAG_PLACES["zone-configured"], zone=name)
        if scope.endswith(" at full use"):
            return said.say(FLAG_PLACES["zone-full-use"], zone=name)
        return name
    if scope.startswith("floor "):
        return said.say(FLAG_PLACES["floor"], floor=scope.removeprefix("floor ").split(" on ")[0])
    if scope.startswith("the office"):
        return said.say(FLAG_PLACES["office"])
    if scope == "people":
        return said.say(FLAG_PLACES["people"])
    if scope == "the plan":
        return said.say(FLAG_PLACES["plan"])
    return scope


# Plan review ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatCell:
    day: date
    present: int
    seats: int
    utilisation: float
    level: int


@dataclass(frozen=True)
class HeatRow:
    zone: str
    activity: str
    seats: int
    desks: int
    cells: list[HeatCell]


@dataclass(frozen=True)
class HeatFloor:
    name: str
    rows: list[HeatRow]


@dataclass(frozen=True)
class TeamDay:
    day: date
    present: int
    available: int
    all_in: bool


@dataclass(frozen=True)
class TeamWeek:
    week: str
    wanted: int | None
    """All-in days the team wants that week (None: it is not held to any)."""
    got: int


@dataclass(frozen=True)
class TeamRow:
    name: str
    members: int
    days: list[TeamDay]
    weeks: list[TeamWeek]


@dataclass(frozen=True)
class PersonDay:
    day: date
    zone: str
    desk: str
    activity: str


@dataclass
class PersonRow:
    name: str
    days: list[PersonDay] = field(default_factory=list)


@dataclass(frozen=True)
class KpiRow:
    name: str
    plan: str
    baseline: str


@dataclass(frozen=True)
class Review:
    days: list[date]
    floors: list[HeatFloor]
    teams: list[TeamRow]
    people: list[PersonRow]
    flags: FlagTable
    kpis: list[KpiRow]
    target: float
    preference_bound: dict[str, float] | None


async def plan_review(session: AsyncSession, plan: PlanRead, said: Words) -> Review:
    """A finished plan seen by day and zone (`analyse_densification`, the figures its flags use), by
    team (all-in days as `planning.spec` counts them) and by person (`plans.service.plan_seats`)."""
    stored = await stored_plan(session, plan.id)
    seats = await plans.plan_seats(session, plan.id)
    if stored is None:
        raise NotFound.of("plan", plan.id)
    scenario = stored.scenario
    analysis = planning.analyse_densification(scenario, stored.plan, stored.thresholds)
    zone_names = {zone.key: zone.name or zone.key for zone in scenario.zones}
    target = analysis.utilisation_target
    by_zone: dict[str, list[planning.SpaceFigures]] = defaultdict(list)
    for figures in analysis.zones:
        by_zone[figures.key].append(figures)
    configured = {figures.key: figures for figures in analysis.configured}
    floors: dict[str, list[HeatRow]] = defaultdict(list)
    for days in by_zone.values():
        first = days[0]
        floors[first.floor].append(
            HeatRow(
                zone=first.label,
                activity=first.activity,
                # As configured: the first day may be one the zone is closed (no usable desks).
                seats=configured.get(first.key, first).seats,
                desks=first.desks,
                cells=[
                    HeatCell(f.day, f.present, f.seats, f.utilisation, heat_level(f.utilisation, target))
                    for f in days
                    if f.day is not None
                ],
            )
        )
    heat = [
        HeatFloor(name, sorted(rows, key=lambda r: (r.activity, r.zone)))
        for name, rows in sorted(floors.items())
    ]
    facts = planning.scenario_facts(scenario)
    in_office = set(stored.plan.seats)
    teams = []
    for team in sorted(scenario.teams, key=lambda t: t.name or t.key):
        members = facts.members.get(team.key, ())
        if not members:
            continue
        team_days = [
            TeamDay(
                day,
                sum(1 for person in members if (person, day) in in_office),
                len(facts.available_members(team.key, day)),
                all_in(facts, team.key, day, in_office),
            )
            for day in scenario.days
        ]
        weeks = []
        for week, week_days in facts.weeks.items():
            eligible = gathering_eligible_days(facts, team.key, week_days)
            held = team.overlap_days > 0 and len(members) >= 2
            weeks.append(
                TeamWeek(
                    week,
                    gathering_days_wanted(team, eligible) if held else None,
                    sum(1 for day in eligible if all_in(facts, team.key, day, in_office)),
                )
            )
        teams.append(TeamRow(team.name or team.key, len(members), team_days, weeks))
    people: dict[UUID, PersonRow] = {}
    for seat in seats:
        person = people.setdefault(seat.employee_id, PersonRow(seat.name))
        person.days.append(
            PersonDay(seat.day, zone_names.get(seat.zone, seat.zone), seat.desk, seat.activity)
        )
    for person in people.values():
        person.days.sort(key=lambda d: d.day)
    kpis_now = plan.kpis.get("plan", {}) if isinstance(plan.kpis, dict) else {}
    kpis_then = plan.kpis.get("baseline", {}) if isinstance(plan.kpis, dict) else {}
    return Review(
        days=list(scenario.days),
        floors=heat,
        teams=teams,
        people=sorted(people.values(), key=lambda p: p.name.casefold()),
        flags=flag_table(plan.flags, zone_names, said),
        kpis=[
            KpiRow(said.say(name), _kpi(said, key, kpis_now.get(key)), _kpi(said, key, kpis_then.get(key)))
            for key, name in KPI_NAMES.items()
            if key in kpis_now
        ],
        target=target,
        preference_bound=plan.kpis.get("preference_bound") if isinstance(plan.kpis, dict) else None,
    )


def _kpi(said: Words, key: str, value: Any) -> str:
    if not isinstance(value, int | float):
        return "–"
    if key in KPI_COUNTS:
        return said.number(value)
    if key in KPI_RATIOS:
        return said.number(value, 2)
    return said.percent(value)


# Forms --------------------------------------------------------------------------------------------


@dataclass
class ClosureForm:
    starts_on: str = ""
    ends_on: str = ""
    place: str = "site"
    reason: str = ""

    @classmethod
    def of(cls, values: Any) -> ClosureForm:
        return cls(
            starts_on=str(values.get("starts_on", "")).strip(),
            ends_on=str(values.get("ends_on", "")).strip(),
            place=str(values.get("place", "site")).strip() or "site",
            reason=" ".join(str(values.get("reason", "")).split()),
        )


@dataclass
class RunForm:
    week: str = ""
    weeks: str = "1"
    time_limit: str = "60"

    @classmethod
    def of(cls, values: Any) -> RunForm:
        return cls(
            week=str(values.get("week", "")).strip().upper(),
            weeks=str(values.get("weeks", "1")).strip(),
            time_limit=str(values.get("time_limit", "60")).strip(),
        )


def running_for(plan: PlanRead, now: datetime) -> float | None:
    """Seconds since a running plan's worker started it (its progress bar), at most its limit."""
    if plan.status is not PlanStatus.RUNNING or plan.started_at is None:
        return None
    return max(0.0, min(plan.time_limit_s, (now - plan.started_at).total_seconds()))


def next_iso_week(today: date) -> str:
    monday = today + timedelta(days=7 - today.weekday())
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def done_message(said: Words, done: str, detail: str = "") -> Markup | None:
    """The status region's confirmation after a redirect: a bold heading, then what happened."""
    if done not in DONE:
        return None
    text = detail or (said.say(DONE_TEXT[done]) if done in DONE_TEXT else "")
    return Markup("<strong>{}</strong> {}").format(said.say(DONE[done]), text)


# The pages --------------------------------------------------------------------------------------


class PlannerPages(Controller):
    """Pages under /planning."""

    path = "/planning"
    include_in_schema = False
    before_request = planners_only  # type: ignore[assignment]  # Litestar reads a controller's hooks unbound

    # --- the office overview -----------------------------------------------------------------

    @get("/", name="planning")
    async def overview(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        site: FromQuery[str] = "",
    ) -> Response[Any]:
        chosen, sites = await chosen_site(session, request.user, site)
        if chosen is None:
            return await _no_office(request)
        said = await words(request)
        overview = await office_overview(session, chosen)
        zone_names = {row.key: row.name for floor in overview.floors for row in floor.zones}
        return await render(
            request,
            "planning/overview.html",
            site=chosen,
            sites=sites,
            overview=overview,
            flags=flag_table(overview.flags, zone_names, said),
            activities=ACTIVITY_NAMES,
            metric_names=METRIC_NAMES,
            severity_names=SEVERITY_NAMES,
            said=said,
            sections=SECTIONS,
        )

    # --- staff file -------------------------------------------------------------------------

    @get("/staff", name="planning-staff")
    async def staff_form(self, request: Request[Principal, Any, Any]) -> Response[Any]:
        return await self._staff_page(request)

    @post("/staff", name="planning-staff-import")
    async def staff_import(
        self, request: Request[Principal, Any, Any], session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        """Check every row of the uploaded CSV as `zones staff import` does, then write them all (or
        with "skip invalid" the valid ones) in this request's one transaction, or nothing."""
        form = await request.form()
        skip_invalid = str(form.get("skip_invalid", "")) == "1"
        said = await words(request)
        upload = await read_upload(form.get("file"))
        if upload is None:
            problems = [Problem("file", said.say(NEEDS_FILE))]
            return await self._staff_page(request, problems=problems, skip_invalid=skip_invalid, status=422)
        name, content = upload
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            problems = [Problem("file", said.say(NOT_UTF8))]
            return await self._staff_page(request, problems=problems, skip_invalid=skip_invalid, status=422)
        try:
            report = parse_staff_csv(text, name, await site_keys(session))
        except ConfigError as error:
            return await self._staff_page(
                request, file_name=name, file_problems=error.problems, skip_invalid=skip_invalid, status=422
            )
        report = await import_staff(session, report, skip_invalid=skip_invalid)
        return await self._staff_page(
            request,
            file_name=name,
            report=report,
            skip_invalid=skip_invalid,
            status=200 if report.written else 422,
        )

    async def _staff_page(
        self,
        request: Request[Principal, Any, Any],
        *,
        problems: list[Problem] | None = None,
        file_name: str = "",
        file_problems: list[FileProblem] | None = None,
        report: StaffReport | None = None,
        skip_invalid: bool = False,
        status: int = 200,
    ) -> Response[Any]:
        said = await words(request)
        problems = list(problems or [])
        if file_problems:
            problems.append(Problem("file-problems", said.say(FILE_UNUSABLE)))
        if report is not None and not report.written:
            count = said.number(len(report.rejected))
            problems.append(Problem("rejected", said.say(NOTHING_IMPORTED, count=count)))
        return await render(
            request,
            "planning/staff.html",
            status_code=status,
            problems=problems,
            file_name=file_name,
            file_problems=file_problems or [],
            report=report,
            skip_invalid=skip_invalid,
            columns=(REQUIRED_COLUMNS, OPTIONAL_COLUMNS),
            said=said,
            sections=SECTIONS,
        )

    # --- office file --------------------------------------------------------------------------

    @get("/office", name="planning-office")
    async def office_form(self, request: Request[Principal, Any, Any]) -> Response[Any]:
        return await self._office_page(request)

    @post("/office", name="planning-office-load")
    async def office_load(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
    ) -> Response[Any]:
        """Check an office file as `zones office load` does and show what loading it would change;
        "Load" then writes it (checked again) in this request's one transaction."""
        form = await request.form()
        said = await words(request)
        confirmed = str(form.get("action", "")) == "load"
        if confirmed:
            name = PurePath(str(form.get("file_name", "office.toml")).replace("\\", "/")).name
            try:
                content = base64.b64decode(str(form.get("content", "")), validate=True)
            except (binascii.Error, ValueError):
                content = b""
            if not content:
                problems = [Problem("file", said.say(OFFICE_GONE))]
                return await self._office_page(request, problems=problems, status=422)
        else:
            upload = await read_upload(form.get("file"))
            if upload is None:
                return await self._office_page(
                    request, problems=[Problem("file", said.say(NEEDS_FILE))], status=422
                )
            name, content = upload
        try:
            defaults, spec = await to_thread.run_sync(_checked_office, content)
        except ConfigError as error:
            return await self._office_page(request, file_name=name, file_problems=error.problems, status=422)
        try:
            async with session.begin_nested():
                report = await load_office(session, spec, defaults, clock=app_state.clock)
                if not confirmed:
                    raise _Preview(report)
        except _Preview as preview:
            return await self._office_page(
                request,
                file_name=name,
                report=preview.report,
                content=base64.b64encode(content).decode("ascii"),
            )
        except PlacesStillBooked as refused:
            return await self._office_page(request, file_name=name, still_booked=refused.problems, status=409)
        return await self._office_page(request, file_name=name, report=report, loaded=True)

    async def _office_page(
        self,
        request: Request[Principal, Any, Any],
        *,
        problems: list[Problem] | None = None,
        file_name: str = "",
        file_problems: list[FileProblem] | None = None,
        report: LoadReport | None = None,
        content: str = "",
        loaded: bool = False,
        still_booked: list[str] | None = None,
        status: int = 200,
    ) -> Response[Any]:
        said = await words(request)
        problems = list(problems or [])
        if file_problems:
            problems.append(Problem("file-problems", said.say(OFFICE_UNUSABLE)))
        if still_booked:
            problems.append(Problem("still-booked", said.say(STILL_BOOKED)))
        return await render(
            request,
            "planning/office.html",
            status_code=status,
            problems=problems,
            file_name=file_name,
            file_problems=file_problems or [],
            report=report,
            content=content,
            loaded=loaded,
            still_booked=still_booked or [],
            kinds=LOAD_KINDS,
            said=said,
            sections=SECTIONS,
        )

    # --- closures -------------------------------------------------------------------------------

    @get("/closures", name="planning-closures")
    async def closures_page(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
        site: FromQuery[str] = "",
        done: FromQuery[str] = "",
        desks: FromQuery[str] = "",
        rooms: FromQuery[str] = "",
    ) -> Response[Any]:
        chosen, sites = await chosen_site(session, request.user, site)
        if chosen is None:
            return await _no_office(request)
        said = await words(request)
        detail = ""
        if done == "closure-added" and desks.isdigit() and rooms.isdigit():
            if int(desks) or int(rooms):
                numbers = {"desks": said.number(int(desks)), "rooms": said.number(int(rooms))}
                detail = said.say(CANCELLED_BOOKINGS, **numbers)
            else:
                detail = said.say(NOTHING_CANCELLED)
        return await self._closures_page(
            request, session, app_state, chosen, sites, message=done_message(said, done, detail)
        )

    @post("/closures", name="planning-closures-add")
    async def add_closure(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
    ) -> Response[Any]:
        """Close the site, a floor or a zone (`closures.service.add_closure`: the bookings it hits
        are cancelled and their people sent a cancellation, in this one transaction)."""
        values = await request.form()
        form = ClosureForm.of(values)
        chosen, sites = await chosen_site(
            session, request.user, site_id=uuid_or_none(str(values.get("site_id", "")))
        )
        if chosen is None:
            return await _no_office(request)
        said = await words(request)
        example = said.long_date(date(2026, 12, 24))
        starts_on, ends_on = date_or_none(form.starts_on), date_or_none(form.ends_on)
        problems = []
        if starts_on is None:
            problems.append(Problem("starts_on", said.say(NEEDS_START, example=example)))
        if form.ends_on and ends_on is None:
            problems.append(Problem("ends_on", said.say(NEEDS_END, example=example)))
        if not form.reason:
            problems.append(Problem("reason", said.say(NEEDS_REASON)))
        elif len(form.reason) > REASON_LENGTH:
            problems.append(Problem("reason", said.say(REASON_TOO_LONG, length=said.number(REASON_LENGTH))))
        kind, _, place_id = form.place.partition(":")
        if kind not in ("site", "floor", "zone") or (kind != "site" and uuid_or_none(place_id) is None):
            problems.append(Problem("place", said.say(NEEDS_PLACE)))
        if problems or starts_on is None:
            return await self._closures_page(
                request, session, app_state, chosen, sites, form=form, problems=problems, status=422
            )
        try:
            async with session.begin_nested():
                place = await closures.place_in(
                    session,
                    chosen,
                    floor_id=uuid_or_none(place_id) if kind == "floor" else None,
                    zone_id=uuid_or_none(place_id) if kind == "zone" else None,
                )
                outcome = await closures.add_closure(
                    session,
                    place,
                    starts_on,
                    ends_on or starts_on,
                    form.reason,
                    created_by_id=request.user.employee_id,
                    now=app_state.clock(),
                    calendar=app_state.calendar,
                )
        except ZonesError as error:
            return await self._closures_page(
                request,
                session,
                app_state,
                chosen,
                sites,
                form=form,
                problems=[said.refusal(error, "starts_on")],
                status=status_of(error),
            )
        query = urlencode(
            {
                "site": chosen.key,
                "done": "closure-added",
                "desks": len(outcome.cancelled),
                "rooms": len(outcome.cancelled_rooms),
            }
        )
        return Redirect(f"/planning/closures?{query}", status_code=303)

    @post("/closures/{closure_id:uuid}/remove", name="planning-closures-remove")
    async def remove_closure(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
        closure_id: FromPath[UUID],
    ) -> Response[Any]:
        try:
            async with session.begin_nested():
                removed = await closures.remove_closure(session, closure_id)
        except ZonesError as error:
            chosen, sites = await chosen_site(session, request.user)
            if chosen is None:
                return await _no_office(request)
            said = await words(request)
            return await self._closures_page(
                request,
                session,
                app_state,
                chosen,
                sites,
                problems=[said.refusal(error, "closures")],
                status=status_of(error),
            )
        site = await session.get_one(Site, removed.site_id)
        query = urlencode({"site": site.key, "done": "closure-removed"})
        return Redirect(f"/planning/closures?{query}", status_code=303)

    async def _closures_page(
        self,
        request: Request[Principal, Any, Any],
        session: AsyncSession,
        app_state: AppState,
        site: Site,
        sites: list[Site],
        *,
        form: ClosureForm | None = None,
        problems: list[Problem] | None = None,
        message: Markup | None = None,
        status: int = 200,
    ) -> Response[Any]:
        today = local_today(site, app_state.clock())
        closed: list[ClosedRead] = await closures.closed_between(
            session, site, today, today + timedelta(days=CLOSURES_AHEAD_DAYS)
        )
        floors = list(
            await session.scalars(
                select(Floor)
                .where(Floor.site_id == site.id)
                .options(selectinload(Floor.zones))
                .order_by(Floor.level)
            )
        )
        problems = problems or []
        return await render(
            request,
            "planning/closures.html",
            status_code=status,
            site=site,
            sites=sites,
            today=today,
            closed=closed,
            floors=floors,
            form=form or ClosureForm(starts_on=today.isoformat()),
            problems=problems,
            fields={p.target for p in problems},
            reason_length=REASON_LENGTH,
            message=message,
            said=await words(request),
            sections=SECTIONS,
        )

    # --- analytics ------------------------------------------------------------------------------

    @get("/analytics", name="planning-analytics")
    async def analytics(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
        site: FromQuery[str] = "",
        starts_on: FromQuery[str] = "",
        ends_on: FromQuery[str] = "",
        by: FromQuery[str] = "zone",
    ) -> Response[Any]:
        """Planned against booked against used (`analytics.service.occupancy`), with its charts and
        CSV from the analytics API."""
        chosen, sites = await chosen_site(session, request.user, site)
        if chosen is None:
            return await _no_office(request)
        said = await words(request)
        today = local_today(chosen, app_state.clock())
        monday = today - timedelta(days=today.weekday())
        first = date_or_none(starts_on) if starts_on else monday - timedelta(weeks=ANALYTICS_WEEKS - 1)
        last = date_or_none(ends_on) if ends_on else monday + timedelta(days=6)
        grouping = Grouping(by) if by in Grouping._value2member_map_ else Grouping.ZONE
        form = {
            "starts_on": starts_on or (first.isoformat() if first else ""),
            "ends_on": ends_on or (last.isoformat() if last else ""),
            "by": grouping.value,
        }
        problems = []
        result: Occupancy | None = None
        example = said.long_date(date(2026, 12, 1))
        if first is None:
            problems.append(Problem("starts_on", said.say(NEEDS_RANGE, example=example)))
        if last is None:
            problems.append(Problem("ends_on", said.say(NEEDS_RANGE, example=example)))
        if first is not None and last is not None:
            try:
                result = await occupancy(session, chosen.id, first, last, grouping)
            except (InvalidInput, NotFound) as error:
                problems.append(said.refusal(error, "starts_on"))
        query = (
            urlencode(
                {
                    "site_id": str(chosen.id),
                    "from": form["starts_on"],
                    "to": form["ends_on"],
                    "by": grouping.value,
                }
            )
            if result
            else ""
        )
        return await render(
            request,
            "planning/analytics.html",
            status_code=422 if problems else 200,
            site=chosen,
            sites=sites,
            form=form,
            groupings=GROUPINGS,
            problems=problems,
            fields={p.target for p in problems},
            result=result,
            checks=[
                (group, check)
                for group in (result.groups if result else [])
                for check in group.checks
                if check.figure is not None
            ],
            query=query,
            plan=await session.get(Plan, result.plan_id) if result is not None and result.plan_id else None,
            metric_names=METRIC_NAMES,
            severity_names=SEVERITY_NAMES,
            said=said,
            sections=SECTIONS,
        )

    # --- plan runs ------------------------------------------------------------------------------

    @get("/runs", name="planning-runs")
    async def runs(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
        site: FromQuery[str] = "",
    ) -> Response[Any]:
        chosen, sites = await chosen_site(session, request.user, site)
        if chosen is None:
            return await _no_office(request)
        return await self._runs_page(request, session, app_state, chosen, sites)

    @post("/runs", name="planning-runs-start")
    async def start_run(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
    ) -> Response[Any]:
        """Queue a run (`plans.service.start_plan`) and follow it on its page; the job is handed to
        the workers once this request's transaction has committed."""
        values = await request.form()
        form = RunForm.of(values)
        chosen, sites = await chosen_site(
            session, request.user, site_id=uuid_or_none(str(values.get("site_id", "")))
        )
        if chosen is None:
            return await _no_office(request)
        said = await words(request)
        problems = []
        example = next_iso_week(date(2026, 11, 30))
        if not form.week:
            problems.append(Problem("week", said.say(NEEDS_WEEK, example=example)))
        weeks = int(form.weeks) if form.weeks.isdigit() else 0
        if not 1 <= weeks <= 8:
            problems.append(Problem("weeks", said.say(NEEDS_WEEKS)))
        try:
            time_limit = float(form.time_limit)
        except ValueError:
            time_limit = 0.0
        if not 10 <= time_limit <= 600:
            problems.append(Problem("time_limit", said.say(NEEDS_TIME_LIMIT)))
        if problems:
            return await self._runs_page(
                request, session, app_state, chosen, sites, form=form, problems=problems, status=422
            )
        wanted = PlanCreate(site_id=chosen.id, week=form.week, weeks=weeks, time_limit_s=time_limit)
        try:
            async with session.begin_nested():
                created, kick = await plans.start_plan(
                    session, app_state.jobs, wanted, request.user.employee_id
                )
        except (InvalidInput, Conflict, NotFound) as error:
            running = error.extra.get("plan_id") if isinstance(error, Conflict) else None
            return await self._runs_page(
                request,
                session,
                app_state,
                chosen,
                sites,
                form=form,
                problems=[said.refusal(error, "week")],
                running=uuid_or_none(str(running)) if running else None,
                status=status_of(error),
            )
        return Redirect(
            f"/planning/runs/{created.id}?done=run-started", status_code=303, background=BackgroundTask(kick)
        )

    async def _runs_page(
        self,
        request: Request[Principal, Any, Any],
        session: AsyncSession,
        app_state: AppState,
        site: Site,
        sites: list[Site],
        *,
        form: RunForm | None = None,
        problems: list[Problem] | None = None,
        running: UUID | None = None,
        status: int = 200,
    ) -> Response[Any]:
        listed = await plans.list_plans(session, site.id, LimitOffset(limit=RUNS_SHOWN, offset=0))
        created = {
            plan_id: moment
            for plan_id, moment in await session.execute(
                select(Plan.id, Plan.created_at).where(Plan.id.in_([p.id for p in listed.items]))
            )
        }
        today = local_today(site, app_state.clock())
        problems = problems or []
        return await render(
            request,
            "planning/runs.html",
            status_code=status,
            site=site,
            sites=sites,
            runs=listed.items,
            total=listed.total,
            created=created,
            form=form or RunForm(week=next_iso_week(today)),
            problems=problems,
            fields={p.target for p in problems},
            running=running,
            time_limits=TIME_LIMITS,
            status_names=STATUS_NAMES,
            severity_names=SEVERITY_NAMES,
            said=await words(request),
            sections=SECTIONS,
        )

    @get("/runs/{plan_id:uuid}", name="planning-run")
    async def run(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        plan_id: FromPath[UUID],
        done: FromQuery[str] = "",
        created: FromQuery[str] = "",
        kept: FromQuery[str] = "",
        skipped: FromQuery[str] = "",
    ) -> Response[Any]:
        """A run: its progress while it is queued or running, then its review."""
        try:
            plan = await plans.get_plan(session, plan_id)
        except NotFound:
            return await _run_not_found(request)
        said = await words(request)
        detail = ""
        if done == "applied" and created.isdigit() and kept.isdigit() and skipped.isdigit():
            counts = {"created": created, "kept": kept, "skipped": skipped}
            detail = said.say(APPLIED, **{key: said.number(int(value)) for key, value in counts.items()})
        return await self._run_page(request, session, plan, message=done_message(said, done, detail))

    async def _run_page(
        self,
        request: Request[Principal, Any, Any],
        session: AsyncSession,
        plan: PlanRead,
        *,
        problems: list[Problem] | None = None,
        message: Markup | None = None,
        preview: PlanApplyRead | None = None,
        skip_conflicts: bool = False,
        status: int = 200,
    ) -> Response[Any]:
        site = await session.get_one(Site, plan.site_id)
        said = await words(request)
        reviewable = plan.status is PlanStatus.DONE or (
            plan.status is PlanStatus.CANCELLED and plan.best_found
        )
        return await render(
            request,
            "planning/run.html",
            status_code=status,
            site=site,
            plan=plan,
            review=await plan_review(session, plan, said) if reviewable else None,
            problems=problems or [],
            message=message,
            running_for=running_for(plan, AppState.of(request.app).clock()),
            preview=preview,
            skip_conflicts=skip_conflicts,
            conflict_kinds=CONFLICT_KINDS,
            kept_reasons=KEPT_REASONS,
            status_names=STATUS_NAMES,
            stage_names=STAGE_NAMES,
            severity_names=SEVERITY_NAMES,
            day_activities=DAY_ACTIVITIES,
            activities={a.value: name for a, name in ACTIVITY_NAMES.items()},
            said=said,
            sections=SECTIONS,
            fragment=False,
        )

    @get("/runs/{plan_id:uuid}/progress", name="planning-run-progress")
    async def run_progress(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        plan_id: FromPath[UUID],
    ) -> Response[Any]:
        """The progress fragment HTMX asks for every second; once the run has finished it comes
        without the trigger (so the polling stops), says so in the status region and links to the
        review. Without HTMX: the run's page."""
        if "hx-request" not in request.headers:
            return Redirect(f"/planning/runs/{plan_id}", status_code=303)
        try:
            plan = await plans.get_plan(session, plan_id)
        except NotFound:
            return await _run_not_found(request)
        said = await words(request)
        return await render(
            request,
            "planning/_progress.html",
            plan=plan,
            finished=said.say(RUN_FINISHED) if plan.status.finished else "",
            running_for=running_for(plan, AppState.of(request.app).clock()),
            status_names=STATUS_NAMES,
            stage_names=STAGE_NAMES,
            said=said,
            fragment=True,
        )

    @post("/runs/{plan_id:uuid}/cancel", name="planning-run-cancel")
    async def cancel_run(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        plan_id: FromPath[UUID],
    ) -> Response[Any]:
        try:
            async with session.begin_nested():
                cancelled = await plans.cancel_plan(session, plan_id)
        except NotFound:
            return await _run_not_found(request)
        except Conflict as error:
            plan = await plans.get_plan(session, plan_id)
            said = await words(request)
            problems = [said.refusal(error, "run-status")]
            return await self._run_page(request, session, plan, problems=problems, status=409)
        done = "cancelled" if cancelled.status is PlanStatus.CANCELLED else "cancel-requested"
        return Redirect(f"/planning/runs/{plan_id}?done={done}", status_code=303)

    @post("/runs/{plan_id:uuid}/apply", name="planning-run-apply")
    async def apply_run(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
        plan_id: FromPath[UUID],
    ) -> Response[Any]:
        """Turn the plan into bookings (`plans.apply.apply_plan`): with `dry_run` the page shows
        what would be booked, kept and refused; applying books it all in this one transaction, or
        nothing when a seat conflicts (unless the other seats are to be booked anyway)."""
        form = await request.form()
        dry_run = str(form.get("dry_run", "")) == "1"
        skip_conflicts = str(form.get("skip_conflicts", "")) == "1"
        try:
            plan = await plans.get_plan(session, plan_id)
        except NotFound:
            return await _run_not_found(request)

        async def apply(dry: bool) -> PlanApplyRead:
            async with session.begin_nested():
                return await apply_plan(
                    session,
                    plan_id,
                    applied_by=request.user.employee_id,
                    now=app_state.clock(),
                    calendar=app_state.calendar,
                    dry_run=dry,
                    skip_conflicts=skip_conflicts,
                )

        try:
            result = await apply(dry_run)
        except Conflict as error:
            said = await words(request)
            preview = await apply(True) if error.code == "plan-conflicts" else None
            problems = [said.refusal(error, "apply-heading")]
            return await self._run_page(
                request, session, plan, problems=problems, preview=preview, status=409
            )
        except NotFound as error:
            said = await words(request)
            problems = [said.refusal(error, "apply-heading")]
            return await self._run_page(request, session, plan, problems=problems, status=404)
        if dry_run:
            return await self._run_page(request, session, plan, preview=result, skip_conflicts=skip_conflicts)
        query = urlencode(
            {
                "done": "applied",
                "created": result.counts.created,
                "kept": result.counts.kept,
                "skipped": result.counts.conflicts,
            }
        )
        return Redirect(f"/planning/runs/{plan_id}?{query}#apply", status_code=303)


class _Preview(Exception):
    """Rolls back a load that was only to show what it would change."""

    def __init__(self, report: LoadReport) -> None:
        super().__init__("preview")
        self.report = report


def _checked_office(content: bytes) -> tuple[PolicySpec, OfficeSpec]:
    """The shipped policy defaults and the uploaded office file, read and checked exactly as
    `zones office load` reads them (`office.parse`); problems raise `ConfigError` (their source is
    the temporary file's path: the page names the uploaded file instead)."""
    defaults = load_policy_file(default_policy_file())
    with tempfile.TemporaryDirectory(prefix="zones-office-") as folder:
        path = Path(folder) / "office.toml"
        path.write_bytes(content)
        return defaults, load_office_file(path, defaults)


async def _no_office(request: Request[Any, Any, Any]) -> Response[Any]:
    return await render(
        request,
        "problem.html",
        status_code=404,
        title=N_("There is no office yet"),
        text=N_("Load an office file first: it describes the sites, floors, zones and desks."),
        link="/planning/office",
        link_text=N_("Load an office file"),
    )


async def _run_not_found(request: Request[Any, Any, Any]) -> Response[Any]:
    return await render(
        request,
        "problem.html",
        status_code=404,
        title=N_("There is no such run"),
        text=N_("The plan run may have been removed. The list shows the runs there are."),
        link="/planning/runs",
        link_text=N_("Go to the plan runs"),
    )


__all__ = ("PlannerPages",)
