"""Errors as RFC 9457 problem details, and their place in the OpenAPI document.

The one module that knows HTTP statuses: domain errors (`zones.errors`) carry none, and no
controller builds a problem by hand.
"""

from __future__ import annotations

import logging
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

from zones.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused, ZonesError

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
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        extra["invalid-params"] = [
            {
                "name": item.get("key") or "body",
                "reason": item.get("message", ""),
                "source": item.get("source"),
            }
            for item in exc.extra
            if isinstance(item, dict)
        ]
    detail = exc.detail if exc.detail != HTTPStatus(exc.status_code).phrase else None
    return ProblemDetailsException(
        status_code=exc.status_code,
        title=HTTPStatus(exc.status_code).phrase,
        detail=detail or "",
        headers=exc.headers,
        extra=extra or None,
    )


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


def _from_integrity_error(exc: IntegrityError) -> ProblemDetailsException:
    return _from_domain_error(STORED_MEANWHILE)


STORED_MEANWHILE = Conflict("conflict", "Conflict", "The change conflicts with data stored meanwhile")
"""What a write that lost a race with another one answers (a unique key or constraint said no)."""


def _internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    body = {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "Something went wrong on our side; the error has been logged.",
    }
    return Response(body, status_code=500, media_type=PROBLEM_MEDIA_TYPE)


def problem_details_plugin() -> ProblemDetailsPlugin:
    """Every error the API raises answers as `application/problem+json`."""
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            exception_to_problem_detail_map={
                HTTPException: _from_http_exception,
                NotFoundError: _from_not_found,
                ZonesError: _from_domain_error,
                DuplicateKeyError: _from_integrity_error,
                IntegrityError: _from_integrity_error,
            }
        )
    )


exception_handlers = {Exception: _internal_error}


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


__all__ = ("ProblemDetails", "problem_details_plugin", "problem_responses", "status_of")
