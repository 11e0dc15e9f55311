"""Refresh records, the PostgreSQL functions, and the services health summary."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.analytics.rollups import relations
from cuenty.analytics.rollups.models import RollupRefresh
from cuenty.heartbeat import ServiceHeartbeat, record_heartbeat, start_heartbeat, stop_heartbeat
from cuenty.kit.db import create_session_factory
from tests.analytics.rollup_support import event, refresh, store
from tests.conftest import TestDatabase

NOW = datetime(2026, 3, 20, 18, 30, tzinfo=UTC)


async def test_refresh_is_recorded(engine: AsyncEngine) -> None:
    await store(engine, event("page_view", "2026-03-01T10:00:00-06:00", anonymous_id="a"))
    first = await refresh(engine, now=NOW)
    second = await refresh(engine, now=NOW + timedelta(minutes=5))
    async with create_session_factory(engine)() as session:
        records = list(await session.scalars(select(RollupRefresh).order_by(RollupRefresh.id)))

    assert [record.full for record in records] == [True, False]
    assert first.rows["state_metrics"] == 1
    assert records[1].started_at == second.started_at
    assert all(record.status == "succeeded" for record in records)


async def test_hourly_stats_bucket_by_utc_hour(engine: AsyncEngine) -> None:
    await store(
        engine,
        event("payment", "2026-03-01T23:10:00-06:00", amount="10.00"),
        event("payment", "2026-03-01T23:50:00-06:00", amount="5.50"),
    )
    await refresh(engine, now=NOW)
    table = relations.realtime_stats
    async with engine.connect() as connection:
        rows = (await connection.execute(select(table))).all()
    assert len(rows) == 1
    assert rows[0].hour_start == datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    assert rows[0].local_date.isoformat() == "2026-03-01"
    assert rows[0].revenue_cents == 1550


async def test_services_health_summary(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    ok = {"database": "ok", "redis": "not_configured"}
    failed = {"database": "failed"}
    # The view judges "reporting" against the database clock on PostgreSQL.
    moment = await _database_now(engine)
    await record_heartbeat(factory, ["payments"], "a", ok, started_at=moment, now=moment)
    await record_heartbeat(factory, ["payments"], "b", failed, started_at=moment, now=moment)
    stale = moment - timedelta(minutes=10)
    await record_heartbeat(factory, ["auth"], "c", ok, started_at=stale, now=stale)
    await refresh(engine, now=moment)
    table = relations.services_health_summary
    async with engine.connect() as connection:
        rows = {row.service: row for row in await connection.execute(select(table))}

    assert rows["payments"].status == "degraded"
    assert (rows["payments"].instances, rows["payments"].instances_up) == (2, 1)
    assert rows["auth"].status == "down"
    assert rows["auth"].last_seen_at == stale


async def test_replaced_process_leaves_the_summary(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    ok = {"database": "ok"}
    moment = await _database_now(engine)
    earlier = moment - timedelta(minutes=11)
    await record_heartbeat(factory, ["payments"], "old", ok, started_at=earlier, now=earlier)
    await record_heartbeat(factory, ["payments"], "new", ok, started_at=moment, now=moment)
    await refresh(engine, now=moment)
    table = relations.services_health_summary
    async with engine.connect() as connection:
        row = (await connection.execute(select(table))).one()

    assert (row.instances, row.instances_up, row.status) == (1, 1, "up")


async def _database_now(engine: AsyncEngine) -> datetime:
    if engine.dialect.name != "postgresql":
        return datetime.now(UTC)
    async with engine.connect() as connection:
        return (await connection.execute(text("SELECT now()"))).scalar_one()


async def test_postgres_summary_function(database: TestDatabase, engine: AsyncEngine) -> None:
    if database.dialect != "postgresql":
        pytest.skip("get_analytics_summary() is a PostgreSQL function")
    await store(
        engine,
        event("payment", "2026-03-01T10:00:00-06:00", amount="10.25", user_id=_user(1)),
        event("payment_returned", "2026-03-02T10:00:00-06:00", amount="-5.00", user_id=_user(1)),
        event("page_view", "2026-03-02T10:00:00-06:00", user_id=_user(2)),
    )
    # The views read the daily tables, which only the application's refresh fills.
    await refresh(engine, now=NOW)
    async with engine.begin() as connection:
        refreshed = (
            await connection.execute(text("SELECT * FROM refresh_all_materialized_views()"))
        ).all()
        summary = (
            await connection.execute(
                text("SELECT * FROM get_analytics_summary('2026-03-01', '2026-03-31')")
            )
        ).one()

    assert {row.view_name for row in refreshed} == {
        "dashboard_realtime_stats",
        "state_metrics",
        "revenue_by_service",
        "conversion_funnel",
        "services_health_summary",
    }
    assert summary.total_users == 2
    assert summary.total_payments == 1
    assert summary.total_revenue == Decimal("5.25")
    assert summary.total_visits == 1


def _user(number: int) -> uuid.UUID:
    return uuid.UUID(int=number)


async def test_heartbeat_task_writes_row(app: FastAPI, engine: AsyncEngine) -> None:
    heartbeat = start_heartbeat(app.state, 30)
    assert heartbeat is not None
    for _ in range(50):
        async with engine.connect() as connection:
            services = (await connection.execute(select(ServiceHeartbeat.service))).scalars()
            found = set(services)
        if found:
            break
        await asyncio.sleep(0.05)
    await stop_heartbeat(heartbeat)

    assert heartbeat.task.done()
    assert "analytics" in found
