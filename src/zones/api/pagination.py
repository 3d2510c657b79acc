"""Limit/offset pagination for list endpoints."""

from __future__ import annotations

from typing import Annotated

from advanced_alchemy.filters import LimitOffset
from litestar.params import QueryParameter

MAX_PAGE_SIZE = 500


def provide_page(
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description="Items per page")] = 50,
    offset: Annotated[int, QueryParameter(ge=0, le=10_000_000, description="Items to skip")] = 0,
) -> LimitOffset:
    """The page a list request asks for."""
    return LimitOffset(limit=limit, offset=offset)
