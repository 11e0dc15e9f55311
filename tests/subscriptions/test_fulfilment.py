"""Paid orders become subscriptions with stock: distinct accounts, whole accounts for
COMPLETA, bundles, partial stock that resumes when stock arrives, and repeat runs."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from cuenty.inventory.models import AccountProfile, ServiceAccount
from cuenty.kit import jobs
from cuenty.kit.clock import utc_now
from cuenty.kit.jobs.models import OutboxEntry
from cuenty.orders.models import Order
from cuenty.subscriptions.fulfilment import fulfil_order
from cuenty.subscriptions.models import Subscription
from cuenty.subscriptions.settings import SubscriptionSettings
from tests.commerce_support import Catalog, add_stock, person, run_all_jobs, seed_catalog
from tests.conftest import TestDatabase

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def catalog(app: FastAPI) -> Catalog:
    return await seed_catalog(app)


async def paid_order(client: httpx.AsyncClient, *items: dict) -> dict:
    """Ana orders the items and operations confirm the payment."""
    ana = await person(client, f"ana-{uuid.uuid4().hex[:6]}@example.com")
    order = (await client.post("/v1/orders", json={"items": list(items)}, headers=ana)).json()
    staff = await person(client, f"ops-{uuid.uuid4().hex[:6]}@cuenty.mx", "operations")
    confirmed = await client.post(
        f"/v1/orders/{order['id']}/confirm-payment", json={"reason": "folio 1"}, headers=staff
    )
    assert confirmed.status_code == 200, confirmed.text
    return order


def item(plan, quantity: int = 1) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"planId": str(plan.id), "quantity": quantity}


async def subscriptions_of(app: FastAPI, order_id: str) -> list[Subscription]:
    async with app.state.session_factory() as session:
        query = select(Subscription).where(Subscription.order_id == uuid.UUID(order_id))
        return list((await session.scalars(query)).all())


async def order_state(app: FastAPI, order_id: str) -> str:
    async with app.state.session_factory() as session:
        return str(await session.scalar(select(Order.state).where(Order.id == uuid.UUID(order_id))))


async def test_paid_order_is_delivered(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    await add_stock(app, catalog.spotify, 1)
    order = await paid_order(client, item(catalog.spotify_month))
    await run_all_jobs(database)
    assert await order_state(app, order["id"]) == "delivered"


async def test_three_units_get_three_accounts(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    await add_stock(app, catalog.spotify, 4)
    order = await paid_order(client, item(catalog.spotify_month, 3))
    await run_all_jobs(database)
    accounts = {row.account_id for row in await subscriptions_of(app, order["id"])}
    assert len(accounts - {None}) == 3


async def test_subscription_starts_active(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    await add_stock(app, catalog.spotify, 1)
    order = await paid_order(client, item(catalog.spotify_month))
    await run_all_jobs(database)
    assert [row.state for row in await subscriptions_of(app, order["id"])] == ["active"]


async def test_individual_plans_share_an_account_by_profile(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    await add_stock(app, catalog.netflix, 1)
    order = await paid_order(client, item(catalog.netflix_profile, 2))
    await run_all_jobs(database)
    rows = await subscriptions_of(app, order["id"])
    assert len({row.account_id for row in rows}) == 1
    assert len({row.profile_id for row in rows}) == 2


async def test_complete_plan_takes_an_untouched_account(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    _first, second = await add_stock(app, catalog.netflix, 2)
    await paid_order(client, item(catalog.netflix_profile))
    await run_all_jobs(database)
    order = await paid_order(client, item(catalog.netflix_whole))
    await run_all_jobs(database)
    assert [row.account_id for row in await subscriptions_of(app, order["id"])] == [second]


async def test_complete_plan_leaves_no_free_profile(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    (account,) = await add_stock(app, catalog.netflix, 1)
    await paid_order(client, item(catalog.netflix_whole))
    await run_all_jobs(database)
    async with app.state.session_factory() as session:
        row = await session.get(ServiceAccount, account)
        assert row.state == "assigned"
        assert row.free_profiles == 0


async def test_bundle_gives_one_subscription_per_plan(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    await add_stock(app, catalog.netflix, 1)
    await add_stock(app, catalog.spotify, 2)
    staff = await person(client, "mariana@cuenty.mx", "operations")
    bundle = await client.post(
        "/v1/catalog/bundles",
        json={
            "name": "Combo",
            "price": 120,
            "planIds": [str(catalog.netflix_profile.id), str(catalog.spotify_month.id)],
        },
        headers=staff,
    )
    order = await paid_order(client, {"bundleId": bundle.json()["id"], "quantity": 2})
    await run_all_jobs(database)
    rows = await subscriptions_of(app, order["id"])
    assert sorted(row.state for row in rows) == ["active"] * 4


async def test_short_stock_assigns_what_exists(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    await add_stock(app, catalog.spotify, 1)
    order = await paid_order(client, item(catalog.spotify_month, 3))
    await run_all_jobs(database)
    states = sorted(row.state for row in await subscriptions_of(app, order["id"]))
    assert states == ["active", "pending", "pending"]


async def test_short_stock_keeps_order_fulfilling(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    order = await paid_order(client, item(catalog.spotify_month, 2))
    await run_all_jobs(database)
    assert await order_state(app, order["id"]) == "fulfilling"


async def test_short_stock_alerts_operations(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    order = await paid_order(client, item(catalog.spotify_month, 2))
    await run_all_jobs(database)
    async with app.state.session_factory() as session:
        alerts = (
            await session.scalars(
                select(OutboxEntry.payload).where(OutboxEntry.name == "order.awaiting_stock")
            )
        ).all()
    assert [(alert["data"]["orderId"], alert["data"]["missing"]) for alert in alerts] == [
        (order["id"], 2)
    ]


async def test_arriving_stock_finishes_the_order(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    order = await paid_order(client, item(catalog.spotify_month, 2))
    await run_all_jobs(database)
    await add_stock(app, catalog.spotify, 2)
    async with app.state.session_factory() as session, session.begin():
        await jobs.publish(session, "inventory.stock_available", {"serviceId": catalog.spotify.id})
    await run_all_jobs(database)
    assert await order_state(app, order["id"]) == "delivered"


async def test_running_fulfilment_again_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    await add_stock(app, catalog.spotify, 3)
    order = await paid_order(client, item(catalog.spotify_month, 2))
    await run_all_jobs(database)
    async with app.state.session_factory() as session, session.begin():
        await fulfil_order(
            session, uuid.UUID(order["id"]), now=utc_now(), settings=SubscriptionSettings()
        )
    async with app.state.session_factory() as session:
        taken = await session.scalar(
            select(func.count())
            .select_from(AccountProfile)
            .where(AccountProfile.state == "assigned")
        )
    assert len(await subscriptions_of(app, order["id"])) == 2
    assert taken == 2
