"""The workshop room pages: the rooms of a day with their busy hours, booking a room by the hour
with attendees picked from staff, and the person's own room bookings (cancelling them).

Booking and cancelling go through `RoomBookings`, the service the API uses, so the same rules
refuse, the same invitations are queued, and a refusal's message and alternatives (free rooms) are
shown in the page's language, the alternatives as one-click forms. Times are the site's local
times; the pages work without script, and HTMX only fetches colleagues as you type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from urllib.parse import urlencode
from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from babel.dates import format_time
from babel.numbers import format_decimal
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect
from markupsafe import Markup
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from zones.auth.principal import Principal
from zones.bookings.context import BookingContext
from zones.bookings.controllers import booking_dependencies
from zones.bookings.floorplan import home_site, next_working_day
from zones.bookings.presence import teammates
from zones.bookings.rooms import RoomBookings
from zones.bookings.rules import site_last_bookable_day
from zones.bookings.times import local_today, site_zone, to_utc
from zones.bookings.words import CLOSED_REFUSALS
from zones.errors import NotFound, RuleRefused, ZonesError
from zones.models import (
    Employee,
    Floor,
    Room,
    RoomBooking,
    RoomBookingStatus,
    Site,
    Zone,
)
from zones.server.problems import status_of
from zones.text import control_character
from zones.web.forms import Problem, date_or_none, uuid_or_none
from zones.web.i18n import N_
from zones.web.render import environment, gettext_for, page_locale, render

TIME_FORMAT: Final = {"da": "HH.mm", "en": "HH:mm"}
"""Times of day as the office reads them ("kl. 09.00" in Danish: the "kl." is in the sentence)."""
STEP: Final = timedelta(minutes=30)
"""The start and end times the booking form offers, from opening to closing."""
SLOT: Final = timedelta(hours=1)
"""The free hours the rooms page offers as one-click links to the booking form."""
SEARCH_LIMIT: Final = 20
SEARCH_MIN_LENGTH: Final = 2
TITLE_LENGTH: Final = 200
MY_BOOKINGS_DAYS: Final = 14

ROOM_ATTRIBUTES: Final = {
    "projector": N_("Projector"),
    "whiteboard": N_("Whiteboard"),
    "screen": N_("Screen"),
    "video-conferencing": N_("Video conferencing"),
    "accessible": N_("Accessible"),
}

REFUSALS: Final = {
    "room-taken": N_("%(room)s is already booked for part of that time. Choose another time."),
    "room-taken.with-alternatives": N_(
        "%(room)s is already booked for part of that time. You can book a free room instead, or choose"
        " another time."
    ),
    "room-too-small": N_(
        "%(room)s seats %(capacity)s people, and the booking has %(people)s, you included. Invite fewer"
        " people or choose a bigger room."
    ),
    "room-not-bookable": N_("%(room)s cannot be booked. Choose another room."),
    "room-booking.in-the-past": N_("That time is over. Choose a later time."),
    "room-booking.ends-before-start": N_("The end time must be after the start time."),
    "room-booking.too-long": N_("A room booking can last at most %(max_hours)s hours."),
    "room-booking.crosses-midnight": N_("A room booking must end on the day it starts."),
    "not-a-working-day": N_("%(day)s is not a working day at the office. Choose another day."),
    **CLOSED_REFUSALS,
    "outside-opening-hours": N_(
        "The office is open from %(opens)s to %(closes)s. Choose a time within those hours."
    ),
    "beyond-horizon": N_(
        "You can book %(horizon_days)s days ahead. The last day you can book now is %(last_bookable_day)s."
    ),
    "invalid-attendee": N_(
        "%(address)s is not a valid e-mail address. Untick it and choose the person again."
    ),
    "time-does-not-exist": N_(
        "That time does not exist on that day, because the clocks change. Choose another time."
    ),
    "time-is-ambiguous": N_(
        "That time happens twice on that day, because the clocks change. Choose another time."
    ),
    "not-found.id": N_(
        "We could not find that room booking. It may have been cancelled, or it is not yours."
    ),
    "forbidden": N_("Only the organiser can cancel this room booking."),
}
"""What a page says when the room service refuses, by the error's `message_id` (English msgids)."""
REFUSAL_TARGETS: Final = {
    "room-taken": "start",
    "room-too-small": "attendees",
    "room-booking.in-the-past": "start",
    "room-booking.ends-before-start": "end",
    "room-booking.too-long": "end",
    "room-booking.crosses-midnight": "end",
    "not-a-working-day": "day",
    "closed.holiday": "day",
    "closed.closure": "day",
    "outside-opening-hours": "start",
    "beyond-horizon": "day",
    "invalid-attendee": "attendees",
    "time-does-not-exist": "start",
    "time-is-ambiguous": "start",
}
"""The field of the booking form each refusal is about (the error summary links to it)."""
REFUSED_OTHERWISE: Final = N_("The room could not be booked. Go back to the rooms and try again.")
ROOM_NOT_FOUND: Final = N_("There is no such room. Go back to the rooms and choose one there.")

