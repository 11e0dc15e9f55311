"""Issuing payment instructions for an order: SPEI to the order's CLABE, or a CoDi request.

Asking again for the same order and method returns the live instructions unchanged, so a
customer who reloads the page never gets a second CLABE or reference.

A CoDi provider is called before the order's row is locked, from an unlocked read of the
order: a slow provider must not hold up the deposits and expiry jobs that lock the order.
The locked step then checks that the charge still fits the order.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
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
from cuenty.payments.models import (
    OPEN_REQUEST_STATES,
    Method,
    OrderClabe,
    PaymentRequest,
    RequestState,
)
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
    unlocked = await orders.get_order(session, order_id, principal)  # 404 unless owner or staff
    charge = None
    if method is Method.CODI and issuer.codi_provider is not None:
        charge = await _charge_before_lock(session, issuer, unlocked, amount, now)
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
    request = await _create(session, issuer, order, method, balance, now, charge)
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


@dataclass(frozen=True)
class _Charge:
    """A provider's charge and the request it was issued for."""

    request: codi.ChargeRequest
    answer: codi.CodiCharge


async def _charge_before_lock(
    session: AsyncSession, issuer: Issuer, order: Order, amount: Decimal, now: datetime
) -> _Charge | None:
    """Call the CoDi provider with what an unlocked read of the order gives.

    Returns None when no charge is due: the order does not take this payment (the locked step
    raises the error) or it already has live CoDi instructions.
    """
    if order.state != OrderState.PENDING_PAYMENT.value or order.payment_expires_at <= now:
        return None
    balance = await ledger.outstanding(session, order)
    if amount != balance or await _has_live_request(session, order.id, balance, now):
        return None
    account = await _allocate_clabe(session, issuer, order)
    request = _charge_request(issuer, order, account.clabe, account.reference, balance, now)
    assert issuer.codi_provider is not None
    return _Charge(request, await issuer.codi_provider.create_charge(request))


async def _has_live_request(
    session: AsyncSession, order_id: uuid.UUID, balance: Decimal, now: datetime
) -> bool:
    requests = await session.scalars(
        select(PaymentRequest).where(
            PaymentRequest.order_id == order_id,
            PaymentRequest.method == Method.CODI.value,
            PaymentRequest.state.in_(OPEN_REQUEST_STATES),
            PaymentRequest.expires_at > now,
        )
    )
    return any(row.amount - row.amount_paid == balance for row in requests.all())


async def _allocate_clabe(session: AsyncSession, issuer: Issuer, order: Order) -> OrderClabe:
    """Return the order's CLABE; a concurrent first allocation for the order wins the race.

    NOTE: inserting the CLABE row takes PostgreSQL's key-share lock on the order row until
    the transaction ends, so the first issuance of an order still holds back a `FOR UPDATE`
    of that order during the provider call. Later issuances find the CLABE and lock nothing.
    """
    try:
        async with session.begin_nested():
            return await order_clabe(
                session, order_id=order.id, user_id=order.user_id, prefix=issuer.clabe_prefix
            )
    except IntegrityError:
        found = await session.scalar(select(OrderClabe).where(OrderClabe.order_id == order.id))
        assert found is not None, "the unique order_id conflict leaves the other row"
        return found


def _charge_request(
    issuer: Issuer,
    order: Order,
    clabe: str,
    reference: str,
    balance: Decimal,
    now: datetime,
) -> codi.ChargeRequest:
    return codi.ChargeRequest(
        amount=balance,
        reference=reference,
        concept=concept_for(order.number),
        clabe=clabe,
        beneficiary=issuer.beneficiary[:120],
        expires_at=min(now + issuer.settings.codi_window, order.payment_expires_at),
    )


async def _create(
    session: AsyncSession,
    issuer: Issuer,
    order: Order,
    method: Method,
    balance: Decimal,
    now: datetime,
    charge: _Charge | None = None,
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
        await _attach_qr(request, issuer, charge)
    session.add(request)
    await session.flush()
    return request


async def _attach_qr(request: PaymentRequest, issuer: Issuer, charge: _Charge | None) -> None:
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
    if charge is not None and charge.request == charge_request:
        answer = charge.answer
    else:
        # The order changed between the unlocked read and the lock (rare): charge again,
        # this time while holding the lock.
        answer = await issuer.codi_provider.create_charge(charge_request)
    request.codi_provider = issuer.codi_provider.name
    request.codi_provider_id = answer.provider_id
    request.qr_content = answer.payload


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
