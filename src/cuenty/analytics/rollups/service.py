"""The dashboard as one call: validate the range, read every rollup, say how fresh it is."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.rollups import dashboard
from cuenty.analytics.rollups.errors import query_rejected
from cuenty.analytics.rollups.settings import RollupSettings
from cuenty.kit.clock import business_date


def resolve_range(
    start: date | None, end: date | None, settings: RollupSettings, now: datetime
) -> tuple[date, date]:
    """Fill a missing end with today (Mexico City) and a missing start with the default span;
    reject a start after the end or a range longer than the maximum."""
    span = timedelta(days=settings.default_range_days - 1)
    if end is None:
        end = business_date(now) if start is None else max(business_date(now), start)
    if start is None:
        start = end - span
    if start > end:
        raise query_rejected("endDate", "ends_before_start", other=start.isoformat())
    if (end - start).days + 1 > settings.max_range_days:
        raise query_rejected("endDate", "range_too_long", days=str(settings.max_range_days))
    return start, end


async def build_dashboard(
    session: AsyncSession, start: date, end: date, settings: RollupSettings, now: datetime
) -> dict[str, Any]:
    max_age = timedelta(seconds=settings.refresh_interval_seconds + settings.fresh_grace_seconds)
    freshness = await dashboard.freshness(session, now, max_age)
    summary = await dashboard.funnel_summary(session, start, end)
    return {
        "start_date": start,
        "end_date": end,
        "totals": await dashboard.totals(session, start, end),
        "top_states": await dashboard.top_states(session, start, end),
        "conversion_funnel": await dashboard.funnel_by_day(session, start, end),
        "funnel_summary": {**summary, "window_days": settings.funnel_window_days},
        "revenue_by_service": await dashboard.revenue_by_service(session, start, end),
        "services_health": await dashboard.services_health(session),
        "fresh": freshness.fresh,
        "as_of": freshness.as_of,
    }
