"""Notifications in privacy requests. The delivery log (as stored, secrets already masked)
and the Web Push subscriptions are exported. Suppression clears every personal field of the
log and deletes the development provider's copies and the push subscriptions.

Log rows stay, without content, so delivery counts and dedupe keys keep working.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance.registry import personal_data
from cuenty.identity.models import User
from cuenty.notifications.models import DevMessage, Notification, PushSubscription


@personal_data("notifications")
class NotificationData:
    async def export(self, session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
        rows = await session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at)
        )
        subscriptions = await session.scalars(
            select(PushSubscription)
            .where(PushSubscription.user_id == user_id)
            .order_by(PushSubscription.created_at)
        )
        return {
            "deliveryLog": [_notification(row) for row in rows],
            "pushSubscriptions": [_subscription(row) for row in subscriptions],
        }

    async def block(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Nothing to change here. Marketing stops through the consent check, which refuses a
        blocked user; messages about the request itself must still reach the titular."""

    async def suppress(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        # The development provider's rows name no user: they are found by the message ids of
        # the user's notifications, and by the user's addresses when identity still has them
        # (categories are suppressed in name order, so identity may have anonymised it).
        message_ids = select(Notification.provider_message_id).where(
            Notification.user_id == user_id, Notification.provider_message_id.is_not(None)
        )
        matches = [DevMessage.provider_message_id.in_(message_ids)]
        user = await session.get(User, user_id)
        addresses = [value for value in (user.email, user.phone) if value] if user else []
        if addresses:
            matches.append(DevMessage.recipient.in_(addresses))
        await session.execute(delete(DevMessage).where(or_(*matches)))
        await session.execute(delete(PushSubscription).where(PushSubscription.user_id == user_id))
        await session.execute(
            update(Notification)
            .where(Notification.user_id == user_id)
            .values(
                context={},
                sealed=None,
                body_preview=None,
                recipient_masked=None,
                last_error=None,
            )
        )
        await session.flush()


def _notification(row: Notification) -> dict[str, Any]:
    return {
        "template": row.template,
        "purpose": row.purpose,
        "channel": row.channel,
        "status": row.status,
        "recipient": row.recipient_masked,
        "bodyPreview": row.body_preview,
        "createdAt": row.created_at.isoformat(),
        "sentAt": _iso(row.sent_at),
        "deliveredAt": _iso(row.delivered_at),
    }


def _subscription(row: PushSubscription) -> dict[str, Any]:
    return {
        "endpoint": row.endpoint,
        "userAgent": row.user_agent,
        "createdAt": row.created_at.isoformat(),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
