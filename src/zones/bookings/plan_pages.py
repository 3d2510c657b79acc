"""The floor plan pages: the plan of a floor for a day (a drawing, and the same as a list), and
booking a desk from it in two clicks (a confirmation page, then one POST), a weekly series from the
same confirmation page, and moving a booking (the plan in move mode: `move=<booking id>`).

Booking, series and moving go through `DeskBookings.book`, `.book_series` and `.move`, the services
the API uses; a refusal is shown in the page's language with the rule's alternatives as one-click
buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final
from urllib.parse import urlencode
from uuid import UUID

from babel.dates import format_date, get_day_names
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect
from msgspec import Struct
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth.principal import Principal
from zones.bookings.context import BookingContext
from zones.bookings.desks import DeskBookings, SeriesOutcome
from zones.bookings.floorplan import (
    FloorPlan,
    PlanDesk,
    PlanRoom,
    PlanZone,
    desk_place,
    floor_plan,
    home_site,
    next_working_day,
)
from zones.bookings.rules import site_last_bookable_day
from zones.bookings.schemas import BookingRead
from zones.bookings.words import CLOSED_REFUSALS, PERIOD_IN_TEXT, PERIODS
from zones.errors import Conflict, InvalidInput, NotFound, RuleRefused, ZonesError
from zones.models import Activity, Desk, Floor, Period, Site, Zone
from zones.server.state import AppState
from zones.web.forms import Problem, date_or_none, uuid_or_none
from zones.web.i18n import N_
from zones.web.render import environment, gettext_for, page_locale, render

PERIOD_NAMES: Final = PERIOD_IN_TEXT
"""The times of day as the plan's sentences say them ("Tuesday 1 December, whole day")."""
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
    "teammate": N_("taken by your teammate %(name)s"),
    "not-bookable": N_("not bookable"),
}
"""Each shown state (`PlanDesk.shown_state`) as a desk's name says it; give every one `name=`."""
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
    **CLOSED_REFUSALS,
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
MOVE_REFUSALS: Final = {
    **REFUSALS,
    "desk-taken.with-alternatives": N_(
        "Desk %(desk)s is already booked on %(day)s, %(period)s. You can move to a free desk nearby instead."
    ),
    "already-booked": N_(
        "%(name)s already has another booking on %(day)s at that time. Choose another day or time."
    ),
    "checked-in": N_(
        "You have checked in, so you can move to another desk for the same time, but not to another"
        " day or time."
    ),
    "booking-not-active.move": N_("This booking has ended, so it cannot be moved. Book a desk instead."),
}
"""What moving a booking says when the service refuses (the booking's words where they differ)."""
SERIES_REFUSALS: Final = {**REFUSALS, "desk-taken.with-alternatives": REFUSALS["desk-taken"]}
"""Why a day of a series was not booked (the result lists no alternatives)."""
REFUSED_OTHERWISE: Final = N_("The desk could not be booked. Go back to the floor plan and try again.")
MOVE_REFUSED_OTHERWISE: Final = N_("The booking could not be moved. Go back to the floor plan and try again.")
BOOKING_GONE: Final = N_("We could not find that booking. It may have been cancelled, or it is not yours.")
BOOKING_ENDED: Final = N_("This booking has ended, so it cannot be moved. Book a desk instead.")
SERIES_WEEKS: Final = 4
"""How far a weekly series reaches unless the person says otherwise (at most to the last bookable day)."""
SERIES_MAX_DAYS: Final = 366
"""The longest series `DeskBookings.book_series` accepts, in days from the first."""
SERIES_PROBLEMS: Final = {
    "no-weekday": N_("Choose at least one day of the week."),
    "no-until": N_("Enter the last day of the series."),
    "until-before-start": N_("The last day cannot be before the first day, %(day)s."),
    "too-long": N_("A series can last at most a year. Choose %(day)s or an earlier day."),
}
DESK_NOT_FOUND: Final = N_("There is no such desk. Go back to the floor plan and choose a desk there.")
DATE_PARAMS: Final = ("day", "released_on", "last_bookable_day")


class BookDesk(Struct):
    """The confirmation page's form (and the one-click forms of the list and the alternatives)."""

    desk: UUID
    day: date
    period: Period = Period.FULL
    view: str = "map"


def _period(value: str) -> Period:
    return Period(value) if value in Period._value2member_map_ else Period.FULL


def _activity(value: str) -> Activity | None:
    return Activity(value) if value in Activity._value2member_map_ else None


