"""The subscriptions API: listing with object-level access, cancel, renew, pause, resume."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from tests.commerce_support import Catalog, add_stock, person, run_all_jobs, seed_catalog
from tests.conftest import TestDatabase

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def catalog(app: FastAPI) -> Catalog:
    catalog = await seed_catalog(app)
    await add_stock(app, catalog.spotify, 2)
    return catalog


async def subscribed(
    client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog, email: str
) -> tuple[dict[str, str], dict]:
    """`email` buys a Spotify month, operations confirm it, and the jobs deliver it."""
    headers = await person(client, email)
    body = {"items": [{"planId": str(catalog.spotify_month.id)}]}
    order = (await client.post("/v1/orders", json=body, headers=headers)).json()
    staff = await person(client, f"ops-{uuid.uuid4().hex[:6]}@cuenty.mx", "operations")
    await client.post(
        f"/v1/orders/{order['id']}/confirm-payment", json={"reason": "folio"}, headers=staff
    )
    await run_all_jobs(database)
    listed = (await client.get("/v1/subscriptions", headers=headers)).json()["items"]
    return headers, listed[0]


async def test_listing_shows_service_plan_and_days_left(
    client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    _headers, subscription = await subscribed(client, database, catalog, "ana@example.com")
    assert subscription["service"]["name"] == "Spotify"
    assert subscription["plan"]["planType"] == "INDIVIDUAL"


async def test_month_plan_days_left(
    client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    _headers, subscription = await subscribed(client, database, catalog, "ana@example.com")
    assert 28 <= subscription["daysLeft"] <= 31


async def test_listing_is_not_cached(
    client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    headers, _subscription = await subscribed(client, database, catalog, "ana@example.com")
    response = await client.get("/v1/subscriptions", headers=headers)
    assert response.headers["cache-control"] == "no-store"


async def test_another_customers_subscription_is_404(
    client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    _headers, subscription = await subscribed(client, database, catalog, "ana@example.com")
    carlos = await person(client, "carlos@example.com")
    response = await client.get(f"/v1/subscriptions/{subscription['id']}", headers=carlos)
    assert response.status_code == 404


async def test_another_customer_lists_nothing(
    client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    await subscribed(client, database, catalog, "ana@example.com")
    carlos = await person(client, "carlos@example.com")
    response = await client.get("/v1/subscriptions", headers=carlos)
    assert response.json()["items"] == []


async def test_staff_filter_by_user(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    _headers, subscription = await subscribed(client, database, catalog, "ana@example.com")
    staff = await person(client, "jorge@cuenty.mx", "support")
    owner = subscription_owner = (
        await client.get(f"/v1/subscriptions/{subscription['id']}", headers=staff)
    ).json()["userId"]
    listed = await client.get(f"/v1/subscriptions?userId={owner}", headers=staff)
    assert [item["userId"] for item in listed.json()["items"]] == [subscription_owner]


async def test_cancel_keeps_end_date(
    client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    headers, subscription = await subscribed(client, database, catalog, "ana@example.com")
    cancelled = await client.post(f"/v1/subscriptions/{subscription['id']}/cancel", headers=headers)
    body = cancelled.json()
    assert body["state"] == "cancelled"
    assert not body["autoRenew"]
    assert body["endsAt"] == subscription["endsAt"]


async def test_cancel_drops_the_unpaid_renewal(
    client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    headers, subscription = await subscribed(client, database, catalog, "ana@example.com")
    path = f"/v1/subscriptions/{subscription['id']}"
    first = await client.post(f"{path}/renew", headers=headers)
    cancelled = await client.post(f"{path}/cancel", headers=headers)
    again = await client.post(f"{path}/renew", headers=headers)
    assert cancelled.json().get("renewalOrderId") is None
    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]


async def test_renew_creates_an_order_then_returns_it(
    client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    headers, subscription = await subscribed(client, database, catalog, "ana@example.com")
    path = f"/v1/subscriptions/{subscription['id']}/renew"
    first = await client.post(path, headers=headers)
    second = await client.post(path, headers=headers)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]


async def test_renewal_order_is_marked_as_renewal(
    client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    headers, subscription = await subscribed(client, database, catalog, "ana@example.com")
    order = (
        await client.post(f"/v1/subscriptions/{subscription['id']}/renew", headers=headers)
    ).json()
    assert order["kind"] == "renewal"
    assert order["renewsSubscriptionId"] == subscription["id"]
    assert order["total"] == 63.0


async def test_customer_cannot_pause(
    client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    headers, subscription = await subscribed(client, database, catalog, "ana@example.com")
    response = await client.post(
        f"/v1/subscriptions/{subscription['id']}/pause", json={"reason": "prueba"}, headers=headers
    )
    assert response.status_code == 403


async def test_pause_then_resume_gives_the_time_back(
    client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    _headers, subscription = await subscribed(client, database, catalog, "ana@example.com")
    staff = await person(client, "mariana@cuenty.mx", "operations")
    base = f"/v1/subscriptions/{subscription['id']}"
    paused = await client.post(
        f"{base}/pause", json={"reason": "cuenta en revisión"}, headers=staff
    )
    resumed = await client.post(f"{base}/resume", json={"reason": "revisada"}, headers=staff)
    assert paused.json()["state"] == "paused"
    assert resumed.json()["state"] == "active"
    assert resumed.json()["daysLeft"] == subscription["daysLeft"]


async def test_resuming_an_active_subscription_is_409(
    client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    _headers, subscription = await subscribed(client, database, catalog, "ana@example.com")
    staff = await person(client, "mariana@cuenty.mx", "operations")
    response = await client.post(
        f"/v1/subscriptions/{subscription['id']}/resume", json={"reason": "x" * 5}, headers=staff
    )
    assert response.status_code == 409
    assert response.json()["currentState"] == "active"


async def test_owner_sees_the_credentials(
    client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    _headers, subscription = await subscribed(client, database, catalog, "ana@example.com")
    credentials = subscription["credentials"]
    assert credentials["login"].endswith("@stock.example")
    assert credentials["password"].startswith("Clave-")


async def test_staff_do_not_see_the_credentials(
    client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    _headers, subscription = await subscribed(client, database, catalog, "ana@example.com")
    staff = await person(client, "jorge@cuenty.mx", "support")
    seen = await client.get(f"/v1/subscriptions/{subscription['id']}", headers=staff)
    assert "credentials" not in seen.json()


async def test_cancelled_subscription_keeps_its_credentials(
    client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    headers, subscription = await subscribed(client, database, catalog, "ana@example.com")
    await client.post(f"/v1/subscriptions/{subscription['id']}/cancel", headers=headers)
    seen = await client.get(f"/v1/subscriptions/{subscription['id']}", headers=headers)
    assert seen.json()["credentials"]["login"] == subscription["credentials"]["login"]


async def test_paused_subscription_hides_the_credentials(
    client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    headers, subscription = await subscribed(client, database, catalog, "ana@example.com")
    staff = await person(client, "mariana@cuenty.mx", "operations")
    await client.post(
        f"/v1/subscriptions/{subscription['id']}/pause", json={"reason": "revisión"}, headers=staff
    )
    seen = await client.get(f"/v1/subscriptions/{subscription['id']}", headers=headers)
    assert "credentials" not in seen.json()
