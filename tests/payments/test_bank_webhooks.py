"""Signed bank notifications: the signature header, the `signature` field, replays, returns."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cuenty.payments.models import BankWebhook, ReceivedTransfer, Reconciliation
from cuenty.payments.signatures import sign_header, sign_payload
from tests.commerce_support import Catalog
from tests.payments.support import (
    BANK_SECRET,
    bank_body,
    count_rows,
    operator,
    order_state,
    order_with_spei,
    post_bank,
)

STALE_SECONDS = 301


async def _paying_body(client: httpx.AsyncClient, catalog: Catalog) -> tuple[dict[str, Any], bytes]:
    _, order, instructions = await order_with_spei(client, catalog)
    body = bank_body(instructions["reference"], f"{order['total']:.2f}", "BBVA-TX-1")
    return order, body


async def _nothing_stored(app: FastAPI) -> bool:
    webhooks = await count_rows(app, BankWebhook)
    transfers = await count_rows(app, ReceivedTransfer)
    return webhooks == 0 and transfers == 0


async def test_valid_header_pays_order(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    order, body = await _paying_body(client, catalog)

    response = await post_bank(client, body)

    assert response.status_code == 200, response.text
    assert response.json()["result"] == "matched"
    assert await order_state(app, order["id"]) == "paid"


@pytest.mark.parametrize(
    ("secret", "age"),
    [("another-secret", 0), (BANK_SECRET, STALE_SECONDS), (BANK_SECRET, -STALE_SECONDS)],
    ids=["wrong-secret", "stale", "future"],
)
async def test_bad_header_is_rejected(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, secret: str, age: int
) -> None:
    order, body = await _paying_body(client, catalog)

    response = await post_bank(client, body, secret=secret, timestamp=int(time.time()) - age)

    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"
    assert await _nothing_stored(app)
    assert await order_state(app, order["id"]) == "pending_payment"


async def test_body_changed_after_signing_is_rejected(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, body = await _paying_body(client, catalog)
    header = sign_header(BANK_SECRET, body, int(time.time()))
    changed = body.replace(b"BBVA-TX-1", b"BBVA-TX-2")

    response = await client.post(
        "/v1/payments/webhooks/bank",
        content=changed,
        headers={"Content-Type": "application/json", "X-Cuenty-Signature": header},
    )

    assert response.status_code == 401
    assert await _nothing_stored(app)


async def test_missing_signature_is_rejected(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, body = await _paying_body(client, catalog)

    response = await client.post(
        "/v1/payments/webhooks/bank", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 401
    assert await _nothing_stored(app)


async def test_unknown_bank_is_rejected(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, body = await _paying_body(client, catalog)
    other_bank = body.replace(b'"BBVA"', b'"BANORTE"')

    response = await post_bank(client, other_bank)

    assert response.status_code == 401
    assert await _nothing_stored(app)


def _field_signed(payload: dict[str, Any], secret: str = BANK_SECRET) -> bytes:
    """A document signed in its `signature` field; the payload's keys are written reversed
    and spaced, which canonical JSON (RFC 8785) ignores."""
    reordered = dict(reversed(list(payload.items())))
    document = {
        "bank_code": "BBVA",
        "webhook_type": "payment_confirmation",
        "payload": reordered,
        "signature": sign_payload(secret, payload),
    }
    return json.dumps(document, indent=2).encode()


async def test_signature_field_over_canonical_json(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, instructions = await order_with_spei(client, catalog)
    payload = {
        "reference": instructions["reference"],
        "amount": f"{order['total']:.2f}",
        "transaction_id": "BBVA-TX-FIELD",
        "concept": "Pago ñandú",
    }

    response = await client.post(
        "/v1/payments/webhooks/bank",
        content=_field_signed(payload),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 200, response.text
    assert await order_state(app, order["id"]) == "paid"


async def test_signature_field_with_wrong_secret(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    payload = {"reference": "0000001", "amount": "45.00", "transaction_id": "BBVA-TX-FIELD"}

    response = await client.post(
        "/v1/payments/webhooks/bank",
        content=_field_signed(payload, secret="another-secret"),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 401
    assert await _nothing_stored(app)


async def test_replay_returns_first_result(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, body = await _paying_body(client, catalog)

    first = await post_bank(client, body)
    again = await post_bank(client, body)

    assert again.status_code == 200
    assert again.json() == first.json()
    assert await count_rows(app, BankWebhook) == 1
    assert await count_rows(app, ReceivedTransfer) == 1
    assert await count_rows(app, Reconciliation) == 1


@pytest.mark.parametrize(
    ("amount", "status"),
    [("1E+999999", 400), ("NaN", 400), ('"1E+999999"', 422), ("0.001", 422), ("-45.00", 422)],
)
async def test_invalid_amount_stores_nothing(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, amount: str, status: int
) -> None:
    response = await post_bank(client, bank_body("0000001", amount, "TX-AMOUNT"))

    assert response.status_code == status, response.text
    assert await _nothing_stored(app)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("clabe", "6461801570000000041"),
        ("clabe", "646180157000000005"),
        ("clabe", "999180157000000004"),
        ("tracking_key", "T" * 41),
        ("sender_institution", "400120"),
        ("operation_date", "05/12/2026"),
    ],
)
async def test_invalid_field_stores_nothing(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, field: str, value: str
) -> None:
    body = bank_body("0000001", "45.00", "TX-FIELD", **{field: value})

    response = await post_bank(client, body)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"] == f"#/payload/{field}"
    assert await _nothing_stored(app)


async def test_returned_notification_undoes_credit(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    headers, order, instructions = await order_with_spei(client, catalog)
    spei_key = {
        "tracking_key": "BBVA20261205RET01",
        "sender_institution": "40012",
        "operation_date": "2026-12-05",
    }
    partial = bank_body(
        instructions["reference"], "10.00", "TX-CREDIT", clabe=instructions["clabe"], **spei_key
    )
    credited = await post_bank(client, partial)
    assert credited.json()["result"] == "matched"

    returned_body = json.loads(partial)
    returned_body["webhook_type"] = "payment_returned"
    returned_body["payload"]["transaction_id"] = "TX-RETURN"
    returned = await post_bank(client, json.dumps(returned_body).encode())

    assert returned.status_code == 200, returned.text
    assert returned.json()["transferId"] == credited.json()["transferId"]
    assert await count_rows(app, Reconciliation, Reconciliation.undone_at.is_(None)) == 0
    assert await count_rows(app, ReceivedTransfer, ReceivedTransfer.state == "returned") == 1
    payment = await client.get(f"/v1/payments/{instructions['paymentId']}", headers=headers)
    assert payment.json()["amountPaid"] == 0
    assert payment.json()["balanceDue"] == order["total"]
    ops = await operator(client)
    credits = (await client.get("/v1/payments/credits", headers=ops)).json()
    assert credits == []
