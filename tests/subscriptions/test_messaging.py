"""What leaves the platform about a subscription: the credentials message (masked in every
stored copy), the Chatwoot status summary, and the privacy export."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from cuenty.compliance.registry import category
from cuenty.identity.models import User
from cuenty.kit.clock import utc_now
from cuenty.notifications.models import DevMessage, Notification
from cuenty.subscriptions.messaging import status_lines
from tests.commerce_support import Catalog, add_stock, person, run_all_jobs, seed_catalog, user_id
from tests.conftest import TestDatabase
from tests.identity.helpers import bearer, login

pytestmark = pytest.mark.asyncio
EMAIL = "ana@example.com"


@pytest.fixture
async def catalog(app: FastAPI) -> Catalog:
    catalog = await seed_catalog(app)
    await add_stock(app, catalog.spotify, 1)
    return catalog


async def delivered(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> dict:
    """Ana (with a verified email) buys a Spotify month; the jobs deliver it."""
    headers = await person(client, EMAIL)
    async with app.state.session_factory() as session, session.begin():
        await session.execute(
            update(User).where(User.email == EMAIL).values(email_verified_at=utc_now())
        )
    body = {"items": [{"planId": str(catalog.spotify_month.id)}]}
    order = (await client.post("/v1/orders", json=body, headers=headers)).json()
    staff = await person(client, "ops@cuenty.mx", "operations")
    await client.post(
        f"/v1/orders/{order['id']}/confirm-payment", json={"reason": "folio"}, headers=staff
    )
    await run_all_jobs(database)
    subscriptions = await client.get("/v1/subscriptions", headers=headers)
    return subscriptions.json()["items"][0]


async def person_headers(client: httpx.AsyncClient) -> dict[str, str]:
    return bearer(await login(client, EMAIL))


async def credentials_notification(app: FastAPI) -> Notification:
    async with app.state.session_factory() as session:
        found = await session.scalar(
            select(Notification).where(Notification.template == "credentials_delivered")
        )
    assert found is not None, "no credentials message was recorded"
    return found


async def test_credentials_message_is_sent(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    await delivered(app, client, database, catalog)
    assert (await credentials_notification(app)).status == "sent"


async def test_delivery_log_masks_the_password(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    subscription = await delivered(app, client, database, catalog)
    notification = await credentials_notification(app)
    assert subscription["credentials"]["password"] not in (notification.body_preview or "")


async def test_development_copy_masks_the_password(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    subscription = await delivered(app, client, database, catalog)
    async with app.state.session_factory() as session:
        bodies = (await session.scalars(select(DevMessage.body))).all()
    assert [body for body in bodies if subscription["credentials"]["password"] in body] == []


async def test_status_summary_names_service_and_days(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    subscription = await delivered(app, client, database, catalog)
    async with app.state.session_factory() as session:
        lines = await status_lines(session, await user_id(app, EMAIL), "es-MX")
    assert lines == [f"Spotify (1 mes): quedan {subscription['daysLeft']} día(s)"]


async def test_status_summary_never_has_credentials(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    subscription = await delivered(app, client, database, catalog)
    async with app.state.session_factory() as session:
        lines = await status_lines(session, await user_id(app, EMAIL), "en")
    assert subscription["credentials"]["password"] not in " ".join(lines)


async def test_privacy_export_lists_orders_and_subscriptions(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    subscription = await delivered(app, client, database, catalog)
    owner = await user_id(app, EMAIL)
    async with app.state.session_factory() as session:
        orders = await category("orders").source.export(session, owner)
        subscriptions = await category("subscriptions").source.export(session, owner)
    assert [item["id"] for item in subscriptions["subscriptions"]] == [subscription["id"]]
    assert [order["id"] for order in orders["orders"]] == [subscription["orderId"]]


async def test_privacy_export_has_no_credentials(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    await delivered(app, client, database, catalog)
    async with app.state.session_factory() as session:
        exported = await category("subscriptions").source.export(session, await user_id(app, EMAIL))
    assert "credentials" not in exported["subscriptions"][0]


async def test_delivery_log_api_shows_masked_preview(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    subscription = await delivered(app, client, database, catalog)
    headers = await person_headers(client)
    listed = (await client.get("/v1/notifications", headers=headers)).json()["items"]
    [preview] = [row["preview"] for row in listed if row["template"] == "credentials_delivered"]
    assert "••••••" in preview
    assert subscription["credentials"]["password"] not in preview
