"""A person's own pages: My week (the start page), with check-in and cancelling, and the profile
(language, presence, calendar subscription, signing out).

The pages call the same services as the JSON API (`DeskBookings`, `presence`, `calendar.feed`);
a refusal is shown in the page's language with an error summary, and a change done is confirmed
after the redirect in the page's status region.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final, Literal
from uuid import UUID

from babel.dates import format_time
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect
from markupsafe import Markup
from msgspec import Struct
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth.principal import Principal
from zones.bookings import presence
from zones.bookings.context import BookingContext
from zones.bookings.controllers import booking_dependencies
from zones.bookings.desks import DeskBookings
from zones.bookings.schemas import BookingRead
from zones.bookings.seat_finder import find_a_seat
from zones.bookings.week import my_week
from zones.bookings.words import PERIOD_IN_TEXT, PERIOD_NAMES
from zones.calendar.feed import create_feed, feed_urls, has_live_feed, revoke_feeds
from zones.errors import ZonesError
from zones.models import BookingStatus, Period
from zones.server.problems import status_of
from zones.server.state import AppState
from zones.web.forms import Problem
from zones.web.i18n import N_
from zones.web.render import environment, gettext_for, page_locale, render

STATUS_NAMES: Final = {
    BookingStatus.BOOKED: N_("Booked"),
    BookingStatus.CHECKED_IN: N_("Checked in"),
    BookingStatus.CANCELLED: N_("Cancelled"),
    BookingStatus.RELEASED: N_("Released"),
}

REFUSALS: Final = {
    "find-a-seat.none-free": N_("Every desk you can use is taken that day. Try another day."),
    "find-a-seat.taken-meanwhile": N_("The free desks were taken while we looked. Try again."),
    "check-in-not-open": N_("Check-in for desk %(desk)s opens at %(time)s on %(day)s."),
    "check-in-closed": N_(
        "Check-in for desk %(desk)s on %(day)s has closed, so the desk is released for others."
        " Book a desk again if you need one."
    ),
    "booking-not-active.check-in": N_(
        "Your booking of desk %(desk)s on %(day)s is no longer active, so you cannot check in."
    ),
    "not-found.id": N_("We could not find that booking. It may have been cancelled, or it is not yours."),
    "conflict.stored-meanwhile": N_(
        "Someone changed this booking at the same moment. Reload the page and try again."
    ),
}
"""What a page says when a service refuses, by the error's `message_id` (English msgids)."""
TIME_FORMAT: Final = {"da": "HH.mm", "en": "HH:mm"}
"""Times of day as the office reads them ("kl. 08.30" in Danish: the "kl." is in the sentence)."""
SOMETHING_WENT_WRONG: Final = N_("This could not be done. Reload the page and try again.")

DONE: Final = {
    "cancelled": (N_("Booking cancelled"), N_("Desk %(desk)s on %(day)s is free for others again.")),
    "checked-in": (N_("You are checked in"), N_("Desk %(desk)s, %(day)s.")),
    "moved": (N_("Booking moved"), N_("Your booking is now desk %(desk)s, %(day)s, %(period)s.")),
    "presence-hidden": (
        N_("Saved"),
        N_("Your teams no longer see your name or desk on the days you are in."),
    ),
    "presence-shown": (N_("Saved"), N_("Your teams can see your name and desk on the days you are in.")),
    "calendar-stopped": (
        N_("Subscription stopped"),
        N_(
            "Your calendar link no longer works. Your calendar stops showing your bookings"
            " when it next updates."
        ),
    ),
    "calendar-created": (
        N_("Calendar link created"),
        N_("Copy the link now and add it to your calendar. For your security it is shown only this once."),
    ),
    "language": (N_("Saved"), N_("The pages are now in the language you chose.")),
    "found-quiet-zone": (N_("Seat found"), N_("Desk %(desk)s on %(day)s, in a quiet zone for focus work.")),
    "found-team-neighbourhood": (N_("Seat found"), N_("Desk %(desk)s on %(day)s, in your team's area.")),
    "found-collaboration-zone": (N_("Seat found"), N_("Desk %(desk)s on %(day)s, in a collaboration zone.")),
    "found-other-activity": (
        N_("Seat found"),
        N_("Desk %(desk)s on %(day)s: none of the kind you asked for was free; this one is nearest."),
    ),
}
"""The confirmations after a change, by the `done` a redirect names: a heading and a sentence."""