NEEDS_TITLE: Final = N_("Enter a title for the booking, for example what the workshop is about.")
TITLE_TOO_LONG: Final = N_("The title can be at most %(length)s characters.")
TITLE_ONE_LINE: Final = N_("Write the title on one line, without line breaks or control characters.")
NEEDS_DAY: Final = N_("Enter the day as a date, for example %(example)s.")
NEEDS_START: Final = N_("Choose a start time.")
NEEDS_END: Final = N_("Choose an end time.")
NOT_STAFF: Final = N_(
    "%(address)s is not an active colleague in Zones. Untick it and search for the person again."
)

DONE: Final = {
    "booked": (
        N_("Room booked"),
        N_("%(room)s, %(day)s, %(time)s. The invitations are on their way to everyone invited."),
    ),
    "cancelled": (
        N_("Room booking cancelled"),
        N_("%(room)s, %(day)s, %(time)s is free for others again. Everyone invited gets a cancellation."),
    ),
}
"""The confirmations after a change, by the `done` a redirect names: a heading and a sentence."""


@dataclass(frozen=True)
class Busy:
    """A booked interval of a room on the day shown, in the site's time."""

    starts: datetime
    ends: datetime
    mine: bool
    title: str


@dataclass(frozen=True)
class RoomDay:
    """A room on the day shown: what it is, when it is booked, and the hours still free to book."""

    room: Room
    zone: str
    floor: str
    busy: list[Busy]
    free_hours: list[tuple[datetime, datetime]]
    chosen: bool


@dataclass(frozen=True)
class MyRoomBooking:
    """One of the person's room bookings, as organiser or attendee."""

    id: UUID
    title: str
    room: str
    day: date
    starts: datetime
    ends: datetime
    organiser: str
    is_organiser: bool
    attendees: list[str]


@dataclass(frozen=True)
class Person:
    """A colleague who may be invited (an active member of staff)."""

    id: UUID
    name: str
    email: str


@dataclass
class BookingForm:
    """What the booking form holds, as typed (kept on a refusal so nothing is lost)."""

    room: str = ""
    day: str = ""
    start: str = ""
    end: str = ""
    title: str = ""
    q: str = ""
    attendees: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, values: Any) -> BookingForm:
        """The form from a query or a form body (a multi-dict: `attendees` repeats)."""
        emails: list[str] = []
        for email in (
            values.getall("attendees", []) if hasattr(values, "getall") else values.get("attendees", [])
        ):
            email = str(email).strip()
            if email and email.lower() not in {e.lower() for e in emails}:
                emails.append(email)
        return cls(
            room=str(values.get("room", "")).strip(),
            day=str(values.get("day", "")).strip(),
            start=_clock_value(str(values.get("start", "")).strip()),
            end=_clock_value(str(values.get("end", "")).strip()),
            title=str(values.get("title", "")).strip(),
            q=str(values.get("q", "")).strip()[:100],
            attendees=emails,
        )

    def query(self, **changes: str) -> str:
        """The form as an address's query (the colleagues ticked so far included)."""
        values: dict[str, str | list[str]] = {
            "room": self.room,
            "day": self.day,
            "start": self.start,
            "end": self.end,
            "title": self.title,
            "attendees": self.attendees,
        }
        values.update(changes)
        return urlencode({key: value for key, value in values.items() if value}, doseq=True)


