"""The floor plan pages: the plan of a floor for a day (a drawing, and the same as a list), and
booking a desk from it in two clicks (a confirmation page, then one POST).

Booking goes through `DeskBookings.book`, the service the API uses; a refusal is shown in the
page's language with the rule's alternatives as one-click buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Final
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect
from msgspec import Struct
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth.principal import Principal
from zones.bookings.context import BookingContext
from zones.bookings.desks import DeskBookings
from zones.bookings.floorplan import (
    FloorPlan,
    PlanDesk,
    PlanZone,
    desk_place,
    floor_plan,
    home_site,
    next_working_day,
)
from zones.errors import Conflict, NotFound, RuleRefused, ZonesError
from zones.models import Activity, Period
from zones.server.state import AppState
from zones.web.i18n import N_
from zones.web.render import environment, gettext_for, page_locale, render

PERIOD_NAMES: Final = {
    Period.FULL: N_("whole day"),
    Period.MORNING: N_("morning"),
    Period.AFTERNOON: N_("afternoon"),
}
ACTIVITY_NAMES: Final = {
    Activity.QUIET: N_("Quiet zone"),
    Activity.COLLABORATION: N_("Collaboration zone"),
    Activity.FACILITATION: N_("Facilitation zone"),
}
ACTIVITY_IN_TEXT: Final = {
    Activity.QUIET: N_("quiet zone"),
    Activity.COLLABORATION: N_("collaboration zone"),
    Activity.FACILITATION: N_("facilitation zone"),
}
STATE_NAMES: Final = {
    "free": N_("free"),
    "taken": N_("taken"),
    "mine": N_("your booking"),
    "not-bookable": N_("not bookable"),
}
ATTRIBUTE_NAMES: Final = {
    "height-adjustable": N_("Height-adjustable"),
    "dual-screen": N_("Two screens"),
    "window": N_("By a window"),
    "accessible": N_("Accessible"),
    "phone-booth": N_("Phone booth"),
}
REFUSALS: Final = {
    "desk-taken": N_("Desk %(desk)s is already booked on %(day)s, %(period)s."),
    "desk-taken.with-alternatives": N_(
        "Desk %(desk)s is already booked on %(day)s, %(period)s. You can book a free desk nearby instead."
    ),
    "already-booked": N_("%(name)s already has a desk on %(day)s at that time. Move that booking instead."),
    "desk-not-bookable": N_("Desk %(desk)s cannot be booked: it is a drop-in place or out of use."),
    "not-a-working-day": N_("%(day)s is not a working day at the office. Choose another day."),
    "in-the-past": N_("%(day)s is over. Choose today or a later day."),
    "beyond-horizon": N_(
        "You can book %(horizon_days)s days ahead. The last day you can book now is %(last_bookable_day)s."
    ),
    "accessible-desk-held": N_(
        "Desk %(desk)s is kept for colleagues who need an accessible desk until %(released_on)s. "
        "Choose another desk."
    ),
    "attendance-cap": N_(
        "%(name)s already has %(days)s office days that week, and the policy allows %(cap)s. "
        "Cancel or move one of them first."
    ),
    "attendance-cap.part-time": N_(
        "%(name)s already has %(days)s office days that week, and the policy allows %(cap)s for "
        "a part-time contract. Cancel or move one of them first."
    ),
    "zone-full": N_(
        "%(zone)s is full on %(day)s: it has room for %(cap)s people. Free desks in other zones are listed."
    ),
    "conflict.stored-meanwhile": N_("Someone else booked at the same moment. Try again."),
}
REFUSED_OTHERWISE: Final = N_("The desk could not be booked. Go back to the floor plan and try again.")
DESK_NOT_FOUND: Final = N_("There is no such desk. Go back to the floor plan and choose a desk there.")
DATE_PARAMS: Final = ("day", "released_on", "last_bookable_day")


class BookDesk(Struct):
    """The confirmation page's form (and the one-click forms of the list and the alternatives)."""

    desk: UUID
    day: date
    period: Period = Period.FULL
    view: str = "map"


def _day(value: str, fallback: date) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return fallback


def _period(value: str) -> Period:
    return Period(value) if value in Period._value2member_map_ else Period.FULL


def _activity(value: str) -> Activity | None:
    return Activity(value) if value in Activity._value2member_map_ else None


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


def plan_query(plan: FloorPlan, **changes: Any) -> str:
    """The query string of the plan with `changes` (another floor, the list view)."""
    values = {
        "day": plan.day.isoformat(),
        "period": plan.period.value,
        "floor": str(plan.floor.id),
        "activity": plan.activity.value if plan.activity else "",
    }
    values.update({key: str(value) for key, value in changes.items()})
    return urlencode({key: value for key, value in values.items() if value})


