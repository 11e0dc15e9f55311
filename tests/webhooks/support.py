"""A webhook receiver on 127.0.0.1 that checks every request with the standardwebhooks
library, principals for the API tests, and a resolver that never touches DNS.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from cuenty.identity.access import Principal
from cuenty.webhooks.endpoints import require_webhooks_read, require_webhooks_write
from cuenty.webhooks.settings import WebhookSettings

# Public address the fake resolver gives the integrator's host name in API tests. Nothing
# connects to it: those tests run no job runner.
PUBLIC_TEST_ADDRESS = "93.184.216.34"
MAX_REQUEST_BYTES = 1024 * 1024


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified_with: list[int]

    @property
    def document(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Receiver that responds to each POST with the next status in `statuses` (200 when empty)."""

    secrets: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    delay_seconds: float = 0.0
    reply_body: bytes = b'{"ok":true}'
    extra_headers: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/cuenty"

    def event_ids(self) -> list[str]:
        return [item.headers["webhook-id"] for item in self.received]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            length = min(int(headers.get("content-length", "0")), MAX_REQUEST_BYTES)
            body = await reader.readexactly(length)
            self.received.append(Received(headers, body, self._verify(body, headers)))
            if self.delay_seconds:
                await asyncio.sleep(self.delay_seconds)
            status = self.statuses.pop(0) if self.statuses else 200
            extra = "".join(f"{name}: {value}\r\n" for name, value in self.extra_headers.items())
            writer.write(
                f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{extra}"
                f"content-length: {len(self.reply_body)}\r\nconnection: close\r\n\r\n".encode()
                + self.reply_body
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def _verify(self, body: bytes, headers: dict[str, str]) -> list[int]:
        """Return the indexes of the secrets whose signature the library accepts."""
        accepted = []
        for index, secret in enumerate(self.secrets):
            try:
                Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
            accepted.append(index)
        return accepted


@asynccontextmanager
async def running_receiver(receiver: Receiver) -> AsyncIterator[Receiver]:
    server = await asyncio.start_server(receiver.handle, host="127.0.0.1", port=0)
    receiver.port = server.sockets[0].getsockname()[1]
    try:
        yield receiver
    finally:
        server.close()
        await server.wait_closed()


class FakeResolver:
    """Resolves the names it is given; any other name fails as an unknown host would."""

    def __init__(self, names: dict[str, list[str]] | None = None) -> None:
        self.names = names or {"hooks.integrador.mx": [PUBLIC_TEST_ADDRESS]}
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.names:
            raise OSError(f"unknown host {host}")
        return self.names[host]


def staff_principal(role: str = "admin") -> Principal:
    return Principal(
        user_id=uuid.uuid4(),
        role=role,
        scopes=frozenset({"webhooks:read", "webhooks:write"}),
    )


def api_key_principal(user_id: uuid.UUID | None = None) -> Principal:
    return Principal(
        user_id=user_id or uuid.uuid4(),
        role="operations",
        scopes=frozenset({"webhooks:read", "webhooks:write"}),
        api_key_id=uuid.uuid4(),
    )


def act_as(app: FastAPI, principal: Principal) -> None:
    """Make the webhooks routes see this caller, without a token."""
    app.dependency_overrides[require_webhooks_read] = lambda: principal
    app.dependency_overrides[require_webhooks_write] = lambda: principal


def local_settings(**overrides: Any) -> WebhookSettings:
    """Settings that let deliveries reach the receiver on 127.0.0.1."""
    values: dict[str, Any] = {"allow_private_targets": True, "timeout_seconds": 5.0}
    values.update(overrides)
    return WebhookSettings(_env_file=None, **values)  # type: ignore[call-arg]
