"""Every allowed and every forbidden change of an order's state, on both databases."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from cuenty.kit.actor import Actor
from cuenty.kit.clock import utc_now
from cuenty.orders import states
from cuenty.orders.errors import InvalidTransitionError
from cuenty.orders.models import Order, OrderState, OrderTransition
from tests.commerce_support import stored_user

pytestmark = pytest.mark.asyncio
PAIRS = list(itertools.product(OrderState, OrderState))


async def stored_order(app: FastAPI, owner: uuid.UUID, state: OrderState) -> uuid.UUID:
    zero = Decimal("0.00")
    async with app.state.session_factory() as session, session.begin():
        order = Order(
            number=f"CTY-20261204-{uuid.uuid4().hex[:6].upper()}",
            user_id=owner,
            state=state.value,
            subtotal=zero,
            discount=zero,
            iva=zero,
            total=zero,
            cost=zero,
            profit=zero,
            payment_expires_at=utc_now() + timedelta(hours=48),
        )
        session.add(order)
    return order.id


async def owner_id(app: FastAPI, client) -> uuid.UUID:  # type: ignore[no-untyped-def]
    return await stored_user(app)


@pytest.mark.parametrize(
    ("current", "target"), [pair for pair in PAIRS if states.can_move(pair[0], pair[1])]
)
async def test_allowed_change_is_recorded(
    app: FastAPI,
    client,
    current: OrderState,
    target: OrderState,  # type: ignore[no-untyped-def]
) -> None:
    order_id = await stored_order(app, await owner_id(app, client), current)
    async with app.state.session_factory() as session, session.begin():
        order = await session.get(Order, order_id)
        await states.move(session, order, target, Actor.system())
    async with app.state.session_factory() as session:
        steps = (
            await session.execute(select(OrderTransition.from_state, OrderTransition.to_state))
        ).all()
    assert steps == [(current.value, target.value)]


@pytest.mark.parametrize(
    ("current", "target"), [pair for pair in PAIRS if not states.can_move(pair[0], pair[1])]
)
async def test_forbidden_change_is_409_and_changes_nothing(
    app: FastAPI,
    client,
    current: OrderState,
    target: OrderState,  # type: ignore[no-untyped-def]
) -> None:
    order_id = await stored_order(app, await owner_id(app, client), current)
    async with app.state.session_factory() as session:
        order = await session.get(Order, order_id)
        with pytest.raises(InvalidTransitionError):
            await states.move(session, order, target, Actor.system())
        await session.rollback()
    async with app.state.session_factory() as session:
        assert (
            await session.scalar(select(Order.state).where(Order.id == order_id)) == current.value
        )


async def test_stale_copy_loses_to_a_concurrent_change(app: FastAPI, client) -> None:  # type: ignore[no-untyped-def]
    order_id = await stored_order(app, await owner_id(app, client), OrderState.PENDING_PAYMENT)
    async with app.state.session_factory() as stale:
        stale_order = await stale.get(Order, order_id)
        async with app.state.session_factory() as other, other.begin():
            fresh = await other.get(Order, order_id)
            await states.move(other, fresh, OrderState.PAID, Actor.system())
        with pytest.raises(InvalidTransitionError) as refused:
            await states.move(stale, stale_order, OrderState.CANCELLED, Actor.system())
    assert refused.value.extra == {"currentState": "paid"}
