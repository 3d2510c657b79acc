"""Errors as RFC 9457 problem details, and their place in the OpenAPI document.

The one module that knows HTTP statuses: domain errors (`zones.errors`) carry none, and no
controller builds a problem by hand.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

import msgspec
from advanced_alchemy.exceptions import DuplicateKeyError, IntegrityError, NotFoundError
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)
from sqlalchemy import exc as database

from zones.db.transaction import stored_meanwhile
from zones.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused, ZonesError
from zones.text import SINGLE_LINE_PATTERN, SINGLE_LINE_RULE, single_line_problem

logger = logging.getLogger("zones.server")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class InvalidParam(msgspec.Struct):
    """One input that failed validation."""

    name: str
    reason: str
    source: str | None = None


class ProblemDetails(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem details object."""

    status: int
    title: str
    type: str = "about:blank"
    detail: str | None = None
    instance: str | None = None
    invalid_params: list[InvalidParam] | None = msgspec.field(default=None, name="invalid-params")
    rule: str | None = None
    """For refused bookings: the rule that refused it (also the last part of `type`)."""
    alternatives: list[dict[str, Any]] | None = None
    """For refused bookings: places the person could book instead."""


def _from_http_exception(exc: HTTPException) -> ProblemDetailsException:
    detail = exc.detail if exc.detail != HTTPStatus(exc.status_code).phrase else None
    return ProblemDetailsException(
        status_code=exc.status_code,
        title=HTTPStatus(exc.status_code).phrase,
        detail=detail or "",
        headers=exc.headers,
    )


def _from_validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """A request that does not fit the route's schema: each input by the name the client sent.

    Litestar names inputs by their Python parameter (`when` for `?scope=`) and repeats the whole
    query string in `detail`; the client gets the wire names and the path only.
    """
    names = _wire_names(request)
    invalid = [
        {
            "name": names.get(item.get("key") or "", item.get("key") or "body"),
            "reason": _reason(str(item.get("message", ""))),
            "source": item.get("source"),
        }
        for item in (exc.extra if isinstance(exc.extra, list) else [])
        if isinstance(item, dict)
    ]
    problem = _from_http_exception(exc)
    if invalid and all(item["reason"] == SINGLE_LINE_RULE and item["source"] == "body" for item in invalid):
        # Well-formed JSON whose text breaks the content rule: unprocessable, not malformed.
        problem.status_code, problem.title = 422, HTTPStatus(422).phrase
    for item in invalid:
        # A query value can be read back, so say which character broke the rule.
        value = request.query_params.get(item["name"]) if item["source"] == "query" else None
        if item["reason"] == SINGLE_LINE_RULE and (why := single_line_problem(value or "")):
            item["reason"] = why
    if problem.detail.startswith(_VALIDATION_FAILED):
        problem.detail = f"{_VALIDATION_FAILED}{request.method} {request.url.path}"
    problem.extra = {"invalid-params": invalid} if invalid else None
    return problem.to_response(request)


_VALIDATION_FAILED = "Validation failed for "


def _wire_names(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The route's parameters that the client names differently: Python name → query/header name."""
    handler = request.scope.get("route_handler")
    parameters = getattr(getattr(handler, "parsed_fn_signature", None), "parameters", {})
    names = {}
    for name, parameter in parameters.items():
        definition = parameter.kwarg_definition
        alias = next(
            (
                value
                for value in (getattr(definition, key, None) for key in ("name", "query", "header", "cookie"))
                if isinstance(value, str) and value
            ),
            None,
        )
        if alias and alias != name:
            names[name] = alias
    return names


_MAX_REASON = 200
_PATTERN_REASON = re.compile(r"^Expected `str` matching regex '(?P<pattern>.*)'$")


def _reason(message: str) -> str:
    """msgspec's reason, in words where it only shows a regex, and never longer than a line."""
    found = _PATTERN_REASON.match(message)
    if found and found["pattern"].replace("\\\\", "\\") == SINGLE_LINE_PATTERN:
        return SINGLE_LINE_RULE
    return message if len(message) <= _MAX_REASON else message[: _MAX_REASON - 1] + "…"


def status_of(error: ZonesError) -> int:
    """The HTTP status a domain error answers with."""
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Forbidden):
        return 403
    if isinstance(error, RuleRefused):
        return 409 if error.clash else 422
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, InvalidInput):
        return 422
    return 400


