"""Helpers of the notification and Chatwoot tests: a scripted HTTP server on 127.0.0.1 that
records each request, users in the database, settings with quiet hours off, and a provider
whose outcomes a test sets.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cuenty.config import Settings
from cuenty.identity.models import User
from cuenty.kit.db import transaction
from cuenty.kit.jobs import JobRegistry, registry
from cuenty.notifications.events import SENDERS
from cuenty.notifications.models import Notification
from cuenty.notifications.providers import OutgoingMessage, ProviderError
from cuenty.notifications.service import DELIVER_JOB
from cuenty.notifications.tasks import EVENT_JOB
from tests.conftest import make_settings

MAX_REQUEST_BYTES = 1024 * 1024


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


# A handler returns (status, headers, body) for a request.
Handler = Callable[[Request], tuple[int, dict[str, str], bytes]]


def json_reply(status: int, document: Any, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "application/json", **headers}, json.dumps(document).encode()


@dataclass
class LocalServer:
    """HTTP/1.1 server on 127.0.0.1 that records every request and replies with `handler`."""

    handler: Handler
    requests: list[Request] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            length = min(int(headers.get("content-length", "0")), MAX_REQUEST_BYTES)
            body = await reader.readexactly(length)
            parts = urlsplit(target)
            request = Request(method, parts.path, dict(parse_qsl(parts.query)), headers, body)
            self.requests.append(request)
            status, reply_headers, reply = self.handler(request)
            extra = "".join(f"{name}: {value}\r\n" for name, value in reply_headers.items())
            writer.write(
                f"HTTP/1.1 {status} X\r\n{extra}content-length: {len(reply)}\r\n"
                "connection: close\r\n\r\n".encode()
                + reply
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def running(server: LocalServer) -> AsyncIterator[LocalServer]:
    listener = await asyncio.start_server(server.handle, host="127.0.0.1", port=0)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()
        await listener.wait_closed()


def quiet_settings(**overrides: Any) -> Settings:
    """Settings with quiet hours off, so a test's outcome does not depend on the hour."""
    values: dict[str, Any] = {
        "notifications_quiet_start_hour": 0,
        "notifications_quiet_end_hour": 0,
    }
    values.update(overrides)
    return make_settings(**values)


def notification_registry() -> JobRegistry:
    jobs = JobRegistry()
    for name in (DELIVER_JOB, EVENT_JOB):
        jobs.handlers[name] = registry.get(name)
    for event_type in SENDERS:
        jobs.subscribe(event_type, EVENT_JOB)
    return jobs


async def add_user(
    factory: async_sessionmaker[AsyncSession], *, verified: bool = True, **fields: Any
) -> User:
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "name": "Ana López",
        "email": f"ana-{uuid.uuid4().hex[:8]}@example.com",
        "phone": None,
        "delivery_channel": "whatsapp",
        "locale": "es-MX",
    }
    values.update(fields)
    user = User(**values)
    if verified:
        user.email_verified_at = now if user.email else None
        user.phone_verified_at = now if user.phone else None
    async with transaction(factory) as session:
        session.add(user)
    return user


async def notifications(factory: async_sessionmaker[AsyncSession]) -> list[Notification]:
    async with factory() as session:
        rows = await session.scalars(select(Notification).order_by(Notification.created_at))
        return list(rows)


class ScriptedProvider:
    """Provider whose next outcomes a test sets: None sends, a ProviderError is raised."""

    def __init__(self, name: str, outcomes: list[ProviderError | None] | None = None) -> None:
        self.name = name
        self.outcomes = list(outcomes or [])
        self.sent: list[OutgoingMessage] = []

    async def send(self, message: OutgoingMessage, session: AsyncSession) -> str:
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        self.sent.append(message)
        return f"{self.name}-{len(self.sent)}"


def scripted_providers(**outcomes: list[ProviderError | None]) -> dict[str, ScriptedProvider]:
    return {
        channel: ScriptedProvider(f"fake_{channel}", outcomes.get(channel))
        for channel in ("whatsapp", "sms", "email", "push")
    }
