"""Analytics rollups, funnel journeys, KPI alerts and service heartbeats.

On PostgreSQL the rollups are materialized views with the unique index that REFRESH ...
CONCURRENTLY needs, plus `refresh_all_materialized_views()` and
`get_analytics_summary(start_date, end_date)`. On SQLite they are plain tables that the
application keeps up to date.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
RATIO = sa.Numeric(14, 4)

# Views over analytics_events, as the rollups package defined them at this revision.
EVENT_VIEWS: dict[str, str] = {
    "dashboard_realtime_stats": """
SELECT date_trunc('hour', e.occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour_start,
    e.local_date AS local_date,
    count(*) AS events,
    sum(CASE WHEN e.source = 'client' AND e.event_type = 'page_view' THEN 1 ELSE 0 END)
        AS visits,
    sum(CASE WHEN e.source = 'platform' AND e.event_type = 'signup' THEN 1 ELSE 0 END)
        AS signups,
    sum(CASE WHEN e.source = 'platform' AND e.event_type = 'payment' THEN 1 ELSE 0 END)
        AS payments,
    sum(CASE WHEN e.source = 'platform' AND e.event_type = 'activation' THEN 1 ELSE 0 END)
        AS activations,
    coalesce(sum(CASE WHEN e.source = 'platform'
        AND e.event_type IN ('payment', 'payment_returned', 'refund')
        THEN CAST(ROUND(e.amount * 100) AS BIGINT) END), 0) AS revenue_cents
FROM analytics_events e
GROUP BY 1, 2
""",
    "state_metrics": """
SELECT e.local_date AS local_date, e.state_code AS state_code,
    count(*) AS events,
    sum(CASE WHEN e.source = 'client' AND e.event_type = 'page_view' THEN 1 ELSE 0 END)
        AS visits,
    sum(CASE WHEN e.source = 'platform' AND e.event_type = 'signup' THEN 1 ELSE 0 END)
        AS signups,
    sum(CASE WHEN e.source = 'platform' AND e.event_type = 'payment' THEN 1 ELSE 0 END)
        AS payments,
    sum(CASE WHEN e.source = 'platform' AND e.event_type = 'activation' THEN 1 ELSE 0 END)
        AS activations,
    coalesce(sum(CASE WHEN e.source = 'platform'
        AND e.event_type IN ('payment', 'payment_returned', 'refund')
        THEN CAST(ROUND(e.amount * 100) AS BIGINT) END), 0) AS revenue_cents
FROM analytics_events e
GROUP BY e.local_date, e.state_code
""",
    "analytics_user_days": """
SELECT DISTINCT e.local_date AS local_date, e.state_code AS state_code,
    coalesce(e.user_id, l.user_id) AS user_id
FROM analytics_events e LEFT JOIN analytics_identity_links l
    ON e.user_id IS NULL AND l.anonymous_id = e.anonymous_id
WHERE coalesce(e.user_id, l.user_id) IS NOT NULL
""",
    "revenue_by_service": """
SELECT e.local_date AS local_date,
    coalesce(e.service_id, '00000000-0000-0000-0000-000000000000'::uuid) AS service_id,
    sum(CASE WHEN e.event_type = 'payment' THEN 1 ELSE 0 END) AS payments,
    sum(CASE WHEN e.event_type IN ('payment_returned', 'refund') THEN 1 ELSE 0 END) AS returns,
    coalesce(sum(CASE WHEN e.event_type = 'payment'
        THEN CAST(ROUND(e.amount * 100) AS BIGINT) END), 0) AS gross_cents,
    coalesce(sum(CAST(ROUND(e.amount * 100) AS BIGINT)), 0) AS revenue_cents
FROM analytics_events e
WHERE e.source = 'platform'
    AND e.event_type IN ('payment', 'payment_returned', 'refund')
GROUP BY 1, 2
""",
}

JOURNEY_VIEWS: dict[str, str] = {
    "conversion_funnel": """
SELECT cohort_date,
    count(*) AS visits,
    count(signup_at) AS signups,
    count(payment_at) AS payments,
    count(activation_at) AS activations,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds_to_signup) AS median_seconds_to_signup,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds_to_payment) AS median_seconds_to_payment,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds_to_activation)
        AS median_seconds_to_activation
FROM analytics_funnel_journeys
GROUP BY cohort_date
""",
    # A process is reporting while its last heartbeat is under 90 seconds old.
    "services_health_summary": """
