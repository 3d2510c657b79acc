"""Signing in with a link by e-mail: ask for a link, get it by mail, open it, press the button.

A link carries 256 random bits; only their SHA-256 is stored. It works once, for
`ZONES_LINK_MINUTES`. Opening it (GET) only shows a page with one button, so a mail scanner that
fetches links does not use it up; the button (POST) uses it, atomically, so two presses cannot
both sign in.

Asking always answers the same way, known address or not, and the mail leaves after the answer
(a background task), so neither the answer nor its timing says whether an address is known. With
mail off (`ZONES_MAIL_ENABLED` unset) nothing is sent and a warning is logged: an administrator
makes a link with `zones user link EMAIL` and hands it over.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any, Final
from urllib.parse import quote, urlencode
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect
from msgspec import Struct
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth.pages import ROLE_NAMES, begin_session, demo_people, rate_limit_handlers
from zones.auth.ratelimit import address_key, client_key, limit
from zones.auth.signing_in import audit, client_address, safe_next
from zones.calendar.sender import smtp_send
from zones.errors import NotFound
from zones.models import AuditEntry, AuditKind, Employee, SignInLink, Site
from zones.server.state import AppState
from zones.settings import MailSettings, Settings
from zones.web.i18n import N_, locale_of_country, supported
from zones.web.render import gettext_for, page_locale, render

logger = logging.getLogger("zones.auth")

MAX_EMAIL = 320
EMAIL_SHAPE: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NO_EMAIL: Final = N_("Enter your work e-mail address")
BAD_EMAIL: Final = N_("Enter an e-mail address in the right format, like name@example.dk")
IGNORE_IF_NOT_YOU: Final = N_(
    "If you did not ask for it, you can ignore this e-mail: nobody can sign in without the link."
)
KEEP_USED_LINKS_FOR: Final = timedelta(days=1)


def hash_link_token(token: str) -> str:
    """What is stored of a link's token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def email_problem(email: str) -> str | None:
    """Why `email` cannot be an e-mail address (a msgid), or None when it can."""
    if not email:
        return NO_EMAIL
    if len(email) > MAX_EMAIL or not EMAIL_SHAPE.match(email):
        return BAD_EMAIL
    return None


def link_url(public_url: str, token: str, next_path: str = "/") -> str:
    """The address a person opens: the confirm page for `token`, then on to `next_path`."""
    query = {"token": token} | ({"next": next_path} if next_path != "/" else {})
    return f"{public_url}/sign-in/link?{urlencode(query, quote_via=quote)}"


def minutes_text(minutes: float) -> str:
    """`15` for 15.0 minutes, `7.5` for 7.5."""
    return f"{minutes:g}"


@dataclass(frozen=True)
class Person:
    """Whom a link signs in, and what their mail needs."""

    id: UUID
    email: str
    name: str
    locale: str


async def find_person(db: AsyncSession, email: str, settings: Settings) -> Person | None:
    """The active employee with `email` (any case), with the language their mail is written in:
    their profile's, else `ZONES_LOCALE`, else their home site's (Danish in Denmark)."""
    row = (
        await db.execute(
            select(Employee.id, Employee.email, Employee.name, Employee.locale, Site.country)
            .outerjoin(Site, Site.id == Employee.home_site_id)
            .where(func.lower(Employee.email) == email.strip().lower(), Employee.active.is_(True))
            .limit(1)
        )
    ).one_or_none()
    if row is None:
        return None
    employee_id, address, name, profile, country = row
    if country is None and not (supported(profile) or supported(settings.default_locale)):
        country = await db.scalar(select(Site.country).order_by(Site.name).limit(1))
    locale = supported(profile) or supported(settings.default_locale) or locale_of_country(country)
    return Person(employee_id, address, name, locale)


