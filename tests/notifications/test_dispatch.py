"""Sending and delivering on SQLite and PostgreSQL: the caller's transaction, dedupe keys,
channel choice and fallback, retries, rate limits, consent, pacing and secret handling.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty import notifications
from cuenty.kit.db import create_session_factory, transaction
from cuenty.notifications import dispatch, loaders
from cuenty.notifications.dispatch import RetryDeliveryError
from cuenty.notifications.models import DevMessage, Notification
from cuenty.notifications.providers import ProviderError, build_providers
from tests.notifications.support import (
    add_user,
    quiet_settings,
    scripted_providers,
)
from tests.notifications.support import (
    notifications as stored_notifications,
)

PHONE = "+525512345678"
# 18:00 UTC is noon in Mexico City, outside the default quiet hours.
NOON_MEXICO = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


@pytest.fixture
def factory(engine: AsyncEngine) -> Any:
    return create_session_factory(engine)


async def queue(factory: Any, user_id: uuid.UUID, template: str = "payment_received", **kw: Any):
    context = kw.pop("context", {"paymentId": "p-1", "orderId": "o-1", "amount": "299.00"})
    async with transaction(factory) as session:
        return await notifications.send(
            session, user_id=user_id, template=template, context=context, **kw
        )


async def deliver(factory: Any, notification_id: uuid.UUID, providers: Any, **kw: Any) -> None:
    settings = kw.pop("settings", quiet_settings())
    await dispatch.deliver(
        factory,
        settings,
        providers,
        notification_id,
        now=kw.pop("now", NOON_MEXICO),
        last_attempt=kw.pop("last_attempt", False),
    )


async def stored(factory: Any, notification_id: uuid.UUID) -> Notification:
    async with factory() as session:
        row = await session.get(Notification, notification_id)
    assert row is not None
    return row


async def test_send_is_part_of_caller_transaction(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)

    with pytest.raises(RuntimeError):
        async with transaction(factory) as session:
            await notifications.send(
                session,
                user_id=user.id,
                template="payment_received",
                context={"paymentId": "p", "orderId": "o", "amount": "1.00"},
            )
            raise RuntimeError("the caller fails after sending")

    assert await stored_notifications(factory) == []


async def test_dedupe_key_returns_first_id(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)

    first = await queue(factory, user.id, dedupe_key="expiry:s-1:3")
    second = await queue(factory, user.id, dedupe_key="expiry:s-1:3")

    assert second == first
    assert len(await stored_notifications(factory)) == 1


async def test_preferred_channel_is_used(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE, delivery_channel="whatsapp")
    providers = scripted_providers()
    notification_id = await queue(factory, user.id)

    await deliver(factory, notification_id, providers)

    row = await stored(factory, notification_id)
    assert row.status == "sent"
    assert row.channel == "whatsapp"
    assert row.recipient_masked == "+52******5678"
    assert providers["whatsapp"].sent[0].address == PHONE
    assert "299.00" in (row.body_preview or "")


async def test_permanent_failure_falls_back(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE, delivery_channel="whatsapp")
    providers = scripted_providers(
        whatsapp=[ProviderError("HTTP 400: not a WhatsApp number", permanent=True)]
    )
    notification_id = await queue(factory, user.id)

    await deliver(factory, notification_id, providers)

    row = await stored(factory, notification_id)
    assert row.status == "sent"
    assert row.channel == "sms"
    assert row.attempts == 2


async def test_temporary_failure_asks_for_retry(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)
    providers = scripted_providers(whatsapp=[ProviderError("HTTP 503", permanent=False)])
    notification_id = await queue(factory, user.id)

    with pytest.raises(RetryDeliveryError):
        await deliver(factory, notification_id, providers)

    row = await stored(factory, notification_id)
    assert row.status == "queued"
    assert row.attempts == 1
    assert providers["sms"].sent == []


async def test_temporary_failure_on_last_attempt_falls_back(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)
    providers = scripted_providers(whatsapp=[ProviderError("HTTP 503", permanent=False)])
    notification_id = await queue(factory, user.id)

    await deliver(factory, notification_id, providers, last_attempt=True)

    assert (await stored(factory, notification_id)).channel == "sms"


async def test_every_route_failing_marks_failed(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)
    error = ProviderError("HTTP 400", permanent=True)
    providers = scripted_providers(whatsapp=[error], sms=[error], email=[error])
    notification_id = await queue(factory, user.id)

    await deliver(factory, notification_id, providers)

    row = await stored(factory, notification_id)
    assert row.status == "failed"
    assert "email" in (row.last_error or "")


async def test_rate_limit_defers_by_retry_after(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)
    limited = ProviderError("HTTP 429", permanent=False, retry_after=30)
    providers = scripted_providers(whatsapp=[limited])
    notification_id = await queue(factory, user.id)

    await deliver(factory, notification_id, providers)

    row = await stored(factory, notification_id)
    assert row.status == "deferred"
    assert providers["sms"].sent == []


async def test_explicit_channel_has_no_fallback(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)
    providers = scripted_providers(email=[ProviderError("HTTP 550", permanent=True)])
    notification_id = await queue(factory, user.id, channel="email")

    await deliver(factory, notification_id, providers)

    assert (await stored(factory, notification_id)).status == "failed"
    assert providers["whatsapp"].sent == []


async def test_marketing_suppressed_without_consent(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)
    providers = scripted_providers()
    notification_id = await queue(
        factory,
        user.id,
        template="staff_message",
        purpose="marketing",
        context={"title": "Promoción", "message": "2x1 en Spotify"},
    )

    settings = quiet_settings(notifications_marketing_consent="deny")
    await deliver(factory, notification_id, providers, settings=settings)

    row = await stored(factory, notification_id)
    assert row.status == "suppressed"
    assert providers["whatsapp"].sent == []


async def test_marketing_sent_with_consent(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)
    providers = scripted_providers()
    notification_id = await queue(
        factory,
        user.id,
        template="staff_message",
        purpose="marketing",
        context={"title": "Promoción", "message": "2x1 en Spotify"},
    )

    settings = quiet_settings(notifications_marketing_consent="permissive")
    await deliver(factory, notification_id, providers, settings=settings)

    assert (await stored(factory, notification_id)).status == "sent"


async def test_default_backend_needs_a_consent_record(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)
    providers = scripted_providers()
    notification_id = await queue(
        factory,
        user.id,
        template="staff_message",
        purpose="marketing",
        context={"title": "Promoción", "message": "2x1 en Spotify"},
    )

    await deliver(factory, notification_id, providers, settings=quiet_settings())

    assert (await stored(factory, notification_id)).status == "suppressed"


async def test_transactional_ignores_consent_backend(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)
    providers = scripted_providers()
    notification_id = await queue(factory, user.id)

    settings = quiet_settings(notifications_marketing_consent="deny")
    await deliver(factory, notification_id, providers, settings=settings)

    assert (await stored(factory, notification_id)).status == "sent"


async def test_quiet_hours_defer_reminders(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)
    providers = scripted_providers()
    notification_id = await queue(
        factory,
        user.id,
        template="expiry_reminder",
        context={"serviceName": "Netflix", "daysLeft": 3, "endsAt": "2027-01-06"},
    )
    # 05:00 UTC is 23:00 in Mexico City, inside the default 21:00-08:00 quiet hours.
    night = datetime(2026, 12, 5, 5, 0, tzinfo=UTC)

    await deliver(
        factory,
        notification_id,
        providers,
        settings=quiet_settings(notifications_quiet_start_hour=21, notifications_quiet_end_hour=8),
        now=night,
    )

    assert (await stored(factory, notification_id)).status == "deferred"
    assert providers["whatsapp"].sent == []


async def test_quiet_hours_let_urgent_messages_through(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)
    providers = scripted_providers()
    notification_id = await queue(factory, user.id)
    night = datetime(2026, 12, 5, 5, 0, tzinfo=UTC)

    await deliver(
        factory,
        notification_id,
        providers,
        settings=quiet_settings(notifications_quiet_start_hour=21, notifications_quiet_end_hour=8),
        now=night,
    )

    assert (await stored(factory, notification_id)).status == "sent"


async def test_hourly_limit_defers_non_urgent(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)
    providers = scripted_providers()
    settings = quiet_settings(notifications_max_per_hour=2)
    ids = []
    for days in (7, 3, 1):
        ids.append(
            await queue(
                factory,
                user.id,
                template="expiry_reminder",
                context={"serviceName": f"S{days}", "daysLeft": days, "endsAt": "2027-01-06"},
            )
        )
    for notification_id in ids:
        await deliver(factory, notification_id, providers, settings=settings)

    statuses = [(await stored(factory, item)).status for item in ids]
    assert statuses == ["sent", "sent", "deferred"]


async def test_secrets_need_verified_channel(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE, verified=False)
    providers = scripted_providers()

    @loaders.context_loader("credentials_delivered")
    async def load(session: Any, context: dict[str, Any]) -> dict[str, Any]:
        return {
            "serviceName": "Netflix",
            "planName": "Premium",
            "login": "c@cuentas.mx",
            "password": "Secreta-1",
            "profileName": None,
            "pin": None,
            "endsAt": "2027-01-06",
        }

    try:
        notification_id = await queue(
            factory,
            user.id,
            template="credentials_delivered",
            context={"subscriptionId": "s-1"},
        )
        await deliver(factory, notification_id, providers)
    finally:
        loaders.unregister("credentials_delivered")

    row = await stored(factory, notification_id)
    assert row.status == "suppressed"
    assert providers["whatsapp"].sent == []


async def test_credentials_masked_in_log_and_dev_table(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)

    @loaders.context_loader("credentials_delivered")
    async def load(session: Any, context: dict[str, Any]) -> dict[str, Any]:
        assert context["subscriptionId"] == "s-9"
        return {
            "serviceName": "Netflix",
            "planName": "Premium",
            "login": "c@cuentas.mx",
            "password": "Secreta-1",
            "profileName": "Perfil 2",
            "pin": "1234",
            "endsAt": "2027-01-06",
        }

    try:
        notification_id = await queue(
            factory,
            user.id,
            template="credentials_delivered",
            context={"subscriptionId": "s-9"},
        )
        await deliver(factory, notification_id, build_providers(quiet_settings()))
    finally:
        loaders.unregister("credentials_delivered")

    row = await stored(factory, notification_id)
    async with factory() as session:
        dev = (await session.scalars(select(DevMessage))).one()
    assert row.status == "sent"
    assert "Secreta-1" not in (row.body_preview or "")
    assert "Secreta-1" not in dev.body
    assert "1234" not in dev.body
    assert "Secreta-1" not in str(row.context)
    assert dev.recipient == PHONE


async def test_missing_loader_fails_loudly(factory: Any) -> None:
    # The subscriptions package's loader is registered once any test imported it.
    loaders.unregister("credentials_delivered")
    user = await add_user(factory, phone=PHONE)
    notification_id = await queue(
        factory, user.id, template="credentials_delivered", context={"subscriptionId": "s-1"}
    )

    with pytest.raises(loaders.MissingContextLoaderError):
        await deliver(factory, notification_id, scripted_providers())


async def test_email_never_goes_to_phone_channel(factory: Any) -> None:
    user = await add_user(factory, phone=None, delivery_channel="sms")
    providers = scripted_providers()
    notification_id = await queue(factory, user.id)

    await deliver(factory, notification_id, providers)

    row = await stored(factory, notification_id)
    assert row.channel == "email"
    assert providers["sms"].sent == []


async def test_context_with_secret_key_is_rejected(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)

    with pytest.raises(ValueError, match="secret"):
        await queue(factory, user.id, context={"password": "x"})


async def test_unknown_purpose_is_rejected(factory: Any) -> None:
    user = await add_user(factory, phone=PHONE)

    with pytest.raises(ValueError, match="purpose"):
        await queue(factory, user.id, purpose="gossip")
