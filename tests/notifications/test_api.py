"""The notifications API: who may send, reading the delivery log, push subscriptions, and the
provider status callbacks with valid, invalid and replayed signatures.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI

from cuenty.identity.access import Principal
from cuenty.kit.db import transaction
from cuenty.notifications.callbacks import twilio_signature
from cuenty.notifications.endpoints import require_notifications_write, require_signed_in
from cuenty.notifications.models import Notification, PushSubscription
from tests.conftest import make_settings
from tests.notifications.support import add_user

TWILIO_TOKEN = "twilio-auth-token-for-tests"
META_SECRET = "meta-app-secret-for-tests"
PHONE = "+525512345678"


def act_as(app: FastAPI, principal: Principal) -> None:
    app.dependency_overrides[require_notifications_write] = lambda: principal
    app.dependency_overrides[require_signed_in] = lambda: principal


def staff(role: str = "operations") -> Principal:
    return Principal(uuid.uuid4(), role, frozenset({"notifications:write"}))


def customer(user_id: uuid.UUID) -> Principal:
    return Principal(user_id, "customer", frozenset())


def configure(app: FastAPI, **overrides: Any) -> None:
    database_url = app.state.settings.database_url
    app.state.settings = make_settings(database_url=database_url, **overrides)


async def send(client: httpx.AsyncClient, user_id: uuid.UUID, **body: Any) -> httpx.Response:
    payload = {
        "userId": str(user_id),
        "template": "staff_message",
        "context": {"title": "Aviso", "message": "Tu pedido va en camino."},
        **body,
    }
    return await client.post("/v1/notifications/send/whatsapp", json=payload)


async def test_staff_send_queues_notification(app: FastAPI, client: httpx.AsyncClient) -> None:
    user = await add_user(app.state.session_factory, phone=PHONE)
    act_as(app, staff())

    response = await send(client, user.id)

    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    async with app.state.session_factory() as session:
        row = await session.get(Notification, uuid.UUID(response.json()["id"]))
    assert row is not None
    assert row.requested_channel == "whatsapp"


async def test_send_without_credentials_is_401(client: httpx.AsyncClient) -> None:
    response = await send(client, uuid.uuid4())

    assert response.status_code == 401


async def test_customer_cannot_send(app: FastAPI, client: httpx.AsyncClient) -> None:
    user = await add_user(app.state.session_factory, phone=PHONE)
    act_as(app, customer(user.id))

    response = await send(client, user.id)

    assert response.status_code == 403


async def test_send_rejects_secret_templates(app: FastAPI, client: httpx.AsyncClient) -> None:
    user = await add_user(app.state.session_factory, phone=PHONE)
    act_as(app, staff())

    response = await send(client, user.id, template="one_time_code", context={})

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/template"


async def test_send_names_missing_context_field(app: FastAPI, client: httpx.AsyncClient) -> None:
    user = await add_user(app.state.session_factory, phone=PHONE)
    act_as(app, staff())

    response = await send(client, user.id, context={"title": "Aviso"})

    body = response.json()
    assert response.status_code == 422
    assert body["errors"][0]["pointer"] == "#/context/message"
    assert body["title"] == "Notificación no aceptada"


async def test_send_rejects_secret_context_in_english(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user = await add_user(app.state.session_factory, phone=PHONE)
    act_as(app, staff())
    context = {"title": "Aviso", "message": "x", "password": "hunter2"}

    response = await client.post(
        "/v1/notifications/send/whatsapp",
        json={"userId": str(user.id), "template": "staff_message", "context": context},
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "context_not_plain"
    assert response.json()["title"] == "Notification not accepted"


async def test_send_to_unknown_user_is_404(app: FastAPI, client: httpx.AsyncClient) -> None:
    act_as(app, staff())

    response = await send(client, uuid.uuid4())

    assert response.status_code == 404


async def test_send_to_unknown_channel_is_422(app: FastAPI, client: httpx.AsyncClient) -> None:
    act_as(app, staff())

    response = await client.post(
        "/v1/notifications/send/fax",
        json={"userId": str(uuid.uuid4()), "template": "staff_message", "context": {}},
    )

    assert response.status_code == 422


async def test_log_shows_own_messages_only(app: FastAPI, client: httpx.AsyncClient) -> None:
    factory = app.state.session_factory
    ana = await add_user(factory, phone=PHONE)
    luis = await add_user(factory, phone="+525587654321")
    act_as(app, staff())
    await send(client, ana.id)
    await send(client, luis.id)

    act_as(app, customer(ana.id))
    own = await client.get("/v1/notifications")
    other = await client.get(f"/v1/notifications?userId={luis.id}")

    assert own.status_code == 200
    assert [item["userId"] for item in own.json()["items"]] == [str(ana.id)]
    assert other.status_code == 403


async def test_staff_reads_every_log(app: FastAPI, client: httpx.AsyncClient) -> None:
    factory = app.state.session_factory
    ana = await add_user(factory, phone=PHONE)
    luis = await add_user(factory, phone="+525587654321")
    act_as(app, staff())
    await send(client, ana.id)
    await send(client, luis.id)

    response = await client.get("/v1/notifications")

    assert len(response.json()["items"]) == 2


def subscription(endpoint: str) -> dict[str, Any]:
    return {
        "endpoint": endpoint,
        "keys": {
            "p256dh": (
                "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
            ),
            "auth": "tBHItJI5svbpez7KI4CCXg",
        },
    }


async def test_push_subscription_is_saved(app: FastAPI, client: httpx.AsyncClient) -> None:
    user = await add_user(app.state.session_factory, phone=PHONE)
    act_as(app, customer(user.id))

    async def resolve(host: str, port: int) -> list[str]:
        return ["142.250.72.10"]

    app.state.push_resolver = resolve
    response = await client.post(
        "/v1/notifications/push/subscriptions",
        json=subscription("https://fcm.googleapis.com/fcm/send/abc123"),
    )

    assert response.status_code == 201, response.text
    assert response.json()["endpointHost"] == "fcm.googleapis.com"


@pytest.mark.parametrize(
    "endpoint",
    ["http://fcm.googleapis.com/fcm/send/abc", "https://127.0.0.1/push", "https://10.0.0.5/x"],
)
async def test_push_subscription_rejects_unsafe_endpoint(
    app: FastAPI, client: httpx.AsyncClient, endpoint: str
) -> None:
    user = await add_user(app.state.session_factory, phone=PHONE)
    act_as(app, customer(user.id))

    response = await client.post(
        "/v1/notifications/push/subscriptions", json=subscription(endpoint)
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/endpoint"
    async with app.state.session_factory() as session:
        assert await session.get(PushSubscription, uuid.uuid4()) is None


async def sent_notification(app: FastAPI, provider_message_id: str) -> uuid.UUID:
    user = await add_user(app.state.session_factory, phone=PHONE)
    async with transaction(app.state.session_factory) as session:
        row = Notification(
            user_id=user.id,
            template="payment_received",
            purpose="transactional",
            context={},
            status="sent",
            channel="sms",
            provider="twilio_sms",
            provider_message_id=provider_message_id,
            attempts=1,
        )
        session.add(row)
    return row.id


async def status_of(app: FastAPI, notification_id: uuid.UUID) -> str:
    async with app.state.session_factory() as session:
        row = await session.get(Notification, notification_id)
    assert row is not None
    return row.status


def twilio_form(sid: str, status: str) -> list[tuple[str, str]]:
    return [
        ("AccountSid", "AC" + "0" * 32),
        ("MessageSid", sid),
        ("MessageStatus", status),
        ("To", PHONE),
        ("ApiVersion", "2010-04-01"),
    ]


async def post_twilio(
    client: httpx.AsyncClient, form: list[tuple[str, str]], signature: str
) -> httpx.Response:
    return await client.post(
        "/v1/notifications/callbacks/twilio",
        content=urlencode(form),
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": signature,
        },
    )


TWILIO_URL = "https://api.cuenty.mx/v1/notifications/callbacks/twilio"


async def test_twilio_callback_updates_status(app: FastAPI, client: httpx.AsyncClient) -> None:
    configure(app, twilio_auth_token=TWILIO_TOKEN, public_base_url="https://api.cuenty.mx")
    notification_id = await sent_notification(app, "SM" + "c" * 32)
    form = twilio_form("SM" + "c" * 32, "delivered")

    response = await post_twilio(client, form, twilio_signature(TWILIO_TOKEN, TWILIO_URL, form))

    assert response.status_code == 204
    assert await status_of(app, notification_id) == "delivered"


async def test_twilio_callback_bad_signature_is_403(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    configure(app, twilio_auth_token=TWILIO_TOKEN, public_base_url="https://api.cuenty.mx")
    notification_id = await sent_notification(app, "SM" + "d" * 32)
    form = twilio_form("SM" + "d" * 32, "failed")
    signature = twilio_signature("another-token", TWILIO_URL, form)

    response = await post_twilio(client, form, signature)

    assert response.status_code == 403
    assert await status_of(app, notification_id) == "sent"


async def test_twilio_replayed_callback_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    configure(app, twilio_auth_token=TWILIO_TOKEN, public_base_url="https://api.cuenty.mx")
    notification_id = await sent_notification(app, "SM" + "e" * 32)
    undelivered = twilio_form("SM" + "e" * 32, "undelivered")
    delivered = twilio_form("SM" + "e" * 32, "delivered")
    sign = lambda form: twilio_signature(TWILIO_TOKEN, TWILIO_URL, form)  # noqa: E731

    await post_twilio(client, delivered, sign(delivered))
    await post_twilio(client, undelivered, sign(undelivered))
    async with transaction(app.state.session_factory) as session:
        row = await session.get(Notification, notification_id)
        assert row is not None
        row.status = "delivered"
    replay = await post_twilio(client, undelivered, sign(undelivered))

    assert replay.status_code == 204
    assert await status_of(app, notification_id) == "delivered"


async def test_twilio_callback_unconfigured_is_404(client: httpx.AsyncClient) -> None:
    response = await post_twilio(client, twilio_form("SM1", "sent"), "x")

    assert response.status_code == 404


def meta_body(message_id: str, status: str, timestamp: str = "1733350000") -> bytes:
    document = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"phone_number_id": "106540352242922"},
                            "statuses": [
                                {
                                    "id": message_id,
                                    "status": status,
                                    "timestamp": timestamp,
                                    "recipient_id": "525512345678",
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(document).encode()


def meta_signature(body: bytes, secret: str = META_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def post_meta(client: httpx.AsyncClient, body: bytes, signature: str) -> httpx.Response:
    return await client.post(
        "/v1/notifications/callbacks/whatsapp",
        content=body,
        headers={"content-type": "application/json", "x-hub-signature-256": signature},
    )


async def test_meta_callback_updates_status(app: FastAPI, client: httpx.AsyncClient) -> None:
    configure(app, meta_whatsapp_app_secret=META_SECRET)
    notification_id = await sent_notification(app, "wamid.AAA")
    body = meta_body("wamid.AAA", "read")

    response = await post_meta(client, body, meta_signature(body))

    assert response.status_code == 204
    assert await status_of(app, notification_id) == "read"


async def test_meta_callback_bad_signature_is_403(app: FastAPI, client: httpx.AsyncClient) -> None:
    configure(app, meta_whatsapp_app_secret=META_SECRET)
    notification_id = await sent_notification(app, "wamid.BBB")
    body = meta_body("wamid.BBB", "failed")

    response = await post_meta(client, body, meta_signature(body, "wrong-secret"))

    assert response.status_code == 403
    assert await status_of(app, notification_id) == "sent"


async def test_meta_replayed_callback_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    configure(app, meta_whatsapp_app_secret=META_SECRET)
    notification_id = await sent_notification(app, "wamid.CCC")
    failed = meta_body("wamid.CCC", "failed")
    delivered = meta_body("wamid.CCC", "delivered", "1733350100")

    await post_meta(client, failed, meta_signature(failed))
    await post_meta(client, delivered, meta_signature(delivered))
    replay = await post_meta(client, failed, meta_signature(failed))

    assert replay.status_code == 204
    assert await status_of(app, notification_id) == "delivered"


async def test_meta_late_sent_keeps_delivered(app: FastAPI, client: httpx.AsyncClient) -> None:
    configure(app, meta_whatsapp_app_secret=META_SECRET)
    notification_id = await sent_notification(app, "wamid.DDD")
    delivered = meta_body("wamid.DDD", "delivered", "1733350100")
    sent = meta_body("wamid.DDD", "sent", "1733350000")

    await post_meta(client, delivered, meta_signature(delivered))
    await post_meta(client, sent, meta_signature(sent))

    assert await status_of(app, notification_id) == "delivered"


async def test_meta_verification_challenge(app: FastAPI, client: httpx.AsyncClient) -> None:
    configure(app, meta_whatsapp_verify_token="verify-me")

    accepted = await client.get(
        "/v1/notifications/callbacks/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "42"},
    )
    rejected = await client.get(
        "/v1/notifications/callbacks/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "42"},
    )

    assert accepted.text == "42"
    assert rejected.status_code == 403
