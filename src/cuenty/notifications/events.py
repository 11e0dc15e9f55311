"""Notifications sent for each published event. Every send carries a dedupe key built from
the event, so a handler that runs twice sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.identity.models import Role
from cuenty.identity.service import staff_user_ids
from cuenty.notifications import privacy_events
from cuenty.notifications.privacy_events import EventSender
from cuenty.notifications.service import send
from cuenty.notifications.templates import format_metric

STAFF_ALERT_ROLES = (Role.OPERATIONS.value, Role.ADMIN.value)


async def subscription_activated(
    session: AsyncSession, event_id: str, data: Mapping[str, Any], occurred_at: str
) -> int:
    await send(
        session,
        user_id=data["userId"],
        template="credentials_delivered",
        context={"subscriptionId": data["subscriptionId"], "orderId": data.get("orderId")},
        dedupe_key=f"credentials:{data['subscriptionId']}:{event_id}",
    )
    return 1


async def subscription_expiring(
    session: AsyncSession, event_id: str, data: Mapping[str, Any], occurred_at: str
) -> int:
    days_left = int(data["daysLeft"])
    await send(
        session,
        user_id=data["userId"],
        template="expiry_reminder",
        context={
            "subscriptionId": data["subscriptionId"],
            "daysLeft": days_left,
            "endsAt": data["endsAt"],
            "serviceName": data["serviceName"],
        },
        # One reminder per subscription and day count, however often the event is published.
        dedupe_key=f"expiry:{data['subscriptionId']}:{days_left}",
    )
    return 1


async def order_created(
    session: AsyncSession, event_id: str, data: Mapping[str, Any], occurred_at: str
) -> int:
    if data.get("kind") != "renewal":
        return 0
    await send(
        session,
        user_id=data["userId"],
        template="renewal_order",
        context={
            "orderId": data["orderId"],
            "number": data["number"],
            "total": data["total"],
            "expiresAt": data["expiresAt"],
        },
        dedupe_key=f"renewal-order:{data['orderId']}",
    )
    return 1


async def order_awaiting_stock(
    session: AsyncSession, event_id: str, data: Mapping[str, Any], occurred_at: str
) -> int:
    staff = await staff_user_ids(session, STAFF_ALERT_ROLES)
    for user_id in staff:
        await send(
            session,
            user_id=user_id,
            template="order_awaiting_stock",
            context={
                "orderId": data["orderId"],
                "number": data["number"],
                "serviceName": data["serviceName"],
                "missing": data["missing"],
            },
            dedupe_key=f"awaiting-stock:{event_id}:{user_id}",
        )
    return len(staff)


async def payment_instructions_issued(
    session: AsyncSession, event_id: str, data: Mapping[str, Any], occurred_at: str
) -> int:
    fields = ("orderId", "method", "reference", "clabe", "bankName", "beneficiary", "concept")
    context = {name: data.get(name) for name in fields}
    context.update(amount=data["amount"], expiresAt=data["expiresAt"])
    await send(
        session,
        user_id=data["userId"],
        template="payment_instructions",
        context=context,
        dedupe_key=f"payment-instructions:{data['orderId']}:{data['reference']}",
    )
    return 1


async def payment_received(
    session: AsyncSession, event_id: str, data: Mapping[str, Any], occurred_at: str
) -> int:
    await send(
        session,
        user_id=data["userId"],
        template="payment_received",
        context={
            "paymentId": data["paymentId"],
            "orderId": data["orderId"],
            "amount": data["amount"],
        },
        # One message per deposit: a partial payment and its balance are two deposits.
        dedupe_key=f"payment-received:{data.get('transferId') or data['paymentId']}",
    )
    return 1


async def endpoint_disabled(
    session: AsyncSession, event_id: str, data: Mapping[str, Any], occurred_at: str
) -> int:
    # The webhooks package publishes this one with snake_case keys.
    owner = data.get("owner_user_id")
    if not owner:
        return 0
    await send(
        session,
        user_id=owner,
        template="webhook_endpoint_disabled",
        context={"endpointId": data["endpoint_id"], "url": data["url"]},
        dedupe_key=f"endpoint-disabled:{event_id}",
    )
    return 1


async def new_login(
    session: AsyncSession, event_id: str, data: Mapping[str, Any], occurred_at: str
) -> int:
    await send(
        session,
        user_id=data["userId"],
        template="security_new_login",
        context={
            "sessionId": data["sessionId"],
            "userAgent": data.get("userAgent"),
            "ipAddress": data.get("ipAddress"),
            "signedInAt": occurred_at,
        },
        purpose="security",
        dedupe_key=f"new-login:{data['sessionId']}",
    )
    return 1


async def api_key_created(
    session: AsyncSession, event_id: str, data: Mapping[str, Any], occurred_at: str
) -> int:
    await send(
        session,
        user_id=data["userId"],
        template="security_api_key_created",
        context={"keyId": data["keyId"], "prefix": data["prefix"]},
        purpose="security",
        dedupe_key=f"api-key-created:{data['keyId']}",
    )
    return 1


async def kpi_alert_fired(
    session: AsyncSession, event_id: str, data: Mapping[str, Any], occurred_at: str
) -> int:
    """Tell each recipient the analytics package resolved that a KPI rule fired."""
    forecast = data["comparison"] == "outside_forecast"
    metric = data["metric"]
    if forecast:
        lower = format_metric(metric, data["lowerBound"])
        bound = f"{lower} - {format_metric(metric, data['upperBound'])}"
    else:
        bound = format_metric(metric, data["threshold"])
    context = {
        "firingId": data["firingId"],
        "ruleName": data["ruleName"],
        "metric": data["metric"],
        "value": format_metric(metric, data["value"]),
        "comparison": data["comparison"],
        "bound": bound,
        "windowStart": data["windowStart"],
        "windowEnd": data["windowEnd"],
    }
    user_ids = [str(user_id) for user_id in data["userIds"]]
    for user_id in user_ids:
        await send(
            session,
            user_id=user_id,
            template="kpi_alert",
            context=context,
            dedupe_key=f"kpi-alert:{data['firingId']}:{user_id}",
        )
    return len(user_ids)


SENDERS: dict[str, EventSender] = {
    "subscription.activated": subscription_activated,
    "subscription.expiring": subscription_expiring,
    "order.created": order_created,
    "order.awaiting_stock": order_awaiting_stock,
    "payment.instructions_issued": payment_instructions_issued,
    "payment.received": payment_received,
    "webhooks.endpoint_disabled": endpoint_disabled,
    "security.new_login": new_login,
    "security.api_key_created": api_key_created,
    "analytics.kpi_alert_fired": kpi_alert_fired,
    **privacy_events.SENDERS,
}
