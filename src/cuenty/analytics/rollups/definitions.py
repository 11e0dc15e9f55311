"""SELECT statements of the day-keyed rollups over `analytics_events`, for both databases.

`refresh.py` runs them into the `daily.py` tables for the days it recomputes, on SQLite and
PostgreSQL alike (migration 0012 kept an older copy for its materialized views). A test
checks that both databases give the same dashboard for the same events.
"""

from __future__ import annotations

# Revenue types of platform events: payments credited, and returns or refunds (negative).
REVENUE_TYPES = "('payment', 'payment_returned', 'refund')"
RETURN_TYPES = "('payment_returned', 'refund')"
# Anonymous client events count as the user's once the anonymous id is linked.
EVENTS_WITH_PERSON = (
    "analytics_events e LEFT JOIN analytics_identity_links l "
    "ON e.user_id IS NULL AND l.anonymous_id = e.anonymous_id"
)
NIL_UUID = {
    "postgresql": "'00000000-0000-0000-0000-000000000000'::uuid",
    "sqlite": "'00000000000000000000000000000000'",
}
HOUR_START = {
    "postgresql": "date_trunc('hour', e.occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
    # The text form SQLAlchemy stores UTC datetimes in on SQLite.
    "sqlite": "strftime('%Y-%m-%d %H:00:00.000000', e.occurred_at)",
}
CENTS = "CAST(ROUND(e.amount * 100) AS BIGINT)"

COUNTS = f"""
    count(*) AS events,
    sum(CASE WHEN e.source = 'client' AND e.event_type = 'page_view' THEN 1 ELSE 0 END)
        AS visits,
    sum(CASE WHEN e.source = 'platform' AND e.event_type = 'signup' THEN 1 ELSE 0 END)
        AS signups,
    sum(CASE WHEN e.source = 'platform' AND e.event_type = 'payment' THEN 1 ELSE 0 END)
        AS payments,
    sum(CASE WHEN e.source = 'platform' AND e.event_type = 'activation' THEN 1 ELSE 0 END)
        AS activations,
    coalesce(sum(CASE WHEN e.source = 'platform' AND e.event_type IN {REVENUE_TYPES}
        THEN {CENTS} END), 0) AS revenue_cents"""


def day_rollups(dialect: str, day_filter: str = "") -> dict[str, str]:
    """Return the SELECT of each day-keyed table of `daily.py` over analytics_events.

    `day_filter` is an SQL condition on `e.local_date`, to recompute some days only. Each
    SELECT lists the table's columns in the table's order.
    """
    where = f"WHERE {day_filter}" if day_filter else ""
    and_filter = f"AND {day_filter}" if day_filter else ""
    return {
        "analytics_daily_hourly_stats": f"""
SELECT e.local_date AS local_date, {HOUR_START[dialect]} AS hour_start,{COUNTS}
FROM analytics_events e {where}
GROUP BY 1, 2""",  # noqa: S608 - built from the constants above
        "analytics_daily_state_metrics": f"""
SELECT e.local_date AS local_date, e.state_code AS state_code,{COUNTS}
FROM analytics_events e {where}
GROUP BY e.local_date, e.state_code""",  # noqa: S608 - built from constants
        # TODO: a visit linked to a user later keeps the state it was stored with (usually
        # "unknown"), so that user counts in two states' users, though once in total_users.
        "analytics_daily_user_days": f"""
SELECT DISTINCT e.local_date AS local_date, e.state_code AS state_code,
    coalesce(e.user_id, l.user_id) AS user_id
FROM {EVENTS_WITH_PERSON}
WHERE coalesce(e.user_id, l.user_id) IS NOT NULL {and_filter}""",  # noqa: S608
        "analytics_daily_revenue_by_service": f"""
SELECT e.local_date AS local_date, coalesce(e.service_id, {NIL_UUID[dialect]}) AS service_id,
    sum(CASE WHEN e.event_type = 'payment' THEN 1 ELSE 0 END) AS payments,
    sum(CASE WHEN e.event_type IN {RETURN_TYPES} THEN 1 ELSE 0 END) AS returns,
    coalesce(sum(CASE WHEN e.event_type = 'payment' THEN {CENTS} END), 0) AS gross_cents,
    coalesce(sum({CENTS}), 0) AS revenue_cents
FROM analytics_events e
WHERE e.source = 'platform' AND e.event_type IN {REVENUE_TYPES} {and_filter}
GROUP BY 1, 2""",  # noqa: S608 - built from the constants above
    }