class PlanPages(Controller):
    """The floor plan, its list view, and booking a desk from either."""

    include_in_schema = False

    async def _plan(
        self,
        request: Request[Principal, Any, Any],
        session: AsyncSession,
        app_state: AppState,
        day: str,
        period: str,
        floor: str,
        activity: str,
    ) -> FloorPlan:
        """The plan the query asks for, with friendly defaults for anything missing or malformed."""
        site = await home_site(session, request.user.employee_id)
        return await floor_plan(
            session,
            app_state.layouts,
            site,
            request.user.employee_id,
            _day(day, next_working_day(site, app_state.clock())),
            _period(period),
            _uuid(floor),
            _activity(activity),
        )

    async def _show(
        self,
        request: Request[Principal, Any, Any],
        template: str,
        plan: FloorPlan,
        booked: str,
        *,
        only_free: bool = False,
    ) -> Response[Any]:
        locale = await page_locale(request)
        message = None
        desk = plan.desk(booked) if booked else None
        if desk is not None and desk.state == "mine":
            _ = gettext_for(locale)
            message = _("Desk %(desk)s booked, %(day)s, %(period)s") % {
                "desk": desk.code,
                "day": environment(locale).filters["long_date"](plan.day),
                "period": _(PERIOD_NAMES[plan.period]),
            }
        return await render(
            request,
            template,
            plan=plan,
            message=message,
            plan_query=lambda **changes: plan_query(plan, **changes),
            periods=PERIOD_NAMES,
            activities=ACTIVITY_NAMES,
            activity_in_text=ACTIVITY_IN_TEXT,
            states=STATE_NAMES,
            attribute_names=ATTRIBUTE_NAMES,
            drawing=drawing(plan),
            only_free=only_free,
        )

    @get("/plan", name="plan")
    async def plan(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
        day: FromQuery[str] = "",
        period: FromQuery[str] = "",
        floor: FromQuery[str] = "",
        activity: FromQuery[str] = "",
        booked: FromQuery[str] = "",
    ) -> Response[Any]:
        plan = await self._plan(request, session, app_state, day, period, floor, activity)
        return await self._show(request, "plan/plan.html", plan, booked)

    @get("/plan/list", name="plan-list")
    async def plan_list(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
        day: FromQuery[str] = "",
        period: FromQuery[str] = "",
        floor: FromQuery[str] = "",
        activity: FromQuery[str] = "",
        booked: FromQuery[str] = "",
        free: FromQuery[str] = "",
    ) -> Response[Any]:
        plan = await self._plan(request, session, app_state, day, period, floor, activity)
        return await self._show(request, "plan/list.html", plan, booked, only_free=free == "1")

    @get("/plan/book", name="plan-book")
    async def confirm(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
        desk: FromQuery[str] = "",
        day: FromQuery[str] = "",
        period: FromQuery[str] = "",
        view: FromQuery[str] = "map",
    ) -> Response[Any]:
        desk_id = _uuid(desk)
        place = await desk_place(session, desk_id) if desk_id else None
        if place is None:
            return await self._not_found(request)
        site = await home_site(session, request.user.employee_id)
        chosen_day = _day(day, next_working_day(site, app_state.clock()))
        plan = await floor_plan(
            session,
            app_state.layouts,
            site,
            request.user.employee_id,
            chosen_day,
            _period(period),
            place[2].id,
        )
        shown = plan.desk(place[0].code)
        return await self._confirmation(request, plan, place, shown, view)

    @post("/plan/book", name="plan-book-desk")
    async def book(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        context: NamedDependency[BookingContext],
        app_state: NamedDependency[AppState],
        data: URLEncodedBody[BookDesk],
    ) -> Response[Any]:
        place = await desk_place(session, data.desk)
        if place is None:
            return await self._not_found(request)
        try:
            # A savepoint: a refusal after the first INSERT leaves nothing behind when the page answers.
            async with session.begin_nested():
                await DeskBookings(context).book(data.desk, data.day, data.period)
        except (RuleRefused, Conflict) as refusal:
            site = await home_site(session, request.user.employee_id)
            plan = await floor_plan(
                session, app_state.layouts, site, request.user.employee_id, data.day, data.period, place[2].id
            )
            return await self._confirmation(
                request,
                plan,
                place,
                plan.desk(place[0].code),
                data.view,
                refusal=refusal,
                status_code=409 if isinstance(refusal, Conflict) or refusal.clash else 422,
            )
        except NotFound:
            return await self._not_found(request)
        path = "/plan/list" if data.view == "list" else "/plan"
        query = urlencode(
            {
                "day": data.day.isoformat(),
                "period": data.period.value,
                "floor": str(place[2].id),
                "booked": place[0].code,
            }
        )
        return Redirect(f"{path}?{query}", status_code=303)

    async def _confirmation(
        self,
        request: Request[Principal, Any, Any],
        plan: FloorPlan,
        place: Any,
        shown: PlanDesk | None,
        view: str,
        *,
        refusal: RuleRefused | Conflict | None = None,
        status_code: int = 200,
    ) -> Response[Any]:
        desk, zone, floor = place
        locale = await page_locale(request)
        errors = {"confirm": refusal_text(refusal, locale)} if refusal is not None else {}
        return await render(
            request,
            "plan/confirm.html",
            status_code=status_code,
            plan=plan,
            desk=desk,
            zone=zone,
            floor=floor,
            state=shown.state if shown else ("free" if desk.bookable else "not-bookable"),
            view="list" if view == "list" else "map",
            errors=errors,
            alternatives=refusal.alternatives if isinstance(refusal, RuleRefused) else [],
            plan_query=lambda **changes: plan_query(plan, **changes),
            periods=PERIOD_NAMES,
            activity_in_text=ACTIVITY_IN_TEXT,
            attribute_names=ATTRIBUTE_NAMES,
        )

    async def _not_found(self, request: Request[Principal, Any, Any]) -> Response[Any]:
        return await render(request, "plan/not_found.html", status_code=404, text=DESK_NOT_FOUND)


