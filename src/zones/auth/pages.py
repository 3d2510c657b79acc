"""The sign-in pages: choose how to sign in, the demo's "sign in as", signing out."""

from __future__ import annotations

import math
from typing import Any, Final
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.enums import MediaType
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect
from msgspec import Struct
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth.middleware import session_cookie_name, signed_in_with_session
from zones.auth.principal import Principal
from zones.auth.ratelimit import TooManyAttempts
from zones.auth.signing_in import audit, safe_next
from zones.models import AuditKind, Employee, Role
from zones.server.problems import PROBLEM_MEDIA_TYPE
from zones.server.state import AppState
from zones.web.i18n import LOCALE_COOKIE, N_, negotiate
from zones.web.render import render

ROLE_NAMES = {Role.EMPLOYEE: N_("employee"), Role.PLANNER: N_("planner"), Role.ADMIN: N_("admin")}


class DemoSignIn(Struct):
    employee_id: UUID
    next: str = "/"


class NextForm(Struct):
    next: str = "/"


async def demo_people(db: AsyncSession) -> list[Employee]:
    """One demo person of each role (employee, planner, admin), the first by name."""
    people = []
    for role in (Role.EMPLOYEE, Role.PLANNER, Role.ADMIN):
        person = await db.scalar(
            select(Employee)
            .where(Employee.role == role, Employee.active.is_(True))
            .order_by(func.lower(Employee.name))
            .limit(1)
        )
        if person is not None:
            people.append(person)
    return people


async def begin_session(
    request: Request[Any, Any, Any], db: AsyncSession, employee_id: UUID, method: str, next_path: str
) -> Response[Any]:
    """Sign the person in: end the session the browser had (if any), start a new one under a new
    id, record it, and send the browser on with the new cookie."""
    state = AppState.of(request.app)
    previous = signed_in_with_session(request)
    if previous is not None:
        await state.sessions.end(db, previous.id_hash)
        state.session_cache.forget(previous.id_hash)
    started = await state.sessions.start(db, employee_id, method, state.clock())
    audit(db, request, AuditKind.SIGN_IN, employee_id=employee_id, method=method)
    response: Redirect = Redirect(safe_next(next_path), status_code=303)
    lifetime = int(state.settings.sign_in.session_absolute_s)
    response.cookies.append(session_cookie(state, started.session_id, max_age=lifetime))
    return response


def session_cookie(state: AppState, value: str, *, max_age: int | None = None) -> Cookie:
    """The session cookie: HttpOnly, SameSite=Lax, Secure over https; it lasts as long as the
    browser keeps it (the server ends the session itself)."""
    return Cookie(
        key=session_cookie_name(state),
        value=value,
        httponly=True,
        samesite="lax",
        secure=state.settings.secure_cookies,
        path="/",
        max_age=max_age,
    )


class SignInController(Controller):
    """Signing in and out in a browser."""

    include_in_schema = False

    @get("/sign-in", name="sign-in")
    async def sign_in_page(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        next: FromQuery[str] = "/",
    ) -> Response[Any]:
        state = AppState.of(request.app)
        if isinstance(request.scope.get("user"), Principal):
            return Redirect(safe_next(next), status_code=303)
        return await render(
            request,
            "auth/sign_in.html",
            next=safe_next(next),
            oidc=state.settings.oidc,
            demo_people=await demo_people(session) if state.settings.demo else [],
            role_names=ROLE_NAMES,
        )

    @post("/sign-in/demo", name="sign-in-demo")
    async def demo_sign_in(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        data: URLEncodedBody[DemoSignIn],
    ) -> Response[Any]:
        if not AppState.of(request.app).settings.demo:
            raise NotFoundException()  # a real server has no "sign in as"
        person = await session.get(Employee, data.employee_id)
        if person is None or not person.active or person.id not in {p.id for p in await demo_people(session)}:
            raise NotFoundException()
        return await begin_session(request, session, person.id, "demo", data.next)

    @post("/sign-out", name="sign-out")
    async def sign_out(
        self, request: Request[Any, Any, Any], session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        return await self._end(request, session, everywhere=False)

    @post("/sign-out/everywhere", name="sign-out-everywhere")
    async def sign_out_everywhere(
        self, request: Request[Any, Any, Any], session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        return await self._end(request, session, everywhere=True)

    async def _end(
        self, request: Request[Any, Any, Any], db: AsyncSession, *, everywhere: bool
    ) -> Response[Any]:
        state = AppState.of(request.app)
        credential = signed_in_with_session(request)
        user = request.scope.get("user")
        if credential is not None and isinstance(user, Principal):
            if everywhere:
                await state.sessions.end_all(db, user.employee_id)
                state.session_cache.clear()
            else:
                await state.sessions.end(db, credential.id_hash)
                state.session_cache.forget(credential.id_hash)
            kind = AuditKind.SIGN_OUT_EVERYWHERE if everywhere else AuditKind.SIGN_OUT
            audit(db, request, kind, employee_id=user.employee_id, method=credential.method)
        response: Redirect = Redirect(
            "/signed-out" + ("?everywhere=1" if everywhere else ""), status_code=303
        )
        response.cookies.append(session_cookie(state, "", max_age=0))
        return response

    @get("/signed-out", name="signed-out")
    async def signed_out(
        self, request: Request[Any, Any, Any], everywhere: FromQuery[bool] = False
    ) -> Response[Any]:
        return await render(request, "auth/signed_out.html", everywhere=everywhere)


def too_many_attempts(request: Request[Any, Any, Any], exc: TooManyAttempts) -> Response[Any]:
    """429: a page for a browser, a problem detail for anything else; both with `Retry-After`."""
    headers = {"Retry-After": str(exc.retry_after), "cache-control": "no-store"}
    accept = request.headers.get("accept", "")
    if "text/html" in accept and "hx-request" not in request.headers:
        from zones.web.csrf import csrf_token
        from zones.web.render import environment

        state = AppState.of(request.app)
        user = request.scope.get("user")
        locale = negotiate(
            profile=getattr(user, "locale", None),
            cookie=request.cookies.get(LOCALE_COOKIE),
            accept_language=request.headers.get("accept-language", ""),
            fallback=state.settings.default_locale or "en",
        )
        html = (
            environment(locale)
            .get_template("auth/too_many_attempts.html")
            .render(
                locale=locale,
                user=None,
                csrf_token=csrf_token(request.scope),
                path=request.url.path,
                message=None,
                minutes=max(1, math.ceil(exc.retry_after / 60)),
            )
        )
        return Response(html, status_code=429, media_type=MediaType.HTML, headers=headers)
    body = {"type": "about:blank", "title": "Too Many Requests", "status": 429, "detail": exc.detail}
    return Response(body, status_code=429, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


rate_limit_handlers: Final = {TooManyAttempts: too_many_attempts}
"""Put on a controller that calls `limit` (`exception_handlers=rate_limit_handlers`), so its 429 is
a page for browsers; without it the app's problem-details handler still answers 429 with
`Retry-After`."""
