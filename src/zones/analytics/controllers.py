"""Occupancy analytics over HTTP: the figures as JSON, as a CSV download, and as charts."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from anyio import to_thread
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from zones.analytics.charts import chart
from zones.analytics.export import occupancy_csv
from zones.analytics.schemas import Grouping, Occupancy
from zones.analytics.service import occupancy
from zones.auth.middleware import requires_planner
from zones.server.problems import problem_responses

SiteId = Annotated[UUID, QueryParameter(name="site_id", description="The site")]
From = Annotated[date, QueryParameter(name="from", description="First day (inclusive)")]
To = Annotated[date, QueryParameter(name="to", description="Last day (inclusive)")]
By = Annotated[Grouping, QueryParameter(name="by", description="One row per zone, floor, team or day")]
ERRORS = problem_responses(400, 401, 403, 404, 422)
MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


class AnalyticsController(Controller):
    """Planned against booked against used (planners and admins: figures about everyone's days)."""

    path = "/analytics"
    tags = ["Analytics"]
    guards = [requires_planner]

    @get(
        "/occupancy",
        operation_id="getOccupancy",
        summary="Planned, booked, checked-in and no-shows per zone, floor, team or day",
        responses=ERRORS,
    )
    async def get_occupancy(
        self,
        session: NamedDependency[AsyncSession],
        site_id: SiteId,
        starts_on: From,
        ends_on: To,
        by: By = Grouping.ZONE,
    ) -> Occupancy:
        return await occupancy(session, site_id, starts_on, ends_on, by)

    @get(
        "/occupancy.csv",
        operation_id="getOccupancyCsv",
        summary="The same figures as CSV, one row per group and day",
        media_type="text/csv",
        responses=ERRORS,
    )
    async def get_occupancy_csv(
        self,
        session: NamedDependency[AsyncSession],
        site_id: SiteId,
        starts_on: From,
        ends_on: To,
        by: By = Grouping.ZONE,
    ) -> Response[str]:
        result = await occupancy(session, site_id, starts_on, ends_on, by)
        name = f"occupancy-{result.site_key}-{starts_on}-{ends_on}-{by.value}.csv"
        return Response(
            occupancy_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @get(
        "/charts/{file_name:str}",
        operation_id="getOccupancyChart",
        summary="A chart: heatmap, weekdays or trend, as .svg or .png",
        media_type="image/svg+xml",
        responses=ERRORS,
    )
    async def get_chart(
        self,
        session: NamedDependency[AsyncSession],
        file_name: FromPath[str],
        site_id: SiteId,
        starts_on: From,
        ends_on: To,
        by: By = Grouping.ZONE,
    ) -> Response[bytes]:
        name, _, file_format = file_name.rpartition(".")
        result = await occupancy(session, site_id, starts_on, ends_on, by)
        # Drawing takes a fraction of a second of CPU: off the event loop, so bookings keep flowing.
        body = await to_thread.run_sync(chart, result, name, file_format)
        return Response(body, media_type=MEDIA_TYPES[file_format])
