"""Notifications in privacy requests. The export contains the delivery log as stored and
the push subscriptions. Suppression clears the log's personal fields and deletes development
messages and push subscriptions, even after identity has anonymised the user.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.compliance import registry
from cuenty.identity.models import User
from cuenty.kit.db import create_session_factory, transaction
from cuenty.notifications.models import DevMessage, Notification, PushSubscription
from cuenty.notifications.personal_data import NotificationData
from tests.notifications.support import add_user

PHONE = "+525512345678"
PREVIEW = "Nuevo inicio de sesión desde IP 201.141.10.7 (Mozilla/5.0)."


@pytest.fixture
def factory(engine: AsyncEngine) -> Any:
    return create_session_factory(engine)


async def add_history(factory: Any, user: User) -> None:
    async with transaction(factory) as session:
        session.add(
            Notification(
                user_id=user.id,
                template="security_new_login",
                purpose="security",
                context={"ipAddress": "201.141.10.7", "userAgent": "Mozilla/5.0"},
                status="sent",
                channel="whatsapp",
                recipient_masked="+52******5678",
                provider="dev_whatsapp",
                provider_message_id="dev-ana-1",
                body_preview=PREVIEW,
                last_error="whatsapp: invalid number +525512345678",
                attempts=1,
            )
        )
        for recipient, message_id in ((PHONE, "dev-ana-1"), ("+525599998888", "dev-luis-1")):
            session.add(
                DevMessage(
                    channel="whatsapp",
                    recipient=recipient,
                    template="security_new_login",
                    body=PREVIEW,
                    provider_message_id=message_id,
                )
            )
        session.add(
            PushSubscription(
                user_id=user.id,
                endpoint="https://fcm.googleapis.com/fcm/send/abc123",
                p256dh="B" * 40,
                auth="a" * 16,
                user_agent="Mozilla/5.0",
            )
        )


def test_notifications_category_is_registered() -> None:
    names = [category.name for category in registry.categories()]

    assert "notifications" in names


async def test_export_contains_log_and_push(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)
    await add_history(factory, user)

    async with factory() as session:
        exported = await NotificationData().export(session, user.id)

    assert [row["bodyPreview"] for row in exported["deliveryLog"]] == [PREVIEW]
    assert exported["deliveryLog"][0]["recipient"] == "+52******5678"
    assert [row["endpoint"] for row in exported["pushSubscriptions"]] == [
        "https://fcm.googleapis.com/fcm/send/abc123"
    ]


async def test_suppress_clears_log_after_identity(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)
    await add_history(factory, user)
    async with transaction(factory) as session:
        # Identity's category runs first and removes the phone number.
        stored = await session.get(User, user.id)
        assert stored is not None
        stored.phone = None

    async with transaction(factory) as session:
        await NotificationData().suppress(session, user.id)

    async with factory() as session:
        row = await session.scalar(select(Notification))
        recipients = list(await session.scalars(select(DevMessage.recipient)))
        subscriptions = list(await session.scalars(select(PushSubscription)))
    assert row is not None
    assert row.context == {}
    assert row.body_preview is None
    assert row.recipient_masked is None
    assert row.last_error is None
    assert recipients == ["+525599998888"]
    assert subscriptions == []


async def test_suppress_deletes_dev_messages_by_address(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)
    async with transaction(factory) as session:
        session.add(
            DevMessage(
                channel="sms",
                recipient=PHONE,
                template="one_time_code",
                body="Tu código es ••••••",
                provider_message_id="dev-code-1",
            )
        )

    async with transaction(factory) as session:
        await NotificationData().suppress(session, user.id)

    async with factory() as session:
        assert list(await session.scalars(select(DevMessage))) == []
