"""Day-keyed rollup tables on both databases, views over them, and the dashboard cache.

0012 defined PostgreSQL's materialized views over every raw event, so each refresh read all
of `analytics_events`. Here the day-keyed figures move to `analytics_daily_*` tables that
the application rewrites for the affected days only (as SQLite already did), and the four
day-keyed rollups become views over those tables: materialized on PostgreSQL, refreshed
concurrently by `refresh_all_materialized_views()`; plain views on SQLite. The first
refresh after this revision rebuilds the tables in full, because they start empty.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Rollups over the daily tables, with the columns and keys they had in 0012.
VIEWS: dict[str, str] = {
    "dashboard_realtime_stats": "SELECT hour_start, local_date, events, visits, signups, "
    "payments, activations, revenue_cents FROM analytics_daily_hourly_stats",
    "state_metrics": "SELECT local_date, state_code, events, visits, signups, payments, "
    "activations, revenue_cents FROM analytics_daily_state_metrics",
    "revenue_by_service": "SELECT local_date, service_id, payments, returns, gross_cents, "
    "revenue_cents FROM analytics_daily_revenue_by_service",
    "conversion_funnel": "SELECT cohort_date, visits, signups, payments, activations, "
    "median_seconds_to_signup, median_seconds_to_payment, median_seconds_to_activation "
    "FROM analytics_daily_funnel",
}
VIEW_KEYS: dict[str, tuple[str, ...]] = {
    "dashboard_realtime_stats": ("hour_start", "local_date"),
    "state_metrics": ("local_date", "state_code"),
    "revenue_by_service": ("local_date", "service_id"),
    "conversion_funnel": ("cohort_date",),
}
# Rollups of 0012 that this revision replaces; services_health_summary stays as it was.
REPLACED = ("dashboard_realtime_stats", "state_metrics", "analytics_user_days")
REPLACED += ("revenue_by_service", "conversion_funnel")

REFRESH_FUNCTION = """
CREATE FUNCTION refresh_all_materialized_views()
RETURNS TABLE (view_name text, row_count bigint, duration_ms integer)
LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz;
BEGIN
    FOREACH view_name IN ARRAY ARRAY[
        'dashboard_realtime_stats', 'state_metrics', 'revenue_by_service',
        'conversion_funnel', 'services_health_summary'
    ] LOOP
        started := clock_timestamp();
        EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY %I', view_name);
        EXECUTE format('SELECT count(*) FROM %I', view_name) INTO row_count;
        duration_ms := (extract(epoch FROM clock_timestamp() - started) * 1000)::integer;
        RETURN NEXT;
    END LOOP;
END
$$
"""

SUMMARY_FUNCTION = """
CREATE FUNCTION get_analytics_summary(start_date date, end_date date)
RETURNS TABLE (
    total_users bigint, total_payments bigint, total_revenue numeric,
    total_visits bigint, total_signups bigint, total_activations bigint
)
LANGUAGE sql STABLE AS $$
SELECT
    (SELECT count(DISTINCT d.user_id) FROM analytics_daily_user_days d
     WHERE d.local_date BETWEEN start_date AND end_date),
    coalesce(sum(s.payments), 0)::bigint,
    round(coalesce(sum(s.revenue_cents), 0) / 100.0, 2),
    coalesce(sum(s.visits), 0)::bigint,
    coalesce(sum(s.signups), 0)::bigint,
    coalesce(sum(s.activations), 0)::bigint
