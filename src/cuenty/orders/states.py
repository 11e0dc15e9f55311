"""The order state machine: which changes are allowed, and the record of each change.

pending_payment -> paid -> fulfilling -> delivered; pending_payment -> cancelled | expired;
paid, fulfilling or delivered -> refunded. A payment that arrives after the payment window
closed still pays the order (expired -> paid): money received is never turned away here;
returning it is the payments package's decision.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from cuenty.kit.actor import Actor
from cuenty.kit.clock import utc_now
from cuenty.kit.i18n import N_, Label
from cuenty.orders.errors import AlreadyInStateError, InvalidTransitionError
from cuenty.orders.models import Order, OrderState, OrderTransition

S = OrderState
# Wording of each state inside a sentence ("the order is paid").
STATE_LABELS: dict[str, str] = {
    S.PENDING_PAYMENT: N_("waiting for payment"),
    S.PAID: N_("paid"),
    S.FULFILLING: N_("being fulfilled"),
    S.DELIVERED: N_("delivered"),
    S.CANCELLED: N_("cancelled"),
    S.EXPIRED: N_("expired"),
    S.REFUNDED: N_("refunded"),
}
ALLOWED: dict[OrderState, frozenset[OrderState]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.CANCELLED, S.EXPIRED}),
    S.EXPIRED: frozenset({S.PAID}),
    S.PAID: frozenset({S.FULFILLING, S.REFUNDED}),
    S.FULFILLING: frozenset({S.DELIVERED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}


def can_move(current: str, target: OrderState) -> bool:
    return target in ALLOWED[OrderState(current)]


async def move(
    session: AsyncSession, order: Order, target: OrderState, actor: Actor, reason: str | None = None
) -> None:
    """Change the order's state and record who did it, or raise 409 with the current state.

    The update names the state it expects, so of two concurrent changes (a payment and a
    cancellation, say) exactly one wins on either database, and the other gets the 409.
    """
    await move_many(session, [order], target, actor, reason)


async def move_many(
    session: AsyncSession,
    orders: Sequence[Order],
    target: OrderState,
    actor: Actor,
    reason: str | None = None,
) -> None:
    """Move several orders to one state with one conditional update per current state.

    All move or none: if any order changed meanwhile, this raises the 409 of the first such
    order, and the caller's transaction (or savepoint) undoes the others.
    """
    for order in orders:
        if not can_move(order.state, target):
            raise _refused(order.state, target)
    now = utc_now()
    by_state: dict[str, list[Order]] = {}
    for order in orders:
        by_state.setdefault(order.state, []).append(order)
    for current, group in by_state.items():
        ids = [order.id for order in group]
        moved = set(
            (
                await session.scalars(
                    update(Order)
                    .where(Order.id.in_(ids), Order.state == current)
                    .values(state=target.value, updated_at=now)
                    .returning(Order.id)
                    .execution_options(synchronize_session=False)
                )
            ).all()
        )
        for order in group:
            if order.id not in moved:
                await session.refresh(order)
                raise _refused(order.state, target)
    session.add_all(
        OrderTransition(
            order_id=order.id,
            from_state=order.state,
            to_state=target.value,
            actor_type=actor.type,
            actor_id=actor.id,
            reason=reason,
            created_at=now,
        )
        for order in orders
    )
    for order in orders:
        set_committed_value(order, "state", target.value)
        set_committed_value(order, "updated_at", now)
    await session.flush()


def _refused(current: str, target: OrderState) -> InvalidTransitionError:
    error = AlreadyInStateError if current == target.value else InvalidTransitionError
    return error(
        params={
            "current": Label(STATE_LABELS[current]),
            "target": Label(STATE_LABELS[target.value]),
        },
        extra={"currentState": current},
    )


def record_creation(session: AsyncSession, order: Order, actor: Actor) -> None:
    session.add(
        OrderTransition(
            order_id=order.id,
            from_state=None,
            to_state=order.state,
            actor_type=actor.type,
            actor_id=actor.id,
            created_at=utc_now(),
        )
    )