class RoomWords:
    """Text built in Python in the page's language: translated msgids, dates, times and numbers."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.gettext: Callable[[str], str] = gettext_for(locale)
        self.long_date: Callable[[date], str] = environment(locale).filters["long_date"]

    def say(self, msgid: str, **params: Any) -> str:
        return str(self.gettext(msgid)) % params if params else str(self.gettext(msgid))

    def time(self, moment: datetime | time) -> str:
        return format_time(moment, TIME_FORMAT.get(self.locale, "HH:mm"), locale=self.locale)

    def span(self, starts: datetime, ends: datetime) -> str:
        return f"{self.time(starts)}–{self.time(ends)}"

    def number(self, value: int) -> str:
        return format_decimal(value, locale=self.locale)

    def done(self, key: str, booking: MyRoomBooking | None) -> Markup | None:
        """The status region's confirmation: a heading in bold, then what happened."""
        if key not in DONE:
            return None
        heading, text = DONE[key]
        if booking is None:
            return Markup("<strong>{}</strong>").format(self.say(heading))
        sentence = self.say(
            text,
            room=booking.room,
            day=self.long_date(booking.day),
            time=self.span(booking.starts, booking.ends),
        )
        return Markup("<strong>{}</strong> {}").format(self.say(heading), sentence)

    def refusal(self, error: ZonesError) -> Problem:
        """What a refusal says, and which field of the booking form it is about."""
        message_id = error.message_id
        if message_id == "room-taken" and isinstance(error, RuleRefused) and error.alternatives:
            message_id = "room-taken.with-alternatives"
        template = REFUSALS.get(message_id)
        target = REFUSAL_TARGETS.get(error.message_id, "title")
        if template is None:
            return Problem(target, self.say(REFUSED_OTHERWISE))
        params = dict(error.params)
        for key in ("day", "last_bookable_day"):
            if isinstance(params.get(key), str):
                params[key] = self.long_date(date.fromisoformat(params[key]))
        for key in ("opens", "closes"):
            if isinstance(params.get(key), str):
                params[key] = self.time(time.fromisoformat(params[key]))
        for key in ("capacity", "people", "horizon_days", "max_hours"):
            if isinstance(params.get(key), int):
                params[key] = self.number(params[key])
        try:
            text = self.say(template, **params)
        except (KeyError, TypeError, ValueError):
            return Problem(target, self.say(REFUSED_OTHERWISE))
        # A sentence may open with a Danish day name, which is written in lower case.
        return Problem(target, text[:1].upper() + text[1:])


async def words(request: Request[Any, Any, Any]) -> RoomWords:
    """The words of this request's page language."""
    return RoomWords(await page_locale(request))


# Reading the office ---------------------------------------------------------------------------


def _time(value: str) -> time | None:
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(second=0, microsecond=0, tzinfo=None)


def _clock_value(value: str) -> str:
    """A typed time as the form's options write it (`09:00`), or as typed if it is no time."""
    parsed = _time(value)
    return parsed.strftime("%H:%M") if parsed is not None else value


def default_day(site: Site, now: datetime) -> date:
    """Today while the office is still open on a working day, else the next working day."""
    today = local_today(site, now)
    local_now = now.astimezone(site_zone(site))
    if today.isoweekday() in site.working_days and local_now.time() < site.closes_at:
        return today
    return next_working_day(site, now)


def working_day_beside(site: Site, day: date, step: int) -> date:
    """The site's working day before (`step` -1) or after (+1) `day`."""
    other = day + timedelta(days=step)
    for _ in range(7):
        if other.isoweekday() in site.working_days:
            return other
        other += timedelta(days=step)
    return other


def local(site: Site, day: date, at: time) -> datetime:
    """A wall-clock time at the site, aware."""
    return datetime.combine(day, at, tzinfo=site_zone(site))


