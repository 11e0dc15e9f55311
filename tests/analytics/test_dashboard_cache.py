"""The dashboard cache (one row per range and refresh) and the refresh by affected day."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.analytics.rollups import daily
from cuenty.analytics.rollups.models import DashboardCache
from cuenty.kit.clock import business_date
from tests.analytics.rollup_support import event, refresh, store
from tests.compliance.helpers import staff

NOW = datetime(2026, 3, 20, 18, 30, tzinfo=UTC)
RANGE = {"startDate": "2026-03-01", "endDate": "2026-03-31"}


async def _cached(engine: AsyncEngine) -> set[tuple[int, date, date]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(DashboardCache.refresh_id, DashboardCache.start_date, DashboardCache.end_date)
        )
        return {tuple(row) for row in rows}  # type: ignore[misc]


async def test_refresh_caches_the_standard_ranges(engine: AsyncEngine) -> None:
    await store(engine, event("page_view", "2026-03-19T10:00:00-06:00", anonymous_id="a"))
    await refresh(engine, now=NOW)
    today = business_date(NOW)

    ranges = {(start, end) for _, start, end in await _cached(engine)}

    assert ranges == {(today - timedelta(days=days - 1), today) for days in (7, 30, 90)}


async def test_refresh_drops_older_refreshes(engine: AsyncEngine) -> None:
    await refresh(engine, now=NOW)
    await refresh(engine, now=NOW + timedelta(minutes=5))

    refreshes = {refresh_id for refresh_id, _, _ in await _cached(engine)}

    assert len(refreshes) == 1


async def _revenue(client: httpx.AsyncClient, headers: dict[str, str]) -> float:
    response = await client.get("/v1/analytics/dashboard", params=RANGE, headers=headers)
    assert response.status_code == 200, response.text
    return float(response.json()["totals"]["total_revenue"])


async def _double_daily_revenue(engine: AsyncEngine) -> None:
    table = daily.state_metrics
    async with engine.begin() as connection:
        await connection.execute(update(table).values(revenue_cents=table.c.revenue_cents * 2))


async def test_custom_range_is_kept_until_next_refresh(
    client: httpx.AsyncClient, app: FastAPI, engine: AsyncEngine
) -> None:
    user = uuid.uuid4()
    await store(engine, event("payment", "2026-03-02T10:00:00-06:00", user_id=user, amount="45.00"))
    await refresh(engine)
    _, headers = await staff(client, app, "ops@example.com", role="operations")
    first = await _revenue(client, headers)
    # Changed behind the cache's back: the kept figures must still be served.
    await _double_daily_revenue(engine)

    assert await _revenue(client, headers) == first
    await refresh(engine)
    assert await _revenue(client, headers) == 45.0


async def test_first_request_of_a_range_stores_it(
    client: httpx.AsyncClient, app: FastAPI, engine: AsyncEngine
) -> None:
    await refresh(engine)
    _, headers = await staff(client, app, "ops@example.com", role="operations")
    await _revenue(client, headers)

    ranges = {(start.isoformat(), end.isoformat()) for _, start, end in await _cached(engine)}

    assert (RANGE["startDate"], RANGE["endDate"]) in ranges


async def _state_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(daily.state_metrics))
        return int(count or 0)


def _received(row: dict[str, object], moment: datetime) -> dict[str, object]:
    return {**row, "received_at": moment}


async def test_incremental_refresh_rewrites_affected_days_only(engine: AsyncEngine) -> None:
    now = datetime.now(UTC)
    earlier = now - timedelta(hours=1)
    await store(
        engine,
        _received(event("page_view", "2026-03-01T10:00:00-06:00", anonymous_id="a"), earlier),
        _received(event("page_view", "2026-03-02T10:00:00-06:00", anonymous_id="b"), earlier),
    )
    await refresh(engine, now=now)
    await store(engine, event("page_view", "2026-03-03T10:00:00-06:00", anonymous_id="c"))

    outcome = await refresh(engine, now=now + timedelta(minutes=5))

    assert outcome.full is False
    assert outcome.rows["state_metrics"] == 1
    assert await _state_rows(engine) == 3


async def test_empty_daily_tables_force_a_full_rebuild(engine: AsyncEngine) -> None:
    await refresh(engine, now=NOW)
    # Received long before the last refresh, as events were before migration 0015.
    old = event("page_view", "2026-03-01T10:00:00-06:00", anonymous_id="a")
    await store(engine, _received(old, NOW - timedelta(days=30)))

    outcome = await refresh(engine, now=NOW + timedelta(minutes=5))

    assert outcome.full is True
    assert await _state_rows(engine) == 1
