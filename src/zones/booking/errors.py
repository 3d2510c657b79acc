"""Refusals that say which rule said no and what the person can do instead."""

from __future__ import annotations

from typing import Any


class BookingError(Exception):
    """A booking request that cannot be carried out; becomes an RFC 9457 problem over HTTP.

    `code` names the rule (it is also the problem type, `/problems/{code}`); `extra` carries
    machine-readable context such as `alternatives`.
    """

    def __init__(self, status: int, code: str, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.code, self.title, self.detail, self.extra = status, code, title, detail, extra


def not_found(what: str, identifier: object) -> BookingError:
    """A 404 for a missing (or invisible) resource."""
    return BookingError(404, "not-found", "Not found", f"No {what} with id {identifier}")


def forbidden(detail: str) -> BookingError:
    """A 403 for acting on someone else's resource without the role to do so."""
    return BookingError(403, "forbidden", "Forbidden", detail)