def time_choices(site: Site, day: date, *extra: str) -> list[time]:
    """The times the form offers: every half hour from opening to closing (and anything typed)."""
    moment, closes = local(site, day, site.opens_at), local(site, day, site.closes_at)
    choices = []
    while moment <= closes:
        choices.append(moment.time())
        moment += STEP
    for value in extra:
        typed = _time(value)
        if typed is not None and typed not in choices:
            choices.append(typed)
    return sorted(choices)


async def site_rooms(session: Any, site: Site) -> list[tuple[Room, Zone, Floor]]:
    rows = await session.execute(
        select(Room, Zone, Floor)
        .join(Zone, Zone.id == Room.zone_id)
        .join(Floor, Floor.id == Zone.floor_id)
        .where(Room.site_id == site.id)
        .order_by(Floor.level, Room.name, Room.code)
    )
    return [tuple(row) for row in rows.all()]


async def room_at(session: Any, room_id: UUID | None) -> tuple[Room, Zone, Floor] | None:
    if room_id is None:
        return None
    row = (
        await session.execute(
            select(Room, Zone, Floor)
            .join(Zone, Zone.id == Room.zone_id)
            .join(Floor, Floor.id == Zone.floor_id)
            .where(Room.id == room_id)
        )
    ).one_or_none()
    return tuple(row) if row is not None else None


async def rooms_of_day(
    context: BookingContext, site: Site, day: date, chosen: UUID | None, bookable_day: bool
) -> list[RoomDay]:
    """Every room of the site on `day`: its bookings (the person's own with their title), and the
    whole hours still free to book (none on a day that cannot be booked)."""
    session, me = context.session, context.actor.employee_id
    day_start, day_end = local(site, day, time(0)), local(site, day + timedelta(days=1), time(0))
    bookings = list(
        await session.scalars(
            select(RoomBooking)
            .where(RoomBooking.site_id == site.id, RoomBooking.status == RoomBookingStatus.BOOKED)
            .where(
                RoomBooking.starts_at < day_end.astimezone(UTC),
                RoomBooking.ends_at > day_start.astimezone(UTC),
            )
            .options(selectinload(RoomBooking.attendees))
            .order_by(RoomBooking.starts_at)
        )
    )
    zone, now = site_zone(site), context.now()
    opens, closes = local(site, day, site.opens_at), local(site, day, site.closes_at)
    shown = []
    for room, room_zone, floor in await site_rooms(session, site):
        busy = []
        for b in bookings:
            if b.room_id != room.id:
                continue
            mine = b.organiser_id == me or any(a.employee_id == me for a in b.attendees)
            busy.append(
                Busy(b.starts_at.astimezone(zone), b.ends_at.astimezone(zone), mine, b.title if mine else "")
            )
        free_hours = []
        if bookable_day and room.bookable:
            start = opens
            while start < closes:
                end = min(start + SLOT, closes)
                if start >= now and not any(b.starts < end and start < b.ends for b in busy):
                    free_hours.append((start, end))
                start = end
        shown.append(RoomDay(room, room_zone.name, floor.name, busy, free_hours, room.id == chosen))
    shown.sort(key=lambda r: not r.chosen)
    return shown


async def my_room_bookings(rooms: RoomBookings, site: Site, until: datetime) -> list[MyRoomBooking]:
    """The person's room bookings (organiser or attendee) that are not over and start before `until`."""
    page = await rooms.list_for_me("upcoming", LimitOffset(limit=200, offset=0), booked_only=True)
    listed = [b for b in page.items if b.starts_at < until]
    if not listed:
        return []
    session, me = rooms.session, rooms.actor.employee_id
    room_names = {
        room.id: room.name
        for room in await session.scalars(select(Room).where(Room.id.in_({b.room_id for b in listed})))
    }
    organisers = {
        person.id: person.name
        for person in await session.scalars(
            select(Employee).where(Employee.id.in_({b.organiser_id for b in listed}))
        )
    }
    zone = site_zone(site)
    return [
        MyRoomBooking(
            id=b.id,
            title=b.title,
            room=room_names.get(b.room_id, ""),
            day=b.starts_at.astimezone(zone).date(),
            starts=b.starts_at.astimezone(zone),
            ends=b.ends_at.astimezone(zone),
            organiser=organisers.get(b.organiser_id, ""),
            is_organiser=b.organiser_id == me,
            attendees=[a.name for a in b.attendees if a.employee_id != b.organiser_id],
        )
        for b in listed
    ]


