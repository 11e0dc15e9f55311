"""Web Push with VAPID: the payload is encrypted for the subscription's keys (pywebpush's
aes128gcm encoder) and POSTed to its push service endpoint.

The endpoint was checked when the browser registered it, but its host may resolve elsewhere
by the time of sending. So every send checks the address again (the webhooks guard), connects
to that checked address, never follows a redirect, and keeps no reply body: the delivery log,
which the customer reads, must never show an endpoint's reply body.
"""

from __future__ import annotations

import json
import ssl
import time
import uuid
from functools import cache
from typing import Any

import httpx
from py_vapid import Vapid
from pywebpush import WebPusher
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.notifications.providers.base import OutgoingMessage, ProviderError, retry_after_seconds
from cuenty.webhooks.targets import Resolver, TargetRejectedError, resolve_target, system_resolver

# Seconds a push service keeps a message for an offline browser.
PUSH_TTL_SECONDS = 24 * 3600
# Lifetime of the VAPID JWT; RFC 8292 allows at most 24 hours.
VAPID_TOKEN_SECONDS = 12 * 3600
CONTENT_ENCODING = "aes128gcm"


class WebPushProvider:
    name = "webpush"

    def __init__(
        self,
        *,
        private_key: str,
        subject: str,
        timeout_seconds: float,
        allow_private: bool = False,
        resolver: Resolver = system_resolver,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.private_key = private_key
        self.subject = subject
        self.timeout_seconds = timeout_seconds
        # Loopback and private endpoints are accepted only with this development switch.
        self.allow_private = allow_private
        self.resolver = resolver
        self.tls_context = tls_context

    async def send(self, message: OutgoingMessage, session: AsyncSession) -> str:
        try:
            target = await resolve_target(
                message.address, allow_private=self.allow_private, resolver=self.resolver
            )
        except TargetRejectedError as error:
            # A failed DNS lookup may pass later; an address that is not public will not.
            permanent = error.reason != "host_unresolvable"
            text = f"push endpoint rejected: {error.reason}"
            raise ProviderError(text, permanent=permanent) from error

        body, headers = self._encrypt(message, target.scheme, target.host_header)
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        try:
            async with httpx.AsyncClient(**self._client_options()) as client:
                response = await client.post(
                    target.connect_url, content=body, headers=headers, extensions=extensions
                )
        except httpx.HTTPError as error:
            raise ProviderError(f"push failed: {type(error).__name__}", permanent=False) from error
        _check_status(response)
        location = response.headers.get("location")
        return str(location or f"push-{uuid.uuid4().hex}")

    def _encrypt(
        self, message: OutgoingMessage, scheme: str, host_header: str
    ) -> tuple[bytes, dict[str, str]]:
        subscription = {"endpoint": message.address, "keys": message.push_keys or {}}
        data = json.dumps({"title": message.subject, "body": message.body}, ensure_ascii=False)
        try:
            encoded = WebPusher(subscription).encode(data.encode(), CONTENT_ENCODING)
        except (ValueError, KeyError, TypeError) as error:
            # Keys a browser sent that do not decode: no retry can fix them.
            raise ProviderError("push keys are invalid", permanent=True) from error
        claims = {
            "sub": self.subject,
            # The audience is the push service's origin, by host name, not the pinned address.
            "aud": f"{scheme}://{host_header}",
            "exp": int(time.time()) + VAPID_TOKEN_SECONDS,
        }
        headers = {
            "host": host_header,
            "content-encoding": CONTENT_ENCODING,
            "content-type": "application/octet-stream",
            "ttl": str(PUSH_TTL_SECONDS),
            **Vapid.from_string(private_key=self.private_key).sign(claims),
        }
        return encoded["body"], headers

    def _client_options(self) -> dict[str, Any]:
        return {
            "follow_redirects": False,
            # An HTTP(S)_PROXY variable must not route pushes around the address check.
            "trust_env": False,
            "timeout": httpx.Timeout(self.timeout_seconds),
            "verify": self.tls_context or _tls_context(),
        }


def _check_status(response: httpx.Response) -> None:
    """Raise ProviderError unless the push service accepted the message (RFC 8030: 201).

    The error names the status only. 404 and 410 mean the browser unsubscribed, and a 3xx is
    a redirect that is not followed: both permanent. 408, 429 and 5xx are worth retrying.
    """
    status = response.status_code
    if 200 <= status < 300:
        return
    text = f"push service responded HTTP {status}"
    if status == 429:
        raise ProviderError(text, permanent=False, retry_after=retry_after_seconds(response))
    raise ProviderError(text, permanent=status < 500 and status != 408)


@cache
def _tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
