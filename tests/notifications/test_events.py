"""Published events become notifications through the job runner: each subscribed event, the
dedupe of reminders, staff alerts, security alerts from identity, retries on the job's
policy, and one-time codes through the providers.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.identity.delivery import CodeMessage, DevOutboxDelivery
from cuenty.kit.clock import utc_now
from cuenty.kit.db import create_session_factory, transaction
from cuenty.kit.jobs import publish
from cuenty.kit.jobs.embedded import EmbeddedRunner
from cuenty.kit.jobs.models import OutboxEntry
from cuenty.notifications import loaders
from cuenty.notifications.codes import NotificationCodeDelivery, code_delivery
from cuenty.notifications.models import DevMessage, Notification
from cuenty.notifications.providers import ProviderError, build_providers
from tests.identity.helpers import login, register
from tests.jobs.support import FakeClock, job_settings
from tests.notifications.support import (
    add_user,
    notification_registry,
    notifications,
    quiet_settings,
    scripted_providers,
)

SQLITE = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
PHONE = "+525512345678"


def runner(engine: AsyncEngine, providers: Any, clock: Any = None, **settings: Any):
    return EmbeddedRunner(
        create_session_factory(engine),
        quiet_settings(**settings),
        job_settings=job_settings(),
        job_registry=notification_registry(),
        # Handlers enqueue deliveries on the real clock, so only the retry test fakes time.
        clock=clock or utc_now,
        rng=random.Random(3),  # noqa: S311 - repeatable jitter
        resources={"notification_providers": providers},
    )


async def emit(engine: AsyncEngine, event_type: str, **data: Any) -> None:
    async with transaction(create_session_factory(engine)) as session:
        await publish(session, event_type, data)


@SQLITE
async def test_each_event_sends_its_template(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    user = await add_user(factory, phone=PHONE)
    uid = str(user.id)
    events = [
        (
            "subscription.expiring",
            {
                "subscriptionId": "s-1",
                "userId": uid,
                "daysLeft": 7,
                "endsAt": "2027-01-06T06:00:00+00:00",
                "serviceName": "Netflix",
            },
        ),
        (
            "order.created",
            {
                "orderId": "o-1",
                "userId": uid,
                "number": "CTY-1",
                "total": "299.00",
                "kind": "renewal",
                "subscriptionId": "s-1",
                "expiresAt": "2026-12-06T18:00:00+00:00",
            },
        ),
        (
            "payment.instructions_issued",
            {
                "orderId": "o-1",
                "userId": uid,
                "method": "spei",
                "reference": "1234567",
                "clabe": "646180157000000004",
                "bankName": "STP",
                "beneficiary": "CUENTY",
                "concept": "CUENTY CTY-1",
                "amount": "299.00",
                "expiresAt": "2026-12-06T18:00:00+00:00",
            },
        ),
        (
            "payment.received",
            {"paymentId": "p-1", "orderId": "o-1", "userId": uid, "amount": "299.00"},
        ),
        (
            "compliance.request_created",
            {
                "requestId": "r-1",
                "userId": uid,
                "folio": "ARCO-1",
                "requestType": "acceso",
                "dueDate": "2027-01-05",
            },
        ),
        (
            "compliance.request_completed",
            {
                "requestId": "r-1",
                "userId": uid,
                "folio": "ARCO-1",
                "requestType": "acceso",
                "dueDate": "2027-01-05",
            },
        ),
        (
            "webhooks.endpoint_disabled",
            {"endpoint_id": "e-1", "owner_user_id": uid, "url": "https://hooks.integrador.mx/x"},
        ),
        ("security.api_key_created", {"userId": uid, "keyId": "k-1", "prefix": "cty_test_Ab"}),
    ]
    for event_type, data in events:
        await emit(engine, event_type, **data)
    providers = scripted_providers()

    # Eight messages in a minute would pass the default hourly limit of six.
    await runner(engine, providers, notifications_max_per_hour=20).run_pending()

    templates = sorted(row.template for row in await notifications(factory))
    assert templates == sorted(
        [
            "expiry_reminder",
            "renewal_order",
            "payment_instructions",
            "payment_received",
            "arco_request_received",
            "arco_request_answered",
            "webhook_endpoint_disabled",
            "security_api_key_created",
        ]
    )
    assert {row.status for row in await notifications(factory)} == {"sent"}
    assert len(providers["whatsapp"].sent) == 8


@SQLITE
async def test_new_order_sends_no_renewal_message(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    user = await add_user(factory, phone=PHONE)
    await emit(
        engine,
        "order.created",
        orderId="o-2",
        userId=str(user.id),
        number="CTY-2",
        total="99.00",
        kind="new",
        subscriptionId=None,
        expiresAt="2026-12-06T18:00:00Z",
    )

    await runner(engine, scripted_providers()).run_pending()

    assert await notifications(factory) == []


@SQLITE
async def test_expiry_reminder_sent_once_per_day_count(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    user = await add_user(factory, phone=PHONE)
    data = {
        "subscriptionId": "s-7",
        "userId": str(user.id),
        "daysLeft": 3,
        "endsAt": "2027-01-06",
        "serviceName": "Spotify",
    }
    await emit(engine, "subscription.expiring", **data)
    await emit(engine, "subscription.expiring", **data)
    await emit(engine, "subscription.expiring", **(data | {"daysLeft": 1}))
    providers = scripted_providers()

    await runner(engine, providers).run_pending()

    assert len(await notifications(factory)) == 2
    assert len(providers["whatsapp"].sent) == 2


@SQLITE
async def test_awaiting_stock_alerts_operations_and_admins(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    ops = await add_user(factory, phone=PHONE, role="operations")
    admin = await add_user(factory, phone="+525587654321", role="admin")
    await add_user(factory, phone="+525511112222", role="customer")
    await add_user(factory, phone="+525533334444", role="support")
    await emit(
        engine,
        "order.awaiting_stock",
        orderId="o-3",
        number="CTY-3",
        serviceName="Disney+",
        missing=1,
    )

    await runner(engine, scripted_providers()).run_pending()

    recipients = {row.user_id for row in await notifications(factory)}
    assert recipients == {ops.id, admin.id}


@SQLITE
async def test_credentials_use_registered_loader(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    user = await add_user(factory, phone=PHONE)

    @loaders.context_loader("credentials_delivered")
    async def load(session: Any, context: dict[str, Any]) -> dict[str, Any]:
        return {
            "serviceName": "Netflix",
            "planName": "Premium",
            "login": "n@cuentas.mx",
            "password": "Clave-Segura-1",
            "profileName": None,
            "pin": None,
            "endsAt": "2027-01-06",
        }

    providers = scripted_providers()
    try:
        await emit(
            engine,
            "subscription.activated",
            subscriptionId="s-1",
            userId=str(user.id),
            orderId="o-1",
        )
        await runner(engine, providers).run_pending()
    finally:
        loaders.unregister("credentials_delivered")

    sent = providers["whatsapp"].sent[0]
    assert "Clave-Segura-1" in sent.body
    assert "Clave-Segura-1" not in sent.masked_body
    assert "Clave-Segura-1" in sent.parameters


@SQLITE
async def test_malformed_event_is_dropped(engine: AsyncEngine) -> None:
    await emit(engine, "payment.received", paymentId="p-1")

    await runner(engine, scripted_providers()).run_pending()

    async with create_session_factory(engine)() as session:
        failed = await session.scalars(select(OutboxEntry).where(OutboxEntry.status == "failed"))
        assert list(failed) == []


@SQLITE
async def test_temporary_failure_retries_on_policy(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    user = await add_user(factory, phone=PHONE)
    await emit(
        engine,
        "payment.received",
        paymentId="p-2",
        orderId="o-2",
        userId=str(user.id),
        amount="49.00",
    )
    providers = scripted_providers(whatsapp=[ProviderError("HTTP 503", permanent=False)])
    # Ahead of the real clock, so the jobs handlers enqueue on the real clock are due.
    clock = FakeClock(utc_now() + timedelta(seconds=30))
    job_runner = runner(engine, providers, clock)

    await job_runner.run_pending()
    assert (await notifications(factory))[0].status == "queued"
    clock.advance(minutes=1)
    await job_runner.run_pending()

    row = (await notifications(factory))[0]
    assert row.status == "sent"
    assert row.attempts == 2


def test_code_delivery_follows_settings() -> None:
    assert isinstance(code_delivery(quiet_settings()), DevOutboxDelivery)
    assert isinstance(
        code_delivery(
            quiet_settings(sms_provider="twilio", twilio_account_sid="AC1", twilio_auth_token="t")
        ),
        NotificationCodeDelivery,
    )


@SQLITE
async def test_code_goes_through_providers_masked(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    settings = quiet_settings()
    delivery = NotificationCodeDelivery(settings.secret("encryption_key"))
    async with transaction(factory) as session:
        await delivery.send(
            session,
            CodeMessage(
                channel="sms", recipient="+525599998888", purpose="login", code="583920", minutes=10
            ),
        )

    await runner(engine, build_providers(settings)).run_pending()

    async with factory() as session:
        dev = (await session.scalars(select(DevMessage))).one()
        stored = (await session.scalars(select(Notification))).one()
        jobs = list(await session.scalars(select(OutboxEntry)))
    assert dev.recipient == "+525599998888"
    assert "583920" not in dev.body
    assert "583920" not in (stored.body_preview or "")
    assert stored.status == "sent"
    assert all("583920" not in str(job.payload) for job in jobs)


@SQLITE
async def test_code_to_email_on_phone_channel_is_suppressed(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    settings = quiet_settings()
    delivery = NotificationCodeDelivery(settings.secret("encryption_key"))
    async with transaction(factory) as session:
        await delivery.send(
            session,
            CodeMessage(
                channel="sms",
                recipient="ana@example.com",
                purpose="contact",
                code="111222",
                minutes=10,
            ),
        )
    providers = scripted_providers()

    await runner(engine, providers).run_pending()

    assert (await notifications(factory))[0].status == "suppressed"
    assert providers["sms"].sent == []


async def test_sign_in_from_new_device_is_published(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await register(client, "nuevo@example.com")
    client.headers["user-agent"] = "Mozilla/5.0 (Android 14) Otro telefono"
    await login(client, "nuevo@example.com")
    await login(client, "nuevo@example.com")

    async with app.state.session_factory() as session:
        events = list(
            await session.scalars(
                select(OutboxEntry).where(OutboxEntry.name == "security.new_login")
            )
        )
    assert len(events) == 1
    assert events[0].payload["data"]["userAgent"] == "Mozilla/5.0 (Android 14) Otro telefono"


async def test_api_key_creation_is_published(app: FastAPI, client: httpx.AsyncClient) -> None:
    result = await register(client, "llaves@example.com")
    headers = {"Authorization": f"Bearer {result['tokens']['accessToken']}"}  # type: ignore[index]

    response = await client.post(
        "/v1/api-keys", json={"name": "ERP", "scopes": ["orders:read"]}, headers=headers
    )

    assert response.status_code == 201, response.text
    async with app.state.session_factory() as session:
        event = await session.scalar(
            select(OutboxEntry).where(OutboxEntry.name == "security.api_key_created")
        )
    assert event is not None
    assert event.payload["data"]["keyId"] == response.json()["id"]
    assert uuid.UUID(event.payload["data"]["userId"])