async def create_link(db: AsyncSession, employee_id: UUID, now: datetime, minutes: float) -> str:
    """A new single-use link for the employee, working for `minutes` from `now`: its token (shown
    once; only the hash is stored). Links that ended more than a day ago are deleted meanwhile."""
    token = secrets.token_urlsafe(32)
    await forget_ended_links(db, now)
    db.add(
        SignInLink(
            token_hash=hash_link_token(token),
            employee_id=employee_id,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    await db.flush()
    return token


async def forget_ended_links(db: AsyncSession, now: datetime) -> None:
    """Delete links that ended more than a day ago (used or not)."""
    await db.execute(delete(SignInLink).where(SignInLink.expires_at < now - KEEP_USED_LINKS_FOR))


async def use_link(db: AsyncSession, token: str, now: datetime) -> UUID | None:
    """Use the link up and return whom it signs in, or None when it is unknown, used or expired.

    One UPDATE that only matches an unused, unexpired link: of two uses at once, one changes the
    row and the other finds nothing to change."""
    used = (
        await db.execute(
            update(SignInLink)
            .where(
                SignInLink.token_hash == hash_link_token(token),
                SignInLink.used_at.is_(None),
                SignInLink.expires_at > now,
            )
            .values(used_at=now, updated_at=now)
            .returning(SignInLink.employee_id)
            .execution_options(synchronize_session=False)
        )
    ).all()
    return used[0][0] if len(used) == 1 else None


async def why_link_fails(db: AsyncSession, token: str, now: datetime) -> tuple[str, UUID | None] | None:
    """Why the link cannot be used (for the audit trail, never shown) and whose it is; None when
    it can still be used."""
    link = await db.scalar(select(SignInLink).where(SignInLink.token_hash == hash_link_token(token)))
    if link is None:
        return "unknown link", None
    if link.used_at is not None:
        return "link already used", link.employee_id
    if link.expires_at <= now:
        return "link expired", link.employee_id
    return None


def compose_link_mail(
    person: Person, url: str, minutes: float, mail: MailSettings, now: datetime
) -> EmailMessage:
    """The plain-text mail with the link, in the person's language."""
    _ = gettext_for(person.locale)
    message = EmailMessage()
    message["Subject"] = _("Your sign-in link for Zones")
    message["From"] = formataddr((mail.organizer_name, mail.organizer))
    message["To"] = formataddr((person.name, person.email))
    message["Date"] = format_datetime(now)
    message.set_content(
        "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": person.name},
                _("Open this link to sign in to Zones:"),
                url,
                _("The link works once, for %(minutes)s minutes.") % {"minutes": minutes_text(minutes)},
                _(IGNORE_IF_NOT_YOU),
            ]
        )
        + "\n"
    )
    return message


async def send_link_mail(message: EmailMessage, mail: MailSettings) -> None:
    """Send the mail (after the answer has gone); a failure is logged, the person can ask again."""
    try:
        await smtp_send(message, mail)
    except Exception as failure:  # the answer has gone: all that is left to do is say so in the log
        logger.error("sign-in link to %r not sent: %s: %s", message["To"], type(failure).__name__, failure)


async def issue_link_for(db: AsyncSession, email: str, settings: Settings, now: datetime) -> str:
    """A fresh link for the active employee with `email` (`zones user link`): its full address."""
    person = await find_person(db, email, settings)
    if person is None:
        raise NotFound(
            f"{email} is not an active employee", message_id="employee.inactive", params={"email": email}
        )
    token = await create_link(db, person.id, now, settings.sign_in.link_minutes)
    db.add(
        AuditEntry(
            kind=AuditKind.LINK_SENT, employee_id=person.id, method="link", detail="made by `zones user link`"
        )
    )
    return link_url(settings.public_url, token)


class LinkRequest(Struct):
    email: str = ""
    next: str = "/"


class LinkUse(Struct):
    token: str = ""
    next: str = "/"


