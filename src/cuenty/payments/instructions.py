"""Issuing payment instructions for an order: SPEI to the order's CLABE, or a CoDi request.

Asking again for the same order and method returns the live instructions unchanged, so a
customer who reloads the page never sees a second CLABE or reference.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.identity.access import Principal
from cuenty.kit import jobs
from cuenty.kit.i18n import Label
from cuenty.kit.money import format_mxn
from cuenty.mexico.clabe import bank_name
from cuenty.orders import service as orders
from cuenty.orders.models import Order, OrderState
from cuenty.orders.states import STATE_LABELS
from cuenty.payments import codi, ledger
from cuenty.payments.clabes import order_clabe
from cuenty.payments.errors import (
    OrderNotPayableError,
    SpeiNotConfiguredError,
    field_rejected,
)
from cuenty.payments.models import OPEN_REQUEST_STATES, Method, PaymentRequest, RequestState
from cuenty.payments.settings import DEMO_CLABE_PREFIX, PaymentSettings

CONCEPT_LENGTH = 39
_NOT_CONCEPT = re.compile(r"[^A-Za-z0-9 .,\-/]")


@dataclass(frozen=True)
class Issuer:
    """Inputs of issuing besides the database: settings, the company name, the mode."""

    settings: PaymentSettings
    company_name: str
    production: bool
    locale: str = "es-MX"
    codi_provider: codi.CodiProvider | None = None

    @property
    def clabe_prefix(self) -> str:
        if self.settings.clabe_prefix:
            return self.settings.clabe_prefix
        if self.production:
            raise SpeiNotConfiguredError()
        return DEMO_CLABE_PREFIX

    @property
    def beneficiary(self) -> str:
        return self.settings.beneficiary or self.company_name


@dataclass(frozen=True)
class Issued:
    request: PaymentRequest
    created: bool


async def issue(
    session: AsyncSession,
    issuer: Issuer,
    *,
    order_id: uuid.UUID,
    amount: Decimal,
    method: Method,
    principal: Principal,
    now: datetime,
) -> Issued:
    """Return live instructions for the order's balance, creating them when there are none."""
    await orders.get_order(session, order_id, principal)  # 404 unless owner or staff
    order = (await orders.lock_for_payment(session, [order_id]))[order_id]
    if order.state != OrderState.PENDING_PAYMENT.value:
        raise _not_payable(order.state)
    if order.payment_expires_at <= now:
        raise _not_payable(OrderState.EXPIRED.value)
    balance = await ledger.outstanding(session, order)
    if amount != balance:
        raise field_rejected("amount_mismatch", "/amount", balance=format_mxn(balance))
    live = await _live_request(session, order.id, method, balance, now)
    if live is not None:
        return Issued(live, created=False)
    request = await _create(session, issuer, order, method, balance, now)
    await _announce(session, order, request)
    return Issued(request, created=True)


def _not_payable(state: str) -> OrderNotPayableError:
    return OrderNotPayableError(params={"state": Label(STATE_LABELS[state])})


def concept_for(order_number: str) -> str:
    """Return the transfer concept: plain ASCII, at most 39 characters, as SPEI requires."""
    return ascii_concept(f"Pago {order_number}")


def ascii_concept(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(_NOT_CONCEPT.sub(" ", folded).split())[:CONCEPT_LENGTH]


async def _live_request(
    session: AsyncSession, order_id: uuid.UUID, method: Method, balance: Decimal, now: datetime
) -> PaymentRequest | None:
    requests = await session.scalars(
        select(PaymentRequest)
        .where(
            PaymentRequest.order_id == order_id,
            PaymentRequest.method == method.value,
            PaymentRequest.state.in_(OPEN_REQUEST_STATES),
        )
        .order_by(PaymentRequest.created_at.desc())
    )
    for request in requests.all():
        if request.expires_at > now and request.amount - request.amount_paid == balance:
            return request
        # Expired, or the balance changed since: new instructions replace it.
        expired = request.expires_at <= now
        request.state = (RequestState.EXPIRED if expired else RequestState.CANCELLED).value
    return None


async def _create(
    session: AsyncSession,
    issuer: Issuer,
    order: Order,
    method: Method,
    balance: Decimal,
    now: datetime,
) -> PaymentRequest:
    account = await order_clabe(
        session, order_id=order.id, user_id=order.user_id, prefix=issuer.clabe_prefix
    )
    window = issuer.settings.spei_window if method is Method.SPEI else issuer.settings.codi_window
    request = PaymentRequest(
        order_id=order.id,
        user_id=order.user_id,
        method=method.value,
        state=RequestState.PENDING.value,
        clabe=account.clabe,
        reference=account.reference,
        amount=balance,
        amount_paid=Decimal("0.00"),
        bank_name=bank_name(account.clabe),
        beneficiary=issuer.beneficiary[:120],
        concept=concept_for(order.number),
        expires_at=min(now + window, order.payment_expires_at),
        created_at=now,
    )
    if method is Method.CODI:
        await _attach_qr(request, issuer)
    session.add(request)
    await session.flush()
    return request


async def _attach_qr(request: PaymentRequest, issuer: Issuer) -> None:
    charge_request = codi.ChargeRequest(
        amount=request.amount,
        reference=request.reference,
        concept=request.concept,
        clabe=request.clabe,
        beneficiary=request.beneficiary,
        expires_at=request.expires_at,
    )
    if issuer.codi_provider is None:
        request.qr_content = codi.transfer_text(charge_request, request.bank_name, issuer.locale)
        return
    charge = await issuer.codi_provider.create_charge(charge_request)
    request.codi_provider = issuer.codi_provider.name
    request.codi_provider_id = charge.provider_id
    request.qr_content = charge.payload


async def _announce(session: AsyncSession, order: Order, request: PaymentRequest) -> None:
    await jobs.publish(
        session,
        "payment.instructions_issued",
        {
            "paymentId": request.id,
            "orderId": order.id,
            "orderNumber": order.number,
            "userId": order.user_id,
            "method": request.method,
            "reference": request.reference,
            "clabe": request.clabe,
            "bankName": request.bank_name,
            "beneficiary": request.beneficiary,
            "concept": request.concept,
            "amount": str(request.amount),
            "expiresAt": request.expires_at.isoformat(),
        },
    )