async def one_of_mine(rooms: RoomBookings, site: Site, booking_id: UUID | None) -> MyRoomBooking | None:
    """A room booking the person may see (organiser or attendee), else None."""
    if booking_id is None:
        return None
    try:
        booking = await rooms.get(booking_id)
    except ZonesError:
        return None
    room = await rooms.session.get(Room, booking.room_id)
    organiser = await rooms.session.get(Employee, booking.organiser_id)
    zone = site_zone(site)
    return MyRoomBooking(
        id=booking.id,
        title=booking.title,
        room=room.name if room else "",
        day=booking.starts_at.astimezone(zone).date(),
        starts=booking.starts_at.astimezone(zone),
        ends=booking.ends_at.astimezone(zone),
        organiser=organiser.name if organiser else "",
        is_organiser=booking.organiser_id == rooms.actor.employee_id,
        attendees=[a.name for a in booking.attendees if a.employee_id != booking.organiser_id],
    )


# Colleagues -------------------------------------------------------------------------------------


async def team_people(session: Any, me: UUID, day: date) -> list[Person]:
    """The active people of my teams (circles that have not ended), me left out: the teams who's-in
    lists (`presence.teammates`)."""
    rows = await session.execute(
        select(Employee.id, Employee.name, Employee.email)
        .where(Employee.id.in_(teammates(me, day)))
        .where(Employee.active.is_(True), Employee.id != me)
        .order_by(Employee.name, Employee.email)
    )
    return [Person(*row) for row in rows.all()]


async def people_by_email(session: Any, emails: Iterable[str]) -> dict[str, Person]:
    """Active staff with these addresses, by lower-cased address."""
    wanted = {email.lower() for email in emails}
    if not wanted:
        return {}
    rows = await session.execute(
        select(Employee.id, Employee.name, Employee.email)
        .where(func.lower(Employee.email).in_(wanted), Employee.active.is_(True))
        .order_by(Employee.name)
    )
    return {row.email.lower(): Person(*row) for row in rows.all()}


async def search_people(session: Any, q: str, leave_out: set[UUID]) -> tuple[list[Person], bool]:
    """Active staff whose name or address contains `q` (at most `SEARCH_LIMIT`), and whether there
    were more."""
    needle = q.strip().lower()
    if len(needle) < SEARCH_MIN_LENGTH or control_character(needle):
        return [], False
    statement = (
        select(Employee.id, Employee.name, Employee.email)
        .where(Employee.active.is_(True))
        .where(
            or_(
                func.lower(Employee.name).contains(needle, autoescape=True),
                func.lower(Employee.email).contains(needle, autoescape=True),
            )
        )
        .order_by(Employee.name, Employee.email)
    )
    if leave_out:
        statement = statement.where(Employee.id.not_in(leave_out))
    rows = (await session.execute(statement.limit(SEARCH_LIMIT + 1))).all()
    return [Person(*row) for row in rows[:SEARCH_LIMIT]], len(rows) > SEARCH_LIMIT


@dataclass
class Invitees:
    """The people the attendee part of the form shows: my teams, others already ticked, and what a
    search found (each person once, so every checkbox has its own id)."""

    team: list[Person]
    others: list[Person]
    """Ticked people who are not in my teams (found by earlier searches)."""
    found: list[Person]
    more: bool
    chosen: set[str]
    """Ticked addresses, lower-cased."""
    unknown: list[str]
    """Ticked addresses that are no active colleague (left the organisation, or typed in)."""


async def invitees(session: Any, me: Principal, day: date, chosen: list[str], q: str) -> Invitees:
    team = await team_people(session, me.employee_id, day)
    known = await people_by_email(session, chosen)
    team_ids = {p.id for p in team}
    others = [p for key, p in known.items() if p.id not in team_ids and p.id != me.employee_id]
    unknown = [e for e in chosen if e.lower() not in known and e.lower() != me.email.lower()]
    found, more = await search_people(session, q, team_ids | {p.id for p in others} | {me.employee_id})
    return Invitees(
        team, sorted(others, key=lambda p: p.name), found, more, {e.lower() for e in chosen}, unknown
    )


