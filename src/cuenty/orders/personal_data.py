"""Orders in privacy requests: exported in full, kept for their fiscal retention period.

Orders are the basis of invoices (CFDI) and accounting records, which the Código Fiscal de
la Federación (art. 30) requires keeping for five years, so a cancellation blocks them and
they are not deleted. They hold no personal field of their own beyond the customer's id;
identity anonymises the customer.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance.registry import personal_data
from cuenty.kit.actor import Actor
from cuenty.orders import service
from cuenty.orders.models import Order, OrderState
from cuenty.orders.schemas import OrderOut


@personal_data(
    "orders",
    fiscal=True,
    retention=timedelta(days=5 * 365),
    retention_reason="Código Fiscal de la Federación, art. 30: registros contables y CFDI",
)
class OrderData:
    async def export(self, session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
        orders = await session.scalars(
            select(Order).where(Order.user_id == user_id).order_by(Order.created_at)
        )
        exported = []
        for order in orders:
            items = await service.order_items(session, order.id)
            history = await service.order_history(session, order.id)
            view = OrderOut.of(order, items, history)
            exported.append(view.model_dump(mode="json", by_alias=True, exclude_none=True))
        return {"orders": exported}

    async def block(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Stop processing: cancel the orders still waiting for payment."""
        pending = await session.scalars(
            select(Order).where(
                Order.user_id == user_id, Order.state == OrderState.PENDING_PAYMENT.value
            )
        )
        for order in pending:
            await service.cancel_order(session, order, Actor.system(), "privacy cancellation")

    async def unblock(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Leave the orders that the block cancelled as they are: a cancelled order is final
        (its payment reference expired with it), so the customer places a new order."""

    async def suppress(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Nothing to remove: orders carry only the customer's id, anonymised by identity."""
