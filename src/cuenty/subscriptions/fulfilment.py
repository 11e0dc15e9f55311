"""Fulfilment of paid orders: one subscription per unit, stock assigned oldest first, and the
order delivered once every unit has its account.

Each step is idempotent, because the job that runs it may run twice: units are unique per
order item, stock already assigned stays assigned, and a delivered order is left alone. When
stock runs short the assigned units stay assigned, the rest wait in state `pending`,
operations get `order.awaiting_stock`, and `inventory.stock_available` resumes the order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.catalog import service as catalog
from cuenty.catalog.models import CatalogService, Plan
from cuenty.kit import jobs
from cuenty.kit.actor import Actor
from cuenty.orders import states as order_states
from cuenty.orders.models import Order, OrderItem, OrderKind, OrderState
from cuenty.subscriptions import states
from cuenty.subscriptions.activation import activate
from cuenty.subscriptions.models import Subscription, SubscriptionState
from cuenty.subscriptions.renewals import apply_renewal
from cuenty.subscriptions.settings import SubscriptionSettings

OPEN_ORDER_STATES = {OrderState.PAID.value, OrderState.FULFILLING.value}


@dataclass(frozen=True)
class Fulfilment:
    activated: int
    waiting: int


async def fulfil_order(
    session: AsyncSession, order_id: uuid.UUID, *, now: datetime, settings: SubscriptionSettings
) -> Fulfilment:
    order = await session.get(Order, order_id)
    if order is None or order.state not in OPEN_ORDER_STATES:
        return Fulfilment(0, 0)
    first_pass = order.state == OrderState.PAID.value
    if first_pass:
        await order_states.move(session, order, OrderState.FULFILLING, Actor.job())
    if order.kind == OrderKind.RENEWAL:
        return await _fulfil_renewal(session, order, now=now, settings=settings)
    await _create_units(session, order)
    result = await _assign_waiting(session, order, now=now, settings=settings)
    if result.waiting == 0:
        await _deliver(session, order, now)
    elif first_pass:
        await _alert_awaiting_stock(session, order)
    return result


async def resume_waiting(
    session: AsyncSession,
    service_id: uuid.UUID,
    *,
    now: datetime,
    settings: SubscriptionSettings,
    limit: int = 100,
) -> int:
    """Give newly free stock of a service to the units waiting for it, oldest first.

    Orders that become complete are delivered. Returns how many units started."""
    waiting = (
        await session.scalars(
            select(Subscription)
            .where(
                Subscription.service_id == service_id,
                Subscription.state == SubscriptionState.PENDING.value,
            )
            .order_by(Subscription.created_at, Subscription.unit)
            .limit(limit)
        )
    ).all()
    started = 0
    for subscription in waiting:
        plan = await session.get(Plan, subscription.plan_id)
        assert plan is not None
        if not await activate(session, subscription, plan, now=now, settings=settings):
            break
        started += 1
        order_id = subscription.renewal_order_id or subscription.order_id
        subscription.renewal_order_id = None
        await _deliver_if_complete(session, order_id, now)
    return started


async def _deliver_if_complete(session: AsyncSession, order_id: uuid.UUID, now: datetime) -> None:
    order = await session.get(Order, order_id)
    if order is None or order.state != OrderState.FULFILLING.value:
        return
    if order.kind != OrderKind.RENEWAL:
        still_waiting = await session.scalar(
            select(func.count())
            .select_from(Subscription)
            .where(
                Subscription.order_id == order.id,
                Subscription.state == SubscriptionState.PENDING.value,
            )
        )
        if still_waiting:
            return
    await _deliver(session, order, now)


async def _create_units(session: AsyncSession, order: Order) -> None:
    items = (
        await session.scalars(
            select(OrderItem).where(OrderItem.order_id == order.id).order_by(OrderItem.position)
        )
    ).all()
    existing = set(
        (
            await session.execute(
                select(Subscription.order_item_id, Subscription.unit).where(
                    Subscription.order_id == order.id
                )
            )
        ).all()
    )
    for item in items:
        for unit, plan in enumerate(await _unit_plans(session, item)):
            if (item.id, unit) in existing:
                continue
            await _add_unit(session, order, item, unit, plan)


async def _unit_plans(session: AsyncSession, item: OrderItem) -> list[Plan]:
    """Return the plan of every unit of an item: a bundle of two plans bought twice is four."""
    if item.plan_id is not None:
        plan = await session.get(Plan, item.plan_id)
        assert plan is not None
        return [plan] * item.quantity
    assert item.bundle_id is not None
    return await catalog.bundle_plans(session, item.bundle_id) * item.quantity


async def _add_unit(
    session: AsyncSession, order: Order, item: OrderItem, unit: int, plan: Plan
) -> None:
    subscription = Subscription(
        id=uuid.uuid4(),
        user_id=order.user_id,
        order_id=order.id,
        order_item_id=item.id,
        unit=unit,
        service_id=plan.service_id,
        plan_id=plan.id,
        plan_type=plan.plan_type,
        state=SubscriptionState.PENDING.value,
    )
    try:
        async with session.begin_nested():
            session.add(subscription)
            await session.flush()
    except IntegrityError:
        return  # created by a concurrent run of the same job
    states.record(session, subscription, None, Actor.job())


async def _assign_waiting(
    session: AsyncSession, order: Order, *, now: datetime, settings: SubscriptionSettings
) -> Fulfilment:
    waiting = (
        await session.scalars(
            select(Subscription)
            .where(
                Subscription.order_id == order.id,
                Subscription.state == SubscriptionState.PENDING.value,
            )
            .order_by(Subscription.order_item_id, Subscription.unit)
        )
    ).all()
    activated = 0
    for subscription in waiting:
        plan = await session.get(Plan, subscription.plan_id)
        assert plan is not None
        if await activate(session, subscription, plan, now=now, settings=settings):
            activated += 1
    return Fulfilment(activated, len(waiting) - activated)


async def _deliver(session: AsyncSession, order: Order, now: datetime) -> None:
    await order_states.move(session, order, OrderState.DELIVERED, Actor.job())
    order.delivered_at = now
    await session.flush()


async def _alert_awaiting_stock(session: AsyncSession, order: Order) -> None:
    rows = (
        await session.execute(
            select(CatalogService.name, Subscription.id)
            .join(CatalogService, CatalogService.id == Subscription.service_id)
            .where(
                Subscription.order_id == order.id,
                Subscription.state == SubscriptionState.PENDING.value,
            )
        )
    ).all()
    missing: dict[str, int] = {}
    for service_name, _subscription_id in rows:
        missing[service_name] = missing.get(service_name, 0) + 1
    for service_name, count in missing.items():
        await jobs.publish(
            session,
            "order.awaiting_stock",
            {
                "orderId": order.id,
                "number": order.number,
                "serviceName": service_name,
                "missing": count,
            },
        )


async def _fulfil_renewal(
    session: AsyncSession, order: Order, *, now: datetime, settings: SubscriptionSettings
) -> Fulfilment:
    done = await apply_renewal(session, order, now=now, settings=settings)
    if done:
        await _deliver(session, order, now)
        return Fulfilment(1, 0)
    return Fulfilment(0, 1)
