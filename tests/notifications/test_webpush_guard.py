"""Web Push sends cannot reach internal addresses: a redirect is not followed, a host that
resolves to a private address at send time is rejected, and no reply body reaches the
customer's delivery log. Every server here listens on 127.0.0.1; the public address a fake
resolver returns at registration is never connected to.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cuenty import notifications
from cuenty.identity.access import Principal
from cuenty.kit.db import transaction
from cuenty.notifications import dispatch
from cuenty.notifications.endpoints import require_signed_in
from cuenty.notifications.models import Notification
from cuenty.notifications.providers import ProviderError
from cuenty.notifications.providers.webpush import WebPushProvider
from tests.notifications.support import (
    LocalServer,
    Request,
    add_user,
    quiet_settings,
    running,
    scripted_providers,
)
from tests.notifications.test_providers import PushService, message, vapid_key

INTERNAL_SECRET = "internal-metadata-secret-7731"
NOON_MEXICO = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
# Only ever returned by the fake resolver at registration; no test connects to it.
PUBLIC_ADDRESS = "142.250.72.10"


def internal_reply(request: Request) -> tuple[int, dict[str, str], bytes]:
    return 200, {"content-type": "text/plain"}, INTERNAL_SECRET.encode()


def redirect_to(url: str) -> Any:
    def reply(request: Request) -> tuple[int, dict[str, str], bytes]:
        return 303, {"location": url}, b"see other"

    return reply


def provider(*, allow_private: bool, resolver: Any = None) -> WebPushProvider:
    options: dict[str, Any] = {"resolver": resolver} if resolver else {}
    return WebPushProvider(
        private_key=vapid_key(),
        subject="mailto:soporte@cuenty.mx",
        timeout_seconds=5,
        allow_private=allow_private,
        **options,
    )


def rebinding_resolver() -> Any:
    """Resolve to a public address on the first lookup and to 127.0.0.1 afterwards."""
    answers: Iterator[list[str]] = iter([[PUBLIC_ADDRESS]])

    async def resolve(host: str, port: int) -> list[str]:
        return next(answers, ["127.0.0.1"])

    return resolve


def keys() -> dict[str, str]:
    return PushService().keys()


async def test_webpush_does_not_follow_redirect() -> None:
    async with (
        running(LocalServer(internal_reply)) as internal,
        running(LocalServer(redirect_to(f"{internal.url}/latest/meta-data"))) as endpoint,
    ):
        outgoing = message("push", f"{endpoint.url}/push/abc", push_keys=keys())
        with pytest.raises(ProviderError) as raised:
            await provider(allow_private=True).send(outgoing, None)  # type: ignore[arg-type]

    assert len(endpoint.requests) == 1
    assert internal.requests == []
    assert raised.value.permanent
    assert str(raised.value) == "push service responded HTTP 303"


async def test_webpush_error_keeps_no_reply_body() -> None:
    def refuse(request: Request) -> tuple[int, dict[str, str], bytes]:
        return 400, {"content-type": "text/plain"}, INTERNAL_SECRET.encode()

    async with running(LocalServer(refuse)) as endpoint:
        outgoing = message("push", f"{endpoint.url}/push/abc", push_keys=keys())
        with pytest.raises(ProviderError) as raised:
            await provider(allow_private=True).send(outgoing, None)  # type: ignore[arg-type]

    assert INTERNAL_SECRET not in str(raised.value)


async def test_webpush_rejects_loopback_by_default() -> None:
    async with running(LocalServer(PushService())) as endpoint:
        outgoing = message("push", f"{endpoint.url}/push/abc", push_keys=keys())
        with pytest.raises(ProviderError) as raised:
            await provider(allow_private=False).send(outgoing, None)  # type: ignore[arg-type]

    assert endpoint.requests == []
    assert raised.value.permanent
    assert str(raised.value) == "push endpoint rejected: address_not_public"


async def test_webpush_connects_to_address_checked_at_send() -> None:
    service = PushService()

    async def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    async with running(LocalServer(service)) as endpoint:
        url = f"http://push.cuenty.test:{endpoint.port}/push/abc"
        outgoing = message("push", url, push_keys=service.keys())
        sender = provider(allow_private=True, resolver=resolve)
        await sender.send(outgoing, None)  # type: ignore[arg-type]

    assert endpoint.requests[0].headers["host"] == f"push.cuenty.test:{endpoint.port}"
    assert service.claims[0]["aud"] == f"http://push.cuenty.test:{endpoint.port}"


def act_as(app: FastAPI, user_id: uuid.UUID) -> None:
    app.dependency_overrides[require_signed_in] = lambda: Principal(
        user_id, "customer", frozenset()
    )


async def register(app: FastAPI, client: httpx.AsyncClient, endpoint: str) -> None:
    subscription = {"endpoint": endpoint, "keys": keys()}
    response = await client.post("/v1/notifications/push/subscriptions", json=subscription)
    assert response.status_code == 201, response.text


async def send_push(app: FastAPI, user_id: uuid.UUID, providers: dict[str, Any]) -> uuid.UUID:
    factory = app.state.session_factory
    async with transaction(factory) as session:
        notification_id = await notifications.send(
            session,
            user_id=user_id,
            template="staff_message",
            context={"title": "Aviso", "message": "Tu pedido va en camino."},
            channel="push",
        )
    await dispatch.deliver(
        factory, quiet_settings(), providers, notification_id, now=NOON_MEXICO, last_attempt=True
    )
    return notification_id


async def test_push_host_rebound_after_registration_is_rejected(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user = await add_user(app.state.session_factory)
    act_as(app, user.id)
    resolver = rebinding_resolver()
    app.state.push_resolver = resolver

    async with running(LocalServer(PushService())) as endpoint:
        await register(app, client, f"https://push.cuenty.test:{endpoint.port}/push/abc")
        providers: dict[str, Any] = scripted_providers()
        providers["push"] = provider(allow_private=False, resolver=resolver)
        notification_id = await send_push(app, user.id, providers)

    assert endpoint.requests == []
    async with app.state.session_factory() as session:
        row = await session.get(Notification, notification_id)
    assert row is not None
    assert row.status == "failed"
    assert row.last_error == "push: push endpoint rejected: address_not_public"


async def test_customer_log_shows_no_redirect_body(app: FastAPI, client: httpx.AsyncClient) -> None:
    user = await add_user(app.state.session_factory)
    act_as(app, user.id)
    configure_private(app)

    async with (
        running(LocalServer(internal_reply)) as internal,
        running(LocalServer(redirect_to(f"{internal.url}/admin"))) as endpoint,
    ):
        await register(app, client, f"{endpoint.url}/push/abc")
        providers: dict[str, Any] = scripted_providers()
        providers["push"] = provider(allow_private=True)
        await send_push(app, user.id, providers)
        response = await client.get("/v1/notifications")

    assert internal.requests == []
    assert INTERNAL_SECRET not in response.text
    assert response.json()["items"][0]["lastError"] is None


async def test_customer_log_hides_provider_error(app: FastAPI, client: httpx.AsyncClient) -> None:
    user = await add_user(app.state.session_factory, phone="+525512345678")
    act_as(app, user.id)
    error = ProviderError(f"meta responded HTTP 400: {INTERNAL_SECRET}", permanent=True)
    providers = scripted_providers(whatsapp=[error])
    factory = app.state.session_factory
    async with transaction(factory) as session:
        notification_id = await notifications.send(
            session,
            user_id=user.id,
            template="staff_message",
            context={"title": "Aviso", "message": "Hola"},
            channel="whatsapp",
        )
    await dispatch.deliver(
        factory, quiet_settings(), providers, notification_id, now=NOON_MEXICO, last_attempt=True
    )

    response = await client.get("/v1/notifications")

    assert INTERNAL_SECRET not in response.text
    app.dependency_overrides[require_signed_in] = lambda: Principal(
        uuid.uuid4(), "operations", frozenset()
    )
    staff_view = await client.get("/v1/notifications", params={"userId": str(user.id)})
    assert INTERNAL_SECRET in staff_view.text


def configure_private(app: FastAPI) -> None:
    """Let the app accept push endpoints on 127.0.0.1, as a development setting does."""
    from tests.conftest import make_settings

    database_url = app.state.settings.database_url
    app.state.settings = make_settings(database_url=database_url, push_allow_private_endpoints=True)
