"""Malformed signatures: every shape that is not a timestamp and hex digests is a 401."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from fastapi import FastAPI

from cuenty.payments.models import BankWebhook
from tests.commerce_support import Catalog
from tests.payments.support import bank_body, count_rows

MALFORMED_HEADERS = {
    "superscript-digit": "t=\u00b2,v1=" + "a" * 64,
    "huge-timestamp": "t=1" + "0" * 400 + ",v1=" + "a" * 64,
    "over-int-digits": "t=1" + "0" * 5000 + ",v1=" + "a" * 64,
    "non-ascii-digest": f"t={int(time.time())},v1=" + "\u00e9" * 64,
    "short-digest": f"t={int(time.time())},v1=abc",
}


@pytest.mark.parametrize("header", MALFORMED_HEADERS.values(), ids=MALFORMED_HEADERS.keys())
async def test_malformed_header_is_401(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, header: str
) -> None:
    body = bank_body("0000001", "10.00", "TX-SIG")

    response = await client.post(
        "/v1/payments/webhooks/bank",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Cuenty-Signature": header.encode("latin-1"),
        },
    )

    assert response.status_code == 401, response.text
    assert await count_rows(app, BankWebhook) == 0


@pytest.mark.parametrize("signature", ["\u00e9", "sha256=" + "\u00e9" * 64, "g" * 64])
async def test_malformed_body_signature_is_401(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, signature: str
) -> None:
    document = {
        "bank_code": "BBVA",
        "webhook_type": "payment_confirmation",
        "payload": {"reference": "1", "amount": 1, "transaction_id": "X"},
        "signature": signature,
    }

    response = await client.post(
        "/v1/payments/webhooks/bank",
        content=json.dumps(document).encode(),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 401, response.text
