"""What can go wrong in Zones, as typed errors that know nothing about HTTP.

Services raise these; `zones.server.problems` turns them into RFC 9457 problem details (the one
place that knows statuses), and the CLI prints their English text. Each error carries a stable
`message_id` and the `params` its text is built from, so a page can say it in Danish instead.
"""

from __future__ import annotations

from typing import Any


class ZonesError(Exception):
    """Base of every domain error: a code, an English text, and what a translation needs.

    `code` is the stable name of what went wrong (`desk-taken`); it is the problem type
    (`/problems/desk-taken`) over HTTP. `title` and `detail` are the English texts; `message_id`
    names the sentence (defaults to `code`) and `params` holds the values it is built from.
    `extra` is machine-readable context shown as it is (`alternatives`, `booked_days`).
    """

    def __init__(
        self,
        code: str,
        title: str,
        detail: str,
        *,
        message_id: str | None = None,
        params: dict[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.code, self.title, self.detail = code, title, detail
        self.message_id = message_id or code
        self.params = params or {}
        self.extra = extra

    def __str__(self) -> str:
        return self.detail


class NotFound(ZonesError):
    """Something the caller named does not exist, or they may not see it."""

    def __init__(self, detail: str, *, message_id: str | None = None, params: dict[str, Any] | None = None):
        super().__init__("not-found", "Not Found", detail, message_id=message_id, params=params)

    @classmethod
    def of(cls, what: str, identifier: object) -> NotFound:
        """`No booking with id …`: a missing (or invisible) resource, named by its id."""
        return cls(
            f"No {what} with id {identifier}",
            message_id="not-found.id",
            params={"what": what, "id": str(identifier)},
        )


class Forbidden(ZonesError):
    """The caller is known but their role does not allow this; `detail` says who may."""

    def __init__(self, detail: str, *, message_id: str | None = None, params: dict[str, Any] | None = None):
        super().__init__("forbidden", "Forbidden", detail, message_id=message_id, params=params)


class InvalidInput(ZonesError):
    """The request is well-formed but asks for something that makes no sense (an empty range)."""


class Conflict(ZonesError):
    """The request clashes with the current state: data changed meanwhile, or the item is in the
    wrong state for it (a cancelled booking cannot be moved)."""


class RuleRefused(ZonesError):
    """A rule of the site's policy said no; `rule` names it and `alternatives` say what to do instead.

    `clash` is true when the refusal comes from what is already booked (the desk is taken, the
    zone is full, the week's office days are used): another place or day may work. Otherwise the
    request itself breaks the rule (a weekend, beyond the horizon).
    """

    def __init__(
        self,
        rule: str,
        title: str,
        detail: str,
        *,
        clash: bool = False,
        message_id: str | None = None,
        params: dict[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(rule, title, detail, message_id=message_id, params=params, **extra)
        self.clash = clash

    @property
    def rule(self) -> str:
        """The rule that refused (also the problem type's last part)."""
        return self.code

    @property
    def alternatives(self) -> list[dict[str, Any]]:
        """Places the person could book instead (may be empty)."""
        return list(self.extra.get("alternatives", []))


__all__ = ("Conflict", "Forbidden", "InvalidInput", "NotFound", "RuleRefused", "ZonesError")
