"""Business rules of orders: placing one, reading and listing with object-level access,
cancelling, confirming payment and expiring unpaid orders. Services never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.catalog import promotions
from cuenty.catalog import service as catalog
from cuenty.catalog.models import Bundle, CatalogService, Plan, Promotion
from cuenty.catalog.pricing import LineInput, OrderAmounts, price_order
from cuenty.identity.access import Principal
from cuenty.kit import jobs
from cuenty.kit.actor import Actor
from cuenty.kit.clock import start_of_business_day
from cuenty.kit.errors import ValidationFailedError
from cuenty.kit.i18n import N_
from cuenty.kit.validation import FieldError
from cuenty.orders import states
from cuenty.orders.errors import OrderNotFoundError
from cuenty.orders.models import (
    Order,
    OrderItem,
    OrderKind,
    OrderState,
    OrderTransition,
    PaymentState,
)
from cuenty.orders.numbers import new_number
from cuenty.orders.schemas import OrderFilters, OrderItemIn

ITEM_RULES = {
    "plan_unknown": N_("No plan has this id."),
    "plan_inactive": N_("This plan is not for sale at the moment."),
    "bundle_unknown": N_("No bundle has this id."),
    "bundle_inactive": N_("This bundle is not for sale at the moment."),
}
NUMBER_ATTEMPTS = 5


@dataclass(frozen=True)
class Line:
    """A requested item resolved against the catalog."""

    description: str
    quantity: int
    price: LineInput
    plan: Plan | None = None
    bundle: Bundle | None = None


async def place_order(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    items: Sequence[OrderItemIn],
    promotion_code: str | None,
    actor: Actor,
    now: datetime,
    payment_window: timedelta,
) -> Order:
    """Price and store a new order waiting for payment, and publish `order.created`."""
    lines = await _resolve_lines(session, items)
    promotion = None
    if promotion_code:
        gross = price_order([line.price for line in lines]).gross
        promotion = await promotions.check_for_order(
            session, promotion_code, user_id=user_id, gross=gross, now=now
        )
    return await _store_order(
        session,
        user_id=user_id,
        lines=lines,
        promotion=promotion,
        actor=actor,
        now=now,
        payment_window=payment_window,
    )


async def place_renewal(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    plan: Plan,
    subscription_id: uuid.UUID,
    actor: Actor,
    now: datetime,
    payment_window: timedelta,
) -> Order:
    """Place an order of one unit of the subscription's plan, which extends it once paid."""
    service = await session.get(CatalogService, plan.service_id)
    line = Line(
        description=_plan_description(service, plan),
        quantity=1,
        price=_plan_price(plan, 1),
        plan=plan,
    )
    return await _store_order(
        session,
        user_id=user_id,
        lines=[line],
        promotion=None,
        actor=actor,
        now=now,
        payment_window=payment_window,
        renews=subscription_id,
    )


async def get_order(session: AsyncSession, order_id: uuid.UUID, principal: Principal) -> Order:
    """Return the order if the caller is its owner or staff. Anyone else gets a 404."""
    order = await session.get(Order, order_id)
    if order is None or not _visible_to(order, principal):
        raise OrderNotFoundError(params={"id": order_id})
    return order


