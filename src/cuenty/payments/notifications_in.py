"""Routes that receive deposits from the outside: bank notifications and STP's abonos.

Nothing is stored before the sender is authenticated. A rejected request leaves one security
log line and nothing else.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import structlog
from fastapi import Request
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.clock import business_date, utc_now
from cuenty.kit.deps import DbSession
from cuenty.kit.errors import MalformedJsonError, ValidationFailedError
from cuenty.kit.i18n import N_
from cuenty.kit.net import client_ip, is_trusted_proxy
from cuenty.mexico.clabe import InvalidClabe, validate_clabe
from cuenty.payments import signatures, stp_deposits
from cuenty.payments.errors import (
    BadSignatureError,
    JsonObjectExpectedError,
    SourceNotAllowedError,
    field_rejected,
)
from cuenty.payments.models import (
    BankWebhook,
    OrderClabe,
    ReceivedTransfer,
    TransferSource,
    TransferState,
)
from cuenty.payments.reconciliation import mark_returned, receive
from cuenty.payments.settings import PaymentSettings, payment_settings
from cuenty.payments.transfers import (
    TRACKING_KEY_LENGTH,
    IncomingTransfer,
    find_existing,
    has_control_characters,
    normalize_reference,
    parse_amount,
    store,
)

router = api_router(prefix="/v1/payments/webhooks", tags=["payments"])
security_log = structlog.get_logger("cuenty.security")

CREDIT_TYPES = frozenset({"payment_confirmation", "payment_received", "deposit"})
RETURN_TYPES = frozenset({"payment_returned", "payment_return", "deposit_returned"})
# The only type the body `signature` may sign: it covers `payload` and not `webhook_type`,
# so a body-signed document could be replayed under another type.
BODY_SIGNED_TYPE = "payment_confirmation"
# Widths of the `bank_webhooks` columns; longer values are rejected, never cut.
TRANSACTION_ID_LENGTH = 80
WEBHOOK_TYPE_LENGTH = 40
UNLINKED_RETURN = N_("A return that links to no stored deposit.")


@router.post(
    "/bank",
    summary="Notificación firmada de un banco (HMAC-SHA256 por banco)",
    responses=problem_responses(400, 401, 422),
)
async def bank_notification(request: Request, session: DbSession) -> dict[str, Any]:
    raw = await request.body()
    settings = payment_settings(request.app.state)
    document = _parse_object(raw)
    bank_code = str(document.get("bank_code") or "").upper()
    _authenticate_bank(request, settings, bank_code, raw, document)
    payload = document.get("payload")
    if not isinstance(payload, dict):
        raise _field_error("/payload", "missing")
    _reject_control_characters(document, "")
    values = json.loads(raw, parse_float=Decimal)["payload"]
    webhook_type = _limited("/webhook_type", document.get("webhook_type"), WEBHOOK_TYPE_LENGTH)
    transaction_id = _limited(
        "/payload/transaction_id", payload.get("transaction_id"), TRANSACTION_ID_LENGTH
    )
    if not transaction_id:
        raise _field_error("/payload/transaction_id", "missing")
    now = utc_now()
    record, first = await _record_webhook(
        session, bank_code, webhook_type or "", transaction_id, payload, now
    )
    if first:
        await _apply_bank(session, record, values, settings, now)
    return {"received": True, "result": record.result, "transferId": record.transfer_id}


@router.post(
    "/stp",
    summary="Abono de STP: confirmar o devolver, según la configuración",
    responses=problem_responses(400, 401, 422),
)
async def stp_notification(request: Request, session: DbSession) -> dict[str, Any]:
    settings = payment_settings(request.app.state)
    _authenticate_stp(request, settings)
    raw = await request.body()
    try:
        document = stp_deposits.parse_json(raw)
    except ValueError as error:
        raise _json_error(raw, error) from None
    if not isinstance(document, dict):
        raise JsonObjectExpectedError()
    now = utc_now()
    incoming = stp_deposits.from_notification(document, now)
    _check_company(settings, document)
    known = await find_existing(session, incoming)
    if known is not None:
        # A retry: repeat the first response, whatever the settings or the order are now.
        return _stp_response(known)
    return_cause = await _stp_return_cause(session, settings, incoming)
    if return_cause is not None:
        # Kept as returned with its cause, so a retry gets the same response.
        await store(session, replace(incoming, returned=True, return_cause=return_cause), now)
        security_log.info(
            "stp deposit returned", cause=return_cause, provider_id=incoming.provider_id
        )
        return {"mensaje": "devolver", "id": return_cause}
    stored = await receive(
        session, incoming, tolerance=settings.amount_tolerance, now=now, match=True
    )
    return {"mensaje": "confirmar", "transferId": stored.transfer.id}


def _stp_response(transfer: ReceivedTransfer) -> dict[str, Any]:
    """Return the response STP got for a stored deposit: a returned one is returned again.

    A deposit returned some other way (a statement reversal, an STP list entry in state D)
    has no cause of ours to repeat, so its receipt is confirmed.
    """
    if transfer.state == TransferState.RETURNED.value and transfer.return_cause is not None:
        return {"mensaje": "devolver", "id": transfer.return_cause}
    return {"mensaje": "confirmar", "transferId": transfer.id}


def _check_company(settings: PaymentSettings, document: Mapping[str, Any]) -> None:
    if settings.stp_company is None:
        return
    company = stp_deposits.normalize_names(document).get("empresa")
    if str(company or "").strip() != settings.stp_company:
        raise stp_deposits.company_rejected(settings.stp_company)


def _parse_object(raw: bytes) -> dict[str, Any]:
    """Parse the body as a JSON object whose numbers all fit a float.

    NaN, Infinity and numbers that overflow a float are rejected, because the JSON column
    that keeps the payload cannot store them.
    """
    try:
        document = json.loads(raw, parse_float=_finite_float, parse_constant=_no_constant)
    except ValueError as error:
        raise _json_error(raw, error) from None
    if not isinstance(document, dict):
        raise JsonObjectExpectedError()
    return document


def _json_error(raw: bytes, error: ValueError) -> MalformedJsonError | JsonObjectExpectedError:
    if not raw.strip():
        return JsonObjectExpectedError()
    position = error.pos if isinstance(error, json.JSONDecodeError) else "-"
    return MalformedJsonError(params={"position": position})


def _reject_control_characters(value: Any, pointer: str) -> None:
    """Raise a 422 at the first key or text value that contains a control character."""
    if isinstance(value, str) and has_control_characters(value):
        raise _field_error(pointer, "control_characters")
    if isinstance(value, dict):
        for key, item in value.items():
            _reject_control_characters(key, pointer)
            _reject_control_characters(item, f"{pointer}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _reject_control_characters(item, f"{pointer}/{index}")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:20]}")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _authenticate_bank(
    request: Request,
    settings: PaymentSettings,
    bank_code: str,
    raw: bytes,
    document: Mapping[str, Any],
) -> None:
    secret = settings.bank_secret(bank_code) if bank_code else None
    header = request.headers.get(signatures.HEADER)
    try:
        if secret is None:
            raise signatures.SignatureRejected("no secret for this bank")
        if header:
            signatures.verify_header(
                secret,
                header,
                raw,
                now=time.time(),
                tolerance_seconds=settings.bank_webhook_tolerance_seconds,
            )
        elif isinstance(document.get("signature"), str):
            if document.get("webhook_type") != BODY_SIGNED_TYPE:
                raise signatures.SignatureRejected("body signature used for another type")
            signatures.verify_payload(secret, document.get("payload"), document["signature"])
        else:
            raise signatures.SignatureRejected("no signature")
    except signatures.SignatureRejected as rejection:
        security_log.warning(
            "bank notification rejected",
            bank_code=bank_code[:20] or None,
            reason=str(rejection),
            ip=client_ip(request, request.app.state.settings.trusted_proxies),
        )
        raise BadSignatureError() from None


def _authenticate_stp(request: Request, settings: PaymentSettings) -> None:
    address = client_ip(request, request.app.state.settings.trusted_proxies)
    by_address = settings.allows_stp_address(
        address, production=request.app.state.settings.is_production
    )
    # The gateway sets this header after verifying STP's client certificate, so it is
    # believed only on a connection from an address or network of CUENTY_TRUSTED_PROXIES.
    peer = request.client.host if request.client else ""
    from_proxy = is_trusted_proxy(peer, request.app.state.settings.trusted_proxies)
    by_certificate = from_proxy and (
        request.headers.get(settings.stp_mtls_header, "").upper() == "SUCCESS"
    )
    allowed = {
        "ip": by_address,
        "mtls": by_certificate,
        "ip_and_mtls": by_address and by_certificate,
        "ip_or_mtls": by_address or by_certificate,
    }[settings.stp_auth]
    if not allowed:
        security_log.warning("stp notification rejected", ip=address, mode=settings.stp_auth)
        raise SourceNotAllowedError()


async def _stp_return_cause(
    session: AsyncSession, settings: PaymentSettings, incoming: IncomingTransfer
) -> int | None:
    """Return STP's return cause when the settings send this deposit back, else None."""
    if not (settings.stp_return_unknown_account or settings.stp_return_closed_order):
        return None
    from cuenty.orders.models import Order, OrderState

    row = (
        await session.execute(
            select(Order.state)
            .join(OrderClabe, OrderClabe.order_id == Order.id)
            .where(OrderClabe.clabe == incoming.beneficiary_account)
        )
    ).first()
    if row is None:
        return settings.stp_return_cause_unknown if settings.stp_return_unknown_account else None
    if settings.stp_return_closed_order and row.state in (
        OrderState.CANCELLED.value,
        OrderState.EXPIRED.value,
    ):
        return settings.stp_return_cause_closed
    return None