SCALE: Final = 20
"""Drawing units per metre of the floor plan."""
LABEL_BAND: Final = 46
"""Drawing units above each zone for its visible label (the desks fill the zones to their edges)."""
MARGIN: Final = 4


@dataclass(frozen=True)
class DrawnDesk:
    desk: PlanDesk
    x: float
    y: float


@dataclass(frozen=True)
class DrawnZone:
    zone: PlanZone
    x: float
    y: float
    width: float
    height: float
    desks: list[DrawnDesk]

    @property
    def label_y(self) -> float:
        return self.y - LABEL_BAND


@dataclass(frozen=True)
class Drawing:
    """Where the plan's zones and desks go in the SVG: metres scaled, each zone pushed down by the
    label bands of the zones above it (and its own)."""

    width: float
    height: float
    zones: list[DrawnZone]


def drawing(plan: FloorPlan) -> Drawing:
    tops = sorted({zone.y_m for zone in plan.zones if zone.drawn and zone.y_m is not None})

    def y_of(y_m: float) -> float:
        return MARGIN + y_m * SCALE + LABEL_BAND * sum(1 for top in tops if top <= y_m + 1e-9)

    zones = []
    for zone in plan.zones:
        if not zone.drawn:
            continue
        assert zone.x_m is not None and zone.y_m is not None
        assert zone.width_m is not None and zone.depth_m is not None
        top = y_of(zone.y_m)
        desks = [
            DrawnDesk(desk, MARGIN + desk.x_m * SCALE, top + (desk.y_m - zone.y_m) * SCALE)
            for desk in zone.desks
            if desk.x_m is not None and desk.y_m is not None
        ]
        zones.append(
            DrawnZone(zone, MARGIN + zone.x_m * SCALE, top, zone.width_m * SCALE, zone.depth_m * SCALE, desks)
        )
    height = max((z.y + z.height for z in zones), default=MARGIN + plan.depth_m * SCALE) + MARGIN
    return Drawing(2 * MARGIN + plan.width_m * SCALE, height, zones)


def refusal_text(error: ZonesError, locale: str) -> str:
    """What a refusal says, in `locale`: the rule's sentence with its values (dates written out)."""
    _: Callable[[str], str] = gettext_for(locale)
    template = REFUSALS.get(error.message_id)
    if template is None:
        return _(REFUSED_OTHERWISE)
    long_date = environment(locale).filters["long_date"]
    params = dict(error.params)
    for key in DATE_PARAMS:
        if isinstance(params.get(key), str):
            params[key] = long_date(date.fromisoformat(params[key]))
    if params.get("period") in Period._value2member_map_:
        params["period"] = _(PERIOD_NAMES[Period(params["period"])])
    try:
        return str(_(template) % params)
    except (KeyError, TypeError, ValueError):
        return _(REFUSED_OTHERWISE)


controllers = [PlanPages]
