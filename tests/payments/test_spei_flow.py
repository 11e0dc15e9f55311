"""From an order to an active subscription: SPEI instructions, STP's notification, payment."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from cuenty.mexico.clabe import validate_clabe
from cuenty.payments.clabes import reference_of
from tests.commerce_support import Catalog, add_stock, person, run_all_jobs
from tests.conftest import TestDatabase
from tests.payments.support import PREFIX, place_order, post_stp, spei, stp_abono

pytestmark = pytest.mark.asyncio


async def test_instructions_give_the_orders_own_clabe(
    client: httpx.AsyncClient, catalog: Catalog
) -> None:
    headers = await person(client, "ana@example.com")
    order = await place_order(client, headers, catalog)
    body = (await spei(client, headers, order)).json()
    assert body["clabe"].startswith(PREFIX)
    assert validate_clabe(body["clabe"]) == body["clabe"]
    assert body["reference"] == reference_of(int(body["clabe"][10:17]))
    assert body["instructions"]["banco"] == "STP"
    assert body["instructions"]["concepto"] == f"Pago {order['number']}"


async def test_asking_twice_returns_the_same_instructions(
    client: httpx.AsyncClient, catalog: Catalog
) -> None:
    headers = await person(client, "ana@example.com")
    order = await place_order(client, headers, catalog)
    first = (await spei(client, headers, order)).json()
    second = (await spei(client, headers, order)).json()
    assert second == first


async def test_amount_other_than_the_balance_is_refused(
    client: httpx.AsyncClient, catalog: Catalog
) -> None:
    headers = await person(client, "ana@example.com")
    order = await place_order(client, headers, catalog)
    response = await spei(client, headers, order, amount=1.0)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "amount_mismatch"


async def test_stp_deposit_activates_subscription(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, database: TestDatabase
) -> None:
    await add_stock(app, catalog.netflix, 1)
    headers = await person(client, "ana@example.com")
    order = await place_order(client, headers, catalog)
    instructions = (await spei(client, headers, order)).json()
    answer = await post_stp(client, stp_abono(instructions["clabe"], f"{order['total']:.2f}"))
    assert answer.json()["mensaje"] == "confirmar"
    await run_all_jobs(database)
    paid = (await client.get(f"/v1/orders/{order['id']}", headers=headers)).json()
    assert paid["state"] == "delivered"
    subscriptions = (await client.get("/v1/subscriptions", headers=headers)).json()
    assert subscriptions["items"][0]["state"] == "active"