async def _record_webhook(
    session: AsyncSession,
    bank_code: str,
    webhook_type: str,
    transaction_id: str,
    payload: dict[str, Any],
    now: datetime,
) -> tuple[BankWebhook, bool]:
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = await session.scalar(
        insert(BankWebhook)
        .values(
            bank_code=bank_code[:20],
            webhook_type=webhook_type,
            transaction_id=transaction_id,
            payload=payload,
            result="processing",
            received_at=now,
        )
        .on_conflict_do_nothing(index_elements=["bank_code", "webhook_type", "transaction_id"])
        .returning(BankWebhook.id)
    )
    record = await session.scalar(
        select(BankWebhook).where(
            BankWebhook.bank_code == bank_code[:20],
            BankWebhook.webhook_type == webhook_type,
            BankWebhook.transaction_id == transaction_id,
        )
    )
    assert record is not None
    return record, inserted is not None


async def _apply_bank(
    session: AsyncSession,
    record: BankWebhook,
    values: Mapping[str, Any],
    settings: PaymentSettings,
    now: datetime,
) -> None:
    kind = record.webhook_type
    if kind in RETURN_TYPES:
        await _apply_bank_return(session, record, _bank_incoming(record, values, now), now)
    elif kind in CREDIT_TYPES:
        incoming = _bank_incoming(record, values, now)
        stored = await receive(session, incoming, tolerance=settings.amount_tolerance, now=now)
        record.transfer_id = stored.transfer.id
        record.result = stored.transfer.state if stored.created else "duplicate"
    else:
        record.result = "ignored"
    await session.flush()


