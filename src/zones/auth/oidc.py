"""Single sign-on with OpenID Connect: the authorization code flow with PKCE, for any
standards-compliant provider (Entra ID, Keycloak, Google Workspace, …).

`GET /sign-in/sso` sends the browser to the provider with a fresh `state`, `nonce` and PKCE
verifier. All three stay on the server, in an `SsoAttempt` keyed by the state's hash (used once,
for 10 minutes); the browser also gets the state in a short-lived cookie, so an answer only signs
in the browser that asked for it (no one can sign someone else in as themselves). The provider
sends the browser back to `GET /sign-in/sso/callback`, which exchanges the code, checks the ID
token (signature against the provider's published keys; issuer, audience, nonce and times against
the app's clock) and finds the person.

Who someone is: an active employee whose e-mail address matches the token's `email` claim, case
aside. When the claim `email_verified` is present it must be true. Entra ID leaves it out, so an
address without it is taken as the organisation's word. With no `email` claim at all, the
`preferred_username` or `upn` claim is used when it looks like an e-mail address (Entra's sign-in
names are the person's address): the provider, not the person, sets those.

Roles follow the provider's groups (`OidcSettings.role_for`) when a group maps to one; otherwise the
person keeps the role they have in Zones.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
from authlib.integrations.httpx_client import AsyncOAuth2Client  # type: ignore[import-untyped]
from authlib.oidc.core import CodeIDToken  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from litestar import Controller, Request, Response, get
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.response import Redirect
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth.pages import begin_session, rate_limit_handlers
from zones.auth.ratelimit import client_key, limit
from zones.auth.signing_in import audit, client_address, safe_next
from zones.db.transaction import write_transaction
from zones.models import AuditKind, Employee, Role, Site, SsoAttempt
from zones.server.session import WRITES_OPT, request_session
from zones.server.state import AppState
from zones.settings import OidcSettings
from zones.web.render import render

try:  # the HTTP library Authlib's client runs on (it prefers httpx2, the successor of httpx)
    import httpx2 as httpx  # type: ignore[import-not-found, unused-ignore]
except ImportError:
    import httpx

log = logging.getLogger(__name__)

CALLBACK_PATH: Final = "/sign-in/sso/callback"
ATTEMPT_LIFETIME: Final = timedelta(minutes=10)
"""How long someone may take at the provider between leaving Zones and coming back."""
DISCOVERY_TTL_S: Final = 3600.0
"""How long a process trusts a provider's discovery document and keys before fetching them again
(keys are fetched again at once when a token names one not seen yet)."""
CLOCK_LEEWAY_S: Final = 60
"""Clock difference tolerated between Zones and the provider when checking `exp` and `iat`."""
HTTP_TIMEOUT: Final = httpx.Timeout(10.0, connect=5.0)
STATE_COOKIE: Final = "zones_sso"
SECURE_STATE_COOKIE: Final = "__Host-zones_sso"
_ASYMMETRIC = re.compile(r"^(RS|PS|ES)(256|384|512)$|^EdDSA$|^ES256K$")
_LOOKS_LIKE_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ERROR_CODE = re.compile(r"[^a-z0-9_.-]")


class ProviderUnreachable(Exception):
    """The provider could not be asked (down, unreachable, a 5xx, or no usable discovery document)."""


class SignInRefused(Exception):
    """The provider's answer cannot be accepted; `reason` goes to the audit trail (no secrets)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Fetched:
    metadata: dict[str, Any]
    keys: dict[str, Any] | None = None
    fetched_at: float = field(default_factory=time.monotonic)