class SignInLinkController(Controller):
    """Sign-in links by e-mail: asking for one, the confirm page, using it."""

    include_in_schema = False
    exception_handlers = rate_limit_handlers  # type: ignore[assignment]

    @post("/sign-in/link", name="sign-in-link-ask")
    async def ask(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        data: URLEncodedBody[LinkRequest],
    ) -> Response[Any]:
        state = AppState.of(request.app)
        settings = state.settings
        await limit(
            request, session, client_key(client_address(request)), settings.sign_in.attempts_per_client
        )
        email = data.email.strip()
        if problem := email_problem(email):
            _ = gettext_for(await page_locale(request))
            return await render(
                request,
                "auth/sign_in.html",
                status_code=400,
                errors={"email": _(problem)},
                email=email,
                next=safe_next(data.next),
                oidc=settings.oidc,
                demo_people=await demo_people(session) if settings.demo else [],
                role_names=ROLE_NAMES,
            )
        await limit(request, session, address_key(email), settings.sign_in.link_limit_per_address)
        next_path = safe_next(data.next)
        background = await self._prepare(request, session, state, email, next_path)
        return Redirect(
            "/sign-in/link-sent" + (f"?next={quote(next_path, safe='')}" if next_path != "/" else ""),
            status_code=303,
            background=background,
        )

    async def _prepare(
        self, request: Request[Any, Any, Any], db: AsyncSession, state: AppState, email: str, next_path: str
    ) -> BackgroundTask | None:
        """Make the link and its mail for a known address; the mail leaves after the answer."""
        settings, now = state.settings, state.clock()
        person = await find_person(db, email, settings)
        if person is None:
            await forget_ended_links(db, now)  # the same statements as for a known address, nearly
            audit(
                db, request, AuditKind.SIGN_IN_FAILED, method="link", detail=f"link asked for unknown {email}"
            )
            return None
        if not settings.mail.enabled:
            logger.warning(
                "e-mail is off (ZONES_MAIL_ENABLED): no sign-in link sent to %r; an administrator can "
                "make one with `zones user link EMAIL`",
                person.email,
            )
            audit(
                db, request, AuditKind.SIGN_IN_FAILED, employee_id=person.id, method="link", detail="mail off"
            )
            return None
        token = await create_link(db, person.id, now, settings.sign_in.link_minutes)
        audit(db, request, AuditKind.LINK_SENT, employee_id=person.id, method="link", detail=email)
        message = compose_link_mail(
            person,
            link_url(settings.public_url, token, next_path),
            settings.sign_in.link_minutes,
            settings.mail,
            now,
        )
        return BackgroundTask(send_link_mail, message, settings.mail)

    @get("/sign-in/link-sent", name="sign-in-link-sent")
    async def sent(self, request: Request[Any, Any, Any], next: FromQuery[str] = "/") -> Response[Any]:
        minutes = minutes_text(AppState.of(request.app).settings.sign_in.link_minutes)
        return await render(request, "auth/link_sent.html", minutes=minutes, next=safe_next(next))

    @get("/sign-in/link", name="sign-in-link")
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        token: FromQuery[str] = "",
        next: FromQuery[str] = "/",
    ) -> Response[Any]:
        # Only looks: a mail scanner fetching the link must not use it up.
        if not token or await why_link_fails(session, token, AppState.of(request.app).clock()) is not None:
            return await render(request, "auth/link_refused.html", status_code=400)
        return await render(request, "auth/link_confirm.html", token=token, next=safe_next(next))

    @post("/sign-in/link/use", name="sign-in-link-use")
    async def use(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        data: URLEncodedBody[LinkUse],
    ) -> Response[Any]:
        state = AppState.of(request.app)
        await limit(
            request, session, client_key(client_address(request)), state.settings.sign_in.attempts_per_client
        )
        now = state.clock()
        employee_id = await use_link(session, data.token, now) if data.token else None
        if employee_id is None:
            why, whose = await why_link_fails(session, data.token, now) or ("link not usable", None)
            audit(session, request, AuditKind.SIGN_IN_FAILED, employee_id=whose, method="link", detail=why)
            return await render(request, "auth/link_refused.html", status_code=400)
        if not await session.scalar(select(Employee.active).where(Employee.id == employee_id)):
            why = "employee no longer active"
            audit(
                session, request, AuditKind.SIGN_IN_FAILED, employee_id=employee_id, method="link", detail=why
            )
            return await render(request, "auth/link_refused.html", status_code=400)
        return await begin_session(request, session, employee_id, "link", data.next)
