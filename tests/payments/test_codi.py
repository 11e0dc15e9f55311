"""CoDi requests: the fallback QR of SPEI data, a provider's QR, and a failing provider."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from cuenty.orders.models import Order
from cuenty.payments.codi import HttpCodiProvider
from cuenty.payments.models import PaymentRequest
from tests.commerce_support import Catalog, person
from tests.conftest import TestDatabase
from tests.payments.support import count_rows, place_order

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DATA_URI_PREFIX = "data:image/png;base64,"
PROVIDER_URL = "http://127.0.0.1:9/codi/charges"


async def _codi(
    client: httpx.AsyncClient, catalog: Catalog
) -> tuple[dict[str, Any], httpx.Response]:
    headers = await person(client, "ana@example.com")
    order = await place_order(client, headers, catalog)
    body = {"orderId": order["id"], "amount": order["total"]}
    response = await client.post("/v1/payments/codi/generate", json=body, headers=headers)
    return order, response


def _provider(handler: Any) -> HttpCodiProvider:
    transport = httpx.MockTransport(handler)
    return HttpCodiProvider(PROVIDER_URL, "codi-token", name="codi-test", transport=transport)


async def test_without_provider_qr_carries_transfer_data(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, response = await _codi(client, catalog)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["qrContent"] == "spei_transfer_data"
    assert body["codiAvailable"] is False
    assert body["qrCode"].startswith(DATA_URI_PREFIX)
    png = base64.b64decode(body["qrCode"].removeprefix(DATA_URI_PREFIX), validate=True)
    assert png.startswith(PNG_SIGNATURE)


async def test_provider_qr_is_codi(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"id": "CODI-1", "qrPayload": '{"TYP":19,"v":{}}'})

    app.state.codi_provider = _provider(handler)
    order, response = await _codi(client, catalog)

    assert response.status_code == 201, response.text
    assert response.json()["qrContent"] == "codi"
    assert response.json()["codiAvailable"] is True
    assert len(sent) == 1
    assert sent[0].headers["Authorization"] == "Bearer codi-token"
    assert json.loads(sent[0].content)["amount"] == f"{order['total']:.2f}"


async def test_provider_called_once_for_repeat(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(200, json={"id": f"CODI-{len(calls)}", "qrPayload": "qr"})

    app.state.codi_provider = _provider(handler)
    headers = await person(client, "ana@example.com")
    order = await place_order(client, headers, catalog)
    body = {"orderId": order["id"], "amount": order["total"]}

    first = await client.post("/v1/payments/codi/generate", json=body, headers=headers)
    second = await client.post("/v1/payments/codi/generate", json=body, headers=headers)

    assert second.json()["paymentId"] == first.json()["paymentId"]
    assert len(calls) == 1


@pytest.mark.parametrize(
    "provider_response",
    [
        httpx.Response(500, text="fallo"),
        httpx.Response(200, text="no es json"),
        httpx.Response(200, json={"id": "CODI-1"}),
        httpx.Response(200, json=["CODI-1"]),
    ],
    ids=["status-500", "not-json", "no-payload", "not-object"],
)
async def test_provider_failure_is_502(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, provider_response: httpx.Response
) -> None:
    app.state.codi_provider = _provider(lambda request: provider_response)

    _, response = await _codi(client, catalog)

    assert response.status_code == 502, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "codi_provider_failed"
    assert await count_rows(app, PaymentRequest) == 0


async def test_unreachable_provider_is_502(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    app.state.codi_provider = _provider(handler)

    _, response = await _codi(client, catalog)

    assert response.status_code == 502
    assert await count_rows(app, PaymentRequest) == 0


async def test_provider_called_without_order_lock(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, database: TestDatabase
) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks to observe")
    headers = await person(client, "ana@example.com")
    order = await place_order(client, headers, catalog)
    body = {"orderId": order["id"], "amount": order["total"]}
    # SPEI first, so the order's CLABE exists before the CoDi request.
    spei = await client.post("/v1/payments/spei/generate", json=body, headers=headers)
    assert spei.status_code == 201, spei.text
    lock_errors: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        async with app.state.session_factory() as other, other.begin():
            try:
                await other.execute(
                    select(Order.id)
                    .where(Order.id == uuid.UUID(order["id"]))
                    .with_for_update(nowait=True)
                )
            except DBAPIError as error:
                lock_errors.append(type(error.orig).__name__)
        return httpx.Response(200, json={"id": "CODI-9", "qrPayload": "codi"})

    app.state.codi_provider = _provider(handler)
    response = await client.post("/v1/payments/codi/generate", json=body, headers=headers)

    assert response.status_code == 201, response.text
    assert lock_errors == []