class Words:
    """Text built in Python in the page's language: translated msgids and formatted dates."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.gettext = gettext_for(locale)
        self.long_date = environment(locale).filters["long_date"]

    def say(self, msgid: str, **params: str) -> str:
        return str(self.gettext(msgid)) % params if params else str(self.gettext(msgid))

    def done(self, key: str, booking: BookingRead | None = None) -> Markup | None:
        """The status region's confirmation: a heading in bold, then what happened."""
        if key not in DONE:
            return None
        heading, text = DONE[key]
        params = (
            {
                "desk": booking.desk_code,
                "day": self.long_date(booking.day),
                "period": self.say(PERIOD_IN_TEXT[booking.period]),
            }
            if booking
            else {}
        )
        if "%(desk)s" in text and not booking:
            return Markup("<strong>{}</strong>").format(self.say(heading))
        return Markup("<strong>{}</strong> {}").format(self.say(heading), self.say(text, **params))

    def refusal(self, error: ZonesError, booking: BookingRead | None) -> str:
        msgid = REFUSALS.get(error.message_id, SOMETHING_WENT_WRONG)
        if booking is None:
            return self.say(msgid if "%(desk)s" not in msgid else SOMETHING_WENT_WRONG)
        params = {"desk": booking.desk_code, "day": self.long_date(booking.day)}
        if error.message_id == "check-in-not-open":
            opens = datetime.fromisoformat(str(error.params["opens_at"]))
            params["day"] = self.long_date(opens.date())
            params["time"] = format_time(opens, TIME_FORMAT.get(self.locale, "HH:mm"), locale=self.locale)
        return self.say(msgid, **params)


async def words(request: Request[Any, Any, Any]) -> Words:
    """The words of this request's page language."""
    return Words(await page_locale(request))


class SeatWish(Struct):
    day: date
    activity: Literal["focus", "team"] = "focus"


class PresenceChoice(Struct):
    hide_presence: str = ""
    """`yes` when "Don't show that I am in the office" is ticked (an unticked box sends nothing)."""


class WeekPages(Controller):
    """My week: the start page, checking in and cancelling."""

    include_in_schema = False
    dependencies = booking_dependencies

    @get("/", name="home")
    async def my_week(
        self,
        request: Request[Principal, Any, Any],
        context: NamedDependency[BookingContext],
        desks: NamedDependency[DeskBookings],
        done: FromQuery[str] = "",
        booking: FromQuery[UUID | None] = None,
    ) -> Response[Any]:
        said = await words(request)
        about = await _own_booking(desks, booking) if booking else None
        return await week_page(request, context, desks, message=said.done(done, about))

    @get("/week/bookings/{booking_id:uuid}/cancel", name="week-cancel-confirm")
    async def confirm_cancel(
        self,
        request: Request[Principal, Any, Any],
        context: NamedDependency[BookingContext],
        desks: NamedDependency[DeskBookings],
        booking_id: FromPath[UUID],
    ) -> Response[Any]:
        try:
            booking = await desks.read(await desks.get(booking_id))
        except ZonesError as error:
            return await refused(request, context, desks, error, None)
        if not booking.status.active:
            return Redirect("/", status_code=303)
        return await render(request, "bookings/cancel.html", booking=booking, period_names=PERIOD_NAMES)

    @post("/week/bookings/{booking_id:uuid}/cancel", name="week-cancel")
    async def cancel(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        context: NamedDependency[BookingContext],
        desks: NamedDependency[DeskBookings],
        booking_id: FromPath[UUID],
    ) -> Response[Any]:
        try:
            async with session.begin_nested():
                await desks.cancel(booking_id)
        except ZonesError as error:
            return await refused(request, context, desks, error, booking_id)
        return Redirect(f"/?done=cancelled&booking={booking_id}", status_code=303)

    @post("/week/bookings/{booking_id:uuid}/check-in", name="week-check-in")
    async def check_in(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        context: NamedDependency[BookingContext],
        desks: NamedDependency[DeskBookings],
        booking_id: FromPath[UUID],
    ) -> Response[Any]:
        try:
            async with session.begin_nested():
                await desks.check_in(booking_id)
        except ZonesError as error:
            return await refused(request, context, desks, error, booking_id)
        return Redirect(f"/?done=checked-in&booking={booking_id}", status_code=303)

    @post("/week/find-a-seat", name="week-find-a-seat")
    async def find_seat(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        context: NamedDependency[BookingContext],
        desks: NamedDependency[DeskBookings],
        data: URLEncodedBody[SeatWish],
    ) -> Response[Any]:
        """Find me a seat for a day: the best free desk for the day's activity (`seat_finder`)."""
        try:
            async with session.begin_nested():
                found = await find_a_seat(desks, data.day, Period.FULL, data.activity)
        except ZonesError as error:
            return await refused(request, context, desks, error, None)
        return Redirect(f"/?done=found-{found.reason}&booking={found.booking.id}", status_code=303)

    @get("/week/find-a-seat", name="week-find-a-seat-again")
    async def find_seat_again(self) -> Response[Any]:
        """A reload of a refused search's address leads back to My week."""
        return Redirect("/", status_code=303)

    @get("/week/bookings/{booking_id:uuid}/check-in", name="week-check-in-again")
    async def check_in_again(self, booking_id: FromPath[UUID]) -> Response[Any]:
        """After a refused check-in the address bar shows the form's address: going there again (a
        reload, the language switcher) leads back to My week."""
        return Redirect("/", status_code=303)


