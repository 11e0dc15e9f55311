"""One delivery attempt: resolve and check the target, sign the body, POST it with a time
limit, and keep the start of the response.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import httpx

from cuenty import __version__
from cuenty.webhooks.settings import WebhookSettings
from cuenty.webhooks.signing import signature_header
from cuenty.webhooks.targets import Resolver, TargetRejectedError, resolve_target, system_resolver

USER_AGENT = f"CUENTY-Webhooks/{__version__}"


@dataclass(frozen=True)
class AttemptResult:
    succeeded: bool
    status_code: int | None
    duration_ms: int
    response_body: str | None
    error: str | None

    def summary(self) -> str:
        if self.status_code is not None:
            return f"HTTP {self.status_code}"
        return self.error or "no answer"


async def send(
    url: str,
    *,
    message_id: str,
    body: str,
    secrets: list[str],
    settings: WebhookSettings,
    resolver: Resolver = system_resolver,
    tls_context: ssl.SSLContext | None = None,
) -> AttemptResult:
    """POST the body to the URL once: a 2xx response is a success, anything else a failure.

    Redirects are not followed: a 3xx could point at an address the guard would reject.
    `tls_context` replaces the default certificate authorities (tests use their own).
    """
    started = time.perf_counter()
    try:
        target = await resolve_target(
            url, allow_private=settings.allow_private_targets, resolver=resolver
        )
    except TargetRejectedError as error:
        return _failure(started, f"target rejected: {error}")

    payload = body.encode()
    # Receivers compare webhook-timestamp with their own clock (5 minutes' tolerance in the
    # standardwebhooks library), so it is always the real time of sending.
    sent_at = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "host": target.host_header,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature_header(secrets, message_id, sent_at, payload),
    }
    # The TLS name stays the host's, so the certificate is checked against it while the
    # connection goes to the address that passed the guard.
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        async with asyncio.timeout(settings.timeout_seconds):
            status, text = await _post(
                target.connect_url, payload, headers, extensions, settings, tls_context
            )
    except TimeoutError:
        return _failure(started, f"timed out after {settings.timeout_seconds:g} s")
    except httpx.HTTPError as error:
        return _failure(started, f"{type(error).__name__}: {error}"[:500])
    return AttemptResult(
        succeeded=200 <= status < 300,
        status_code=status,
        duration_ms=_elapsed_ms(started),
        response_body=text,
        error=None,
    )


async def _post(
    url: str,
    payload: bytes,
    headers: dict[str, str],
    extensions: dict[str, str],
    settings: WebhookSettings,
    tls_context: ssl.SSLContext | None,
) -> tuple[int, str]:
    limit = settings.response_body_chars
    options: dict[str, Any] = {
        "follow_redirects": False,
        # An HTTP(S)_PROXY variable must not route deliveries around the guard.
        "trust_env": False,
        "timeout": httpx.Timeout(settings.timeout_seconds),
        "verify": tls_context or _tls_context(),
    }
    async with (
        httpx.AsyncClient(**options) as client,
        client.stream(
            "POST", url, content=payload, headers=headers, extensions=extensions
        ) as reply,
    ):
        received = bytearray()
        async for chunk in reply.aiter_bytes():
            received.extend(chunk)
            if len(received) >= limit * 4:
                break
        return reply.status_code, received.decode("utf-8", errors="replace")[:limit]


@cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle takes about 0.1 s; one context serves every delivery.
    return httpx.create_ssl_context()


def _failure(started: float, error: str) -> AttemptResult:
    return AttemptResult(False, None, _elapsed_ms(started), None, error)


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
