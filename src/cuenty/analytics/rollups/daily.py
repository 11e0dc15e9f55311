"""Day-keyed rollup tables, rewritten for the days a refresh finds affected.

They are plain tables on both databases; the rollups the dashboard and the product
description name (`relations.py`) are views over them, materialized on PostgreSQL. A refresh
therefore costs in proportion to the days it rewrites, not to every raw event stored.
Amounts are whole centavos (BIGINT), so SQLite never sums money as floating point.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Float, PrimaryKeyConstraint, String, Table, Uuid

from cuenty.kit.db import Base, UTCDateTime

COUNT_NAMES = ("events", "visits", "signups", "payments", "activations", "revenue_cents")


def _counts() -> list[Column[int]]:
    return [Column(name, BigInteger, nullable=False) for name in COUNT_NAMES]


hourly_stats = Table(
    "analytics_daily_hourly_stats",
    Base.metadata,
    Column("local_date", Date, nullable=False),
    Column("hour_start", UTCDateTime, nullable=False),
    *_counts(),
    PrimaryKeyConstraint("local_date", "hour_start"),
)

state_metrics = Table(
    "analytics_daily_state_metrics",
    Base.metadata,
    Column("local_date", Date, nullable=False),
    Column("state_code", String(8), nullable=False),
    *_counts(),
    PrimaryKeyConstraint("local_date", "state_code"),
)

# One row per user, day and state with any event: distinct users over a range cannot be
# summed from daily counts, so they are counted here (and the result cached per refresh).
user_days = Table(
    "analytics_daily_user_days",
    Base.metadata,
    Column("local_date", Date, nullable=False),
    Column("state_code", String(8), nullable=False),
    Column("user_id", Uuid, nullable=False),
    PrimaryKeyConstraint("local_date", "state_code", "user_id"),
)

revenue_by_service = Table(
    "analytics_daily_revenue_by_service",
    Base.metadata,
    Column("local_date", Date, nullable=False),
    # The nil UUID collects money whose event names no catalog service.
    Column("service_id", Uuid, nullable=False),
    Column("payments", BigInteger, nullable=False),
    Column("returns", BigInteger, nullable=False),
    Column("gross_cents", BigInteger, nullable=False),
    Column("revenue_cents", BigInteger, nullable=False),
    PrimaryKeyConstraint("local_date", "service_id"),
)

funnel = Table(
    "analytics_daily_funnel",
    Base.metadata,
    Column("cohort_date", Date, nullable=False),
    Column("visits", BigInteger, nullable=False),
    Column("signups", BigInteger, nullable=False),
    Column("payments", BigInteger, nullable=False),
    Column("activations", BigInteger, nullable=False),
    Column("median_seconds_to_signup", Float),
    Column("median_seconds_to_payment", Float),
    Column("median_seconds_to_activation", Float),
    PrimaryKeyConstraint("cohort_date"),
)

# The rollup each table feeds, as `RollupRefresh.rows` names it.
ROLLUP_OF = {
    hourly_stats.name: "dashboard_realtime_stats",
    state_metrics.name: "state_metrics",
    user_days.name: "analytics_user_days",
    revenue_by_service.name: "revenue_by_service",
    funnel.name: "conversion_funnel",
}

TABLES = {table.name: table for table in (hourly_stats, state_metrics, user_days)}
TABLES |= {table.name: table for table in (revenue_by_service, funnel)}