async def week_page(
    request: Request[Principal, Any, Any],
    context: BookingContext,
    desks: DeskBookings,
    *,
    message: Markup | None = None,
    problems: list[Problem] | None = None,
    status_code: int = 200,
) -> Response[Any]:
    """My week, with a confirmation in the status region or problems in an error summary."""
    return await render(
        request,
        "bookings/week.html",
        status_code=status_code,
        week=await my_week(context, desks),
        message=message,
        problems=problems or [],
        period_names=PERIOD_NAMES,
        status_names=STATUS_NAMES,
    )


async def refused(
    request: Request[Principal, Any, Any],
    context: BookingContext,
    desks: DeskBookings,
    error: ZonesError,
    booking_id: UUID | None,
) -> Response[Any]:
    """My week again, with the refusal at the top, linked to the day it is about."""
    booking = await _own_booking(desks, booking_id) if booking_id else None
    target = f"day-{booking.day.isoformat()}" if booking else "week"
    text = (await words(request)).refusal(error, booking)
    return await week_page(
        request, context, desks, problems=[Problem(target, text)], status_code=status_of(error)
    )


async def _own_booking(desks: DeskBookings, booking_id: UUID | None) -> BookingRead | None:
    """The booking if the person may see it (their own; anyone's for planners), else None."""
    if booking_id is None:
        return None
    try:
        return await desks.read(await desks.get(booking_id))
    except ZonesError:
        return None


class ProfilePages(Controller):
    """The profile: language, presence, calendar subscription, signing out."""

    include_in_schema = False
    path = "/profile"

    @get(name="profile")
    async def profile(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        done: FromQuery[str] = "",
    ) -> Response[Any]:
        return await profile_page(request, session, message=(await words(request)).done(done))

    @post("/presence", name="profile-presence")
    async def choose_presence(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        data: URLEncodedBody[PresenceChoice],
    ) -> Response[Any]:
        hide = data.hide_presence == "yes"
        await presence.share_presence(session, request.user, not hide)
        done = "presence-hidden" if hide else "presence-shown"
        return Redirect(f"/profile?done={done}#presence", status_code=303)

    @post("/calendar", name="profile-calendar")
    async def create_calendar_link(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
    ) -> Response[Any]:
        """A new subscription URL, shown in this answer only: the server keeps just its hash, so
        there is no page to redirect to that could show it again."""
        token = await create_feed(session, request.user.employee_id, app_state.clock())
        url, webcal_url = feed_urls(app_state.calendar, token)
        return await profile_page(
            request,
            session,
            message=(await words(request)).done("calendar-created"),
            feed={"url": url, "webcal": webcal_url},
            has_feed=True,
        )

    @get("/calendar", name="profile-calendar-again")
    async def calendar_link_again(self) -> Response[Any]:
        """The address a new calendar link was shown at: going there again (a reload, the language
        switcher) shows the profile, without the link, which is not kept."""
        return Redirect("/profile#calendar", status_code=303)

    @post("/calendar/stop", name="profile-calendar-stop")
    async def stop_calendar_link(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
    ) -> Response[Any]:
        await revoke_feeds(session, request.user.employee_id, app_state.clock())
        return Redirect("/profile?done=calendar-stopped#calendar", status_code=303)


async def profile_page(
    request: Request[Principal, Any, Any],
    session: AsyncSession,
    *,
    message: Markup | None = None,
    feed: dict[str, str] | None = None,
    has_feed: bool | None = None,
) -> Response[Any]:
    me = await presence.me(session, request.user)
    if has_feed is None:
        has_feed = await has_live_feed(session, request.user.employee_id)
    return await render(request, "profile.html", me=me, message=message, feed=feed, has_feed=has_feed)


controllers = [WeekPages, ProfilePages]
