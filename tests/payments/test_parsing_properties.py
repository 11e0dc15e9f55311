"""Property tests: STP notifications and bank payloads either parse or raise a 422.

Values are what `json.loads(..., parse_float=Decimal)` can produce: text, booleans, null,
whole numbers, finite Decimals (huge exponents included), lists and objects.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cuenty.kit.errors import ValidationFailedError
from cuenty.payments import stp_deposits
from cuenty.payments.models import BankWebhook
from cuenty.payments.notifications_in import _bank_incoming
from cuenty.payments.transfers import IncomingTransfer

NOW = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)

STP_NAMES = (
    "id",
    "Clave",
    "fechaOperacion",
    "FechaOperacion",
    "institucionOrdenante",
    "claveRastreo",
    "ClaveRastreo",
    "monto",
    "Monto",
    "cuentaBeneficiario",
    "referenciaNumerica",
    "tsLiquidacion",
    "folioCodi",
    "estado",
    "nombreOrdenante",
    "rfcCurpOrdenante",
)
BANK_NAMES = (
    "amount",
    "reference",
    "operation_date",
    "sender_institution",
    "tracking_key",
    "clave_rastreo",
    "clabe",
    "account",
    "concept",
    "sender_name",
    "sender_account",
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "  ", "0", "20261205", "40012", "1E+999999", "²", "12.345", "-5"]),
    st.text(max_size=40),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)
# A valid notification that the drawn fields then overwrite, so the parser gets past the
# required-field check often enough to reach every field's own validation.
VALID_STP = {
    "id": Decimal(3906451),
    "fechaOperacion": Decimal(20261205),
    "institucionOrdenante": Decimal(40012),
    "claveRastreo": "MBAN01002612050001",
    "monto": Decimal("45.00"),
    "cuentaBeneficiario": "646180157000000004",
}


def _fits_columns(incoming: IncomingTransfer) -> bool:
    """Whether the transfer can be stored: a natural key and values within column sizes."""
    return (
        len(incoming.natural_key) <= 200
        and len(incoming.sender_institution or "") <= 5
        and len(incoming.beneficiary_account or "") <= 18
        and Decimal("0.01") <= incoming.amount <= Decimal("9999999999.99")
    )


@settings(max_examples=400, deadline=None)
@given(
    base=st.sampled_from([{}, VALID_STP]),
    fields=st.dictionaries(st.sampled_from(STP_NAMES) | st.text(max_size=8), values),
)
def test_stp_notification_parses_or_rejects(base: dict[str, Any], fields: dict[str, Any]) -> None:
    try:
        incoming = stp_deposits.from_notification({**base, **fields}, NOW)
    except ValidationFailedError:
        return
    assert _fits_columns(incoming)


@settings(max_examples=200, deadline=None)
@given(entries=st.lists(st.dictionaries(st.sampled_from(STP_NAMES), values) | values))
def test_stp_list_parses_or_rejects(entries: list[Any]) -> None:
    try:
        transfers = stp_deposits.from_list({"resultado": {"lst": entries}}, NOW)
    except (ValidationFailedError, ValueError):
        return
    assert all(_fits_columns(incoming) for incoming in transfers)


@settings(max_examples=400, deadline=None)
@given(payload=st.dictionaries(st.sampled_from(BANK_NAMES) | st.text(max_size=8), values))
def test_bank_payload_parses_or_rejects(payload: dict[str, Any]) -> None:
    record = BankWebhook(bank_code="BBVA", transaction_id=f"T{uuid.uuid4().hex[:8]}")
    try:
        incoming = _bank_incoming(record, payload, NOW)
    except ValidationFailedError:
        return
    assert _fits_columns(incoming)
