"""Tables of the rollups package: refresh log, funnel journeys, dashboard cache, KPI alert
rules and firings.

The day-keyed rollup tables are in `daily.py`; the views over them in `relations.py`,
outside `Base.metadata`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from cuenty.analytics.rollups import daily, relations  # noqa: F401 - registers the rollups
from cuenty.kit.db import Base, UTCDateTime, created_at_column, updated_at_column

ROW_ID = BigInteger().with_variant(Integer, "sqlite")


class RollupRefresh(Base):
    """One refresh of every rollup: when it started, how long it took and the rows it wrote.

    The dashboard's `asOf` is the `started_at` of the last successful refresh.
    """

    __tablename__ = "analytics_rollup_refreshes"
    __table_args__ = (
        CheckConstraint("status IN ('succeeded', 'failed')", name="status"),
        Index("ix_analytics_rollup_refreshes_started", "status", "started_at"),
    )

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    full: Mapped[bool] = mapped_column(Boolean)
    # Rows each rollup contains (PostgreSQL) or rewrote (SQLite), by rollup name.
    rows: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(String(500))


class DashboardCache(Base):
    """The dashboard's figures for one range as one refresh left them, `asOf` and `fresh`
    aside: a later refresh makes the row stale, and the refresh after that deletes it."""

    __tablename__ = "analytics_dashboard_cache"

    refresh_id: Mapped[int] = mapped_column(ROW_ID, primary_key=True)
    start_date: Mapped[date] = mapped_column(Date, primary_key=True)
    end_date: Mapped[date] = mapped_column(Date, primary_key=True)
    # `service.dashboard_figures` as JSON: money as strings, dates and UUIDs as text.
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = created_at_column()


class FunnelJourney(Base):
    """One person's way through visit -> signup -> payment -> activation.

    A person is a user (with the visits of every anonymous id linked to them) or an anonymous
    visitor never linked. The journey starts at the person's first visit; each later step is
    the first one after the previous step and within the conversion window of the visit.
    """

    __tablename__ = "analytics_funnel_journeys"

    # "user:<uuid>" or "anonymous:<anonymous id>".
    person_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    cohort_date: Mapped[date] = mapped_column(Date, index=True)
    visit_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signup_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whole seconds from the visit to each step, for medians on both databases.
    seconds_to_signup: Mapped[int | None] = mapped_column(Integer)
    seconds_to_payment: Mapped[int | None] = mapped_column(Integer)
    seconds_to_activation: Mapped[int | None] = mapped_column(Integer)
    window_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = updated_at_column()


class KpiAlertRule(Base):
    """A KPI rule: compare a metric over a window with a threshold or with its forecast."""

    __tablename__ = "kpi_alerts"
    __table_args__ = (
        CheckConstraint(
            "comparison IN ('gt', 'gte', 'lt', 'lte', 'outside_forecast')", name="comparison"
        ),
        CheckConstraint(
            "metric IN ('revenue', 'payments', 'signups', 'visits', 'activations', "
            "'conversion_rate')",
            name="metric",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(120))
    metric: Mapped[str] = mapped_column(String(20))
    comparison: Mapped[str] = mapped_column(String(20))
    # Required unless comparison is outside_forecast; MXN for revenue, a ratio for rates.
    threshold: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    window_hours: Mapped[int] = mapped_column(Integer)
    cooldown_minutes: Mapped[int] = mapped_column(Integer)
    # {"roles": [...], "userIds": [...]}: staff who receive each firing.
    recipients: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    last_evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The outcome of the last evaluation: status, observed value, bounds or why it was skipped.
    last_evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class KpiAlertFiring(Base):
    """A rule that fired: the value seen, what it was compared with, and who was notified."""

    __tablename__ = "kpi_alert_firings"
    __table_args__ = (Index("ix_kpi_alert_firings_rule_fired", "rule_id", "fired_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    rule_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("kpi_alerts.id", ondelete="CASCADE")
    )
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    threshold: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    lower_bound: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    upper_bound: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