# The pages ------------------------------------------------------------------------------------


class RoomPages(Controller):
    """The rooms of a day, booking one with attendees, and cancelling one's own room bookings."""

    include_in_schema = False
    dependencies = booking_dependencies

    @get("/workshop-rooms", name="rooms")
    async def rooms_page(
        self,
        request: Request[Principal, Any, Any],
        context: NamedDependency[BookingContext],
        rooms: NamedDependency[RoomBookings],
        day: FromQuery[str] = "",
        room: FromQuery[str] = "",
        done: FromQuery[str] = "",
        booking: FromQuery[str] = "",
    ) -> Response[Any]:
        said = await words(request)
        site = await home_site(context.session, request.user.employee_id)
        about = await one_of_mine(rooms, site, uuid_or_none(booking)) if booking else None
        return await rooms_day_page(
            request,
            context,
            rooms,
            site,
            date_or_none(day),
            uuid_or_none(room),
            message=said.done(done, about),
        )

    @get("/workshop-rooms/book", name="rooms-book-form")
    async def booking_form(
        self, request: Request[Principal, Any, Any], context: NamedDependency[BookingContext]
    ) -> Response[Any]:
        """The booking form (also what the search button of the form shows without script)."""
        form = BookingForm.of(request.query_params)
        if not form.room:
            return Redirect("/workshop-rooms", status_code=303)
        return await booking_page(request, context, form)

    @post("/workshop-rooms/book", name="rooms-book")
    async def book(
        self,
        request: Request[Principal, Any, Any],
        context: NamedDependency[BookingContext],
        rooms: NamedDependency[RoomBookings],
    ) -> Response[Any]:
        form = BookingForm.of(await request.form())
        session = context.session
        place = await room_at(session, uuid_or_none(form.room))
        if place is None:
            return await room_not_found(request)
        site = await session.get_one(Site, place[0].site_id)
        said = await words(request)
        problems, times = check_form(form, site, said)
        known = await people_by_email(session, form.attendees)
        for email in form.attendees:
            if email.lower() not in known and email.lower() != request.user.email.lower():
                problems.append(Problem("attendees", said.say(NOT_STAFF, address=email)))
        if problems or times is None:
            return await booking_page(request, context, form, problems=problems, status_code=422)
        starts_at, ends_at = times
        try:
            # A savepoint: a refusal after the first INSERT leaves nothing behind when the page answers.
            async with session.begin_nested():
                booked = await rooms.book(place[0].id, form.title, starts_at, ends_at, form.attendees)
        except NotFound:
            return await room_not_found(request)
        except ZonesError as refusal:
            return await booking_page(
                request,
                context,
                form,
                problems=[said.refusal(refusal)],
                alternatives=refusal.alternatives if isinstance(refusal, RuleRefused) else [],
                status_code=status_of(refusal),
            )
        day = starts_at.astimezone(site_zone(site)).date()
        query = urlencode({"day": day.isoformat(), "done": "booked", "booking": str(booked.id)})
        return Redirect(f"/workshop-rooms?{query}", status_code=303)

    @get("/workshop-rooms/people", name="rooms-people")
    async def people(
        self, request: Request[Principal, Any, Any], context: NamedDependency[BookingContext]
    ) -> Response[Any]:
        """Colleagues matching the search, as checkboxes (the fragment HTMX swaps into the form);
        without HTMX, the form itself shows them."""
        form = BookingForm.of(request.query_params)
        if "hx-request" not in request.headers:
            return Redirect(
                f"/workshop-rooms/book?{form.query(q=form.q)}" if form.room else "/workshop-rooms",
                status_code=303,
            )
        site = await home_site(context.session, request.user.employee_id)
        day = date_or_none(form.day) or local_today(site, context.now())
        people = await invitees(context.session, request.user, day, form.attendees, form.q)
        return await render(request, "rooms/_people.html", people=people, form=form, fragment=True)

    @get("/workshop-rooms/bookings/{booking_id:uuid}/cancel", name="rooms-cancel-confirm")
    async def confirm_cancel(
        self,
        request: Request[Principal, Any, Any],
        context: NamedDependency[BookingContext],
        rooms: NamedDependency[RoomBookings],
        booking_id: FromPath[UUID],
    ) -> Response[Any]:
        site = await home_site(context.session, request.user.employee_id)
        booking = await one_of_mine(rooms, site, booking_id)
        if booking is None:
            error = NotFound.of("room booking", booking_id)
            return await refused(request, context, rooms, site, error)
        stored = await rooms.get(booking_id)
        if stored.status is not RoomBookingStatus.BOOKED:  # cancelled already: nothing to confirm
            return await refused(request, context, rooms, site, NotFound.of("room booking", booking_id))
        try:  # an attendee sees the booking, but the page offers only what the service allows
            rooms.check_may_change(stored)
        except ZonesError as refusal:
            return await refused(request, context, rooms, site, refusal)
        return await render(request, "rooms/cancel.html", booking=booking, span=(await words(request)).span)

    @post("/workshop-rooms/bookings/{booking_id:uuid}/cancel", name="rooms-cancel")
    async def cancel(
        self,
        request: Request[Principal, Any, Any],
        context: NamedDependency[BookingContext],
        rooms: NamedDependency[RoomBookings],
        booking_id: FromPath[UUID],
    ) -> Response[Any]:
        site = await home_site(context.session, request.user.employee_id)
        try:
            async with context.session.begin_nested():
                cancelled = await rooms.cancel(booking_id)
        except ZonesError as error:
            return await refused(request, context, rooms, site, error)
        day = cancelled.starts_at.astimezone(site_zone(site)).date()
        query = urlencode({"day": day.isoformat(), "done": "cancelled", "booking": str(booking_id)})
        return Redirect(f"/workshop-rooms?{query}", status_code=303)


