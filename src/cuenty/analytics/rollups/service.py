"""The dashboard as one call: validate the range, read its cached figures or compute them,
say how fresh they are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.rollups import cache, dashboard
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


@dataclass(frozen=True)
class DashboardAnswer:
    """The dashboard's wire fields, and the figures to keep when they were computed now."""

    body: dict[str, Any]
    refresh_id: int | None
    computed: dict[str, Any] | None


async def build_dashboard(
    session: AsyncSession, start: date, end: date, settings: RollupSettings, now: datetime
) -> DashboardAnswer:
    """Read the range's figures from the cache, or compute them; `asOf` and `fresh` always
    come from the last refresh record."""
    max_age = timedelta(seconds=settings.refresh_interval_seconds + settings.fresh_grace_seconds)
    last = await dashboard.last_refresh(session)
    freshness = dashboard.freshness(last, now, max_age)
    refresh_id = None if last is None else last.id
    cached = None if refresh_id is None else await cache.lookup(session, refresh_id, start, end)
    computed = None
    if cached is None:
        cached = computed = await cache.figures(session, start, end, settings.funnel_window_days)
    body = {**cached, "fresh": freshness.fresh, "as_of": freshness.as_of}
    return DashboardAnswer(body, refresh_id, computed)