class MoveBooking(Struct):
    """The move confirmation page's form (and the one-click forms of a refusal's alternatives)."""

    booking: UUID
    desk: UUID
    day: date
    period: Period = Period.FULL
    view: str = "map"


@dataclass(frozen=True)
class SeriesForm:
    """The "Repeat every week" form of the confirmation page: what it shows ticked and typed."""

    weekdays: frozenset[int]
    """ISO weekdays ticked (Monday is 1)."""
    until: str
    """The last day as typed (kept as it was when it is not a date)."""
    last_bookable: date
    """The last day the booking horizon allows today (days after it are refused)."""
    working_days: tuple[int, ...]
    """The site's working days: the boxes the form offers."""


def weekday_names(locale: str, days: tuple[int, ...]) -> dict[int, str]:
    """ISO weekdays named in `locale`, capitalised ("Tirsdag")."""
    names = get_day_names("wide", locale=locale)
    return {day: names[day - 1].capitalize() for day in days}


def plan_query(plan: FloorPlan, **changes: Any) -> str:
    """The query string of the plan with `changes` (another floor, the list view, the booking moved)."""
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
            date_or_none(day) or next_working_day(site, app_state.clock()),
            _period(period),
            uuid_or_none(floor),
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
        moving: BookingRead | None = None,
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
        view = "list" if template == "plan/list.html" else "map"
        return await render(
            request,
            template,
            plan=plan,
            message=message,
            plan_query=self._plan_query(plan, moving),
            desk_href=lambda desk: desk_href(plan, desk.id, view, moving),
            moving=moving,
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
        context: NamedDependency[BookingContext],
        app_state: NamedDependency[AppState],
        day: FromQuery[str] = "",
        period: FromQuery[str] = "",
        floor: FromQuery[str] = "",
        activity: FromQuery[str] = "",
        booked: FromQuery[str] = "",
        move: FromQuery[str] = "",
    ) -> Response[Any]:
        moving = await self._moving(request, context, move) if move else None
        if isinstance(moving, Response):
            return moving
        plan = await self._plan(request, session, app_state, day, period, floor, activity)
        return await self._show(request, "plan/plan.html", plan, booked, moving=moving)

    @get("/plan/list", name="plan-list")
    async def plan_list(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        context: NamedDependency[BookingContext],
        app_state: NamedDependency[AppState],
        day: FromQuery[str] = "",
        period: FromQuery[str] = "",
        floor: FromQuery[str] = "",
        activity: FromQuery[str] = "",
        booked: FromQuery[str] = "",
        free: FromQuery[str] = "",
        move: FromQuery[str] = "",
    ) -> Response[Any]:
        moving = await self._moving(request, context, move) if move else None
        if isinstance(moving, Response):
            return moving
        plan = await self._plan(request, session, app_state, day, period, floor, activity)
        return await self._show(request, "plan/list.html", plan, booked, only_free=free == "1", moving=moving)

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
        desk_id = uuid_or_none(desk)
        place = await desk_place(session, desk_id) if desk_id else None
        if place is None:
            return await self._not_found(request)
        site = await home_site(session, request.user.employee_id)
        chosen_day = date_or_none(day) or next_working_day(site, app_state.clock())
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
        series = await self._series_form(session, app_state, site, chosen_day)
        return await self._confirmation(request, plan, place, shown, view, series=series)

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
        series: SeriesForm | None = None,
        problems: list[Problem] | None = None,
        status_code: int = 200,
    ) -> Response[Any]:
        desk, zone, floor = place
        locale = await page_locale(request)
        problems = list(problems or [])
        if refusal is not None:
            problems.insert(0, Problem("confirm", refusal_text(refusal, locale)))
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
            problems=problems,
            refused=refusal is not None,
            alternatives=refusal.alternatives if isinstance(refusal, RuleRefused) else [],
            series=series,
            weekday_names=weekday_names(locale, series.working_days) if series else {},
            plan_query=lambda **changes: plan_query(plan, **changes),
            periods=PERIOD_NAMES,
            activity_in_text=ACTIVITY_IN_TEXT,
            attribute_names=ATTRIBUTE_NAMES,
        )

    async def _series_form(
        self,
        session: AsyncSession,
        app_state: AppState,
        site: Site,
        day: date,
        weekdays: list[int] | None = None,
        until: str | None = None,
    ) -> SeriesForm:
        """The series form as first shown (the day's weekday, four weeks on), or as it was sent."""
        last = await site_last_bookable_day(session, site, app_state.clock())
        if until is None:
            until = max(day, min(day + timedelta(weeks=SERIES_WEEKS), last)).isoformat()
        return SeriesForm(
            frozenset(weekdays if weekdays is not None else [day.isoweekday()]),
            until,
            last,
            tuple(sorted(site.working_days)),
        )

    # --- a weekly series ----------------------------------------------------------------------

    @post("/plan/book-series", name="plan-book-series")
    async def book_series(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        context: NamedDependency[BookingContext],
        app_state: NamedDependency[AppState],
    ) -> Response[Any]:
        """Book a desk on the ticked weekdays of every week until a day; answers with what was
        booked and each day that was not, with the reason (a page, as the outcome is not kept)."""
        form = await request.form()
        desk_id = uuid_or_none(str(form.get("desk", "")))
        starts_on = date_or_none(str(form.get("starts_on", "")))
        place = await desk_place(session, desk_id) if desk_id else None
        if place is None or starts_on is None:
            return await self._not_found(request)
        period, view = _period(str(form.get("period", ""))), str(form.get("view", "map"))
        iso_days = {str(day) for day in range(1, 8)}
        weekdays = sorted({int(v) for v in form.getall("weekdays", []) if str(v) in iso_days})
        site = await home_site(session, request.user.employee_id)
        series = await self._series_form(
            session, app_state, site, starts_on, weekdays, str(form.get("until", "")).strip()
        )
        locale = await page_locale(request)
        until = date_or_none(series.until)
        problems = series_problems(series, starts_on, until, locale)
        outcome: SeriesOutcome | None = None
        if not problems:
            assert until is not None
            try:
                async with session.begin_nested():
                    outcome = await DeskBookings(context).book_series(
                        place[0].id, weekdays, starts_on, until, period
                    )
                    if not outcome.booked:
                        raise _NothingBooked
            except _NothingBooked:
                pass  # the empty series is not kept; the page says why each day was refused
            except InvalidInput as error:
                problems = [Problem("series-until", refusal_text(error, locale))]
            except (RuleRefused, Conflict) as refusal:
                plan = await floor_plan(
                    session, app_state.layouts, site, request.user.employee_id, starts_on, period, place[2].id
                )
                return await self._confirmation(
                    request, plan, place, plan.desk(place[0].code), view, refusal=refusal, status_code=409
                )
            except NotFound:
                return await self._not_found(request)
        if outcome is None:
            plan = await floor_plan(
                session, app_state.layouts, site, request.user.employee_id, starts_on, period, place[2].id
            )
            return await self._confirmation(
                request,
                plan,
                place,
                plan.desk(place[0].code),
                view,
                series=series,
                problems=problems,
                status_code=422,
            )
        desk, zone, floor = place
        refused = [
            (day, refusal_text(refusal, locale, SERIES_REFUSALS)) for day, refusal in outcome.conflicts
        ]
        nothing = not outcome.booked
        return await render(
            request,
            "plan/series.html",
            status_code=(409 if any(r.clash for _, r in outcome.conflicts) else 422) if nothing else 200,
            desk=desk,
            zone=zone,
            floor=floor,
            period_words=PERIODS[period],
            starts_on=starts_on,
            until=until,
            weekdays=weekday_names(locale, tuple(weekdays)),
            booked=[booking.day for booking in outcome.booked],
            refused=refused,
            problems=[
                Problem(
                    "not-booked",
                    _say(locale, N_("None of the days could be booked. The reasons are listed below.")),
                )
            ]
            if nothing
            else [],
            plan_path=("/plan/list?" if view == "list" else "/plan?")
            + urlencode({"day": starts_on.isoformat(), "period": period.value, "floor": str(floor.id)}),
            periods=PERIOD_NAMES,
            activity_in_text=ACTIVITY_IN_TEXT,
        )

    @get("/plan/book-series", name="plan-book-series-again")
    async def book_series_again(self) -> Response[Any]:
        """The address a series' outcome was shown at: going there again (a reload, the language
        switcher) shows My week, where the days booked are listed."""
        return Redirect("/", status_code=303)

    # --- moving a booking ---------------------------------------------------------------------

    def _plan_query(self, plan: FloorPlan, moving: BookingRead | None) -> Callable[..., str]:
        """The plan's query string with changes, keeping move mode on."""
        kept = {"move": str(moving.id)} if moving else {}
        return lambda **changes: plan_query(plan, **{**kept, **changes})

    async def _moving(
        self, request: Request[Principal, Any, Any], context: BookingContext, booking: str
    ) -> BookingRead | Response[Any]:
        """The booking being moved, if the person may move it and it is active; else the page
        that says it cannot be."""
        booking_id = uuid_or_none(booking)
        if booking_id is None:
            return await self._booking_gone(request, BOOKING_GONE, 404)
        desks = DeskBookings(context)
        try:
            found = await desks.read(await desks.get(booking_id))
        except NotFound:
            return await self._booking_gone(request, BOOKING_GONE, 404)
        if not found.status.active:
            return await self._booking_gone(request, BOOKING_ENDED, 409)
        return found

    async def _booking_gone(
        self, request: Request[Principal, Any, Any], text: str, status: int
    ) -> Response[Any]:
        return await render(request, "plan/booking_gone.html", status_code=status, text=text)

    @get("/plan/move", name="plan-move")
    async def confirm_move(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        context: NamedDependency[BookingContext],
        app_state: NamedDependency[AppState],
        booking: FromQuery[str] = "",
        desk: FromQuery[str] = "",
        day: FromQuery[str] = "",
        period: FromQuery[str] = "",
        view: FromQuery[str] = "map",
    ) -> Response[Any]:
        """Move to desk X, on a day and time: what will change, and one button (the move's first click
        was the desk on the plan)."""
        if not booking:  # the address a refused move was shown at, visited again
            return Redirect("/", status_code=303)
        moving = await self._moving(request, context, booking)
        if isinstance(moving, Response):
            return moving
        desk_id = uuid_or_none(desk)
        place = await desk_place(session, desk_id) if desk_id else None
        if place is None:
            return await self._not_found(request)
        chosen = date_or_none(day) or moving.day
        chosen_period = Period(period) if period in Period._value2member_map_ else moving.period
        plan = await self._desk_plan(session, app_state, request, place, chosen, chosen_period)
        return await self._move_confirmation(request, plan, place, moving, view)

    @post("/plan/move", name="plan-move-booking")
    async def move(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        context: NamedDependency[BookingContext],
        app_state: NamedDependency[AppState],
        data: URLEncodedBody[MoveBooking],
    ) -> Response[Any]:
        """Move the booking (`DeskBookings.move`, as the API's PATCH), then show My week."""
        desks = DeskBookings(context)
        try:
            moving = await desks.read(await desks.get(data.booking))
        except NotFound:
            return await self._booking_gone(request, BOOKING_GONE, 404)
        place = await desk_place(session, data.desk)
        if place is None:
            return await self._not_found(request)
        try:
            # A savepoint: a refusal after the slots were given up leaves the booking as it was.
            async with session.begin_nested():
                await desks.move(data.booking, data.desk, data.day, data.period)
        except NotFound:
            return await self._booking_gone(request, BOOKING_GONE, 404)
        except (RuleRefused, Conflict) as refusal:
            plan = await self._desk_plan(session, app_state, request, place, data.day, data.period)
            clash = isinstance(refusal, Conflict) or refusal.clash
            return await self._move_confirmation(
                request, plan, place, moving, data.view, refusal=refusal, status_code=409 if clash else 422
            )
        return Redirect(f"/?done=moved&booking={data.booking}", status_code=303)

    async def _desk_plan(
        self,
        session: AsyncSession,
        app_state: AppState,
        request: Request[Principal, Any, Any],
        place: tuple[Desk, Zone, Floor],
        day: date,
        period: Period,
    ) -> FloorPlan:
        """The plan of the desk's floor on a day and time (for the desk's state and the links back)."""
        site = await session.get_one(Site, place[0].site_id)
        return await floor_plan(
            session, app_state.layouts, site, request.user.employee_id, day, period, place[2].id
        )

    async def _move_confirmation(
        self,
        request: Request[Principal, Any, Any],
        plan: FloorPlan,
        place: tuple[Desk, Zone, Floor],
        moving: BookingRead,
        view: str,
        *,
        refusal: RuleRefused | Conflict | None = None,
        status_code: int = 200,
    ) -> Response[Any]:
        desk, zone, floor = place
        locale = await page_locale(request)
        shown = plan.desk(desk.code)
        state: str = shown.state if shown else ("free" if desk.bookable else "not-bookable")
        same = (moving.desk_id, moving.day, moving.period) == (desk.id, plan.day, plan.period)
        if same:
            state = "current"
        elif state == "mine" and moving.desk_id == desk.id and moving.day == plan.day:
            state = "free"  # the booking's own desk at another time of the same day
        problems = []
        if refusal is not None:
            problems.append(
                Problem("confirm", refusal_text(refusal, locale, MOVE_REFUSALS, MOVE_REFUSED_OTHERWISE))
            )
        return await render(
            request,
            "plan/move_confirm.html",
            status_code=status_code,
            plan=plan,
            desk=desk,
            zone=zone,
            floor=floor,
            state=state,
            moving=moving,
            view="list" if view == "list" else "map",
            problems=problems,
            alternatives=refusal.alternatives if isinstance(refusal, RuleRefused) else [],
            plan_query=self._plan_query(plan, moving),
            periods=PERIOD_NAMES,
            activity_in_text=ACTIVITY_IN_TEXT,
            attribute_names=ATTRIBUTE_NAMES,
        )

    async def _not_found(self, request: Request[Principal, Any, Any]) -> Response[Any]:
        return await render(request, "plan/not_found.html", status_code=404, text=DESK_NOT_FOUND)


