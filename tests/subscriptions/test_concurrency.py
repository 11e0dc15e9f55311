"""Twenty paid orders racing for ten accounts, each fulfilled in its own transaction at the
same time: every account goes to one subscription at most."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from cuenty.kit.actor import Actor
from cuenty.kit.clock import utc_now
from cuenty.orders import service as orders
from cuenty.orders.schemas import OrderItemIn
from cuenty.subscriptions.fulfilment import fulfil_order
from cuenty.subscriptions.models import Subscription
from cuenty.subscriptions.settings import SubscriptionSettings
from tests.commerce_support import add_stock, seed_catalog, stored_user
from tests.conftest import TestDatabase

pytestmark = pytest.mark.asyncio
ORDERS = 20
ACCOUNTS = 10


async def paid_orders(app: FastAPI, plan_id: uuid.UUID) -> list[uuid.UUID]:
    owner = await stored_user(app)
    ids = []
    async with app.state.session_factory() as session, session.begin():
        for _ in range(ORDERS):
            order = await orders.place_order(
                session,
                user_id=owner,
                items=[OrderItemIn(plan_id=plan_id, quantity=1)],
                promotion_code=None,
                actor=Actor.system(),
                now=utc_now(),
                payment_window=timedelta(hours=48),
            )
            await orders.confirm_payment(
                session, order, Actor.system(), paid_at=utc_now(), reason="test"
            )
            ids.append(order.id)
    return ids


async def fulfil_alone(app: FastAPI, order_id: uuid.UUID) -> None:
    async with app.state.session_factory() as session, session.begin():
        await fulfil_order(session, order_id, now=utc_now(), settings=SubscriptionSettings())


async def test_each_account_is_assigned_once(app: FastAPI, database: TestDatabase) -> None:
    if database.dialect != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL case; SQLite has one writer at a time")
    catalog = await seed_catalog(app)
    await add_stock(app, catalog.spotify, ACCOUNTS)
    order_ids = await paid_orders(app, catalog.spotify_month.id)
    await asyncio.gather(*(fulfil_alone(app, order_id) for order_id in order_ids))
    async with app.state.session_factory() as session:
        assigned = (
            await session.execute(
                select(
                    func.count(Subscription.account_id),
                    func.count(func.distinct(Subscription.account_id)),
                )
            )
        ).one()
    assert tuple(assigned) == (ACCOUNTS, ACCOUNTS)


async def test_racing_fulfilments_leave_the_rest_waiting(
    app: FastAPI, database: TestDatabase
) -> None:
    catalog = await seed_catalog(app)
    await add_stock(app, catalog.spotify, ACCOUNTS)
    order_ids = await paid_orders(app, catalog.spotify_month.id)
    await asyncio.gather(*(fulfil_alone(app, order_id) for order_id in order_ids))
    async with app.state.session_factory() as session:
        waiting = await session.scalar(
            select(func.count()).select_from(Subscription).where(Subscription.state == "pending")
        )
    assert waiting == ORDERS - ACCOUNTS
