"""The Chatwoot integration against a local server implementing the application API shapes
(contacts, a contact's conversations, conversations and messages): contact sync, private
notes, and inbound webhooks with signature, token, replay and status replies.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.identity.models import User
from cuenty.integrations.chatwoot import summaries, tasks, verification
from cuenty.integrations.chatwoot.models import ChatwootContact, ChatwootEvent
from cuenty.kit.clock import utc_now
from cuenty.kit.db import create_session_factory, transaction
from cuenty.kit.jobs import JobRegistry, publish, registry
from cuenty.kit.jobs.embedded import EmbeddedRunner
from cuenty.kit.jobs.models import OutboxEntry
from tests.conftest import make_settings
from tests.jobs.support import job_settings
from tests.notifications.support import LocalServer, Request, add_user, json_reply, running

SQLITE = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
API_TOKEN = "chatwoot-agent-token"
WEBHOOK_SECRET = "chatwoot-webhook-secret"
ACCOUNT = 3


class FakeChatwoot:
    """Chatwoot's application API for one account, enough for the integration's calls."""

    def __init__(self, conversations: list[dict[str, Any]] | None = None) -> None:
        self.contacts: dict[int, dict[str, Any]] = {}
        self.conversations = conversations or []
        self.messages: list[dict[str, Any]] = []

    def __call__(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        if request.headers.get("api_access_token") != API_TOKEN:
            return json_reply(401, {"error": "You need to sign in or sign up before continuing."})
        prefix = f"/api/v1/accounts/{ACCOUNT}"
        path = request.path.removeprefix(prefix)
        if request.method == "POST" and path == "/contacts":
            return self._create_contact(request.json())
        if request.method == "PUT" and path.startswith("/contacts/"):
            contact_id = int(path.split("/")[2])
            self.contacts[contact_id].update(request.json())
            return json_reply(200, {"payload": {"id": contact_id, **self.contacts[contact_id]}})
        if request.method == "GET" and path.endswith("/conversations"):
            return json_reply(200, {"payload": self.conversations})
        if request.method == "POST" and path == "/conversations":
            conversation = {"id": 500 + len(self.conversations), "status": "open", **request.json()}
            self.conversations.append(conversation)
            return json_reply(200, conversation)
        if request.method == "POST" and path.endswith("/messages"):
            message = {"id": 900 + len(self.messages), "conversation": int(path.split("/")[2])}
            message.update(request.json())
            self.messages.append(message)
            return json_reply(200, message)
        return json_reply(404, {"error": "Resource could not be found"})

    def _create_contact(self, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        if not body.get("name"):
            return json_reply(422, {"message": "Name can't be blank"})
        contact_id = 40 + len(self.contacts)
        self.contacts[contact_id] = body
        contact = {"id": contact_id, **body}
        inbox = {"id": body.get("inbox_id"), "name": "WhatsApp CUENTY"}
        return json_reply(
            200,
            {
                "payload": {
                    "contact": contact,
                    "contact_inbox": {"inbox": inbox, "source_id": f"src-{contact_id}"},
                }
            },
        )


def settings(url: str, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "chatwoot_base_url": url,
        "chatwoot_account_id": ACCOUNT,
        "chatwoot_inbox_id": 7,
        "chatwoot_api_token": API_TOKEN,
        "chatwoot_webhook_secret": WEBHOOK_SECRET,
    }
    values.update(overrides)
    return make_settings(**values)


def chatwoot_registry() -> JobRegistry:
    jobs = JobRegistry()
    for name in (tasks.SYNC_JOB, tasks.NOTE_JOB, tasks.REPLY_JOB):
        jobs.handlers[name] = registry.get(name)
    for event_type in tasks.SYNC_EVENTS:
        jobs.subscribe(event_type, tasks.SYNC_JOB)
    for event_type in tasks.NOTES:
        jobs.subscribe(event_type, tasks.NOTE_JOB)
    return jobs


def runner(engine: AsyncEngine, config: Any) -> EmbeddedRunner:
    return EmbeddedRunner(
        create_session_factory(engine),
        config,
        job_settings=job_settings(),
        job_registry=chatwoot_registry(),
        clock=utc_now,
        rng=random.Random(5),  # noqa: S311 - repeatable jitter
    )


async def emit(engine: AsyncEngine, event_type: str, **data: Any) -> None:
    async with transaction(create_session_factory(engine)) as session:
        await publish(session, event_type, data)


@SQLITE
async def test_new_user_becomes_contact(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    user = await add_user(factory, phone="+525512345678", email="ana@example.com")
    chatwoot = FakeChatwoot()
    async with running(LocalServer(chatwoot)) as server:
        await emit(engine, "user.created", user_id=str(user.id))
        await runner(engine, settings(server.url)).run_pending()

    contact = chatwoot.contacts[40]
    async with factory() as session:
        link = await session.get(ChatwootContact, user.id)
    assert contact["name"] == "Ana López"
    assert contact["email"] == "ana@example.com"
    assert contact["phone_number"] == "+525512345678"
    assert contact["identifier"] == str(user.id)
    assert contact["inbox_id"] == 7
    assert contact["custom_attributes"]["cuenty_user_id"] == str(user.id)
    assert link is not None
    assert link.contact_id == 40
    assert link.source_id == "src-40"


@SQLITE
async def test_profile_change_updates_contact(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    user = await add_user(factory, phone="+525512345678")

    @summaries.attributes_provider("test-commerce")
    async def attributes(session: Any, user_id: uuid.UUID) -> dict[str, Any]:
        return {"active_subscriptions": 2, "lifetime_value": "1198.00"}

    chatwoot = FakeChatwoot()
    try:
        async with running(LocalServer(chatwoot)) as server:
            await emit(engine, "user.created", user_id=str(user.id))
            await runner(engine, settings(server.url)).run_pending()
            await emit(engine, "user.updated", userId=str(user.id))
            await runner(engine, settings(server.url)).run_pending()
    finally:
        summaries.unregister("test-commerce")

    methods = [request.method for request in server.requests]
    assert methods == ["POST", "PUT"]
    assert chatwoot.contacts[40]["custom_attributes"]["active_subscriptions"] == 2
    assert chatwoot.contacts[40]["custom_attributes"]["lifetime_value"] == "1198.00"


@SQLITE
async def test_rectification_updates_contact(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    user = await add_user(factory, phone="+525512345678")
    chatwoot = FakeChatwoot()
    async with running(LocalServer(chatwoot)) as server:
        await emit(engine, "user.created", user_id=str(user.id))
        await runner(engine, settings(server.url)).run_pending()
        async with transaction(factory) as session:
            stored = await session.get(User, user.id)
            assert stored is not None
            stored.name = "Ana María López"
        await emit(
            engine,
            "compliance.data_rectified",
            userId=str(user.id),
            requestId=str(uuid.uuid4()),
            fields=["name"],
        )
        await runner(engine, settings(server.url)).run_pending()

    assert [request.method for request in server.requests] == ["POST", "PUT"]
    assert chatwoot.contacts[40]["name"] == "Ana María López"


@SQLITE
async def test_order_paid_adds_private_note(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    user = await add_user(factory, phone="+525512345678")
    chatwoot = FakeChatwoot(
        conversations=[{"id": 61, "status": "resolved"}, {"id": 62, "status": "open"}]
    )
    async with running(LocalServer(chatwoot)) as server:
        await emit(
            engine,
            "order.paid",
            orderId="o-1",
            userId=str(user.id),
            number="CTY-1042",
            total="299.00",
        )
        await runner(engine, settings(server.url)).run_pending()

    note = chatwoot.messages[0]
    assert note["conversation"] == 62
    assert note["private"] is True
    assert note["message_type"] == "outgoing"
    assert note["content"] == "Se pagó el pedido CTY-1042: 299.00 MXN."


@SQLITE
async def test_note_opens_conversation_when_none_is_open(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    user = await add_user(factory, phone="+525512345678")
    chatwoot = FakeChatwoot()
    async with running(LocalServer(chatwoot)) as server:
        await emit(
            engine,
            "subscription.expiring",
            subscriptionId="s-1",
            userId=str(user.id),
            daysLeft=3,
            endsAt="2027-01-06T06:00:00+00:00",
            serviceName="Netflix",
        )
        await runner(engine, settings(server.url)).run_pending()

    created = chatwoot.conversations[0]
    assert created["source_id"] == "src-40"
    assert created["inbox_id"] == 7
    assert created["contact_id"] == 40
    assert chatwoot.messages[0]["conversation"] == created["id"]
    assert "Netflix" in chatwoot.messages[0]["content"]


@SQLITE
async def test_wrong_token_is_logged_not_retried(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    user = await add_user(factory, phone="+525512345678")
    async with running(LocalServer(FakeChatwoot())) as server:
        await emit(engine, "user.created", user_id=str(user.id))
        await runner(engine, settings(server.url, chatwoot_api_token="wrong")).run_pending()

    async with factory() as session:
        failed = list(
            await session.scalars(select(OutboxEntry).where(OutboxEntry.status == "failed"))
        )
        link = await session.get(ChatwootContact, user.id)
    assert failed == []
    assert link is None


def signed_headers(body: bytes, secret: str = WEBHOOK_SECRET, age: int = 0) -> dict[str, str]:
    timestamp = str(int(time.time()) - age)
    return {
        "content-type": "application/json",
        "x-chatwoot-timestamp": timestamp,
        "x-chatwoot-signature": verification.signature(secret, timestamp, body),
        "x-chatwoot-delivery": str(uuid.uuid4()),
    }


def incoming(content: str, contact_id: int = 40, conversation_id: int = 62) -> bytes:
    document = {
        "event": "message_created",
        "id": 1201,
        "content": content,
        "message_type": "incoming",
        "private": False,
        "sender": {"id": contact_id, "name": "Ana López", "type": "contact"},
        "conversation": {"id": conversation_id, "status": "open"},
        "account": {"id": ACCOUNT, "name": "CUENTY"},
    }
    return json.dumps(document).encode()


def configure(app: FastAPI, **overrides: Any) -> None:
    app.state.settings = settings(
        "http://127.0.0.1:9", database_url=app.state.settings.database_url, **overrides
    )


async def reply_jobs(app: FastAPI) -> list[OutboxEntry]:
    async with app.state.session_factory() as session:
        query = select(OutboxEntry).where(OutboxEntry.name == tasks.REPLY_JOB)
        return list(await session.scalars(query))


@SQLITE
async def test_status_question_queues_reply(app: FastAPI, client: httpx.AsyncClient) -> None:
    configure(app)
    body = incoming("Hola, ¿cuál es el estado de mi suscripción?")

    response = await client.post(
        "/v1/chatwoot/webhooks", content=body, headers=signed_headers(body)
    )

    jobs = await reply_jobs(app)
    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False}
    assert [job.payload for job in jobs] == [{"contact_id": 40, "conversation_id": 62}]


@SQLITE
async def test_other_message_queues_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    configure(app)
    body = incoming("Gracias, todo bien")

    await client.post("/v1/chatwoot/webhooks", content=body, headers=signed_headers(body))

    assert await reply_jobs(app) == []


@pytest.mark.parametrize(
    "headers",
    [
        lambda body: signed_headers(body, secret="another-secret"),
        lambda body: signed_headers(body, age=3600),
        lambda body: {"content-type": "application/json"},
    ],
    ids=["wrong-secret", "stale-timestamp", "unsigned"],
)
async def test_bad_signature_is_403(app: FastAPI, client: httpx.AsyncClient, headers: Any) -> None:
    configure(app)
    body = incoming("estado")

    response = await client.post("/v1/chatwoot/webhooks", content=body, headers=headers(body))

    assert response.status_code == 403
    assert await reply_jobs(app) == []


async def test_replayed_delivery_is_ignored(app: FastAPI, client: httpx.AsyncClient) -> None:
    configure(app)
    body = incoming("estatus de mi cuenta")
    headers = signed_headers(body)

    first = await client.post("/v1/chatwoot/webhooks", content=body, headers=headers)
    replay = await client.post("/v1/chatwoot/webhooks", content=body, headers=headers)

    assert first.json()["duplicate"] is False
    assert replay.json()["duplicate"] is True


async def test_replay_with_new_delivery_header_is_ignored(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    configure(app)
    body = incoming("estatus de mi cuenta")
    headers = signed_headers(body)
    replayed_headers = {**headers, "x-chatwoot-delivery": str(uuid.uuid4())}

    await client.post("/v1/chatwoot/webhooks", content=body, headers=headers)
    replay = await client.post("/v1/chatwoot/webhooks", content=body, headers=replayed_headers)

    assert replay.json()["duplicate"] is True


async def test_token_mode_replay_is_ignored(app: FastAPI, client: httpx.AsyncClient) -> None:
    configure(app, chatwoot_webhook_mode="token")
    body = incoming("estado de mi suscripción")
    url = f"/v1/chatwoot/webhooks?token={WEBHOOK_SECRET}"

    await client.post(url, content=body, headers={"x-chatwoot-delivery": "a"})
    replay = await client.post(url, content=body, headers={"x-chatwoot-delivery": "b"})

    assert replay.json()["duplicate"] is True


async def test_token_mode(app: FastAPI, client: httpx.AsyncClient) -> None:
    configure(app, chatwoot_webhook_mode="token")
    body = incoming("hola")
    plain = {"content-type": "application/json"}

    accepted = await client.post(
        f"/v1/chatwoot/webhooks?token={WEBHOOK_SECRET}", content=body, headers=plain
    )
    rejected = await client.post("/v1/chatwoot/webhooks?token=guess", content=body, headers=plain)

    assert accepted.status_code == 200
    assert rejected.status_code == 403


async def test_status_change_is_recorded(app: FastAPI, client: httpx.AsyncClient) -> None:
    configure(app)
    document = {
        "event": "conversation_status_changed",
        "id": 62,
        "status": "resolved",
        "meta": {"sender": {"id": 40, "type": "contact"}},
    }
    body = json.dumps(document).encode()

    response = await client.post(
        "/v1/chatwoot/webhooks", content=body, headers=signed_headers(body)
    )

    async with app.state.session_factory() as session:
        event = await session.scalar(select(ChatwootEvent))
    assert response.status_code == 200
    assert event is not None
    assert (event.conversation_id, event.contact_id, event.status) == (62, 40, "resolved")


async def test_unconfigured_webhook_is_404(client: httpx.AsyncClient) -> None:
    body = incoming("estado")

    response = await client.post(
        "/v1/chatwoot/webhooks", content=body, headers=signed_headers(body)
    )

    assert response.status_code == 404


@SQLITE
async def test_reply_summarises_without_credentials(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    user = await add_user(factory, phone="+525512345678")
    async with transaction(factory) as session:
        session.add(ChatwootContact(user_id=user.id, contact_id=40, source_id="src-40"))

    @summaries.summary_provider("test-subscriptions")
    async def lines(session: Any, user_id: uuid.UUID, locale: str) -> list[str]:
        assert user_id == user.id
        return ["Netflix Premium: vence en 12 días", "Pago pendiente: $99.00 MXN (Spotify)"]

    chatwoot = FakeChatwoot()
    try:
        async with running(LocalServer(chatwoot)) as server:
            async with transaction(factory) as session:
                await tasks.jobs.enqueue(
                    session, tasks.REPLY_JOB, {"contact_id": 40, "conversation_id": 62}
                )
            await runner(engine, settings(server.url)).run_pending()
    finally:
        summaries.unregister("test-subscriptions")

    reply = chatwoot.messages[0]
    assert reply["private"] is False
    assert reply["conversation"] == 62
    assert reply["content"].startswith("Este es el estado de tu cuenta de CUENTY:")
    assert "- Netflix Premium: vence en 12 días" in reply["content"]


@SQLITE
async def test_reply_to_unknown_contact(engine: AsyncEngine) -> None:
    chatwoot = FakeChatwoot()
    factory = create_session_factory(engine)
    async with running(LocalServer(chatwoot)) as server:
        async with transaction(factory) as session:
            await tasks.jobs.enqueue(
                session, tasks.REPLY_JOB, {"contact_id": 99, "conversation_id": 63}
            )
        await runner(engine, settings(server.url)).run_pending()

    assert "No pudimos vincular" in chatwoot.messages[0]["content"]
