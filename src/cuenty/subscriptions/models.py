"""Tables of subscriptions: a customer's access to an account for a period, its history and
the reminders already sent."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from cuenty.kit.db import Base, UTCDateTime, created_at_column, updated_at_column


class SubscriptionState(StrEnum):
    # Paid, waiting for an account (stock) to be assigned.
    PENDING = "pending"
    ACTIVE = "active"
    # Seven days or fewer left.
    EXPIRING = "expiring"
    EXPIRED = "expired"
    # Auto-renew stopped by the customer; access continues to the end date.
    CANCELLED = "cancelled"
    PAUSED = "paused"


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (
        Index("ix_subscriptions_state_ends_at", "state", "ends_at"),
        Index("ix_subscriptions_user_id_created_at", "user_id", "created_at"),
        Index("ix_subscriptions_awaiting", "service_id", "state", "created_at"),
        # One subscription per unit of an order item, even if fulfilment runs twice.
        UniqueConstraint("order_item_id", "unit"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"))
    order_item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("order_items.id", ondelete="RESTRICT")
    )
    # Which unit of the order item this is (0-based), so fulfilment creates each one once.
    unit: Mapped[int] = mapped_column(Integer)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_services.id"))
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_plans.id"))
    plan_type: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(12), default=SubscriptionState.PENDING.value)
    auto_renew: Mapped[bool] = mapped_column(Boolean, default=True)
    # True while a privacy cancellation block keeps auto-renew off that was on before it,
    # so withdrawing the cancellation turns it back on.
    auto_renew_held: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inventory_accounts.id", ondelete="RESTRICT"), index=True
    )
    profile_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inventory_profiles.id", ondelete="RESTRICT")
    )
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Access left when paused, in seconds, given back on resume.
    paused_remaining_seconds: Mapped[int | None] = mapped_column(Integer)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    renewal_order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class SubscriptionTransition(Base):
    __tablename__ = "subscription_transitions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[str | None] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    actor_type: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()


class SubscriptionReminder(Base):
    """A reminder sent: unique per subscription, period end and kind (7, 3, 1 or 0 days)."""

    __tablename__ = "subscription_reminders"
    __table_args__ = (UniqueConstraint("subscription_id", "period_ends_at", "days_before"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE")
    )
    period_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    days_before: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at_column()