class ProviderCache:
    """Discovery documents and key sets this process fetched, per issuer."""

    def __init__(self, ttl_s: float = DISCOVERY_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._by_issuer: dict[str, _Fetched] = {}

    async def metadata(self, client: httpx.AsyncClient, issuer: str) -> dict[str, Any]:
        """The provider's discovery document, fetched when not known or older than the TTL."""
        known = self._by_issuer.get(issuer)
        if known is not None and time.monotonic() - known.fetched_at < self.ttl_s:
            return known.metadata
        metadata = await _get_json(client, f"{issuer}/.well-known/openid-configuration")
        missing = [
            name
            for name in ("authorization_endpoint", "token_endpoint", "jwks_uri")
            if not metadata.get(name)
        ]
        if metadata.get("issuer") != issuer or missing:
            # OpenID Connect Discovery §4.3: the document must name the issuer it was fetched from.
            raise ProviderUnreachable(
                f"the discovery document of {issuer} names issuer {metadata.get('issuer')!r}"
                + (f" and lacks {', '.join(missing)}" if missing else "")
            )
        self._by_issuer[issuer] = _Fetched(metadata)
        return metadata

    async def keys(self, client: httpx.AsyncClient, issuer: str, *, refresh: bool = False) -> KeySet:
        """The provider's signing keys (`jwks_uri`); `refresh` fetches them again."""
        metadata = await self.metadata(client, issuer)
        known = self._by_issuer[issuer]
        if known.keys is None or refresh:
            known.keys = await _get_json(client, metadata["jwks_uri"])
        try:
            return KeySet.import_key_set(known.keys)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as error:
            known.keys = None
            raise ProviderUnreachable(f"the provider's key set cannot be read: {error}") from error

    def forget(self) -> None:
        self._by_issuer.clear()


providers = ProviderCache()
"""This process's cache of providers' discovery documents and keys."""


async def _get_json(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    try:
        response = await client.request("GET", url, withhold_token=True)
        response.raise_for_status()
        document = response.json()
    except httpx.HTTPError as error:
        raise ProviderUnreachable(f"{url}: {error}") from error
    except ValueError as error:
        raise ProviderUnreachable(f"{url} did not answer JSON") from error
    if not isinstance(document, dict):
        raise ProviderUnreachable(f"{url} did not answer a JSON object")
    return document


def redirect_uri(state: AppState) -> str:
    """Where the provider sends the browser back to (register this URL with the provider)."""
    return state.settings.public_url + CALLBACK_PATH


def oauth_client(settings: OidcSettings, callback: str) -> AsyncOAuth2Client:
    """An OAuth 2 client for the configured provider: PKCE S256, the client secret sent as HTTP
    Basic authentication."""
    return AsyncOAuth2Client(
        client_id=settings.client_id,
        client_secret=settings.client_secret or None,
        scope=" ".join(settings.scopes),
        redirect_uri=callback,
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT,
    )


def state_hash(state: str) -> str:
    """What is stored of a `state`: its SHA-256 (states are 256-bit random, so no salt is needed)."""
    return hashlib.sha256(state.encode()).hexdigest()


def state_cookie_name(state: AppState) -> str:
    return SECURE_STATE_COOKIE if state.settings.secure_cookies else STATE_COOKIE


def _state_cookie(state: AppState, value: str, max_age: int) -> Cookie:
    return Cookie(
        key=state_cookie_name(state),
        value=value,
        httponly=True,
        samesite="lax",  # sent when the provider sends the browser back (a top-level GET)
        secure=state.settings.secure_cookies,
        path="/",
        max_age=max_age,
    )


@dataclass(frozen=True)
class VerifiedPerson:
    """What the provider vouches for, once its ID token has been checked."""

    subject: str
    email: str | None
    name: str
    groups: tuple[str, ...]
    claims: dict[str, Any]


def validate_id_token(
    id_token: str,
    keys: KeySet,
    *,
    settings: OidcSettings,
    metadata: dict[str, Any],
    nonce: str,
    access_token: str | None,
    now: int,
) -> dict[str, Any]:
    """The ID token's claims, once signature, issuer, audience, authorized party, nonce, expiry
    and issue time are checked (OpenID Connect Core §3.1.3.7); raises a joserfc error if not."""
    algorithms = [
        alg
        for alg in metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        if isinstance(alg, str) and _ASYMMETRIC.match(alg)
    ] or ["RS256"]
    token = jwt.decode(id_token, keys, registry=JWSRegistry(algorithms=algorithms))
    claims = CodeIDToken(
        token.claims,
        token.header,
        options={
            "iss": {"essential": True, "value": settings.issuer},
            "sub": {"essential": True},
            "aud": {"essential": True, "values": [settings.client_id]},
            "exp": {"essential": True},
            "iat": {"essential": True},
            "nonce": {"essential": True, "value": nonce},
        },
        params={"nonce": nonce, "client_id": settings.client_id, "access_token": access_token},
    )
    claims.validate(now=now, leeway=CLOCK_LEEWAY_S)
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != settings.client_id:
        # Several audiences: the party it was issued to must be Zones (Core §3.1.3.7, point 4-5).
        raise SignInRefused("the ID token has several audiences and its azp is not Zones' client id")
    return dict(claims)


def _groups(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def _is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def email_of(claims: dict[str, Any]) -> str | None:
    """The person's e-mail address as the provider vouches for it (see the module docstring)."""
    email = claims.get("email")
    if isinstance(email, str) and email.strip():
        if "email_verified" in claims and not _is_true(claims["email_verified"]):
            raise SignInRefused("the provider says the e-mail address is not verified")
        return email.strip()
    for claim in ("preferred_username", "upn"):
        candidate = claims.get(claim)
        if isinstance(candidate, str) and _LOOKS_LIKE_EMAIL.match(candidate.strip()):
            return candidate.strip()
    return None


@asynccontextmanager
async def request_writes(request: Request[Any, Any, Any]) -> AsyncIterator[AsyncSession]:
    """The request's own session as one write transaction, committed before the answer is sent.

    These GETs write (their handlers carry `zones.server.session.WRITES_OPT`), but they begin the
    transaction only after their round trips to the provider: on SQLite the one write lock is then
    not held while waiting on the network (unless signing-in with a session cookie already began
    it)."""
    async with write_transaction(await request_session(request.scope)) as db:
        yield db


class SsoController(Controller):
    """Signing in with the organisation's OpenID Connect provider."""

    include_in_schema = False
    exception_handlers = rate_limit_handlers  # type: ignore[assignment]

    @get("/sign-in/sso", name="sign-in-sso", opt={WRITES_OPT: True})
    async def start(self, request: Request[Any, Any, Any], next: FromQuery[str] = "/") -> Response[Any]:
        state = AppState.of(request.app)
        settings = state.settings.oidc
        if not settings.enabled:
            raise NotFoundException()
        async with oauth_client(settings, redirect_uri(state)) as client:
            try:
                metadata = await providers.metadata(client, settings.issuer)
            except ProviderUnreachable as error:
                log.warning("Single sign-on: cannot reach %s: %s", settings.issuer, error)
                return await _trouble_page(request, "unreachable", next)
            sso_state = secrets.token_urlsafe(32)
            nonce = secrets.token_urlsafe(32)
            verifier = secrets.token_urlsafe(64)
            url, _ = client.create_authorization_url(
                metadata["authorization_endpoint"], state=sso_state, code_verifier=verifier, nonce=nonce
            )
        now = state.clock()
        async with request_writes(request) as db:
            await db.execute(delete(SsoAttempt).where(SsoAttempt.expires_at <= now))
            db.add(
                SsoAttempt(
                    state_hash=state_hash(sso_state),
                    nonce=nonce,
                    code_verifier=verifier,
                    return_to=safe_next(next)[:500],
                    expires_at=now + ATTEMPT_LIFETIME,
                )
            )
        response: Redirect = Redirect(url, status_code=303)
        response.cookies.append(_state_cookie(state, sso_state, int(ATTEMPT_LIFETIME.total_seconds())))
        response.headers["cache-control"] = "no-store"
        return response

    @get(CALLBACK_PATH, name="sign-in-sso-callback", opt={WRITES_OPT: True})
    async def callback(self, request: Request[Any, Any, Any]) -> Response[Any]:
        state = AppState.of(request.app)
        settings = state.settings.oidc
        if not settings.enabled:
            raise NotFoundException()
        sso_state = request.query_params.get("state") or ""
        async with state.database.read_session() as reader:
            attempt = await reader.scalar(
                select(SsoAttempt).where(SsoAttempt.state_hash == state_hash(sso_state))
            )
        person: VerifiedPerson | None = None
        problem, reason = "refused", ""
        try:
            person = await self._verify(request, state, settings, sso_state, attempt)
        except ProviderUnreachable as error:
            log.warning("Single sign-on: cannot reach %s: %s", settings.issuer, error)
            problem, reason = "unreachable", f"provider unreachable: {error}"
        except SignInRefused as refused:
            reason = refused.reason
        return_to = attempt.return_to if attempt is not None else "/"
        async with request_writes(request) as db:
            # Every answer counts against the client's sign-in attempts.
            await limit(
                request, db, client_key(client_address(request)), state.settings.sign_in.attempts_per_client
            )
            used: Any = await db.execute(
                delete(SsoAttempt).where(SsoAttempt.state_hash == state_hash(sso_state))
            )
            if person is not None and used.rowcount != 1:
                # Another request with the same answer got here first.
                person, reason = None, "unknown or already used state"
            employee = None
            if person is not None:
                employee, reason = await _employee_for(db, settings, person)
                problem = "unknown"
            if employee is not None:
                response = await begin_session(request, db, employee.id, "oidc", return_to)
            else:
                audit(db, request, AuditKind.SIGN_IN_FAILED, method="oidc", detail=reason)
                response = await _trouble_page(request, problem, return_to)
        response.cookies.append(_state_cookie(state, "", 0))
        return response

    async def _verify(
        self,
        request: Request[Any, Any, Any],
        state: AppState,
        settings: OidcSettings,
        sso_state: str,
        attempt: SsoAttempt | None,
    ) -> VerifiedPerson:
        """Who the provider's answer says this is; raises `SignInRefused` or `ProviderUnreachable`."""
        query = request.query_params
        if not sso_state:
            raise SignInRefused("the answer has no state")
        if attempt is None:
            raise SignInRefused("unknown or already used state")
        if attempt.expires_at <= state.clock():
            raise SignInRefused("the sign-in attempt expired")
        cookie = request.cookies.get(state_cookie_name(state)) or ""
        if not hmac.compare_digest(cookie.encode(), sso_state.encode()):
            raise SignInRefused("the state belongs to another browser")
        if error := query.get("error"):
            raise SignInRefused(f"the provider answered {_ERROR_CODE.sub('', str(error).lower())[:60]}")
        if (issuer := query.get("iss")) and issuer != settings.issuer:
            raise SignInRefused("the answer names another issuer")  # RFC 9207 mix-up defence
        code = query.get("code") or ""
        if not code:
            raise SignInRefused("the answer has no code")
        async with oauth_client(settings, redirect_uri(state)) as client:
            metadata = await providers.metadata(client, settings.issuer)
            token = await _exchange(client, metadata, code, attempt.code_verifier)
            id_token = token.get("id_token")
            if not isinstance(id_token, str):
                raise SignInRefused("the token response has no ID token")
            claims = await _checked_claims(client, state, settings, metadata, token, id_token, attempt.nonce)
            claims = await _with_userinfo(client, settings, metadata, token, claims)
        name = claims.get("name")
        return VerifiedPerson(
            subject=str(claims["sub"]),
            email=email_of(claims),
            name=name.strip() if isinstance(name, str) else "",
            groups=_groups(claims.get(settings.groups_claim)),
            claims=claims,
        )


async def _checked_claims(
    client: AsyncOAuth2Client,
    state: AppState,
    settings: OidcSettings,
    metadata: dict[str, Any],
    token: dict[str, Any],
    id_token: str,
    nonce: str,
) -> dict[str, Any]:
    """The ID token's claims, checked; `SignInRefused` says why not."""

    def check(keys: KeySet) -> dict[str, Any]:
        return validate_id_token(
            id_token,
            keys,
            settings=settings,
            metadata=metadata,
            nonce=nonce,
            access_token=token.get("access_token"),
            now=int(state.clock().timestamp()),
        )

    try:
        try:
            return check(await providers.keys(client, settings.issuer))
        except InvalidKeyIdError:
            # The provider may have rolled its keys since this process fetched them.
            return check(await providers.keys(client, settings.issuer, refresh=True))
    except ExpiredTokenError:
        raise SignInRefused("the ID token has expired") from None
    except BadSignatureError:
        raise SignInRefused("the ID token's signature is wrong") from None
    except InvalidKeyIdError:
        raise SignInRefused("the ID token is signed with a key the provider does not publish") from None
    except JoseError as error:
        raise SignInRefused(f"the ID token was refused: {error}") from None
    except (ValueError, TypeError) as error:
        raise SignInRefused(f"the ID token cannot be read: {error}") from None


async def _exchange(
    client: AsyncOAuth2Client, metadata: dict[str, Any], code: str, verifier: str
) -> dict[str, Any]:
    try:
        token = await client.fetch_token(
            metadata["token_endpoint"], grant_type="authorization_code", code=code, code_verifier=verifier
        )
    except OAuthError as error:
        raise SignInRefused(
            f"the provider refused the code: {_ERROR_CODE.sub('', str(error.error))[:60]}"
        ) from None
    except httpx.HTTPStatusError as error:
        if error.response.status_code >= 500:
            raise ProviderUnreachable(f"the token endpoint answered {error.response.status_code}") from error
        raise SignInRefused(f"the token endpoint answered {error.response.status_code}") from None
    except httpx.HTTPError as error:
        raise ProviderUnreachable(f"the token endpoint: {error}") from error
    except ValueError as error:
        raise SignInRefused(f"the token response cannot be read: {error}") from None
    return dict(token)


async def _with_userinfo(
    client: AsyncOAuth2Client,
    settings: OidcSettings,
    metadata: dict[str, Any],
    token: dict[str, Any],
    claims: dict[str, Any],
) -> dict[str, Any]:
    """The ID token's claims, completed from the userinfo endpoint when the e-mail address or the
    groups are not in the token (some providers only put them there)."""
    if "email" in claims and settings.groups_claim in claims:
        return claims
    endpoint = metadata.get("userinfo_endpoint")
    access_token = token.get("access_token")
    if not endpoint or not access_token:
        return claims
    try:
        response = await client.request("GET", endpoint)  # with the access token just fetched
    except httpx.HTTPError as error:
        raise ProviderUnreachable(f"the userinfo endpoint: {error}") from error
    if response.status_code >= 500:
        raise ProviderUnreachable(f"the userinfo endpoint answered {response.status_code}")
    if response.status_code != 200:
        raise SignInRefused(f"the userinfo endpoint answered {response.status_code}")
    try:
        info = response.json()
    except ValueError:
        raise SignInRefused("the userinfo response is not JSON") from None
    if not isinstance(info, dict) or info.get("sub") != claims["sub"]:
        # Core §5.3.4: userinfo about someone else must not be used.
        raise SignInRefused("the userinfo response is about another subject")
    return {**info, **claims}


async def _employee_for(
    db: AsyncSession, settings: OidcSettings, person: VerifiedPerson
) -> tuple[Employee | None, str]:
    """The active employee the person is (created when allowed), with their role from the groups;
    or None and why not (for the audit trail)."""
    if person.email is None:
        return None, f"no e-mail address among the claims of subject {person.subject[:80]}"
    employee = await db.scalar(select(Employee).where(func.lower(Employee.email) == person.email.lower()))
    if employee is not None and not employee.active:
        return None, f"{person.email} is not an active employee"
    role = settings.role_for(person.groups)
    if employee is None:
        if not settings.create_unknown:
            return None, f"{person.email} is not in the staff list"
        site = await db.scalar(select(Site.id).order_by(Site.name).limit(1))
        employee = Employee(
            email=person.email,
            name=(person.name or person.email.split("@")[0])[:200],
            role=Role.EMPLOYEE,
            home_site_id=site,
            teams=[],
        )
        db.add(employee)
    if role is not None:
        employee.role = Role(role)
    await db.flush()
    return employee, ""


PROBLEM_STATUS: Final = {"unreachable": 503, "refused": 400, "unknown": 403}


async def _trouble_page(request: Request[Any, Any, Any], problem: str, next_path: str) -> Response[Any]:
    """The page that says why single sign-on did not work and what to do instead."""
    return await render(
        request,
        "auth/sso_problem.html",
        status_code=PROBLEM_STATUS[problem],
        problem=problem,
        next=safe_next(next_path),
    )


__all__ = ("SsoController", "providers", "redirect_uri")