def _from_domain_error(exc: ZonesError) -> ProblemDetailsException:
    """A domain error: its code is the problem type; refusals also name the rule and what to do instead."""
    extra: dict[str, Any] = dict(exc.extra)
    if not isinstance(exc, NotFound | Forbidden):
        extra = {"rule": exc.code, **extra}
    return ProblemDetailsException(
        status_code=status_of(exc),
        type_=f"/problems/{exc.code}",
        title=exc.title,
        detail=exc.detail,
        extra=extra,
    )


def _from_not_found(exc: NotFoundError) -> ProblemDetailsException:
    return _from_domain_error(NotFound(str(exc.detail) if exc.detail else "No such resource"))


def _from_repository_error(exc: IntegrityError) -> ProblemDetailsException:
    """advanced-alchemy reports every database error of a statement as its `IntegrityError`,
    reads included: sort them out by what the database said."""
    cause = exc.__cause__
    if cause is None or isinstance(cause, database.IntegrityError):
        return _from_domain_error(stored_meanwhile())
    if isinstance(cause, database.DBAPIError):
        return _from_database_error(cause)
    return _server_fault(cause)


def _from_database_error(exc: database.DBAPIError) -> ProblemDetailsException:
    """Only a constraint that refused a write is a conflict (409). A value the database cannot
    take (a NUL byte, a number out of range: SQLSTATE class 22, "data exception") is the request's
    fault (422), also in a read; anything else is ours (500)."""
    if isinstance(exc, database.IntegrityError):
        return _from_domain_error(stored_meanwhile())
    sqlstate = str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or "")
    if isinstance(exc, database.DataError) or sqlstate.startswith("22"):
        logger.warning("the database refused a value: %s", str(exc.orig).splitlines()[0])
        return _from_domain_error(
            InvalidInput(
                "invalid-value",
                "Invalid value",
                "A value in the request cannot be stored or searched for (the database refused it)",
                message_id="invalid-value.database",
            )
        )
    return _server_fault(exc)


def _server_fault(exc: BaseException) -> ProblemDetailsException:
    logger.error("database error: %s", exc, exc_info=exc)
    return ProblemDetailsException(
        status_code=500, type_="about:blank", title="Internal Server Error", detail=_OUR_FAULT
    )


_OUR_FAULT = "Something went wrong on our side; the error has been logged."


def _internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    body = {"type": "about:blank", "title": "Internal Server Error", "status": 500, "detail": _OUR_FAULT}
    return Response(body, status_code=500, media_type=PROBLEM_MEDIA_TYPE)


Send = Callable[[Mapping[str, Any]], Awaitable[None]]


async def send_problem(
    send: Send, status: int, detail: str, invalid_params: list[InvalidParam] | None = None
) -> None:
    """Answer a request the app refuses before routing (too large, unreadable) as a problem detail.

    The connection is closed afterwards: the rest of such a request is not worth reading.
    """
    body = msgspec.json.encode(
        ProblemDetails(
            status=status, title=HTTPStatus(status).phrase, detail=detail, invalid_params=invalid_params
        )
    )
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def problem_details_plugin() -> ProblemDetailsPlugin:
    """Every error the API raises answers as `application/problem+json`."""
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            exception_to_problem_detail_map={
                HTTPException: _from_http_exception,
                NotFoundError: _from_not_found,
                ZonesError: _from_domain_error,
                DuplicateKeyError: _from_repository_error,
                IntegrityError: _from_repository_error,
                database.DBAPIError: _from_database_error,
            }
        )
    )


exception_handlers = {Exception: _internal_error, ValidationException: _from_validation_error}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries that document each status as a problem details body."""
    return {
        status: ResponseSpec(
            data_container=ProblemDetails,
            description=HTTPStatus(status).phrase,
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status in statuses
    }


__all__ = (
    "InvalidParam",
    "ProblemDetails",
    "problem_details_plugin",
    "problem_responses",
    "send_problem",
    "status_of",
)