def check_form(
    form: BookingForm, site: Site, said: RoomWords
) -> tuple[list[Problem], tuple[datetime, datetime] | None]:
    """What the page itself checks before asking the service: a title, a day and two times; the
    times as aware datetimes, read in the site's time zone (`to_utc`, as the API reads them)."""
    problems = []
    if not form.title:
        problems.append(Problem("title", said.say(NEEDS_TITLE)))
    elif len(form.title) > TITLE_LENGTH:
        problems.append(Problem("title", said.say(TITLE_TOO_LONG, length=said.number(TITLE_LENGTH))))
    elif control_character(form.title):  # the API's `SingleLine` rule for titles
        problems.append(Problem("title", said.say(TITLE_ONE_LINE)))
    day, start, end = date_or_none(form.day), _time(form.start), _time(form.end)
    if day is None:
        example = date(2026, 12, 10)
        problems.append(Problem("day", said.say(NEEDS_DAY, example=said.long_date(example))))
    if start is None:
        problems.append(Problem("start", said.say(NEEDS_START)))
    if end is None:
        problems.append(Problem("end", said.say(NEEDS_END)))
    if day is None or start is None or end is None:
        return problems, None
    try:
        starts_at = to_utc(datetime.combine(day, start), site, "starts_at")
        # An end at midnight is the end of the day.
        end_day = day + timedelta(days=1) if end == time(0) else day
        ends_at = to_utc(datetime.combine(end_day, end), site, "ends_at")
    except ZonesError as error:
        problems.append(said.refusal(error))
        return problems, None
    return problems, (starts_at, ends_at)


async def rooms_day_page(
    request: Request[Principal, Any, Any],
    context: BookingContext,
    rooms: RoomBookings,
    site: Site,
    day: date | None,
    chosen: UUID | None,
    *,
    message: Markup | None = None,
    problems: list[Problem] | None = None,
    status_code: int = 200,
) -> Response[Any]:
    """The rooms of a day and my room bookings, with a confirmation or problems at the top."""
    now = context.now()
    day = day or default_day(site, now)
    today = local_today(site, now)
    last = await site_last_bookable_day(context.session, site, now)
    working = day.isoweekday() in site.working_days
    bookable = working and today <= day <= last
    said = await words(request)
    return await render(
        request,
        "rooms/rooms.html",
        status_code=status_code,
        message=message,
        problems=problems or [],
        site=site,
        day=day,
        today=today,
        working=working,
        bookable=bookable,
        last_bookable=last,
        previous_day=working_day_beside(site, day, -1),
        next_day=working_day_beside(site, day, 1),
        rooms=await rooms_of_day(context, site, day, chosen, bookable),
        chosen=chosen,
        mine=await my_room_bookings(rooms, site, now + timedelta(days=MY_BOOKINGS_DAYS)),
        opens=local(site, day, site.opens_at),
        closes=local(site, day, site.closes_at),
        attribute_names=ROOM_ATTRIBUTES,
        span=said.span,
        clock=said.time,
        number=said.number,
        timeline=timeline(site, day),
    )