FROM analytics_daily_state_metrics s
WHERE s.local_date BETWEEN start_date AND end_date
$$
"""


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        _drop_functions()
        for name in REPLACED:
            op.execute(f"DROP MATERIALIZED VIEW {name}")
    else:
        for name in REPLACED:
            op.drop_table(name)
    _create_tables()
    for name, select in VIEWS.items():
        if postgres:
            op.execute(f"CREATE MATERIALIZED VIEW {name} AS {select}")
            columns = ", ".join(VIEW_KEYS[name])
            op.execute(f"CREATE UNIQUE INDEX uq_{name}_key ON {name} ({columns})")
        else:
            op.execute(f"CREATE VIEW {name} AS {select}")
    if postgres:
        op.execute(REFRESH_FUNCTION)
        op.execute(SUMMARY_FUNCTION)


def downgrade() -> None:
    """Restore 0012's rollups, empty: run `analytics.rebuild_rollups` afterwards."""
    previous = importlib.import_module("cuenty.migrations.versions.0012_analytics_rollups")
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        _drop_functions()
    for name in VIEWS:
        op.execute(f"DROP {'MATERIALIZED VIEW' if postgres else 'VIEW'} {name}")
    _drop_tables()
    if postgres:
        op.execute("DROP MATERIALIZED VIEW services_health_summary")
        previous._create_views()
    else:
        op.drop_table("services_health_summary")
        previous._create_rollup_tables()


def _drop_functions() -> None:
    op.execute("DROP FUNCTION IF EXISTS get_analytics_summary(date, date)")
    op.execute("DROP FUNCTION IF EXISTS refresh_all_materialized_views()")


def _create_tables() -> None:
    op.create_index("ix_analytics_events_received_at", "analytics_events", ["received_at"])
    op.create_index("ix_analytics_events_local_date", "analytics_events", ["local_date"])
    op.create_table(
        "analytics_daily_hourly_stats",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("hour_start", sa.DateTime(timezone=True), nullable=False),
        *_count_columns(),
        sa.PrimaryKeyConstraint(
            "local_date", "hour_start", name=op.f("pk_analytics_daily_hourly_stats")
        ),
    )
    op.create_table(
        "analytics_daily_state_metrics",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("state_code", sa.String(8), nullable=False),
        *_count_columns(),
        sa.PrimaryKeyConstraint(
            "local_date", "state_code", name=op.f("pk_analytics_daily_state_metrics")
        ),
    )
    op.create_table(
        "analytics_daily_user_days",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("state_code", sa.String(8), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date", "state_code", "user_id", name=op.f("pk_analytics_daily_user_days")
        ),
    )
    op.create_table(
        "analytics_daily_revenue_by_service",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("payments", sa.BigInteger(), nullable=False),
        sa.Column("returns", sa.BigInteger(), nullable=False),
        sa.Column("gross_cents", sa.BigInteger(), nullable=False),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date", "service_id", name=op.f("pk_analytics_daily_revenue_by_service")
        ),
    )
    op.create_table(
        "analytics_daily_funnel",
        sa.Column("cohort_date", sa.Date(), nullable=False),
        sa.Column("visits", sa.BigInteger(), nullable=False),
        sa.Column("signups", sa.BigInteger(), nullable=False),
        sa.Column("payments", sa.BigInteger(), nullable=False),
        sa.Column("activations", sa.BigInteger(), nullable=False),
        sa.Column("median_seconds_to_signup", sa.Float(), nullable=True),
        sa.Column("median_seconds_to_payment", sa.Float(), nullable=True),
        sa.Column("median_seconds_to_activation", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("cohort_date", name=op.f("pk_analytics_daily_funnel")),
    )
    op.create_table(
        "analytics_dashboard_cache",
        sa.Column("refresh_id", ROW_ID, nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint(
            "refresh_id", "start_date", "end_date", name=op.f("pk_analytics_dashboard_cache")
        ),
    )


def _drop_tables() -> None:
    op.drop_table("analytics_dashboard_cache")
    for name in ("funnel", "revenue_by_service", "user_days", "state_metrics", "hourly_stats"):
        op.drop_table(f"analytics_daily_{name}")
    op.drop_index("ix_analytics_events_local_date", table_name="analytics_events")
    op.drop_index("ix_analytics_events_received_at", table_name="analytics_events")


def _count_columns() -> list[sa.Column]:
    names = ("events", "visits", "signups", "payments", "activations", "revenue_cents")
    return [sa.Column(name, sa.BigInteger(), nullable=False) for name in names]
