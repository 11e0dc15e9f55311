"""The subscription state machine and the record of every change.

pending -> active | expiring (stock assigned); active -> expiring -> expired; active or
expiring -> cancelled (auto-renew stopped, access to the end date) -> expired; active,
expiring or cancelled <-> paused (staff); a renewal brings expiring or cancelled back to
active, and an expired one too when it is paid after the end (through pending when it must
wait for stock).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from cuenty.kit.actor import Actor
from cuenty.kit.clock import utc_now
from cuenty.kit.i18n import N_, Label
from cuenty.subscriptions.errors import SubscriptionAlreadyInStateError, SubscriptionStateError
from cuenty.subscriptions.models import Subscription, SubscriptionState, SubscriptionTransition

S = SubscriptionState
# Wording of each state inside a sentence ("the subscription is active").
STATE_LABELS: dict[str, str] = {
    S.PENDING: N_("waiting for an account"),
    S.ACTIVE: N_("active"),
    S.EXPIRING: N_("about to expire"),
    S.EXPIRED: N_("ended"),
    S.CANCELLED: N_("set not to renew"),
    S.PAUSED: N_("paused"),
}
ALLOWED: dict[SubscriptionState, frozenset[SubscriptionState]] = {
    S.PENDING: frozenset({S.ACTIVE, S.EXPIRING}),
    S.ACTIVE: frozenset({S.EXPIRING, S.EXPIRED, S.CANCELLED, S.PAUSED}),
    S.EXPIRING: frozenset({S.ACTIVE, S.EXPIRED, S.CANCELLED, S.PAUSED}),
    S.CANCELLED: frozenset({S.ACTIVE, S.EXPIRING, S.EXPIRED, S.PAUSED}),
    S.PAUSED: frozenset({S.ACTIVE, S.EXPIRING, S.CANCELLED}),
    S.EXPIRED: frozenset({S.ACTIVE, S.EXPIRING, S.PENDING}),
}


async def move(
    session: AsyncSession,
    subscription: Subscription,
    target: SubscriptionState,
    actor: Actor,
    reason: str | None = None,
) -> None:
    """Change the state, naming the expected one so a concurrent change makes this a 409."""
    current = subscription.state
    if target not in ALLOWED[SubscriptionState(current)]:
        raise refused(current, target)
    now = utc_now()
    result = await session.execute(
        update(Subscription)
        .where(Subscription.id == subscription.id, Subscription.state == current)
        .values(state=target.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(subscription)
        raise refused(subscription.state, target)
    set_committed_value(subscription, "state", target.value)
    set_committed_value(subscription, "updated_at", now)
    record(session, subscription, current, actor, reason)


def record(
    session: AsyncSession,
    subscription: Subscription,
    from_state: str | None,
    actor: Actor,
    reason: str | None = None,
) -> None:
    session.add(
        SubscriptionTransition(
            subscription_id=subscription.id,
            from_state=from_state,
            to_state=subscription.state,
            actor_type=actor.type,
            actor_id=actor.id,
            reason=reason,
            created_at=utc_now(),
        )
    )


def refused(current: str, target: SubscriptionState) -> SubscriptionStateError:
    error = SubscriptionAlreadyInStateError if current == target.value else SubscriptionStateError
    return error(
        params={
            "current": Label(STATE_LABELS[current]),
            "target": Label(STATE_LABELS[target.value]),
        },
        extra={"currentState": current},
    )
