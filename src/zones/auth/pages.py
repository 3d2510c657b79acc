"""The sign-in pages: choose how to sign in, the demo's "sign in as", signing out."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Redirect
from msgspec import Struct
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth.middleware import signed_in_with_session
from zones.auth.principal import Principal
from zones.auth.signing_in import audit, begin_session, safe_next, session_cookie
from zones.models import AuditKind, Employee, Role
from zones.server.state import AppState
from zones.web.i18n import N_
from zones.web.render import render

FormBody = Body(media_type=RequestEncodingType.URL_ENCODED)
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


class SignInController(Controller):
    """Signing in and out in a browser."""

    include_in_schema = False

    @get("/sign-in", name="sign-in")
    async def sign_in_page(
        self, request: Request[Any, Any, Any], session: NamedDependency[AsyncSession], next: str = "/"
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
        data: Annotated[DemoSignIn, FormBody],
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
                await state.sessions.end_all(db, user.employee_id)  # type: ignore[union-attr]
                state.session_cache.clear()
            else:
                await state.sessions.end(db, credential.id_hash)  # type: ignore[union-attr]
                state.session_cache.forget(credential.id_hash)
            kind = AuditKind.SIGN_OUT_EVERYWHERE if everywhere else AuditKind.SIGN_OUT
            audit(db, request, kind, employee_id=user.employee_id, method=credential.method)
        response: Redirect = Redirect(
            "/signed-out" + ("?everywhere=1" if everywhere else ""), status_code=303
        )
        response.cookies.append(session_cookie(state, "", max_age=0))
        return response

    @get("/signed-out", name="signed-out")
    async def signed_out(self, request: Request[Any, Any, Any], everywhere: bool = False) -> Response[Any]:
        return await render(request, "auth/signed_out.html", everywhere=everywhere)
