"""Concurrent use: CLABE allocation and duplicate STP and bank notifications.

The app here has rate limiting off, because the requests all come from one address.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.app import create_app
from cuenty.kit.clock import utc_now
from cuenty.kit.jobs.models import OutboxEntry
from cuenty.mexico.clabe import InvalidClabe, validate_clabe
from cuenty.orders.models import Order, OrderTransition
from cuenty.payments import clabes
from cuenty.payments.models import BankWebhook, OrderClabe, ReceivedTransfer, Reconciliation
from tests.commerce_support import Catalog, stored_user
from tests.conftest import TestDatabase, make_settings
from tests.payments.support import (
    PREFIX,
    bank_body,
    count_rows,
    order_state,
    order_with_spei,
    post_bank,
    post_stp,
    stp_abono,
)

pytestmark = pytest.mark.asyncio

ALLOCATIONS = 1000
NOTIFICATIONS = 100


@pytest.fixture
async def app(database: TestDatabase, engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    settings = make_settings(database_url=database.url, rate_limit_enabled=False)
    application = create_app(settings, engine=engine)
    async with application.router.lifespan_context(application):
        yield application


async def test_concurrent_allocations_are_distinct(app: FastAPI, catalog: Catalog) -> None:
    user_id = await stored_user(app)
    order_ids = await _orders(app, user_id, ALLOCATIONS)

    async def allocate(order_id: uuid.UUID) -> str:
        async with app.state.session_factory() as session, session.begin():
            allocated = await clabes.order_clabe(
                session, order_id=order_id, user_id=user_id, prefix=PREFIX
            )
            return allocated.clabe

    returned = await asyncio.gather(*(allocate(order_id) for order_id in order_ids))

    async with app.state.session_factory() as session:
        stored = list((await session.scalars(select(OrderClabe.clabe))).all())
    assert len(set(returned)) == ALLOCATIONS
    assert sorted(stored) == sorted(returned)
    invalid = [clabe for clabe in stored if not _is_valid(clabe)]
    assert invalid == []
    assert all(clabe.startswith(PREFIX) for clabe in stored)


async def test_identical_notifications_pay_once(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, instructions = await order_with_spei(client, catalog)
    amount = f"{order['total']:.2f}"
    body = stp_abono(instructions["clabe"], amount, tracking="MBAN0100CONCURRENT")

    responses = await asyncio.gather(*(post_stp(client, body) for _ in range(NOTIFICATIONS)))

    failures = [response.text for response in responses if response.status_code != 200]
    assert failures == []
    assert {response.json()["mensaje"] for response in responses} == {"confirmar"}
    assert await count_rows(app, ReceivedTransfer) == 1
    assert await count_rows(app, Reconciliation) == 1
    assert await count_rows(app, OutboxEntry, OutboxEntry.name == "order.paid") == 1
    assert await count_rows(app, OrderTransition, OrderTransition.to_state == "paid") == 1
    assert await order_state(app, order["id"]) == "paid"


async def _orders(app: FastAPI, user_id: uuid.UUID, count: int) -> list[uuid.UUID]:
    """Insert `count` unpaid orders straight into the table, faster than the API."""
    now = utc_now()
    zero = Decimal("0.00")
    orders = [
        Order(
            id=uuid.uuid4(),
            number=f"CTY-TEST-{position:07d}",
            user_id=user_id,
            subtotal=Decimal("45.00"),
            discount=zero,
            iva=zero,
            total=Decimal("45.00"),
            cost=zero,
            profit=zero,
            payment_expires_at=now + timedelta(hours=1),
        )
        for position in range(count)
    ]
    async with app.state.session_factory() as session, session.begin():
        session.add_all(orders)
    return [order.id for order in orders]


def _is_valid(clabe: str) -> bool:
    try:
        return validate_clabe(clabe) == clabe
    except InvalidClabe:
        return False


async def test_identical_bank_notifications_credit_once(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, instructions = await order_with_spei(client, catalog)
    body = bank_body(instructions["reference"], f"{order['total']:.2f}", "BBVA-TX-CONCURRENT")

    responses = await asyncio.gather(*(post_bank(client, body) for _ in range(NOTIFICATIONS)))

    failures = [response.text for response in responses if response.status_code != 200]
    assert failures == []
    assert {response.json()["result"] for response in responses} == {"matched"}
    assert await count_rows(app, BankWebhook) == 1
    assert await count_rows(app, ReceivedTransfer) == 1
    assert await count_rows(app, Reconciliation) == 1
    assert await count_rows(app, OutboxEntry, OutboxEntry.name == "order.paid") == 1
