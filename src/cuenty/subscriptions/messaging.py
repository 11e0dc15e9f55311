"""Subscription data for the notifications and Chatwoot integrations: the credentials
message, read at send time, and the customer's status summary, which never has credentials."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty import notifications
from cuenty.catalog.models import CatalogService, Plan
from cuenty.integrations import chatwoot
from cuenty.inventory.vault import read_credentials
from cuenty.kit.clock import utc_now
from cuenty.kit.i18n import N_, translate
from cuenty.kit.money import format_mxn
from cuenty.orders.models import Order, OrderState, PaymentState
from cuenty.subscriptions.models import Subscription, SubscriptionState
from cuenty.subscriptions.periods import days_left
from cuenty.subscriptions.service import WITH_ACCESS, has_access

SUBSCRIPTION_LINE = N_("{service} ({plan}): {days} day(s) left")
PENDING_ORDER_LINE = N_("Order {number} for {total} is waiting for payment")
WAITING_LINE = N_("{service} ({plan}): paid, waiting for an account")


class NoAccessError(LookupError):
    """Raised when credentials are requested for a subscription that no longer runs."""


@notifications.context_loader("credentials_delivered")
async def credentials_context(session: AsyncSession, context: dict[str, Any]) -> dict[str, Any]:
    """Read the subscription's credentials for the message; nothing of them is stored."""
    subscription = await session.get(Subscription, uuid.UUID(str(context["subscriptionId"])))
    if subscription is None or not has_access(subscription, utc_now()):
        raise NoAccessError(f"subscription {context['subscriptionId']} has no running access")
    assert subscription.account_id is not None
    service = await session.get(CatalogService, subscription.service_id)
    plan = await session.get(Plan, subscription.plan_id)
    master_key = _master_key()
    with_profile = service is not None and service.profiles_per_account > 1
    found = await read_credentials(
        session, master_key, subscription.account_id, subscription.profile_id
    )
    return {
        "serviceName": service.name if service else "",
        "planName": plan.name if plan else "",
        "login": found.login,
        "password": found.password,
        "profileName": found.profile_name if with_profile else None,
        "pin": found.pin if with_profile else None,
        "endsAt": subscription.ends_at,
    }


@chatwoot.summary_provider("subscriptions")
async def status_lines(session: AsyncSession, user_id: uuid.UUID, locale: str) -> list[str]:
    now = utc_now()
    rows = (
        await session.execute(
            select(Subscription, CatalogService.name, Plan.name)
            .join(CatalogService, CatalogService.id == Subscription.service_id)
            .join(Plan, Plan.id == Subscription.plan_id)
            .where(
                Subscription.user_id == user_id,
                Subscription.state.in_([*WITH_ACCESS, SubscriptionState.PENDING.value]),
            )
            .order_by(Subscription.ends_at)
        )
    ).all()
    lines = []
    for subscription, service_name, plan_name in rows:
        if subscription.state == SubscriptionState.PENDING:
            lines.append(translate(locale, WAITING_LINE, service=service_name, plan=plan_name))
            continue
        left = days_left(subscription.ends_at, now)
        lines.append(
            translate(locale, SUBSCRIPTION_LINE, service=service_name, plan=plan_name, days=left)
        )
    pending = await session.scalars(
        select(Order)
        .where(Order.user_id == user_id, Order.state == OrderState.PENDING_PAYMENT.value)
        .order_by(Order.created_at)
    )
    for order in pending:
        lines.append(
            translate(
                locale, PENDING_ORDER_LINE, number=order.number, total=format_mxn(order.total)
            )
        )
    return lines


@chatwoot.attributes_provider("subscriptions")
async def contact_attributes(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    active = await session.scalar(
        select(func.count())
        .select_from(Subscription)
        .where(Subscription.user_id == user_id, Subscription.state.in_(WITH_ACCESS))
    )
    paid = await session.scalar(
        select(func.coalesce(func.sum(Order.total), 0)).where(
            Order.user_id == user_id, Order.payment_state == PaymentState.PAID.value
        )
    )
    return {"active_subscriptions": int(active or 0), "lifetime_value": str(Decimal(paid or 0))}


def _master_key() -> str:
    from cuenty.config import get_settings

    return get_settings().secret("encryption_key")