@dataclass(frozen=True)
class Timeline:
    """The day's opening hours as an SVG bar: one unit a minute from opening, a tick each hour."""

    width: int
    ticks: list[int]
    opens: datetime

    def x(self, moment: datetime) -> int:
        minutes = int((moment - self.opens).total_seconds() // 60)
        return max(0, min(self.width, minutes))


def timeline(site: Site, day: date) -> Timeline:
    opens, closes = local(site, day, site.opens_at), local(site, day, site.closes_at)
    width = max(1, int((closes - opens).total_seconds() // 60))
    first_hour = opens.replace(minute=0) + (timedelta(hours=1) if opens.minute else timedelta())
    ticks, tick = [], first_hour
    while tick < closes:
        ticks.append(int((tick - opens).total_seconds() // 60))
        tick += timedelta(hours=1)
    return Timeline(width, [t for t in ticks if 0 < t < width], opens)


async def booking_page(
    request: Request[Principal, Any, Any],
    context: BookingContext,
    form: BookingForm,
    *,
    problems: list[Problem] | None = None,
    alternatives: list[dict[str, Any]] | None = None,
    status_code: int = 200,
) -> Response[Any]:
    """The booking form for a room, filled with what the person chose (or sensible defaults)."""
    session = context.session
    place = await room_at(session, uuid_or_none(form.room))
    if place is None:
        return await room_not_found(request)
    room, zone, floor = place
    site = await session.get_one(Site, room.site_id)
    now = context.now()
    day = date_or_none(form.day) or default_day(site, now)
    form.day = form.day or day.isoformat()
    if not form.start or not form.end:
        last = await site_last_bookable_day(session, site, now)
        bookable = day.isoweekday() in site.working_days and local_today(site, now) <= day <= last
        shown = await rooms_of_day(context, site, day, room.id, bookable)
        free = next((r.free_hours for r in shown if r.room.id == room.id), [])
        start = free[0][0] if free else local(site, day, site.opens_at)
        form.start = form.start or start.strftime("%H:%M")
        form.end = form.end or min(start + SLOT, local(site, day, site.closes_at)).strftime("%H:%M")
    said = await words(request)
    people = await invitees(session, request.user, day, form.attendees, form.q)
    problems = list(problems or [])
    return await render(
        request,
        "rooms/book.html",
        status_code=status_code,
        problems=problems,
        fields={p.target for p in problems},
        form=form,
        room=room,
        zone=zone,
        floor=floor,
        site=site,
        day=day,
        times=time_choices(site, day, form.start, form.end),
        people=people,
        alternatives=alternatives or [],
        attribute_names=ROOM_ATTRIBUTES,
        clock=said.time,
        number=said.number,
        title_length=TITLE_LENGTH,
        fragment=False,
    )


async def refused(
    request: Request[Principal, Any, Any],
    context: BookingContext,
    rooms: RoomBookings,
    site: Site,
    error: ZonesError,
) -> Response[Any]:
    """The rooms page again, with the refusal at the top, linked to my room bookings."""
    problem = (await words(request)).refusal(error)
    return await rooms_day_page(
        request,
        context,
        rooms,
        site,
        None,
        None,
        problems=[Problem("mine", problem.text)],
        status_code=status_of(error),
    )


async def room_not_found(request: Request[Principal, Any, Any]) -> Response[Any]:
    return await render(request, "rooms/not_found.html", status_code=404, text=ROOM_NOT_FOUND)


controllers = [RoomPages]