SCALE: Final = 20
"""Drawing units per metre of the floor plan."""
LABEL_BAND: Final = 58
"""Drawing units above each zone for its visible label and utilisation bar (the desks fill the
zones to their edges)."""
MARGIN: Final = 4
BAR_HEIGHT: Final = 7
"""The utilisation bar under a zone's label: its width is the zone's, less the label's insets."""
ROOM_PADDING: Final = 10
ROOM_GAP: Final = 10
ROOM_MIN_WIDTH: Final = 104
ROOM_MAX_WIDTH: Final = 190
ROOM_MIN_HEIGHT: Final = 72
ROOM_MAX_HEIGHT: Final = 84
DESK_CLEARANCE: Final = 22
"""How far room tiles keep from a desk's centre (its focus square and accessible ring fit inside)."""


@dataclass(frozen=True)
class DrawnDesk:
    desk: PlanDesk
    x: float
    y: float


@dataclass(frozen=True)
class DrawnRoom:
    """A room as a labelled tile inside its zone (rooms have no place of their own on the plan)."""

    room: PlanRoom
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2


@dataclass(frozen=True)
class DrawnZone:
    zone: PlanZone
    x: float
    y: float
    width: float
    height: float
    desks: list[DrawnDesk]
    rooms: list[DrawnRoom] = field(default_factory=list)

    @property
    def label_y(self) -> float:
        return self.y - LABEL_BAND

    @property
    def bar_y(self) -> float:
        return self.label_y + 46

    @property
    def bar_width(self) -> float:
        return max(self.width - 8, 0.0)

    @property
    def bar_filled(self) -> float:
        """The filled part of the utilisation bar: the share of the zone's bookable desks taken."""
        return round(self.bar_width * self.zone.utilisation, 1)


