"""STP's deposit notifications: sender check, both field spellings, returns, duplicates."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.app import create_app
from cuenty.payments.models import ReceivedTransfer
from cuenty.payments.settings import PaymentSettings
from tests.commerce_support import Catalog
from tests.conftest import TestDatabase, client_for, make_settings
from tests.payments.support import (
    PREFIX,
    count_rows,
    order_state,
    order_with_spei,
    post_stp,
    stp_abono,
)

pytestmark = pytest.mark.asyncio

UNKNOWN_CLABE = "646180157099999990"


async def test_capitalised_field_names_are_read(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, instructions = await order_with_spei(client, catalog)
    body = stp_abono(instructions["clabe"], f"{order['total']:.2f}", capitalised=True)
    assert b'"ClaveRastreo"' in body

    response = await post_stp(client, body)

    assert response.status_code == 200, response.text
    assert response.json()["mensaje"] == "confirmar"
    assert await order_state(app, order["id"]) == "paid"


async def test_sender_outside_allowed_addresses_is_rejected(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, instructions = await order_with_spei(client, catalog)
    app.state.payment_settings = PaymentSettings(
        clabe_prefix=PREFIX, stp_allowed_ips=["10.20.30.0/24"]
    )

    response = await post_stp(client, stp_abono(instructions["clabe"], f"{order['total']:.2f}"))

    assert response.status_code == 401
    assert response.json()["code"] == "source_not_allowed"
    assert await count_rows(app, ReceivedTransfer) == 0
    assert await order_state(app, order["id"]) == "pending_payment"


async def test_unknown_account_is_returned_when_configured(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    app.state.payment_settings = PaymentSettings(
        clabe_prefix=PREFIX, stp_allowed_ips=["127.0.0.1"], stp_return_unknown_account=True
    )

    response = await post_stp(client, stp_abono(UNKNOWN_CLABE, "45.00"))

    assert response.status_code == 200
    assert response.json() == {"mensaje": "devolver", "id": 1}
    assert await count_rows(app, ReceivedTransfer, ReceivedTransfer.state == "returned") == 1


async def test_unknown_account_is_kept_by_default(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    response = await post_stp(client, stp_abono(UNKNOWN_CLABE, "45.00"))

    assert response.json()["mensaje"] == "confirmar"
    assert await count_rows(app, ReceivedTransfer, ReceivedTransfer.state == "review") == 1


async def test_cancelled_order_is_returned_when_configured(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    headers, order, instructions = await order_with_spei(client, catalog)
    await client.post(f"/v1/orders/{order['id']}/cancel", headers=headers)
    app.state.payment_settings = PaymentSettings(
        clabe_prefix=PREFIX, stp_allowed_ips=["127.0.0.1"], stp_return_closed_order=True
    )

    response = await post_stp(client, stp_abono(instructions["clabe"], f"{order['total']:.2f}"))

    assert response.json() == {"mensaje": "devolver", "id": 3}
    assert await count_rows(app, ReceivedTransfer, ReceivedTransfer.state == "returned") == 1


async def test_missing_fields_are_named(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    fields = json.loads(stp_abono(UNKNOWN_CLABE, "45.00"))
    del fields["claveRastreo"]
    del fields["monto"]
    fields["cuentaBeneficiario"] = "   "

    response = await post_stp(client, json.dumps(fields).encode())

    assert response.status_code == 422
    pointers = {error["pointer"] for error in response.json()["errors"]}
    assert pointers == {"#/claveRastreo", "#/monto", "#/cuentaBeneficiario"}
    assert await count_rows(app, ReceivedTransfer) == 0


@pytest.mark.parametrize(
    ("name", "value", "pointer"),
    [
        ("monto", "1E+999999", "#/monto"),
        ("monto", "12345678901.00", "#/monto"),
        ("tsLiquidacion", '"mañana"', "#/tsLiquidacion"),
        ("tsLiquidacion", "1E+30", "#/tsLiquidacion"),
        ("claveRastreo", '"' + "A" * 41 + '"', "#/claveRastreo"),
        ("cuentaBeneficiario", '"6461801570000000040"', "#/cuentaBeneficiario"),
        ("institucionOrdenante", '"²"', "#/institucionOrdenante"),
    ],
)
async def test_malformed_field_is_422(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, name: str, value: str, pointer: str
) -> None:
    fields = json.loads(stp_abono(UNKNOWN_CLABE, "45.00"))
    fields[name] = "__VALUE__"
    body = json.dumps(fields).replace('"__VALUE__"', value).encode()

    response = await post_stp(client, body)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"] == pointer
    assert await count_rows(app, ReceivedTransfer) == 0


async def test_notification_burst_is_not_limited_per_address(
    database: TestDatabase, engine: AsyncEngine, payment_settings: PaymentSettings
) -> None:
    settings = make_settings(database_url=database.url, rate_limit_per_ip="3/minute")
    application = create_app(settings, engine=engine)
    application.state.payment_settings = payment_settings
    async with application.router.lifespan_context(application), client_for(application) as client:
        statuses = [
            (await post_stp(client, stp_abono(UNKNOWN_CLABE, "45.00"))).status_code
            for _ in range(6)
        ]

    assert statuses == [200] * 6


async def test_certificate_header_believed_from_proxy_network(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    # Gateways in an overlay network are listed as a CIDR block, not one address each.
    app.state.settings = app.state.settings.model_copy(update={"trusted_proxies": ["127.0.0.0/8"]})
    app.state.payment_settings = PaymentSettings(clabe_prefix=PREFIX, stp_auth="mtls")
    _, order, instructions = await order_with_spei(client, catalog)
    body = stp_abono(instructions["clabe"], f"{order['total']:.2f}")

    response = await client.post(
        "/v1/payments/webhooks/stp",
        content=body,
        headers={"Content-Type": "application/json", "X-SSL-Client-Verify": "SUCCESS"},
    )

    assert response.status_code == 200, response.text
    assert await order_state(app, order["id"]) == "paid"
