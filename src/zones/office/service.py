"""The office as the API and the CLI read it: sites, floors, zones, desks and rooms.

The repository services (advanced-alchemy) serve the JSON API's listings; the functions below find
sites by key for the command line and the planner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import OffsetPagination, SQLAlchemyAsyncRepositoryService
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from zones.errors import InvalidInput, NotFound
from zones.models import Desk, Floor, Room, Site, Zone
from zones.office.summary import SiteSummary, summarise_site

M = TypeVar("M", Site, Floor, Zone, Desk, Room)
R = TypeVar("R")


class SiteService(SQLAlchemyAsyncRepositoryService[Site]):
    """Sites."""

    class Repo(SQLAlchemyAsyncRepository[Site]):
        model_type = Site

    repository_type = Repo


class FloorService(SQLAlchemyAsyncRepositoryService[Floor]):
    """Floors."""

    class Repo(SQLAlchemyAsyncRepository[Floor]):
        model_type = Floor

    repository_type = Repo


class ZoneService(SQLAlchemyAsyncRepositoryService[Zone]):
    """Activity zones."""

    class Repo(SQLAlchemyAsyncRepository[Zone]):
        model_type = Zone

    repository_type = Repo


class DeskService(SQLAlchemyAsyncRepositoryService[Desk]):
    """Desks."""

    class Repo(SQLAlchemyAsyncRepository[Desk]):
        model_type = Desk

    repository_type = Repo


class RoomService(SQLAlchemyAsyncRepositoryService[Room]):
    """Workshop rooms."""

    class Repo(SQLAlchemyAsyncRepository[Room]):
        model_type = Room

    repository_type = Repo


async def page_of(
    service: type[SQLAlchemyAsyncRepositoryService[M]],
    session: AsyncSession,
    page: LimitOffset,
    read: Callable[[M], R],
    order_by: tuple[str, ...],
    *conditions: ColumnElement[bool] | None,
) -> OffsetPagination[R]:
    """One page of a listing, in `order_by` order, of the rows that meet every given condition.

    A condition of None is left out, so callers pass `clause if value is not None else None`.
    """
    rows, total = await service(session=session).get_many_and_count(
        *(c for c in conditions if c is not None), page, order_by=[(column, False) for column in order_by]
    )
    return OffsetPagination([read(row) for row in rows], page.limit, page.offset, total)


async def site_summary(session: AsyncSession, site_id: UUID) -> SiteSummary:
    """Zones per floor, desks, floor area and desks per person of one site."""
    summary = await summarise_site(session, site_id)
    if summary is None:
        raise NotFound.of("site", site_id)
    return summary


async def list_sites(session: AsyncSession, key: str | None = None) -> list[Site]:
    """Every site by key, or only the one with `key` (an empty list when there is none)."""
    statement = select(Site).order_by(Site.key)
    if key:
        statement = statement.where(Site.key == key)
    return list(await session.scalars(statement))


async def site_keys(session: AsyncSession) -> list[str]:
    """The keys of every site (what a staff file may name as a home site)."""
    return list(await session.scalars(select(Site.key).order_by(Site.key)))


async def find_site(session: AsyncSession, key: str | None) -> Site:
    """The site with `key`, or the only site when no key is given."""
    sites = await list_sites(session, key)
    if not sites:
        raise _no_site(key)
    if len(sites) > 1:
        keys = ", ".join(site.key for site in sites)
        raise InvalidInput(
            "several-sites",
            "Several sites",
            f"several sites ({keys}): choose one with --site",
            params={"keys": keys},
        )
    return sites[0]


async def site_summaries(session: AsyncSession, key: str | None = None) -> list[SiteSummary]:
    """The summary of every site, or only of the one with `key`; at least one, or `NotFound`."""
    summaries = [await summarise_site(session, site.id) for site in await list_sites(session, key)]
    found = [summary for summary in summaries if summary is not None]
    if not found:
        raise _no_site(key)
    return found


def _no_site(key: str | None) -> NotFound:
    if key:
        return NotFound(f"no site {key!r}", message_id="site.unknown", params={"key": key})
    return NotFound("no sites yet: run `zones office load FILE.toml`", message_id="site.none")