@dataclass(frozen=True)
class Drawing:
    """Where the plan's zones, desks and rooms go in the SVG: metres scaled, each zone pushed down
    by the label bands of the zones above it (and its own). Rooms of a zone without an outline (or
    without room for tiles) are `unplaced`: the page lists them beside the map."""

    width: float
    height: float
    zones: list[DrawnZone]
    unplaced: list[tuple[PlanZone, PlanRoom]] = field(default_factory=list)


def drawing(plan: FloorPlan) -> Drawing:
    tops = sorted({zone.y_m for zone in plan.zones if zone.drawn and zone.y_m is not None})

    def y_of(y_m: float) -> float:
        return MARGIN + y_m * SCALE + LABEL_BAND * sum(1 for top in tops if top <= y_m + 1e-9)

    zones = []
    unplaced: list[tuple[PlanZone, PlanRoom]] = []
    for zone in plan.zones:
        if not zone.drawn:
            unplaced += [(zone, room) for room in zone.rooms]
            continue
        assert zone.x_m is not None and zone.y_m is not None
        assert zone.width_m is not None and zone.depth_m is not None
        top = y_of(zone.y_m)
        desks = [
            DrawnDesk(desk, MARGIN + desk.x_m * SCALE, top + (desk.y_m - zone.y_m) * SCALE)
            for desk in zone.desks
            if desk.x_m is not None and desk.y_m is not None
        ]
        x, width, height = MARGIN + zone.x_m * SCALE, zone.width_m * SCALE, zone.depth_m * SCALE
        rooms = room_tiles(zone.rooms, x, top, width, height, [d.y for d in desks])
        if rooms is None:
            unplaced += [(zone, room) for room in zone.rooms]
            rooms = []
        zones.append(DrawnZone(zone, x, top, width, height, desks, rooms))
    height = max((z.y + z.height for z in zones), default=MARGIN + plan.depth_m * SCALE) + MARGIN
    return Drawing(2 * MARGIN + plan.width_m * SCALE, height, zones, unplaced)


