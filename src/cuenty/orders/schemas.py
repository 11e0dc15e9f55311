"""Request and response bodies of the orders API (camelCase on the wire)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from cuenty.kit.api import ApiModel, RequestModel
from cuenty.kit.money import Money
from cuenty.orders.models import Order, OrderItem, OrderTransition

OrderStateField = Literal[
    "pending_payment", "paid", "fulfilling", "delivered", "cancelled", "expired", "refunded"
]
PaymentStateField = Literal["unpaid", "paid", "refunded"]
MAX_ITEMS = 20


class OrderItemIn(RequestModel):
    plan_id: uuid.UUID | None = None
    bundle_id: uuid.UUID | None = None
    quantity: int = Field(default=1, ge=1, le=10)

    @model_validator(mode="after")
    def _one_product(self) -> OrderItemIn:
        if (self.plan_id is None) == (self.bundle_id is None):
            raise PydanticCustomError("plan_or_bundle", "give planId or bundleId, not both")
        return self


class OrderCreate(RequestModel):
    items: list[OrderItemIn] = Field(min_length=1, max_length=MAX_ITEMS)
    promotion_code: str | None = Field(default=None, min_length=1, max_length=40)


class CancelRequest(RequestModel):
    reason: str | None = Field(default=None, max_length=200)


class ConfirmPayment(RequestModel):
    reason: str = Field(
        min_length=3,
        max_length=200,
        description="Cómo se confirmó el pago (por ejemplo, folio del depósito)",
    )


class OrderItemOut(ApiModel):
    id: uuid.UUID
    plan_id: uuid.UUID | None = None
    bundle_id: uuid.UUID | None = None
    description: str
    quantity: int
    unit_price: Money
    subtotal: Money
    discount: Money
    iva: Money
    total: Money


class StaffOrderItemOut(OrderItemOut):
    cost: Money
    profit: Money


class TransitionOut(ApiModel):
    from_state: str | None = None
    to_state: str
    actor_type: str
    actor_id: uuid.UUID | None = None
    reason: str | None = None
    created_at: datetime


class OrderOut(ApiModel):
    id: uuid.UUID
    number: str = Field(examples=["CTY-20261204-K7M2QX"])
    user_id: uuid.UUID
    kind: Literal["new", "renewal"]
    renews_subscription_id: uuid.UUID | None = None
    state: OrderStateField
    payment_state: PaymentStateField
    promotion_code: str | None = None
    items: list[OrderItemOut]
    subtotal: Money = Field(description="Importe antes de descuento, sin IVA")
    discount: Money = Field(description="Descuento, sin IVA")
    iva: Money
    total: Money = Field(description="subtotal - discount + iva")
    currency: Literal["MXN"] = "MXN"
    payment_expires_at: datetime
    paid_at: datetime | None = None
    delivered_at: datetime | None = None
    created_at: datetime
    history: list[TransitionOut] | None = Field(
        default=None, description="Cada cambio de estado (solo en el detalle)"
    )

    @classmethod
    def of(
        cls,
        order: Order,
        items: list[OrderItem],
        history: list[OrderTransition] | None = None,
        *,
        staff: bool = False,
    ) -> OrderOut:
        item_model = StaffOrderItemOut if staff else OrderItemOut
        model = StaffOrderOut if staff else OrderOut
        values = {
            column: getattr(order, column)
            for column in model.model_fields
            if column not in {"items", "history", "currency"}
        }
        transitions = None
        if history is not None:
            transitions = [
                TransitionOut.model_validate(row).model_copy(
                    # Staff reasons are internal notes (a deposit folio, say).
                    update={} if staff else {"actor_id": None, "reason": None}
                )
                for row in history
            ]
        return model(
            **values,
            items=[item_model.model_validate(item) for item in items],
            history=transitions,
        )


class StaffOrderOut(OrderOut):
    cost: Money
    profit: Money
    items: list[StaffOrderItemOut]  # type: ignore[assignment]


class OrderFilters(ApiModel):
    state: OrderStateField | None = None
    payment_state: PaymentStateField | None = None
    user_id: uuid.UUID | None = None
    created_from: date | None = None
    created_to: date | None = None
