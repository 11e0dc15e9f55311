"""STP deposits ("abonos"): the notification STP posts for each incoming SPEI transfer, and
the list that STP's "consulta de órdenes recibidas" returns.

Both become `IncomingTransfer`s. STP's older notifications capitalise the field names
(`ClaveRastreo`, `FechaOperacion`, `Clave` for the id); both spellings are read. Amounts are
read from the JSON number's text, never through a float. `fechaOperacion` is the SPEI
operation date, which after the evening cut-off is the next banking day: a deposit settled at
18:02 on 24 August 2023 carries 20230825, and that is the date kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from cuenty.kit.errors import ValidationFailedError
from cuenty.kit.i18n import N_
from cuenty.kit.validation import FieldError
from cuenty.payments.models import TransferSource
from cuenty.payments.transfers import (
    TRACKING_KEY_LENGTH,
    IncomingTransfer,
    has_control_characters,
    normalize_reference,
    parse_amount,
)

# Older capitalised names whose lower-camel form is not the current name.
_RENAMED = {
    "clave": "id",
    "rFCCurpOrdenante": "rfcCurpOrdenante",
    "rfcCURPOrdenante": "rfcCurpOrdenante",
}
REQUIRED = (
    "id",
    "fechaOperacion",
    "institucionOrdenante",
    "claveRastreo",
    "monto",
    "cuentaBeneficiario",
)
# `estado` values of a listed deposit that mean it went back to the payer.
RETURNED_STATES = frozenset({"D", "DEVUELTA"})

RULES = {
    "required": N_("This field is required."),
    "stp_date": N_("Must be an operation date written as YYYYMMDD."),
    "stp_amount": N_("Must be a positive amount with at most two decimals."),
    "stp_institution": N_("Must be the sending institution's numeric code."),
    "stp_timestamp": N_("Must be a time in milliseconds since 1970-01-01 UTC."),
    "stp_too_long": N_("Must be at most {length} characters."),
    "stp_control_characters": N_("Must not contain control characters such as NUL or line breaks."),
    "stp_company": N_("Must be the STP company name this platform is registered as, {company}."),
}
# Maximum length of `cuentaBeneficiario`: a CLABE. Card and phone numbers are shorter.
ACCOUNT_LENGTH = 18


def normalize_names(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Map STP's older capitalised field names to the current ones."""
    normalized: dict[str, Any] = {}
    for name, value in fields.items():
        lower = name[:1].lower() + name[1:]
        normalized.setdefault(_RENAMED.get(lower, lower), value)
    return normalized


def parse_json(raw: bytes) -> Any:
    """Parse STP's JSON keeping every number's exact text as a Decimal."""
    return json.loads(raw, parse_float=Decimal, parse_int=Decimal)


def from_notification(fields: Mapping[str, Any], received_at: datetime) -> IncomingTransfer:
    """Validate one notification; a 422 names every missing or malformed field."""
    data = normalize_names(fields)
    _require(data)
    return _incoming(data, TransferSource.STP_NOTIFICATION, received_at)


def from_list(document: Any, received_at: datetime) -> list[IncomingTransfer]:
    """Return the deposits of a "consulta de órdenes recibidas" response.

    The response is `{"resultado": {"lst": [...]}}`.
    """
    entries = document.get("resultado", {}).get("lst") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError("not an STP list of received orders")
    transfers = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValueError("an entry of the STP list is not an object")
        data = normalize_names(entry)
        # The list names the sender as the counterparty institution.
        data.setdefault("institucionOrdenante", data.get("institucionContraparte"))
        data.setdefault("id", data.get("idEF"))
        _require(data)
        transfers.append(_incoming(data, TransferSource.STP_LIST, received_at))
    return transfers


def looks_like_list(raw: bytes) -> bool:
    head = raw[:4096].lstrip()
    return head.startswith(b"{") and b'"resultado"' in head and b'"lst"' in raw[:65536]


def _require(data: Mapping[str, Any]) -> None:
    """Raise a 422 naming every required field that is absent, null or blank."""
    errors = [
        FieldError(code="required", message=RULES["required"], pointer=f"#/{name}")
        for name in REQUIRED
        if _text(data.get(name)) is None
    ]
    if errors:
        raise ValidationFailedError(params={"count": len(errors)}, errors=errors)


def _incoming(
    data: Mapping[str, Any], source: TransferSource, received_at: datetime
) -> IncomingTransfer:
    _reject_control_characters(data)
    settled = data.get("tsLiquidacion")
    return IncomingTransfer(
        source=source,
        amount=_amount(data.get("monto")),
        operation_date=_operation_date(data.get("fechaOperacion")),
        received_at=received_at,
        tracking_key=_limited("claveRastreo", data.get("claveRastreo"), TRACKING_KEY_LENGTH),
        sender_institution=_institution(data.get("institucionOrdenante")),
        beneficiary_account=_limited(
            "cuentaBeneficiario", data.get("cuentaBeneficiario"), ACCOUNT_LENGTH
        ),
        numeric_reference=normalize_reference(data.get("referenciaNumerica")),
        concept=_text(data.get("conceptoPago")),
        sender_name=_text(data.get("nombreOrdenante")),
        sender_account=_text(data.get("cuentaOrdenante")),
        sender_rfc=_text(data.get("rfcCurpOrdenante")),
        provider_id=_text(data.get("id")),
        codi_folio=_text(data.get("folioCodi")),
        settled_at=_from_millis(settled) if settled not in (None, "") else None,
        returned=str(data.get("estado") or "").upper() in RETURNED_STATES,
    )


def company_rejected(company: str) -> ValidationFailedError:
    """Return the 422 for a notification whose `empresa` is not the configured company."""
    return _invalid("empresa", "stp_company", company=company)


def _reject_control_characters(data: Mapping[str, Any]) -> None:
    for name, value in data.items():
        if has_control_characters(str(name)):
            raise _invalid(
                str(name)[:40].encode("unicode_escape").decode(), "stp_control_characters"
            )
        if isinstance(value, str) and has_control_characters(value):
            raise _invalid(name, "stp_control_characters")


def _amount(value: Any) -> Decimal:
    amount = parse_amount(value)
    if amount is None:
        raise _invalid("monto", "stp_amount")
    return amount


def _operation_date(value: Any) -> date:
    text = str(value).split(".")[0].strip()
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise _invalid("fechaOperacion", "stp_date") from None


def _institution(value: Any) -> str:
    text = str(value).split(".")[0].strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 5:
        raise _invalid("institucionOrdenante", "stp_institution")
    return text


def _from_millis(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(Decimal(str(value))) / 1000, tz=UTC)
    except (InvalidOperation, ValueError, OverflowError, OSError):
        raise _invalid("tsLiquidacion", "stp_timestamp") from None


def _limited(name: str, value: Any, length: int) -> str | None:
    text = _text(value)
    if text is not None and len(text) > length:
        raise _invalid(name, "stp_too_long", length=length)
    return text


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        text = str(value.to_integral_value())
    return text or None


def _invalid(name: str, rule: str, **params: Any) -> ValidationFailedError:
    error = FieldError(code=rule, message=RULES[rule], pointer=f"#/{name}", params=params)
    return ValidationFailedError(params={"count": 1}, errors=[error])
