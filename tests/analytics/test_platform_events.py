"""Platform rows of analytics_events, recorded by jobs from the platform's business events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from cuenty.analytics import platform_jobs
from cuenty.analytics.models import AnalyticsEvent
from cuenty.kit.jobs import JobContext
from cuenty.kit.jobs.models import OutboxEntry
from cuenty.payments.settings import PaymentSettings
from tests.commerce_support import Catalog, add_stock, person, run_all_jobs, seed_catalog
from tests.conftest import TestDatabase
from tests.jobs.support import reset_procrastinate
from tests.payments.support import (
    BANK_SECRET,
    PREFIX,
    bank_body,
    order_with_spei,
    post_bank,
    post_stp,
    stp_abono,
)

PLATFORM = AnalyticsEvent.source == "platform"


@pytest.fixture(autouse=True)
async def clean_job_queue(database: TestDatabase) -> AsyncIterator[None]:
    await reset_procrastinate(database.engine)
    yield


@pytest.fixture
async def catalog(app: FastAPI) -> Catalog:
    app.state.payment_settings = PaymentSettings(
        clabe_prefix=PREFIX,
        stp_allowed_ips=["127.0.0.1"],
        bank_webhook_secrets={"BBVA": BANK_SECRET},
    )
    return await seed_catalog(app)


async def platform_rows(app: FastAPI, event_type: str) -> list[AnalyticsEvent]:
    async with app.state.session_factory() as session:
        rows = await session.scalars(
            select(AnalyticsEvent).where(PLATFORM, AnalyticsEvent.event_type == event_type)
        )
        return list(rows.all())


async def paid_by_deposit(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, database: TestDatabase, excess: str
) -> dict[str, object]:
    """A customer in Jalisco pays an order by STP with `excess` pesos too many; jobs run."""
    await add_stock(app, catalog.netflix, 1)
    _headers, order, instructions = await order_with_spei(client, catalog)
    total = Decimal(str(order["total"])) + Decimal(excess)
    answer = await post_stp(client, stp_abono(instructions["clabe"], f"{total:.2f}"))
    assert answer.json()["mensaje"] == "confirmar"
    await run_all_jobs(database)
    return order


async def test_signup_row_per_new_user(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase
) -> None:
    await person(client, "ana@example.com")
    await run_all_jobs(database)
    [row] = await platform_rows(app, "signup")
    assert row.event_name == "user.created"
    assert row.amount is None
    assert row.state_code == "unknown"


async def test_order_created_row_has_total_and_service(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, database: TestDatabase
) -> None:
    _headers, order, _instructions = await order_with_spei(client, catalog)
    await run_all_jobs(database)
    [row] = await platform_rows(app, "order_created")
    assert str(row.order_id) == order["id"]
    assert row.amount == Decimal(str(order["total"])).quantize(Decimal("0.01"))
    assert row.service_id == catalog.netflix.id


async def test_payment_row_excludes_the_excess(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, database: TestDatabase
) -> None:
    order = await paid_by_deposit(app, client, catalog, database, excess="10.00")
    [row] = await platform_rows(app, "payment")
    assert row.amount == Decimal(str(order["total"])).quantize(Decimal("0.01"))
    assert row.service_id == catalog.netflix.id
    assert str(row.order_id) == order["id"]


async def test_activation_row_after_payment(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, database: TestDatabase
) -> None:
    order = await paid_by_deposit(app, client, catalog, database, excess="0.00")
    [row] = await platform_rows(app, "activation")
    assert str(row.order_id) == order["id"]
    assert row.service_id == catalog.netflix.id
    assert row.amount is None


async def test_state_comes_from_postal_code(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, database: TestDatabase
) -> None:
    headers = await person(client, "ana@example.com")
    answer = await client.patch("/v1/users/me", json={"postalCode": "44100"}, headers=headers)
    assert answer.status_code == 200, answer.text
    await run_all_jobs(database)
    [row] = await platform_rows(app, "signup")
    assert row.state_code == "MX-JAL"


async def test_returned_payment_is_negative(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, database: TestDatabase
) -> None:
    _headers, _order, instructions = await order_with_spei(client, catalog)
    key = {
        "tracking_key": "BBVA20261205RET01",
        "sender_institution": "40012",
        "operation_date": "2026-12-05",
    }
    partial = bank_body(
        instructions["reference"], "10.00", "TX-CREDIT", clabe=instructions["clabe"], **key
    )
    assert (await post_bank(client, partial)).json()["result"] == "matched"
    returned = json.loads(partial)
    returned["webhook_type"] = "payment_returned"
    returned["payload"]["transaction_id"] = "TX-RETURN"
    assert (await post_bank(client, json.dumps(returned).encode())).status_code == 200
    await run_all_jobs(database)
    [payment] = await platform_rows(app, "payment")
    [refund] = await platform_rows(app, "payment_returned")
    assert payment.amount == Decimal("10.00")
    assert refund.amount == Decimal("-10.00")


async def test_staff_confirmed_payment_and_renewal(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, database: TestDatabase
) -> None:
    await add_stock(app, catalog.spotify, 2)
    headers = await person(client, "ana@example.com")
    staff = await person(client, "ops@example.com", "operations")
    body = {"items": [{"planId": str(catalog.spotify_month.id)}]}
    order = (await client.post("/v1/orders", json=body, headers=headers)).json()
    confirm = f"/v1/orders/{order['id']}/confirm-payment"
    await client.post(confirm, json={"reason": "folio 1"}, headers=staff)
    await run_all_jobs(database)
    subscription = (await client.get("/v1/subscriptions", headers=headers)).json()["items"][0]
    renewal = (
        await client.post(f"/v1/subscriptions/{subscription['id']}/renew", headers=headers)
    ).json()
    renew_confirm = f"/v1/orders/{renewal['id']}/confirm-payment"
    await client.post(renew_confirm, json={"reason": "folio 2"}, headers=staff)
    await run_all_jobs(database)

    payments = await platform_rows(app, "payment")
    [renewed] = await platform_rows(app, "renewal")
    assert sorted(str(row.order_id) for row in payments) == sorted([order["id"], renewal["id"]])
    assert all(row.amount == Decimal("63.00") for row in payments)
    assert str(renewed.order_id) == renewal["id"]
    assert renewed.service_id == catalog.spotify.id


async def test_replayed_job_adds_no_row(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase
) -> None:
    await person(client, "ana@example.com")
    async with app.state.session_factory() as session:
        entry = await session.scalar(select(OutboxEntry).where(OutboxEntry.name == "user.created"))
    assert entry is not None
    payload = {
        "event_id": entry.payload["id"],
        "event_type": entry.name,
        "occurred_at": entry.created_at.isoformat(),
        "data": entry.payload["data"],
    }
    context = JobContext(
        job_id=1,
        name=platform_jobs.RECORD_JOB,
        attempt=1,
        max_attempts=1,
        session_factory=app.state.session_factory,
        settings=app.state.settings,
        now=lambda: entry.created_at,
    )
    await platform_jobs.record_platform_event(context, payload)
    await platform_jobs.record_platform_event(context, payload)
    assert len(await platform_rows(app, "signup")) == 1
