"""The periodic sweep of subscriptions: expiring, reminders, auto-renew orders and expiry.

Every step can run twice without effect: states move only from the state they expect, and a
reminder is a unique row per subscription, period end and kind, inserted before its event is
published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.catalog.models import CatalogService
from cuenty.inventory import allocation
from cuenty.kit import jobs
from cuenty.kit.actor import Actor
from cuenty.subscriptions import renewals, states
from cuenty.subscriptions.errors import PlanWithdrawnError
from cuenty.subscriptions.models import Subscription, SubscriptionReminder, SubscriptionState
from cuenty.subscriptions.periods import days_left
from cuenty.subscriptions.settings import REMINDER_DAYS, SubscriptionSettings

S = SubscriptionState
BATCH = 200


@dataclass(frozen=True)
class SweepResult:
    expired: int
    expiring: int
    reminders: int
    renewal_orders: int


async def sweep(
    session: AsyncSession,
    *,
    now: datetime,
    settings: SubscriptionSettings,
    payment_window: timedelta,
) -> SweepResult:
    return SweepResult(
        expired=await expire_ended(session, now),
        expiring=await mark_expiring(session, now, settings),
        reminders=await send_reminders(session, now),
        renewal_orders=await create_renewal_orders(session, now, settings, payment_window),
    )


async def expire_ended(session: AsyncSession, now: datetime) -> int:
    """End subscriptions past their end date and send their stock to rotation."""
    ended = await _select(
        session,
        Subscription.state.in_([S.ACTIVE.value, S.EXPIRING.value, S.CANCELLED.value]),
        Subscription.ends_at <= now,
    )
    for subscription in ended:
        await states.move(session, subscription, S.EXPIRED, Actor.job(), "end date reached")
        if subscription.account_id is not None:
            await allocation.release(
                session, account_id=subscription.account_id, profile_id=subscription.profile_id
            )
        await jobs.publish(
            session,
            "subscription.expired",
            {"subscriptionId": subscription.id, "userId": subscription.user_id},
        )
    return len(ended)


async def mark_expiring(
    session: AsyncSession, now: datetime, settings: SubscriptionSettings
) -> int:
    horizon = now + timedelta(days=settings.expiring_days + 1)
    candidates = await _select(
        session, Subscription.state == S.ACTIVE.value, Subscription.ends_at <= horizon
    )
    moved = 0
    for subscription in candidates:
        if days_left(subscription.ends_at, now) <= settings.expiring_days:
            await states.move(session, subscription, S.EXPIRING, Actor.job())
            moved += 1
    return moved


async def send_reminders(session: AsyncSession, now: datetime) -> int:
    """Publish `subscription.expiring` once per subscription, period and kind (7, 3, 1, 0
    days before the end, by Mexico City date). A sweep that missed a day sends only the
    nearest kind, not every one it skipped."""
    horizon = now + timedelta(days=max(REMINDER_DAYS) + 1)
    candidates = await _select(
        session,
        Subscription.state.in_([S.ACTIVE.value, S.EXPIRING.value]),
        Subscription.ends_at <= horizon,
        Subscription.ends_at > now,
    )
    sent = 0
    for subscription in candidates:
        left = days_left(subscription.ends_at, now)
        kinds = [kind for kind in REMINDER_DAYS if kind >= left]
        if kinds and await _remember(session, subscription, min(kinds)):
            await _publish_reminder(session, subscription, min(kinds))
            sent += 1
    return sent


async def create_renewal_orders(
    session: AsyncSession,
    now: datetime,
    settings: SubscriptionSettings,
    payment_window: timedelta,
) -> int:
    created = 0
    for subscription in await renewals.due_for_auto_renewal(session, now, settings):
        try:
            _order, is_new = await renewals.request_renewal(
                session, subscription, Actor.job(), now=now, payment_window=payment_window
            )
        except PlanWithdrawnError:
            continue
        created += int(is_new)
    return created


async def _remember(session: AsyncSession, subscription: Subscription, kind: int) -> bool:
    assert subscription.ends_at is not None
    already = await session.scalar(
        select(SubscriptionReminder.id).where(
            SubscriptionReminder.subscription_id == subscription.id,
            SubscriptionReminder.period_ends_at == subscription.ends_at,
            SubscriptionReminder.days_before == kind,
        )
    )
    if already is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(
                SubscriptionReminder(
                    subscription_id=subscription.id,
                    period_ends_at=subscription.ends_at,
                    days_before=kind,
                )
            )
            await session.flush()
    except IntegrityError:
        return False
    return True


async def _publish_reminder(session: AsyncSession, subscription: Subscription, kind: int) -> None:
    service_name = await session.scalar(
        select(CatalogService.name).where(CatalogService.id == subscription.service_id)
    )
    await jobs.publish(
        session,
        "subscription.expiring",
        {
            "subscriptionId": subscription.id,
            "userId": subscription.user_id,
            "daysLeft": kind,
            "endsAt": subscription.ends_at,
            "serviceName": service_name,
            "autoRenew": subscription.auto_renew,
        },
    )


async def _select(session: AsyncSession, *conditions) -> list[Subscription]:  # type: ignore[no-untyped-def]
    query = select(Subscription).where(*conditions).order_by(Subscription.ends_at).limit(BATCH)
    return list((await session.scalars(query)).all())
