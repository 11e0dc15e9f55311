"""The sweep (expiring, reminders, auto-renew orders, expiry) and renewals, on both
databases, with the clock passed in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from cuenty.inventory.models import AccountProfile, ServiceAccount
from cuenty.kit.actor import Actor
from cuenty.kit.jobs.models import OutboxEntry
from cuenty.orders import service as orders
from cuenty.orders.models import Order
from cuenty.orders.schemas import OrderItemIn
from cuenty.subscriptions import lifecycle
from cuenty.subscriptions.fulfilment import fulfil_order
from cuenty.subscriptions.models import Subscription
from cuenty.subscriptions.settings import SubscriptionSettings
from tests.commerce_support import Catalog, add_stock, seed_catalog, stored_user

pytestmark = pytest.mark.asyncio
SETTINGS = SubscriptionSettings()
WINDOW = timedelta(hours=48)
# Noon in Mexico City (UTC-6), so day arithmetic is far from midnight.
NOON = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


@pytest.fixture
async def catalog(app: FastAPI) -> Catalog:
    catalog = await seed_catalog(app)
    await add_stock(app, catalog.netflix, 2)
    return catalog


async def running_subscription(app: FastAPI, catalog: Catalog, ends_in: timedelta) -> uuid.UUID:
    """A paid, delivered Netflix profile whose period ends `ends_in` after NOON."""
    owner = await stored_user(app, f"{uuid.uuid4().hex[:8]}@example.com")
    async with app.state.session_factory() as session, session.begin():
        order = await orders.place_order(
            session,
            user_id=owner,
            items=[OrderItemIn(plan_id=catalog.netflix_profile.id)],
            promotion_code=None,
            actor=Actor.system(),
            now=NOON - timedelta(days=20),
            payment_window=WINDOW,
        )
        await orders.confirm_payment(session, order, Actor.system(), paid_at=NOON, reason="t")
        await fulfil_order(session, order.id, now=NOON - timedelta(days=20), settings=SETTINGS)
        subscription = await session.scalar(
            select(Subscription).where(Subscription.order_id == order.id)
        )
        subscription.ends_at = NOON + ends_in
    return subscription.id


async def sweep(app: FastAPI, now: datetime) -> lifecycle.SweepResult:
    async with app.state.session_factory() as session, session.begin():
        return await lifecycle.sweep(session, now=now, settings=SETTINGS, payment_window=WINDOW)


async def reminders(app: FastAPI) -> list[int]:
    async with app.state.session_factory() as session:
        rows = await session.scalars(
            select(OutboxEntry.payload).where(OutboxEntry.name == "subscription.expiring")
        )
        return [row["data"]["daysLeft"] for row in rows]


async def subscription(app: FastAPI, subscription_id: uuid.UUID) -> Subscription:
    async with app.state.session_factory() as session:
        found = await session.get(Subscription, subscription_id)
    assert found is not None
    return found


async def test_seven_days_left_is_expiring(app: FastAPI, catalog: Catalog) -> None:
    subscription_id = await running_subscription(app, catalog, timedelta(days=7))
    await sweep(app, NOON)
    assert (await subscription(app, subscription_id)).state == "expiring"


async def test_eight_days_left_stays_active(app: FastAPI, catalog: Catalog) -> None:
    subscription_id = await running_subscription(app, catalog, timedelta(days=8))
    await sweep(app, NOON)
    assert (await subscription(app, subscription_id)).state == "active"


@pytest.mark.parametrize(("days", "kind"), [(7, 7), (5, 7), (3, 3), (2, 3), (1, 1), (0, 0)])
async def test_reminder_kind_by_days_left(
    app: FastAPI, catalog: Catalog, days: int, kind: int
) -> None:
    await running_subscription(app, catalog, timedelta(days=days, hours=1))
    await sweep(app, NOON)
    assert await reminders(app) == [kind]


async def test_reminder_sent_once_per_kind(app: FastAPI, catalog: Catalog) -> None:
    await running_subscription(app, catalog, timedelta(days=3))
    await sweep(app, NOON)
    await sweep(app, NOON + timedelta(hours=1))
    assert await reminders(app) == [3]


async def test_each_kind_is_sent_as_the_end_nears(app: FastAPI, catalog: Catalog) -> None:
    await running_subscription(app, catalog, timedelta(days=7, hours=1))
    for day in range(8):
        await sweep(app, NOON + timedelta(days=day))
    assert await reminders(app) == [7, 3, 1, 0]


async def test_end_date_expires_and_sends_stock_to_maintenance(
    app: FastAPI, catalog: Catalog
) -> None:
    subscription_id = await running_subscription(app, catalog, timedelta(hours=1))
    await sweep(app, NOON + timedelta(hours=2))
    ended = await subscription(app, subscription_id)
    async with app.state.session_factory() as session:
        profile = await session.get(AccountProfile, ended.profile_id)
    assert ended.state == "expired"
    assert profile.state == "maintenance"
    assert profile.subscription_id is None


async def test_expired_complete_account_goes_to_maintenance(app: FastAPI, catalog: Catalog) -> None:
    owner = await stored_user(app)
    async with app.state.session_factory() as session, session.begin():
        order = await orders.place_order(
            session,
            user_id=owner,
            items=[OrderItemIn(plan_id=catalog.netflix_whole.id)],
            promotion_code=None,
            actor=Actor.system(),
            now=NOON,
            payment_window=WINDOW,
        )
        await orders.confirm_payment(session, order, Actor.system(), paid_at=NOON, reason="t")
        await fulfil_order(session, order.id, now=NOON, settings=SETTINGS)
    await sweep(app, NOON + timedelta(days=31))
    async with app.state.session_factory() as session:
        states = (await session.scalars(select(ServiceAccount.state))).all()
    assert sorted(states) == ["available", "maintenance"]


async def test_auto_renew_creates_one_renewal_order(app: FastAPI, catalog: Catalog) -> None:
    await running_subscription(app, catalog, timedelta(days=4))
    await sweep(app, NOON)
    await sweep(app, NOON + timedelta(hours=1))
    async with app.state.session_factory() as session:
        count = await session.scalar(
            select(func.count()).select_from(Order).where(Order.kind == "renewal")
        )
    assert count == 1


async def test_no_renewal_order_without_auto_renew(app: FastAPI, catalog: Catalog) -> None:
    subscription_id = await running_subscription(app, catalog, timedelta(days=4))
    async with app.state.session_factory() as session, session.begin():
        await session.execute(
            update(Subscription).where(Subscription.id == subscription_id).values(auto_renew=False)
        )
    result = await sweep(app, NOON)
    assert result.renewal_orders == 0


async def test_paid_renewal_extends_from_the_end_date(app: FastAPI, catalog: Catalog) -> None:
    subscription_id = await running_subscription(app, catalog, timedelta(days=4))
    await sweep(app, NOON)
    renewed = await subscription(app, subscription_id)
    async with app.state.session_factory() as session, session.begin():
        order = await session.get(Order, renewed.renewal_order_id)
        await orders.confirm_payment(session, order, Actor.system(), paid_at=NOON, reason="t")
        await fulfil_order(session, order.id, now=NOON, settings=SETTINGS)
    extended = await subscription(app, subscription_id)
    assert extended.ends_at == NOON + timedelta(days=4 + 30)


async def test_renewal_keeps_the_same_account(app: FastAPI, catalog: Catalog) -> None:
    subscription_id = await running_subscription(app, catalog, timedelta(days=4))
    before = await subscription(app, subscription_id)
    await sweep(app, NOON)
    async with app.state.session_factory() as session, session.begin():
        order = await session.get(
            Order, before.id and (await subscription(app, subscription_id)).renewal_order_id
        )
        await orders.confirm_payment(session, order, Actor.system(), paid_at=NOON, reason="t")
        await fulfil_order(session, order.id, now=NOON, settings=SETTINGS)
    after = await subscription(app, subscription_id)
    assert after.account_id == before.account_id
    assert after.profile_id == before.profile_id
    assert after.state == "active"


async def test_late_renewal_starts_new_period(app: FastAPI, catalog: Catalog) -> None:
    subscription_id = await running_subscription(app, catalog, timedelta(days=4))
    await sweep(app, NOON)
    later = NOON + timedelta(days=6)
    await sweep(app, later)
    renewal_id = (await subscription(app, subscription_id)).renewal_order_id
    async with app.state.session_factory() as session, session.begin():
        order = await session.get(Order, renewal_id)
        await orders.confirm_payment(session, order, Actor.system(), paid_at=later, reason="t")
        await fulfil_order(session, order.id, now=later, settings=SETTINGS)
    restarted = await subscription(app, subscription_id)
    assert restarted.state == "active"
    assert restarted.ends_at == later + timedelta(days=30)