SELECT service,
    count(*)::integer AS instances,
    (count(*) FILTER (WHERE status = 'ready'))::integer AS instances_up,
    CASE WHEN count(*) FILTER (WHERE status = 'ready') = 0 THEN 'down'
         WHEN count(*) FILTER (WHERE status = 'ready') < count(*) THEN 'degraded'
         ELSE 'up' END AS status,
    max(last_seen_at) AS last_seen_at,
    (array_agg(version ORDER BY last_seen_at DESC))[1] AS version,
    now() AS computed_at
FROM (
    SELECT service, version, last_seen_at,
        CASE WHEN status = 'ready' AND last_seen_at > now() - interval '90 seconds'
             THEN 'ready' ELSE 'not_ready' END AS status
    FROM service_health
) reports
GROUP BY service
""",
}

VIEW_KEYS: dict[str, tuple[str, ...]] = {
    "dashboard_realtime_stats": ("hour_start", "local_date"),
    "state_metrics": ("local_date", "state_code"),
    "analytics_user_days": ("local_date", "state_code", "user_id"),
    "revenue_by_service": ("local_date", "service_id"),
    "conversion_funnel": ("cohort_date",),
    "services_health_summary": ("service",),
}

REFRESH_FUNCTION = """
CREATE FUNCTION refresh_all_materialized_views()
RETURNS TABLE (view_name text, row_count bigint, duration_ms integer)
LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz;
BEGIN
    FOREACH view_name IN ARRAY ARRAY[
        'dashboard_realtime_stats', 'state_metrics', 'analytics_user_days',
        'revenue_by_service', 'conversion_funnel', 'services_health_summary'
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
    (SELECT count(DISTINCT d.user_id) FROM analytics_user_days d
     WHERE d.local_date BETWEEN start_date AND end_date),
    coalesce(sum(s.payments), 0)::bigint,
    round(coalesce(sum(s.revenue_cents), 0) / 100.0, 2),
    coalesce(sum(s.visits), 0)::bigint,
    coalesce(sum(s.signups), 0)::bigint,
    coalesce(sum(s.activations), 0)::bigint
FROM state_metrics s
WHERE s.local_date BETWEEN start_date AND end_date
$$
"""


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    _create_tables()
    if op.get_bind().dialect.name == "postgresql":
        _create_views()
    else:
        _create_rollup_tables()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS get_analytics_summary(date, date)")
        op.execute("DROP FUNCTION IF EXISTS refresh_all_materialized_views()")
        for name in reversed(VIEW_KEYS):
            op.execute(f"DROP MATERIALIZED VIEW IF EXISTS {name}")
    else:
        for name in reversed(VIEW_KEYS):
            op.drop_table(name)
    op.drop_index(op.f("ix_service_health_last_seen_at"), table_name="service_health")
    op.drop_table("service_health")
    op.drop_index("ix_kpi_alert_firings_rule_fired", table_name="kpi_alert_firings")
    op.drop_table("kpi_alert_firings")
    op.drop_table("kpi_alerts")
    op.drop_index(
        op.f("ix_analytics_funnel_journeys_user_id"), table_name="analytics_funnel_journeys"
    )
    op.drop_index(
        op.f("ix_analytics_funnel_journeys_cohort_date"), table_name="analytics_funnel_journeys"
    )
    op.drop_table("analytics_funnel_journeys")
    op.drop_index("ix_analytics_rollup_refreshes_started", table_name="analytics_rollup_refreshes")
    op.drop_table("analytics_rollup_refreshes")


def _create_tables() -> None:
    op.create_table(
        "analytics_rollup_refreshes",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("finished_at", _utc(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(500), nullable=True),
        sa.CheckConstraint(
            "status IN ('succeeded', 'failed')", name=op.f("ck_analytics_rollup_refreshes_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_rollup_refreshes")),
    )
    op.create_index(
        "ix_analytics_rollup_refreshes_started",
        "analytics_rollup_refreshes",
        ["status", "started_at"],
    )
    op.create_table(
        "analytics_funnel_journeys",
        sa.Column("person_key", sa.String(80), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("cohort_date", sa.Date(), nullable=False),
        sa.Column("visit_at", _utc(), nullable=False),
        sa.Column("signup_at", _utc(), nullable=True),
        sa.Column("payment_at", _utc(), nullable=True),
        sa.Column("activation_at", _utc(), nullable=True),
        sa.Column("seconds_to_signup", sa.Integer(), nullable=True),
        sa.Column("seconds_to_payment", sa.Integer(), nullable=True),
        sa.Column("seconds_to_activation", sa.Integer(), nullable=True),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", _utc(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("person_key", name=op.f("pk_analytics_funnel_journeys")),
    )
    op.create_index(
        op.f("ix_analytics_funnel_journeys_cohort_date"),
        "analytics_funnel_journeys",
        ["cohort_date"],
    )
    op.create_index(
        op.f("ix_analytics_funnel_journeys_user_id"), "analytics_funnel_journeys", ["user_id"]
    )
    op.create_table(
        "kpi_alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("metric", sa.String(20), nullable=False),
        sa.Column("comparison", sa.String(20), nullable=False),
        sa.Column("threshold", RATIO, nullable=True),
        sa.Column("window_hours", sa.Integer(), nullable=False),
        sa.Column("cooldown_minutes", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("last_evaluated_at", _utc(), nullable=True),
        sa.Column("last_evaluation", sa.JSON(), nullable=True),
        sa.Column("last_fired_at", _utc(), nullable=True),
        sa.Column("created_at", _utc(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", _utc(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "comparison IN ('gt', 'gte', 'lt', 'lte', 'outside_forecast')",
            name=op.f("ck_kpi_alerts_comparison"),
        ),
        sa.CheckConstraint(
            "metric IN ('revenue', 'payments', 'signups', 'visits', 'activations', "
            "'conversion_rate')",
            name=op.f("ck_kpi_alerts_metric"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_alerts")),
    )
    op.create_table(
        "kpi_alert_firings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("rule_id", sa.Uuid(), nullable=False),
        sa.Column("fired_at", _utc(), nullable=False),
        sa.Column("window_start", _utc(), nullable=False),
        sa.Column("window_end", _utc(), nullable=False),
        sa.Column("value", RATIO, nullable=False),
        sa.Column("threshold", RATIO, nullable=True),
        sa.Column("lower_bound", RATIO, nullable=True),
        sa.Column("upper_bound", RATIO, nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["kpi_alerts.id"],
            name=op.f("fk_kpi_alert_firings_rule_id_kpi_alerts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_alert_firings")),
    )
    op.create_index("ix_kpi_alert_firings_rule_fired", "kpi_alert_firings", ["rule_id", "fired_at"])
    op.create_table(
        "service_health",
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("instance_id", sa.String(120), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("checks", sa.String(200), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("last_seen_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("service", "instance_id", name=op.f("pk_service_health")),
    )
    op.create_index(op.f("ix_service_health_last_seen_at"), "service_health", ["last_seen_at"])


def _create_views() -> None:
    for name, select in {**EVENT_VIEWS, **JOURNEY_VIEWS}.items():
        op.execute(f"CREATE MATERIALIZED VIEW {name} AS {select}")
        columns = ", ".join(VIEW_KEYS[name])
        op.execute(f"CREATE UNIQUE INDEX uq_{name}_key ON {name} ({columns})")
    op.execute(REFRESH_FUNCTION)
    op.execute(SUMMARY_FUNCTION)


def _create_rollup_tables() -> None:
    op.create_table(
        "dashboard_realtime_stats",
        sa.Column("hour_start", _utc(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        *_count_columns(),
        sa.PrimaryKeyConstraint("hour_start", "local_date"),
    )
    op.create_table(
        "state_metrics",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("state_code", sa.String(8), nullable=False),
        *_count_columns(),
        sa.PrimaryKeyConstraint("local_date", "state_code"),
    )
    op.create_table(
        "analytics_user_days",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("state_code", sa.String(8), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("local_date", "state_code", "user_id"),
    )
    op.create_table(
        "revenue_by_service",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("payments", sa.BigInteger(), nullable=False),
        sa.Column("returns", sa.BigInteger(), nullable=False),
        sa.Column("gross_cents", sa.BigInteger(), nullable=False),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("local_date", "service_id"),
    )
    op.create_table(
        "conversion_funnel",
        sa.Column("cohort_date", sa.Date(), nullable=False),
        sa.Column("visits", sa.BigInteger(), nullable=False),
        sa.Column("signups", sa.BigInteger(), nullable=False),
        sa.Column("payments", sa.BigInteger(), nullable=False),
        sa.Column("activations", sa.BigInteger(), nullable=False),
        sa.Column("median_seconds_to_signup", sa.Float(), nullable=True),
        sa.Column("median_seconds_to_payment", sa.Float(), nullable=True),
        sa.Column("median_seconds_to_activation", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("cohort_date"),
    )
    op.create_table(
        "services_health_summary",
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("instances", sa.Integer(), nullable=False),
        sa.Column("instances_up", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("last_seen_at", _utc(), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("computed_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("service"),
    )


def _count_columns() -> list[sa.Column]:
    names = ("events", "visits", "signups", "payments", "activations", "revenue_cents")
    return [sa.Column(name, sa.BigInteger(), nullable=False) for name in names]
