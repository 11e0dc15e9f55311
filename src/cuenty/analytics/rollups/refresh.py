"""Refreshing the rollups: funnel journeys, then the daily tables, then the views, a record
and the cached dashboards of the standard ranges.

On both databases the `daily.py` tables are rewritten only for the days that have events
received since the last refresh, plus the days of visits whose anonymous id was linked since
then. A full rebuild, or a refresh that finds the tables empty, rewrites every day.
PostgreSQL then refreshes its materialized views over those tables concurrently (readers
keep the old rows until the new ones commit) through `refresh_all_materialized_views()`.
SQLite's views need nothing.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Date, bindparam, delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cuenty.analytics.models import AnalyticsEvent, IdentityLink
from cuenty.analytics.rollups import cache, daily, funnel, relations
from cuenty.analytics.rollups.dashboard import last_refresh
from cuenty.analytics.rollups.definitions import day_rollups
from cuenty.analytics.rollups.models import FunnelJourney, RollupRefresh
from cuenty.heartbeat import ServiceHeartbeat
from cuenty.kit.db import transaction
from cuenty.kit.locks import try_advisory_xact_lock

# Events are stamped `received_at` before their transaction commits, so one that commits
# during a refresh can carry an earlier time than the refresh's start: look back this far.
LATE_COMMIT_MARGIN = timedelta(minutes=10)
# A process counts as reporting while its last heartbeat is younger than this (three
# heartbeats at the default 30 seconds). Migration 0012's view uses the same 90 seconds.
REPORTING_WINDOW = timedelta(seconds=90)
DAY_CHUNK = 200
LOCK_KEY = "analytics.refresh_rollups"

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class RefreshOutcome:
    refreshed: bool
    started_at: datetime
    duration_ms: int
    full: bool
    rows: dict[str, int]


async def refresh_rollups(
    factory: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    window_days: int,
    full: bool = False,
) -> RefreshOutcome:
    """Refresh every rollup in one transaction and record it; `full` rebuilds all days.

    Returns refreshed=False, doing nothing, while another refresh holds the lock.
    """
    clock = time.perf_counter()
    try:
        async with transaction(factory) as session:
            if not await try_advisory_xact_lock(session, LOCK_KEY):
                return RefreshOutcome(False, now, 0, full, {})
            last = await last_refresh(session)
            full = full or last is None or await _tables_empty(session)
            since = None if last is None else last.started_at - LATE_COMMIT_MARGIN
            if full:
                since = None
            rows = await _refresh(session, now=now, since=since, window_days=window_days)
            duration_ms = int((time.perf_counter() - clock) * 1000)
            record = _record(now, duration_ms, "succeeded", full, rows)
            session.add(record)
            await session.flush()
            await cache.prepare(session, record.id, now=now, window_days=window_days)
    except Exception as error:
        duration_ms = int((time.perf_counter() - clock) * 1000)
        async with transaction(factory) as session:
            session.add(_record(now, duration_ms, "failed", full, {}, error=str(error)[:500]))
        log.error("analytics.refresh_failed", error=str(error), duration_ms=duration_ms)
        raise
    log.info("analytics.refreshed", full=full, duration_ms=duration_ms, rows=rows)
    return RefreshOutcome(True, now, duration_ms, full, rows)


async def _tables_empty(session: AsyncSession) -> bool:
    """Return True until a refresh fills the daily tables, e.g. right after migration 0015."""
    found = await session.scalar(select(daily.state_metrics.c.local_date).limit(1))
    return found is None


async def _refresh(
    session: AsyncSession, *, now: datetime, since: datetime | None, window_days: int
) -> dict[str, int]:
    if since is None:
        people = funnel.AffectedPeople()
    else:
        people = await funnel.affected_since(session, since)
    cohort_days = await funnel.update_journeys(session, people, window_days)
    dialect = (await session.connection()).dialect.name
    days = None if since is None else await _days_since(session, since)
    rows = await _refresh_day_tables(session, dialect, days)
    rows[relations.conversion_funnel.name] = await _refresh_funnel_table(
        session, None if since is None else cohort_days
    )
    if dialect == "postgresql":
        result = await session.execute(text("SELECT * FROM refresh_all_materialized_views()"))
        view_rows = {name: int(count) for name, count, _ in result}
        rows[relations.services_health_summary.name] = view_rows[
            relations.services_health_summary.name
        ]
    else:
        rows[relations.services_health_summary.name] = await _refresh_health_table(session, now)
    return rows


async def _days_since(session: AsyncSession, since: datetime) -> list[date]:
    received = select(AnalyticsEvent.local_date).where(AnalyticsEvent.received_at >= since)
    linked = (
        select(AnalyticsEvent.local_date)
        .join(IdentityLink, IdentityLink.anonymous_id == AnalyticsEvent.anonymous_id)
        .where(IdentityLink.linked_at >= since)
    )
    days = set(await session.scalars(received.distinct()))
    days |= set(await session.scalars(linked.distinct()))
    return sorted(days)


async def _refresh_day_tables(
    session: AsyncSession, dialect: str, days: list[date] | None
) -> dict[str, int]:
    """Rewrite the daily tables for `days` (None: every day); count rows written per rollup."""
    rows: dict[str, int] = {}
    if days is None:
        for name, select_sql in day_rollups(dialect).items():
            await session.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - fixed names
            rows[daily.ROLLUP_OF[name]] = await _insert_select(session, name, select_sql, {})
        return rows
    statements = day_rollups(dialect, "e.local_date IN :days")
    for name, select_sql in statements.items():
        written = 0
        for chunk in _chunks(days):
            delete_sql = text(f"DELETE FROM {name} WHERE local_date IN :days")  # noqa: S608
            await session.execute(delete_sql.bindparams(_days_param()), {"days": list(chunk)})
            written += await _insert_select(session, name, select_sql, {"days": list(chunk)})
        rows[daily.ROLLUP_OF[name]] = written
    return rows


async def _insert_select(
    session: AsyncSession, name: str, select_sql: str, params: dict[str, Any]
) -> int:
    columns = ", ".join(column.name for column in daily.TABLES[name].columns)
    statement = text(f"INSERT INTO {name} ({columns}) {select_sql}")
    if params:
        statement = statement.bindparams(_days_param())
    result = await session.execute(statement, params)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _days_param() -> Any:
    return bindparam("days", expanding=True, type_=Date)


async def _refresh_funnel_table(session: AsyncSession, cohort_days: set[date] | None) -> int:
    """Rewrite the daily funnel for `cohort_days` (None: every day) from the journeys."""
    table = daily.funnel
    if cohort_days is None:
        await session.execute(delete(table))
        days = list(await session.scalars(select(FunnelJourney.cohort_date).distinct()))
    else:
        days = sorted(cohort_days)
    written = 0
    for chunk in _chunks(sorted(days)):
        await session.execute(delete(table).where(table.c.cohort_date.in_(chunk)))
        rows = await funnel_rows(session, list(chunk))
        if rows:
            await session.execute(insert(table), rows)
        written += len(rows)
    return written


async def funnel_rows(session: AsyncSession, days: Sequence[date]) -> list[dict[str, Any]]:
    """Compute the daily funnel rows of `days` from the stored journeys."""
    by_day: dict[date, dict[str, Any]] = {}
    result = await session.execute(
        select(
            FunnelJourney.cohort_date,
            FunnelJourney.seconds_to_signup,
            FunnelJourney.seconds_to_payment,
            FunnelJourney.seconds_to_activation,
        ).where(FunnelJourney.cohort_date.in_(days))
    )
    for day, *seconds in result:
        entry = by_day.setdefault(day, {"visits": 0, "signup": [], "payment": [], "activation": []})
        entry["visits"] += 1
        for step, value in zip(funnel.STEPS, seconds, strict=True):
            if value is not None:
                entry[step].append(value)
    return [
        {
            "cohort_date": day,
            "visits": entry["visits"],
            "signups": len(entry["signup"]),
            "payments": len(entry["payment"]),
            "activations": len(entry["activation"]),
            **{f"median_seconds_to_{step}": _median(entry[step]) for step in funnel.STEPS},
        }
        for day, entry in sorted(by_day.items())
    ]


async def _refresh_health_table(session: AsyncSession, now: datetime) -> int:
    """Summarise `service_health` per service, as the PostgreSQL view does."""
    table = relations.services_health_summary
    await session.execute(delete(table))
    summary: dict[str, dict[str, Any]] = {}
    for row in await session.scalars(select(ServiceHeartbeat)):
        ready = row.status == "ready" and row.last_seen_at > now - REPORTING_WINDOW
        entry = summary.setdefault(
            row.service,
            {"service": row.service, "instances": 0, "instances_up": 0, "computed_at": now},
        )
        entry["instances"] += 1
        entry["instances_up"] += int(ready)
        if "last_seen_at" not in entry or row.last_seen_at > entry["last_seen_at"]:
            entry["last_seen_at"] = row.last_seen_at
            entry["version"] = row.version
    for entry in summary.values():
        entry["status"] = health_status(entry["instances"], entry["instances_up"])
    if summary:
        await session.execute(insert(table), list(summary.values()))
    return len(summary)


def health_status(instances: int, instances_up: int) -> str:
    if instances_up == 0:
        return "down"
    return "up" if instances_up == instances else "degraded"


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _record(
    now: datetime,
    duration_ms: int,
    status: str,
    full: bool,
    rows: dict[str, int],
    error: str | None = None,
) -> RollupRefresh:
    return RollupRefresh(
        started_at=now,
        finished_at=now + timedelta(milliseconds=duration_ms),
        duration_ms=duration_ms,
        status=status,
        full=full,
        rows=rows,
        error=error,
    )


def _chunks(values: Sequence[Any]) -> list[Sequence[Any]]:
    return [values[start : start + DAY_CHUNK] for start in range(0, len(values), DAY_CHUNK)]
