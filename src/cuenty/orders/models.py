"""Tables of orders: the order with its totals, its items and every state change."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from cuenty.kit.db import Base, UTCDateTime, created_at_column, updated_at_column

MONEY = Numeric(12, 2)


class OrderState(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    FULFILLING = "fulfilling"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REFUNDED = "refunded"


class PaymentState(StrEnum):
    UNPAID = "unpaid"
    PAID = "paid"
    REFUNDED = "refunded"


class OrderKind(StrEnum):
    NEW = "new"
    RENEWAL = "renewal"


class Order(Base):
    """A customer's purchase. Amounts follow the CFDI convention: total = subtotal - discount
    + iva; cost and profit are for staff only."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("total >= 0", name="total_not_negative"),
        CheckConstraint("discount >= 0", name="discount_not_negative"),
        Index("ix_orders_state_payment_expires_at", "state", "payment_expires_at"),
        Index("ix_orders_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16), default=OrderKind.NEW.value)
    # For a renewal order, the subscription it extends.
    renews_subscription_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    state: Mapped[str] = mapped_column(String(20), default=OrderState.PENDING_PAYMENT.value)
    payment_state: Mapped[str] = mapped_column(String(12), default=PaymentState.UNPAID.value)
    promotion_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("catalog_promotions.id", ondelete="RESTRICT")
    )
    promotion_code: Mapped[str | None] = mapped_column(String(40))
    subtotal: Mapped[Decimal] = mapped_column(MONEY)
    discount: Mapped[Decimal] = mapped_column(MONEY)
    iva: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)
    cost: Mapped[Decimal] = mapped_column(MONEY)
    profit: Mapped[Decimal] = mapped_column(MONEY)
    payment_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class OrderItem(Base):
    """One line: a plan or a bundle, with its quantity and its share of the order's totals."""

    __tablename__ = "order_items"
    __table_args__ = (
        CheckConstraint("quantity BETWEEN 1 AND 10", name="quantity_range"),
        CheckConstraint("(plan_id IS NULL) <> (bundle_id IS NULL)", name="plan_or_bundle"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("catalog_plans.id", ondelete="RESTRICT"), index=True
    )
    bundle_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("catalog_bundles.id", ondelete="RESTRICT"), index=True
    )
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    subtotal: Mapped[Decimal] = mapped_column(MONEY)
    discount: Mapped[Decimal] = mapped_column(MONEY)
    iva: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)
    cost: Mapped[Decimal] = mapped_column(MONEY)
    profit: Mapped[Decimal] = mapped_column(MONEY)


class OrderTransition(Base):
    """One state change of an order: from, to, who or what caused it, and when."""

    __tablename__ = "order_transitions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    # "user", "staff", "system" or "job"; actor_id is the user for the first two.
    actor_type: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()
