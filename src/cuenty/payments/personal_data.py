"""Payments in privacy requests: exported in full, kept for their fiscal retention period.

Payment instructions, received transfers and customer credit are accounting records that the
Código Fiscal de la Federación (art. 30) requires keeping for five years, so a cancellation
blocks them and nothing is deleted. A transfer contains the payer's name, account and RFC as
the bank reported them. The payer may be a third party, so the export of the customer whose
order a transfer paid lists its amount, dates, keys and state, and none of the payer's data.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance.registry import personal_data
from cuenty.orders.models import Order
from cuenty.payments.models import (
    OPEN_REQUEST_STATES,
    CustomerCredit,
    PaymentRequest,
    ReceivedTransfer,
    Reconciliation,
    RequestState,
)
from cuenty.payments.schemas import CreditOut, PaymentOut, ReceivedOut


@personal_data(
    "payments",
    fiscal=True,
    retention=timedelta(days=5 * 365),
    retention_reason="Código Fiscal de la Federación, art. 30: registros contables",
)
class PaymentData:
    async def export(self, session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
        requests = await session.scalars(
            select(PaymentRequest)
            .where(PaymentRequest.user_id == user_id)
            .order_by(PaymentRequest.created_at)
        )
        credited = (
            select(Reconciliation.transfer_id)
            .join(Order, Order.id == Reconciliation.order_id)
            .where(Order.user_id == user_id, Reconciliation.undone_at.is_(None))
        )
        transfers = await session.scalars(
            select(ReceivedTransfer)
            .where(ReceivedTransfer.id.in_(credited))
            .order_by(ReceivedTransfer.received_at)
        )
        credits = await session.scalars(
            select(CustomerCredit).where(CustomerCredit.user_id == user_id)
        )
        return {
            "paymentRequests": [_json(PaymentOut.of(row)) for row in requests],
            "receivedTransfers": [_transfer_json(row) for row in transfers],
            "customerCredits": [_json(CreditOut.model_validate(row)) for row in credits],
        }

    async def block(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Stop processing: close the instructions still open (the orders are cancelled too)."""
        await session.execute(
            update(PaymentRequest)
            .where(
                PaymentRequest.user_id == user_id,
                PaymentRequest.state.in_(OPEN_REQUEST_STATES),
            )
            .values(state=RequestState.CANCELLED.value)
        )

    async def unblock(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Closed instructions stay closed; a new order gets new ones."""

    async def suppress(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Nothing to remove before the fiscal period ends: every row is an accounting record."""


def _transfer_json(transfer: ReceivedTransfer) -> dict[str, Any]:
    """Dump a transfer without the sending institution, which names the payer's bank."""
    data = _json(ReceivedOut.model_validate(transfer))
    data.pop("senderInstitution", None)
    return data


def _json(model: Any) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)
