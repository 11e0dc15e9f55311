"""Dashboard figures kept per (range, refresh), so most requests read one row.

Each refresh computes the standard ranges (the last 7, 30 and 90 days ending today in Mexico
City) before it commits. Any other range is computed on its first request and kept until the
next refresh. Rows of refreshes older than the latest are deleted by the next refresh.
Figures are stored as JSON with money as strings, so no amount passes through a float.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.rollups import dashboard
from cuenty.analytics.rollups.models import DashboardCache
from cuenty.kit.clock import business_date

STANDARD_RANGE_DAYS = (7, 30, 90)


async def figures(
    session: AsyncSession, start: date, end: date, window_days: int
) -> dict[str, Any]:
    """Compute the dashboard's figures for the range, `asOf` and `fresh` aside, as JSON."""
    summary = await dashboard.funnel_summary(session, start, end)
    computed = {
        "start_date": start,
        "end_date": end,
        "totals": await dashboard.totals(session, start, end),
        "top_states": await dashboard.top_states(session, start, end),
        "conversion_funnel": await dashboard.funnel_by_day(session, start, end),
        "funnel_summary": {**summary, "window_days": window_days},
        "revenue_by_service": await dashboard.revenue_by_service(session, start, end),
        "revenue_by_day": await dashboard.revenue_by_day(session, start, end),
        "services_health": await dashboard.services_health(session),
    }
    return to_jsonable_python(computed)  # type: ignore[no-any-return]


async def lookup(
    session: AsyncSession, refresh_id: int, start: date, end: date
) -> dict[str, Any] | None:
    """Return the figures kept for the range since refresh `refresh_id`, or None."""
    return await session.scalar(
        select(DashboardCache.figures).where(
            DashboardCache.refresh_id == refresh_id,
            DashboardCache.start_date == start,
            DashboardCache.end_date == end,
        )
    )


async def store(
    session: AsyncSession, refresh_id: int, start: date, end: date, computed: dict[str, Any]
) -> None:
    """Keep the figures; a row another request stored first for the same key is left as is."""
    values = {"refresh_id": refresh_id, "start_date": start, "end_date": end}
    values["figures"] = computed
    dialect = (await session.connection()).dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(DashboardCache).values(**values).on_conflict_do_nothing()
    await session.execute(statement)


def standard_ranges(today: date) -> list[tuple[date, date]]:
    return [(today - timedelta(days=days - 1), today) for days in STANDARD_RANGE_DAYS]


async def prepare(
    session: AsyncSession, refresh_id: int, *, now: datetime, window_days: int
) -> None:
    """Drop the figures of older refreshes and compute the standard ranges for this one."""
    await session.execute(delete(DashboardCache).where(DashboardCache.refresh_id < refresh_id))
    for start, end in standard_ranges(business_date(now)):
        await store(
            session, refresh_id, start, end, await figures(session, start, end, window_days)
        )
