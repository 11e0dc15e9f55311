"""Placing, reading, listing and cancelling orders through the API, with their guards."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from cuenty.catalog.models import Promotion
from cuenty.kit.clock import utc_now
from cuenty.orders.models import Order
from tests.commerce_support import Catalog, person, seed_catalog

pytestmark = pytest.mark.asyncio


async def place(
    client: httpx.AsyncClient, headers: dict[str, str], *items: dict, code: str | None = None
) -> httpx.Response:
    body: dict[str, object] = {"items": list(items)}
    if code is not None:
        body["promotionCode"] = code
    return await client.post("/v1/orders", json=body, headers=headers)


def item(plan, quantity: int = 1) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"planId": str(plan.id), "quantity": quantity}


async def order_count(app: FastAPI) -> int:
    async with app.state.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(Order)) or 0)


async def add_promotion(app: FastAPI, **values: object) -> None:
    defaults: dict[str, object] = {"code": "BUENFIN", "kind": "percentage", "value": Decimal("10")}
    async with app.state.session_factory() as session, session.begin():
        session.add(Promotion(**{**defaults, **values}))


@pytest.fixture
async def catalog(app: FastAPI) -> Catalog:
    return await seed_catalog(app)


async def test_order_totals(client: httpx.AsyncClient, catalog: Catalog) -> None:
    headers = await person(client, "ana@example.com")
    response = await place(client, headers, item(catalog.netflix_profile, 3))
    body = response.json()
    assert body["subtotal"] == 181.03
    assert body["discount"] == 0.0
    assert body["iva"] == 28.97
    assert body["total"] == 210.0


async def test_order_number_format(client: httpx.AsyncClient, catalog: Catalog) -> None:
    headers = await person(client, "ana@example.com")
    response = await place(client, headers, item(catalog.spotify_month))
    assert re.fullmatch(r"CTY-\d{8}-[A-Z2-9]{6}", response.json()["number"])


async def test_new_order_waits_for_payment(client: httpx.AsyncClient, catalog: Catalog) -> None:
    headers = await person(client, "ana@example.com")
    response = await place(client, headers, item(catalog.spotify_month))
    assert response.json()["state"] == "pending_payment"
    assert response.json()["paymentState"] == "unpaid"


async def test_customer_does_not_see_cost_or_profit(
    client: httpx.AsyncClient, catalog: Catalog
) -> None:
    headers = await person(client, "ana@example.com")
    body = (await place(client, headers, item(catalog.spotify_month))).json()
    assert {"cost", "profit"} & (set(body) | set(body["items"][0])) == set()


async def test_staff_see_profit(client: httpx.AsyncClient, catalog: Catalog) -> None:
    headers = await person(client, "ana@example.com")
    order = (await place(client, headers, item(catalog.spotify_month))).json()
    staff = await person(client, "jorge@cuenty.mx", "support")
    seen = await client.get(f"/v1/orders/{order['id']}", headers=staff)
    assert seen.json()["profit"] == 14.31


async def test_promotion_code_is_matched_without_case(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    await add_promotion(app)
    headers = await person(client, "ana@example.com")
    response = await place(client, headers, item(catalog.netflix_profile), code="buenfin")
    assert response.json()["total"] == 63.0


@pytest.mark.parametrize(
    ("values", "rule"),
    [
        ({"code": "OTRO"}, "promotion_unknown"),
        ({"active": False}, "promotion_inactive"),
        ({"ends_at": utc_now() - timedelta(days=1)}, "promotion_expired"),
        ({"starts_at": utc_now() + timedelta(days=1)}, "promotion_not_started"),
        ({"max_uses": 5, "uses": 5}, "promotion_exhausted"),
        ({"min_purchase": Decimal("100.00")}, "promotion_minimum"),
    ],
)
async def test_rejected_promotion_names_rule(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, values: dict, rule: str
) -> None:
    await add_promotion(app, **values)
    headers = await person(client, "ana@example.com")
    response = await place(client, headers, item(catalog.netflix_profile), code="BUENFIN")
    assert [(error["pointer"], error["code"]) for error in response.json()["errors"]] == [
        ("#/promotionCode", rule)
    ]


async def test_rejected_promotion_stores_no_order(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    await add_promotion(app, min_purchase=Decimal("500.00"))
    headers = await person(client, "ana@example.com")
    await place(client, headers, item(catalog.netflix_profile), code="BUENFIN")
    assert await order_count(app) == 0


async def test_minimum_is_shown_in_pesos(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    await add_promotion(app, min_purchase=Decimal("100.00"))
    headers = await person(client, "ana@example.com")
    response = await place(client, headers, item(catalog.netflix_profile), code="BUENFIN")
    assert response.json()["errors"][0]["message"] == (
        "Esta promoción requiere una compra mínima de $100.00 MXN."
    )


@pytest.mark.parametrize(
    ("items", "pointer", "code"),
    [
        ([{"planId": "PLAN", "quantity": 0}], "#/items/0/quantity", "greater_than_equal"),
        ([{"planId": "PLAN", "quantity": 11}], "#/items/0/quantity", "less_than_equal"),
        ([{"quantity": 1}], "#/items/0", "plan_or_bundle"),
        ([], "#/items", "too_short"),
        (
            [{"planId": "00000000-0000-4000-8000-000000000000", "quantity": 1}],
            "#/items/0/planId",
            "plan_unknown",
        ),
    ],
)
async def test_bad_items_name_field_and_rule(
    app: FastAPI,
    client: httpx.AsyncClient,
    catalog: Catalog,
    items: list[dict],
    pointer: str,
    code: str,
) -> None:
    headers = await person(client, "ana@example.com")
    for entry in items:
        if entry.get("planId") == "PLAN":
            entry["planId"] = str(catalog.spotify_month.id)
    response = await client.post("/v1/orders", json={"items": items}, headers=headers)
    assert [(error["pointer"], error["code"]) for error in response.json()["errors"]] == [
        (pointer, code)
    ]


async def test_inactive_plan_cannot_be_ordered(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    staff = await person(client, "mariana@cuenty.mx", "operations")
    await client.patch(
        f"/v1/catalog/plans/{catalog.spotify_month.id}", json={"active": False}, headers=staff
    )
    headers = await person(client, "ana@example.com")
    response = await place(client, headers, item(catalog.spotify_month))
    assert response.json()["errors"][0]["code"] == "plan_inactive"


async def test_amount_with_three_decimals_is_refused(client: httpx.AsyncClient) -> None:
    headers = await person(client, "mariana@cuenty.mx", "operations")
    body = {"code": "X10", "kind": "fixed", "value": 10.125}
    response = await client.post("/v1/catalog/promotions", json=body, headers=headers)
    assert response.json()["errors"][0]["code"] == "decimal_max_places"


async def test_idempotency_key_replays_the_first_order(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    headers = {**await person(client, "ana@example.com"), "Idempotency-Key": "pedido-1"}
    first = await place(client, headers, item(catalog.spotify_month))
    second = await place(client, headers, item(catalog.spotify_month))
    assert second.json()["id"] == first.json()["id"]


async def test_idempotency_key_stores_one_order(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    headers = {**await person(client, "ana@example.com"), "Idempotency-Key": "pedido-1"}
    await place(client, headers, item(catalog.spotify_month))
    await place(client, headers, item(catalog.spotify_month))
    assert await order_count(app) == 1


async def test_another_customers_order_is_404(client: httpx.AsyncClient, catalog: Catalog) -> None:
    ana = await person(client, "ana@example.com")
    order = (await place(client, ana, item(catalog.spotify_month))).json()
    carlos = await person(client, "carlos@example.com")
    response = await client.get(f"/v1/orders/{order['id']}", headers=carlos)
    assert response.status_code == 404


async def test_customer_lists_only_own_orders(client: httpx.AsyncClient, catalog: Catalog) -> None:
    ana = await person(client, "ana@example.com")
    await place(client, ana, item(catalog.spotify_month))
    carlos = await person(client, "carlos@example.com")
    await place(client, carlos, item(catalog.spotify_month))
    listed = await client.get("/v1/orders", headers=carlos)
    assert len(listed.json()["items"]) == 1


async def test_staff_filter_by_state(client: httpx.AsyncClient, catalog: Catalog) -> None:
    ana = await person(client, "ana@example.com")
    first = (await place(client, ana, item(catalog.spotify_month))).json()
    await place(client, ana, item(catalog.spotify_month))
    await client.post(f"/v1/orders/{first['id']}/cancel", headers=ana)
    staff = await person(client, "jorge@cuenty.mx", "support")
    listed = await client.get("/v1/orders?state=cancelled", headers=staff)
    assert [order["id"] for order in listed.json()["items"]] == [first["id"]]


async def test_cancel_is_recorded_with_who(client: httpx.AsyncClient, catalog: Catalog) -> None:
    ana = await person(client, "ana@example.com")
    order = (await place(client, ana, item(catalog.spotify_month))).json()
    cancelled = await client.post(f"/v1/orders/{order['id']}/cancel", headers=ana)
    assert [(step["toState"], step["actorType"]) for step in cancelled.json()["history"]] == [
        ("pending_payment", "customer"),
        ("cancelled", "customer"),
    ]


async def test_cancelling_a_paid_order_is_409_with_state(
    client: httpx.AsyncClient, catalog: Catalog
) -> None:
    ana = await person(client, "ana@example.com")
    order = (await place(client, ana, item(catalog.spotify_month))).json()
    staff = await person(client, "mariana@cuenty.mx", "operations")
    await client.post(
        f"/v1/orders/{order['id']}/confirm-payment", json={"reason": "folio 123"}, headers=staff
    )
    refused = await client.post(f"/v1/orders/{order['id']}/cancel", headers=ana)
    assert refused.status_code == 409
    assert refused.json()["currentState"] == "paid"


async def test_customer_cannot_confirm_payment(client: httpx.AsyncClient, catalog: Catalog) -> None:
    ana = await person(client, "ana@example.com")
    order = (await place(client, ana, item(catalog.spotify_month))).json()
    response = await client.post(
        f"/v1/orders/{order['id']}/confirm-payment", json={"reason": "ya pagué"}, headers=ana
    )
    assert response.status_code == 403


async def test_anonymous_cannot_order(client: httpx.AsyncClient, catalog: Catalog) -> None:
    response = await place(client, {}, item(catalog.spotify_month))
    assert response.status_code == 401


async def test_customer_limit_counts_unpaid_orders(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    await add_promotion(app, per_customer_limit=1)
    headers = await person(client, "ana@example.com")
    first = await place(client, headers, item(catalog.netflix_profile), code="BUENFIN")
    second = await place(client, headers, item(catalog.netflix_profile), code="BUENFIN")
    assert first.status_code == 201
    assert second.json()["errors"][0]["code"] == "promotion_customer_limit"


async def test_cancelled_order_frees_the_customer_limit(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    await add_promotion(app, per_customer_limit=1)
    headers = await person(client, "ana@example.com")
    first = await place(client, headers, item(catalog.netflix_profile), code="BUENFIN")
    await client.post(f"/v1/orders/{first.json()['id']}/cancel", headers=headers)
    again = await place(client, headers, item(catalog.netflix_profile), code="BUENFIN")
    assert again.status_code == 201


async def test_customer_does_not_see_staff_reasons(
    client: httpx.AsyncClient, catalog: Catalog
) -> None:
    ana = await person(client, "ana@example.com")
    order = (await place(client, ana, item(catalog.spotify_month))).json()
    staff = await person(client, "mariana@cuenty.mx", "operations")
    await client.post(
        f"/v1/orders/{order['id']}/confirm-payment", json={"reason": "folio 123"}, headers=staff
    )
    seen = await client.get(f"/v1/orders/{order['id']}", headers=ana)
    assert [step.get("reason") for step in seen.json()["history"]] == [None, None]


async def test_state_names_are_translated_in_errors(
    client: httpx.AsyncClient, catalog: Catalog
) -> None:
    ana = await person(client, "ana@example.com")
    order = (await place(client, ana, item(catalog.spotify_month))).json()
    await client.post(f"/v1/orders/{order['id']}/cancel", headers=ana)
    again = await client.post(f"/v1/orders/{order['id']}/cancel", headers=ana)
    assert again.json()["detail"] == "El pedido ya está cancelado."