def room_tiles(
    rooms: tuple[PlanRoom, ...], x: float, y: float, width: float, height: float, desk_ys: list[float]
) -> list[DrawnRoom] | None:
    """Rooms as a grid of tiles in the widest band of the zone that no desk row crosses (the whole
    zone when it has no desks), in reading order; None when they do not fit."""
    if not rooms:
        return []
    band = (y + ROOM_PADDING, y + height - ROOM_PADDING)
    if desk_ys:
        above = (band[0], min(desk_ys) - DESK_CLEARANCE)
        below = (max(desk_ys) + DESK_CLEARANCE, band[1])
        band = max(above, below, key=lambda b: b[1] - b[0])
    room_width = width - 2 * ROOM_PADDING
    room_height = band[1] - band[0]
    columns = min(len(rooms), int((room_width + ROOM_GAP) // (ROOM_MIN_WIDTH + ROOM_GAP)))
    if columns < 1:
        return None
    rows = -(-len(rooms) // columns)
    tile_height = min(ROOM_MAX_HEIGHT, (room_height - ROOM_GAP * (rows - 1)) / rows)
    if tile_height < ROOM_MIN_HEIGHT:
        return None
    tile_width = min(ROOM_MAX_WIDTH, (room_width - ROOM_GAP * (columns - 1)) / columns)
    top = band[0] + (room_height - rows * tile_height - (rows - 1) * ROOM_GAP) / 2  # centred in the band
    return [
        DrawnRoom(
            room,
            x + ROOM_PADDING + (index % columns) * (tile_width + ROOM_GAP),
            top + (index // columns) * (tile_height + ROOM_GAP),
            tile_width,
            tile_height,
        )
        for index, room in enumerate(rooms)
    ]


class _NothingBooked(Exception):
    """Every day of a series was refused: the series itself is not kept either."""


def desk_href(plan: FloorPlan, desk_id: UUID, view: str, moving: BookingRead | None) -> str:
    """Where a desk of the plan leads: its booking confirmation, or in move mode its move confirmation."""
    if moving is None:
        query = {"desk": str(desk_id), "day": plan.day.isoformat(), "period": plan.period.value}
        return "/plan/book?" + urlencode(query)
    query = {
        "booking": str(moving.id),
        "desk": str(desk_id),
        "day": plan.day.isoformat(),
        "period": plan.period.value,
    }
    if view == "list":
        query["view"] = "list"
    return "/plan/move?" + urlencode(query)


def series_problems(series: SeriesForm, starts_on: date, until: date | None, locale: str) -> list[Problem]:
    """What is wrong with a series form, before anything is booked (each linked to its field)."""
    long_date = environment(locale).filters["long_date"]
    problems = []
    if not series.weekdays:
        first = series.working_days[0] if series.working_days else 1
        problems.append(Problem(f"series-weekday-{first}", _say(locale, SERIES_PROBLEMS["no-weekday"])))
    if until is None:
        problems.append(Problem("series-until", _say(locale, SERIES_PROBLEMS["no-until"])))
    elif until < starts_on:
        text = _say(locale, SERIES_PROBLEMS["until-before-start"], day=long_date(starts_on))
        problems.append(Problem("series-until", text))
    elif (until - starts_on).days > SERIES_MAX_DAYS:
        pattern = "EEEE d. MMMM y" if locale == "da" else "EEEE d MMMM y"  # a year on: say which
        last = format_date(starts_on + timedelta(days=SERIES_MAX_DAYS), pattern, locale=locale)
        problems.append(Problem("series-until", _say(locale, SERIES_PROBLEMS["too-long"], day=last)))
    return problems


def _say(locale: str, msgid: str, **params: str) -> str:
    text = str(gettext_for(locale)(msgid))
    return text % params if params else text


def refusal_text(
    error: ZonesError,
    locale: str,
    refusals: dict[str, str] = REFUSALS,
    otherwise: str = REFUSED_OTHERWISE,
) -> str:
    """What a refusal says, in `locale`: the rule's sentence with its values (dates written out)."""
    _: Callable[[str], str] = gettext_for(locale)
    template = refusals.get(error.message_id)
    if template is None:
        return _(otherwise)
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
        return _(otherwise)


controllers = [PlanPages]
