"""Repository services for the office model (advanced-alchemy), shared by the API and later rules."""

from __future__ import annotations

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import ColumnElement, exists, func, literal_column, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import QueryableAttribute

from zones.models import Desk, Floor, Room, Site, Zone


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


def has_attribute(column: QueryableAttribute[list[str]], attribute: str, dialect: str) -> ColumnElement[bool]:
    """Whether a JSON list column (desk or room attributes) contains `attribute`."""
    if dialect == "postgresql":
        contains: ColumnElement[bool] = column.cast(JSONB).contains([attribute])
        return contains
    element = func.json_each(column).table_valued("value")
    return exists(select(literal_column("1")).select_from(element).where(element.c.value == attribute))