async def lock_for_payment(
    session: AsyncSession, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Order]:
    """Read orders to change their payment, locked until the transaction ends.

    On PostgreSQL this is `SELECT ... FOR UPDATE` in id order, so two deposits for one order
    are applied one after the other and two batches never deadlock; SQLite's single writer
    gives the same order.
    """
    rows = await session.scalars(
        select(Order)
        .where(Order.id.in_(sorted(set(order_ids))))
        .order_by(Order.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {order.id: order for order in rows.all()}


async def order_items(session: AsyncSession, order_id: uuid.UUID) -> list[OrderItem]:
    query = select(OrderItem).where(OrderItem.order_id == order_id).order_by(OrderItem.position)
    return list((await session.scalars(query)).all())


async def order_history(session: AsyncSession, order_id: uuid.UUID) -> list[OrderTransition]:
    query = (
        select(OrderTransition)
        .where(OrderTransition.order_id == order_id)
        .order_by(OrderTransition.created_at, OrderTransition.id)
    )
    return list((await session.scalars(query)).all())


def orders_query(principal: Principal, filters: OrderFilters) -> Select[Any]:
    """Orders the caller may list: customers their own, staff all, with staff filters."""
    query = select(Order)
    if not principal.is_staff:
        return query.where(Order.user_id == principal.user_id)
    if filters.user_id is not None:
        query = query.where(Order.user_id == filters.user_id)
    if filters.state is not None:
        query = query.where(Order.state == filters.state)
    if filters.payment_state is not None:
        query = query.where(Order.payment_state == filters.payment_state)
    if filters.created_from is not None:
        query = query.where(Order.created_at >= start_of_business_day(filters.created_from))
    if filters.created_to is not None:
        next_day = filters.created_to + timedelta(days=1)
        query = query.where(Order.created_at < start_of_business_day(next_day))
    return query


async def cancel_order(
    session: AsyncSession, order: Order, actor: Actor, reason: str | None
) -> None:
    """Cancel an unpaid order; a paid one is a 409 (it needs a refund instead)."""
    await states.move(session, order, OrderState.CANCELLED, actor, reason)
    await jobs.publish(session, "order.cancelled", _event_data(order))


async def confirm_payment(
    session: AsyncSession, order: Order, actor: Actor, *, paid_at: datetime, reason: str | None
) -> None:
    """Mark the order paid and queue its fulfilment, in the caller's transaction.

    The payments package calls this when a deposit matches the order; staff call it for a
    payment confirmed by other means. A promotion use is counted here, once.
    """
    await confirm_payments(session, [(order, paid_at)], actor, reason=reason)


async def confirm_payments(
    session: AsyncSession,
    paid: Sequence[tuple[Order, datetime]],
    actor: Actor,
    *,
    reason: str | None,
) -> None:
    """Mark several orders paid at once (a reconciliation batch); all or none move."""
    await states.move_many(session, [order for order, _ in paid], OrderState.PAID, actor, reason)
    for order, paid_at in paid:
        order.payment_state = PaymentState.PAID.value
        order.paid_at = paid_at
        if order.promotion_id is not None:
            await promotions.record_use(
                session, order.promotion_id, order_id=order.id, user_id=order.user_id
            )
    await session.flush()
    await jobs.publish_many(session, [("order.paid", _event_data(order)) for order, _ in paid])
    await jobs.enqueue_many(
        session,
        "orders.fulfil",
        [({"orderId": order.id}, f"fulfil:{order.id}") for order, _ in paid],
    )


async def expire_unpaid(session: AsyncSession, now: datetime, limit: int = 200) -> int:
    """Expire orders whose payment window closed; return how many."""
    query = (
        select(Order)
        .where(
            Order.state == OrderState.PENDING_PAYMENT.value,
            Order.payment_expires_at <= now,
        )
        .order_by(Order.payment_expires_at)
        .limit(limit)
    )
    expired = 0
    for order in (await session.scalars(query)).all():
        await states.move(session, order, OrderState.EXPIRED, Actor.job(), "payment window closed")
        expired += 1
    return expired


async def _resolve_lines(session: AsyncSession, items: Sequence[OrderItemIn]) -> list[Line]:
    errors: list[FieldError] = []
    lines: list[Line] = []
    for index, item in enumerate(items):
        if item.plan_id is not None:
            line, rule = await _plan_line(session, item.plan_id, item.quantity)
            field = f"#/items/{index}/planId"
        else:
            assert item.bundle_id is not None
            line, rule = await _bundle_line(session, item.bundle_id, item.quantity)
            field = f"#/items/{index}/bundleId"
        if rule is not None:
            errors.append(FieldError(code=rule, message=ITEM_RULES[rule], pointer=field))
        elif line is not None:
            lines.append(line)
    if errors:
        raise ValidationFailedError(params={"count": len(errors)}, errors=errors)
    return lines


async def _plan_line(
    session: AsyncSession, plan_id: uuid.UUID, quantity: int
) -> tuple[Line | None, str | None]:
    plan = await session.get(Plan, plan_id)
    if plan is None:
        return None, "plan_unknown"
    service = await session.get(CatalogService, plan.service_id)
    if not plan.active or service is None or not service.active:
        return None, "plan_inactive"
    return Line(_plan_description(service, plan), quantity, _plan_price(plan, quantity), plan), None


async def _bundle_line(
    session: AsyncSession, bundle_id: uuid.UUID, quantity: int
) -> tuple[Line | None, str | None]:
    bundle = await session.get(Bundle, bundle_id)
    if bundle is None:
        return None, "bundle_unknown"
    plans = await catalog.bundle_plans(session, bundle.id)
    if not bundle.active or not plans or not all(plan.active for plan in plans):
        return None, "bundle_inactive"
    unit_cost = sum((plan.cost for plan in plans), Decimal("0.00"))
    price = LineInput(bundle.price, bundle.price_includes_iva, quantity, unit_cost)
    return Line(bundle.name, quantity, price, bundle=bundle), None


def _plan_price(plan: Plan, quantity: int) -> LineInput:
    return LineInput(plan.price, plan.price_includes_iva, quantity, plan.cost)


def _plan_description(service: CatalogService | None, plan: Plan) -> str:
    name = service.name if service is not None else ""
    return f"{name} {plan.name}".strip()[:200]


async def _store_order(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    lines: Sequence[Line],
    promotion: Promotion | None,
    actor: Actor,
    now: datetime,
    payment_window: timedelta,
    renews: uuid.UUID | None = None,
) -> Order:
    amounts = price_order(
        [line.price for line in lines],
        discount_kind=promotion.kind if promotion else None,
        discount_value=promotion.value if promotion else Decimal("0.00"),
    )
    order = Order(
        id=uuid.uuid4(),
        user_id=user_id,
        kind=(OrderKind.RENEWAL if renews else OrderKind.NEW).value,
        renews_subscription_id=renews,
        state=OrderState.PENDING_PAYMENT.value,
        payment_state=PaymentState.UNPAID.value,
        promotion_id=promotion.id if promotion else None,
        promotion_code=promotion.code if promotion else None,
        payment_expires_at=now + payment_window,
        created_at=now,
        updated_at=now,
        **_totals(amounts),
    )
    await _insert_with_number(session, order, now)
    for position, (line, priced) in enumerate(zip(lines, amounts.lines, strict=True)):
        session.add(
            OrderItem(
                order_id=order.id,
                position=position,
                plan_id=line.plan.id if line.plan else None,
                bundle_id=line.bundle.id if line.bundle else None,
                description=line.description,
                quantity=line.quantity,
                unit_price=priced.unit_price,
                subtotal=priced.subtotal,
                discount=priced.discount,
                iva=priced.iva,
                total=priced.total,
                cost=priced.cost,
                profit=priced.profit,
            )
        )
    states.record_creation(session, order, actor)
    await session.flush()
    await jobs.publish(
        session,
        "order.created",
        {**_event_data(order), "total": order.total, "expiresAt": order.payment_expires_at},
    )
    return order


async def _insert_with_number(session: AsyncSession, order: Order, now: datetime) -> None:
    """Insert the order under a fresh random number, drawing again on the rare collision."""
    for attempt in range(NUMBER_ATTEMPTS):
        order.number = new_number(now)
        try:
            async with session.begin_nested():
                session.add(order)
                await session.flush()
            return
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS - 1:
                raise
            if order in session:
                session.expunge(order)


def _totals(amounts: OrderAmounts) -> dict[str, Decimal]:
    return {
        "subtotal": amounts.subtotal,
        "discount": amounts.discount,
        "iva": amounts.iva,
        "total": amounts.total,
        "cost": amounts.cost,
        "profit": amounts.profit,
    }


def _visible_to(order: Order, principal: Principal) -> bool:
    return principal.is_staff or order.user_id == principal.user_id


def _event_data(order: Order) -> dict[str, Any]:
    return {
        "orderId": order.id,
        "userId": order.user_id,
        "number": order.number,
        "kind": order.kind,
        "subscriptionId": order.renews_subscription_id,
    }
