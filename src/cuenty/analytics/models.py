"""Tables of analytics: raw events, browser sessions and per-user aggregates.

`analytics_events` contains what clients report (page views, clicks) and what the platform
itself records through the job system (signups, orders, payments, activations, returns), so
revenue never depends on a client. Every row carries the Mexican state it counts for, or
"unknown", and the Mexico City date it belongs to, so rollups group without time-zone math.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    Index,
    Integer,
    Numeric,
    String,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from cuenty.kit.db import Base, UTCDateTime, created_at_column, updated_at_column

MONEY = Numeric(12, 2)
# BIGINT identity on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
ROW_ID = BigInteger().with_variant(Integer, "sqlite")

UNKNOWN_STATE = "unknown"
"""`state_code` of an event whose user has no usable postal code, or no user at all."""


class Source(StrEnum):
    CLIENT = "client"  # sent to POST /v1/analytics/events
    PLATFORM = "platform"  # recorded by the platform from its own business events


class EventType(StrEnum):
    """Event types the funnel and the revenue figures read; clients may send others."""

    PAGE_VIEW = "page_view"
    SIGNUP = "signup"
    ORDER_CREATED = "order_created"
    PAYMENT = "payment"
    PAYMENT_RETURNED = "payment_returned"
    ACTIVATION = "activation"


class AnalyticsEvent(Base):
    """One tracked event, stored once per `event_id`."""

    __tablename__ = "analytics_events"
    __table_args__ = (
        CheckConstraint("source IN ('client', 'platform')", name="source"),
        Index("ix_analytics_events_occurred_at", "occurred_at"),
        Index("ix_analytics_events_user_occurred", "user_id", "occurred_at"),
        Index("ix_analytics_events_type_day", "event_type", "local_date"),
        # The rollup refresh finds new events by arrival and recomputes them by day.
        Index("ix_analytics_events_received_at", "received_at"),
        Index("ix_analytics_events_local_date", "local_date"),
    )

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True, autoincrement=True)
    # The client's eventId when it sent one, else a new UUID; duplicates are dropped on it.
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    source: Mapped[str] = mapped_column(String(10))
    event_type: Mapped[str] = mapped_column(String(40))
    event_name: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    anonymous_id: Mapped[str | None] = mapped_column(String(64), index=True)
    session_id: Mapped[str | None] = mapped_column(String(64))
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    page_url: Mapped[str | None] = mapped_column(String(2048))
    referrer: Mapped[str | None] = mapped_column(String(2048))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = created_at_column()
    local_date: Mapped[date] = mapped_column(Date)
    device: Mapped[str | None] = mapped_column(String(16))
    browser: Mapped[str | None] = mapped_column(String(40))
    os: Mapped[str | None] = mapped_column(String(40))
    state_code: Mapped[str] = mapped_column(String(8), default=UNKNOWN_STATE)
    # Platform events only: the MXN amount (negative for a return) and what it paid for.
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    service_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class AnalyticsSession(Base):
    """A browser session as its events describe it: first and last event time."""

    __tablename__ = "analytics_sessions"

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    anonymous_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_event_at: Mapped[datetime] = mapped_column(UTCDateTime)
    events: Mapped[int] = mapped_column(Integer, default=0)


class IdentityLink(Base):
    """An anonymous visitor who later signed in: their earlier visits count as that user's."""

    __tablename__ = "analytics_identity_links"

    anonymous_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    linked_at: Mapped[datetime] = created_at_column()


class UserBehavior(Base):
    """Per-user aggregates, updated as each event is stored."""

    __tablename__ = "user_behavior"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    events: Mapped[int] = mapped_column(Integer, default=0)
    conversions: Mapped[int] = mapped_column(Integer, default=0)
    # Sum of session lengths (last event minus first) in seconds; average = total / sessions.
    total_time_on_site_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    first_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_session_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = updated_at_column()
