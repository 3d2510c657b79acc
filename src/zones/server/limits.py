"""What the app refuses before routing: request heads over the configured size.

They are answered as problem details (`server/problems.py`) before any handler, dependency or
database sees the request, for every path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zones.server.problems import send_problem
from zones.settings import Settings


@dataclass(frozen=True)
class RequestLimits:
    """How large a request target and its headers may be."""

    max_url_bytes: int = Settings.max_url_bytes
    max_header_bytes: int = Settings.max_header_bytes

    @classmethod
    def of(cls, settings: Settings) -> RequestLimits:
        return cls(settings.max_url_bytes, settings.max_header_bytes)


def url_bytes(scope: dict[str, Any]) -> int:
    """The length of the request target as sent: the path, and `?` and the query if there is one."""
    query = scope.get("query_string", b"")
    path = (scope.get("raw_path") or scope["path"].encode()).split(b"?", 1)[0]  # some clients add the query
    return len(path) + (1 + len(query) if query else 0)


def header_bytes(scope: dict[str, Any]) -> int:
    """The size of the request headers as sent (`Name: value` and a line break each)."""
    return sum(len(name) + len(value) + 4 for name, value in scope.get("headers", []))


async def refuse(scope: dict[str, Any], send: Any, limits: RequestLimits) -> bool:
    """Answer a request the app will not read, and say so; False lets it through to routing."""
    if (length := url_bytes(scope)) > limits.max_url_bytes:
        await send_problem(
            send,
            414,
            f"The request URL is {length} bytes long; this server takes at most {limits.max_url_bytes}."
            " Send long lists in a request body instead.",
        )
        return True
    if (size := header_bytes(scope)) > limits.max_header_bytes:
        await send_problem(
            send,
            431,
            f"The request headers take {size} bytes; this server takes at most {limits.max_header_bytes}.",
        )
        return True
    return False
