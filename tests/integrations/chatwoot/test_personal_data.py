"""The Chatwoot contact in privacy requests, against a local server speaking Chatwoot's
application API: the link is exported, a cancellation block stops contact sync and notes,
and suppression deletes the contact at Chatwoot before the local link.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

# The compliance registry loads only top-level packages' modules, so import this one.
import cuenty.integrations.chatwoot.personal_data as chatwoot_personal_data
from cuenty.compliance import registry
from cuenty.compliance.models import DataBlock, DataRequest
from cuenty.integrations.chatwoot import service
from cuenty.integrations.chatwoot.client import ChatwootClient, ChatwootError
from cuenty.integrations.chatwoot.models import ChatwootContact
from cuenty.kit.db import create_session_factory, transaction
from tests.integrations.chatwoot.test_chatwoot import ACCOUNT, API_TOKEN, FakeChatwoot, settings
from tests.notifications.support import LocalServer, Request, add_user, json_reply, running

CONTACT_ID = 40


class DeletingChatwoot(FakeChatwoot):
    """FakeChatwoot that also deletes contacts, or replies `status` to every DELETE."""

    def __init__(self, status: int | None = None) -> None:
        super().__init__()
        self.status = status

    def __call__(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        if request.method != "DELETE":
            return super().__call__(request)
        if request.headers.get("api_access_token") != API_TOKEN:
            return json_reply(401, {"error": "You need to sign in or sign up before continuing."})
        if self.status is not None:
            return json_reply(self.status, {"error": "scripted failure"})
        contact_id = int(request.path.rsplit("/", 1)[1])
        if self.contacts.pop(contact_id, None) is None:
            return json_reply(404, {"error": "Resource could not be found"})
        return 200, {}, b""


@pytest.fixture
def factory(engine: AsyncEngine) -> Any:
    return create_session_factory(engine)


def use_chatwoot(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("CUENTY_CHATWOOT_BASE_URL", url)
    monkeypatch.setenv("CUENTY_CHATWOOT_ACCOUNT_ID", str(ACCOUNT))
    monkeypatch.setenv("CUENTY_CHATWOOT_API_TOKEN", API_TOKEN)


async def linked_user(factory: Any) -> uuid.UUID:
    user = await add_user(factory, phone="+525512345678")
    async with transaction(factory) as session:
        session.add(ChatwootContact(user_id=user.id, contact_id=CONTACT_ID, source_id="src-40"))
    return user.id


async def link_of(factory: Any, user_id: uuid.UUID) -> ChatwootContact | None:
    async with factory() as session:
        return await session.get(ChatwootContact, user_id)


async def block(factory: Any, user_id: uuid.UUID) -> None:
    now = datetime.now(UTC)
    request = DataRequest(
        folio=f"ARCO-{uuid.uuid4().hex[:8]}",
        user_id=user_id,
        request_type="cancelacion",
        channel="web",
        filed_as="titular",
        answer_due=date.today() + timedelta(days=30),
    )
    async with transaction(factory) as session:
        session.add(request)
        await session.flush()
        session.add(
            DataBlock(
                request_id=request.id,
                user_id=user_id,
                category="chatwoot",
                blocked_at=now,
                suppress_after=now + timedelta(days=30),
            )
        )


def client(url: str) -> ChatwootClient:
    return ChatwootClient(base_url=url, account_id=ACCOUNT, api_token=API_TOKEN, timeout_seconds=5)


def test_chatwoot_category_is_registered() -> None:
    names = [category.name for category in registry.categories()]

    assert "chatwoot" in names


async def test_export_contains_contact_link(factory: Any) -> None:
    user_id = await linked_user(factory)

    async with factory() as session:
        exported = await chatwoot_personal_data.ChatwootData().export(session, user_id)

    assert exported["contact"]["contactId"] == CONTACT_ID
    assert exported["contact"]["sourceId"] == "src-40"


async def test_suppress_deletes_contact_at_chatwoot(
    factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id = await linked_user(factory)
    chatwoot = DeletingChatwoot()
    chatwoot.contacts[CONTACT_ID] = {"name": "Ana López"}

    async with running(LocalServer(chatwoot)) as server:
        use_chatwoot(monkeypatch, server.url)
        async with transaction(factory) as session:
            await chatwoot_personal_data.ChatwootData().suppress(session, user_id)

    deletes = [(r.method, r.path) for r in server.requests]
    assert deletes == [("DELETE", f"/api/v1/accounts/{ACCOUNT}/contacts/{CONTACT_ID}")]
    assert chatwoot.contacts == {}
    assert await link_of(factory, user_id) is None


async def test_suppress_of_gone_contact_deletes_link(
    factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id = await linked_user(factory)

    async with running(LocalServer(DeletingChatwoot())) as server:
        use_chatwoot(monkeypatch, server.url)
        async with transaction(factory) as session:
            await chatwoot_personal_data.ChatwootData().suppress(session, user_id)

    assert await link_of(factory, user_id) is None


async def test_failed_delete_keeps_link_for_retry(
    factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id = await linked_user(factory)

    async with running(LocalServer(DeletingChatwoot(status=503))) as server:
        use_chatwoot(monkeypatch, server.url)
        with pytest.raises(ChatwootError):
            async with transaction(factory) as session:
                await chatwoot_personal_data.ChatwootData().suppress(session, user_id)

    assert await link_of(factory, user_id) is not None


async def test_blocked_user_is_not_synced(factory: Any) -> None:
    user = await add_user(factory, phone="+525512345678")
    await block(factory, user.id)

    async with running(LocalServer(DeletingChatwoot())) as server:
        synced = await service.sync_contact(
            factory, client(server.url), settings(server.url), user.id
        )
        noted = await service.add_private_note(
            factory, client(server.url), settings(server.url), user.id, "Pedido pagado"
        )

    assert synced is None
    assert noted is None
    assert server.requests == []