async def _apply_bank_return(
    session: AsyncSession, record: BankWebhook, incoming: IncomingTransfer, now: datetime
) -> None:
    """Undo the credit of the deposit this return names, or keep the return for review.

    The deposit is the transfer with the return's SPEI key (tracking key, operation date,
    sending institution), else the one this bank reported under the same transaction id.
    """
    deposit = await find_existing(session, incoming)
    if deposit is None:
        deposit = await session.scalar(
            select(ReceivedTransfer).where(
                ReceivedTransfer.natural_key == f"bank|{record.bank_code}|{record.transaction_id}"
            )
        )
    if deposit is None:
        # NOTE: stored under the return's own key; a deposit reported later under the same
        # SPEI key would be taken as this row.
        stored = await store(session, replace(incoming, review_reason=UNLINKED_RETURN), now)
        record.transfer_id = stored.transfer.id
        record.result = TransferState.REVIEW.value
        return
    if deposit.state != TransferState.RETURNED.value:
        await mark_returned(session, deposit, now=now, reason="returned to the payer")
    record.transfer_id = deposit.id
    record.result = TransferState.RETURNED.value


def _bank_incoming(
    record: BankWebhook, values: Mapping[str, Any], now: datetime
) -> IncomingTransfer:
    amount = _money(values.get("amount"))
    operation = values.get("operation_date")
    try:
        operation_date = (
            datetime.strptime(str(operation), "%Y-%m-%d").date()
            if operation
            else business_date(now)
        )
    except ValueError:
        raise _field_error("/payload/operation_date", "date_invalid") from None
    return IncomingTransfer(
        source=TransferSource.BANK_NOTIFICATION,
        amount=amount,
        operation_date=operation_date,
        received_at=now,
        tracking_key=_limited(
            "/payload/tracking_key",
            values.get("tracking_key") or values.get("clave_rastreo"),
            TRACKING_KEY_LENGTH,
        ),
        sender_institution=_institution(values.get("sender_institution")),
        beneficiary_account=_clabe(values.get("clabe") or values.get("account")),
        numeric_reference=normalize_reference(values.get("reference")),
        concept=_optional(values.get("concept")),
        sender_name=_optional(values.get("sender_name")),
        sender_account=_optional(values.get("sender_account")),
        provider_id=record.transaction_id,
        source_key=f"bank|{record.bank_code}|{record.transaction_id}",
    )


def _money(value: Any) -> Decimal:
    amount = parse_amount(value)
    if amount is None:
        raise _field_error("/payload/amount", "amount_invalid")
    return amount


def _clabe(value: Any) -> str | None:
    text = _optional(value)
    if text is None:
        return None
    try:
        return validate_clabe(text)
    except InvalidClabe:
        raise _field_error("/payload/clabe", "clabe_invalid") from None


def _institution(value: Any) -> str | None:
    text = _optional(value)
    if text is not None and not (text.isascii() and text.isdigit() and len(text) <= 5):
        raise _field_error("/payload/sender_institution", "institution_invalid")
    return text


def _limited(pointer: str, value: Any, length: int) -> str | None:
    text = _optional(value)
    if text is not None and len(text) > length:
        raise field_rejected("too_long", pointer, length=str(length))
    return text


def _optional(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _field_error(pointer: str, rule: str) -> ValidationFailedError:
    return field_rejected(rule, pointer)
