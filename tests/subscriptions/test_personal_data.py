"""Subscriptions under a privacy cancellation: the block stops auto-renew and cancels the
open renewal order; withdrawing the cancellation turns auto-renew back on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from cuenty.compliance import requests
from cuenty.compliance.context import ComplianceContext
from cuenty.compliance.models import DataRequest, RequestType
from cuenty.orders.models import Order, OrderState
from cuenty.subscriptions.models import Subscription
from tests.commerce_support import Catalog, add_stock, seed_catalog
from tests.subscriptions.test_lifecycle import running_subscription, subscription, sweep

pytestmark = pytest.mark.asyncio
NOON = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


@pytest.fixture
async def catalog(app: FastAPI) -> Catalog:
    catalog = await seed_catalog(app)
    await add_stock(app, catalog.netflix, 2)
    return catalog


async def _owner(app: FastAPI, subscription_id: uuid.UUID) -> uuid.UUID:
    return (await subscription(app, subscription_id)).user_id


async def _file_cancellation(app: FastAPI, user_id: uuid.UUID) -> uuid.UUID:
    ctx = ComplianceContext(settings=app.state.settings, now=NOON)
    async with app.state.session_factory() as session, session.begin():
        filed = await requests.file_request(
            session,
            ctx,
            user_id=user_id,
            request_type=RequestType.DELETION,
            channel="web",
            filed_as="titular",
            details={},
        )
    return filed.id


async def _withdraw(app: FastAPI, request_id: uuid.UUID) -> None:
    ctx = ComplianceContext(settings=app.state.settings, now=NOON + timedelta(hours=1))
    async with app.state.session_factory() as session, session.begin():
        found = await session.get(DataRequest, request_id)
        assert found is not None
        await requests.withdraw(session, ctx, found)


async def test_block_stops_auto_renew(app: FastAPI, catalog: Catalog) -> None:
    subscription_id = await running_subscription(app, catalog, timedelta(days=20))
    await _file_cancellation(app, await _owner(app, subscription_id))
    assert (await subscription(app, subscription_id)).auto_renew is False


async def test_withdrawal_restores_auto_renew(app: FastAPI, catalog: Catalog) -> None:
    subscription_id = await running_subscription(app, catalog, timedelta(days=20))
    request_id = await _file_cancellation(app, await _owner(app, subscription_id))
    await _withdraw(app, request_id)
    restored = await subscription(app, subscription_id)
    assert restored.auto_renew is True
    assert restored.auto_renew_held is False


async def test_withdrawal_keeps_auto_renew_off(app: FastAPI, catalog: Catalog) -> None:
    """A subscription whose auto-renew was off before the block stays off."""
    subscription_id = await running_subscription(app, catalog, timedelta(days=20))
    async with app.state.session_factory() as session, session.begin():
        await session.execute(
            update(Subscription).where(Subscription.id == subscription_id).values(auto_renew=False)
        )
    request_id = await _file_cancellation(app, await _owner(app, subscription_id))
    await _withdraw(app, request_id)
    assert (await subscription(app, subscription_id)).auto_renew is False


async def test_other_cancellation_keeps_block(app: FastAPI, catalog: Catalog) -> None:
    subscription_id = await running_subscription(app, catalog, timedelta(days=20))
    owner = await _owner(app, subscription_id)
    first = await _file_cancellation(app, owner)
    await _file_cancellation(app, owner)
    await _withdraw(app, first)
    assert (await subscription(app, subscription_id)).auto_renew is False


async def test_cancelled_renewal_stays_cancelled(app: FastAPI, catalog: Catalog) -> None:
    """The renewal order the block cancelled stays cancelled; the sweep opens a new one."""
    subscription_id = await running_subscription(app, catalog, timedelta(days=4))
    await sweep(app, NOON)
    blocked_order_id = (await subscription(app, subscription_id)).renewal_order_id
    request_id = await _file_cancellation(app, await _owner(app, subscription_id))
    await _withdraw(app, request_id)
    await sweep(app, NOON + timedelta(hours=2))
    async with app.state.session_factory() as session:
        blocked_order = await session.get(Order, blocked_order_id)
        open_orders = list(
            await session.scalars(
                select(Order).where(
                    Order.kind == "renewal", Order.state == OrderState.PENDING_PAYMENT.value
                )
            )
        )
    assert blocked_order is not None
    assert blocked_order.state == OrderState.CANCELLED.value
    assert len(open_orders) == 1
    assert (await subscription(app, subscription_id)).renewal_order_id == open_orders[0].id
