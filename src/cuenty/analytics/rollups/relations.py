"""The five rollups the product description names, declared once for both databases.

The four day-keyed ones are views over the `daily.py` tables (migration 0015): materialized
on PostgreSQL, refreshed concurrently after the tables; plain views on SQLite. The services
health summary is a materialized view over `service_health` on PostgreSQL and a table that
`refresh.py` rewrites on SQLite. They live in their own MetaData because `Base.metadata`
must not create them as tables. Amounts are whole centavos (BIGINT).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Float, Integer, MetaData, String, Table, Uuid

from cuenty.kit.db import DERIVED_RELATIONS, UTCDateTime

ROLLUP_METADATA = MetaData()

realtime_stats = Table(
    "dashboard_realtime_stats",
    ROLLUP_METADATA,
    Column("hour_start", UTCDateTime, nullable=False),
    Column("local_date", Date, nullable=False),
    Column("events", BigInteger, nullable=False),
    Column("visits", BigInteger, nullable=False),
    Column("signups", BigInteger, nullable=False),
    Column("payments", BigInteger, nullable=False),
    Column("activations", BigInteger, nullable=False),
    Column("revenue_cents", BigInteger, nullable=False),
)

state_metrics = Table(
    "state_metrics",
    ROLLUP_METADATA,
    Column("local_date", Date, nullable=False),
    Column("state_code", String(8), nullable=False),
    Column("events", BigInteger, nullable=False),
    Column("visits", BigInteger, nullable=False),
    Column("signups", BigInteger, nullable=False),
    Column("payments", BigInteger, nullable=False),
    Column("activations", BigInteger, nullable=False),
    Column("revenue_cents", BigInteger, nullable=False),
)

revenue_by_service = Table(
    "revenue_by_service",
    ROLLUP_METADATA,
    Column("local_date", Date, nullable=False),
    # The nil UUID collects money whose event names no catalog service.
    Column("service_id", Uuid, nullable=False),
    Column("payments", BigInteger, nullable=False),
    Column("returns", BigInteger, nullable=False),
    Column("gross_cents", BigInteger, nullable=False),
    Column("revenue_cents", BigInteger, nullable=False),
)

conversion_funnel = Table(
    "conversion_funnel",
    ROLLUP_METADATA,
    Column("cohort_date", Date, nullable=False),
    Column("visits", BigInteger, nullable=False),
    Column("signups", BigInteger, nullable=False),
    Column("payments", BigInteger, nullable=False),
    Column("activations", BigInteger, nullable=False),
    Column("median_seconds_to_signup", Float),
    Column("median_seconds_to_payment", Float),
    Column("median_seconds_to_activation", Float),
)

services_health_summary = Table(
    "services_health_summary",
    ROLLUP_METADATA,
    Column("service", String(40), nullable=False),
    Column("instances", Integer, nullable=False),
    Column("instances_up", Integer, nullable=False),
    Column("status", String(10), nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("version", String(40), nullable=False),
    Column("computed_at", UTCDateTime, nullable=False),
)

# Keys of each rollup: the unique index REFRESH ... CONCURRENTLY needs on PostgreSQL.
ROLLUP_KEYS: dict[str, tuple[str, ...]] = {
    realtime_stats.name: ("hour_start", "local_date"),
    state_metrics.name: ("local_date", "state_code"),
    revenue_by_service.name: ("local_date", "service_id"),
    conversion_funnel.name: ("cohort_date",),
    services_health_summary.name: ("service",),
}

DERIVED_RELATIONS.update(ROLLUP_METADATA.tables)
