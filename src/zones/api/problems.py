"""Errors as RFC 9457 problem details, and their place in the OpenAPI document."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import msgspec
from advanced_alchemy.exceptions import DuplicateKeyError, IntegrityError, NotFoundError
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)

from zones.booking.errors import BookingError

logger = logging.getLogger("zones.api")

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


def problem(status: int, detail: str | None = None, **extra: Any) -> ProblemDetailsException:
    """A problem details exception with the HTTP status phrase as its title."""
    return ProblemDetailsException(
        status_code=status, title=HTTPStatus(status).phrase, detail=detail or "", extra=extra or None
    )


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


def _from_not_found(exc: NotFoundError) -> ProblemDetailsException:
    return problem(404, str(exc.detail) if exc.detail else "No such resource")


def _from_conflict(exc: IntegrityError) -> ProblemDetailsException:
    return problem(409, "The change conflicts with data already stored")


def _from_booking_error(exc: BookingError) -> ProblemDetailsException:
    """A refused booking: the rule is the problem type, and the extras say what to do instead."""
    return ProblemDetailsException(
        status_code=exc.status,
        type_=f"/problems/{exc.code}",
        title=exc.title,
        detail=exc.detail,
        extra={"rule": exc.code, **exc.extra},
    )


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
                BookingError: _from_booking_error,
                DuplicateKeyError: _from_conflict,
                IntegrityError: _from_conflict,
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


__all__ = ("MediaType", "ProblemDetails", "problem", "problem_details_plugin", "problem_responses")
