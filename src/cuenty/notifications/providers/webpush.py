"""Web Push with VAPID (pywebpush): the payload is encrypted for the subscription's keys and
POSTed to its push service endpoint, which was checked when the browser registered it.
"""

from __future__ import annotations

import json
import uuid

import aiohttp
from pywebpush import WebPushException, webpush_async
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.notifications.providers.base import ERROR_TEXT_CHARS, OutgoingMessage, ProviderError

# Seconds a push service keeps a message for an offline browser.
PUSH_TTL_SECONDS = 24 * 3600


class WebPushProvider:
    name = "webpush"

    def __init__(self, *, private_key: str, subject: str, timeout_seconds: float) -> None:
        self.private_key = private_key
        self.subject = subject
        self.timeout_seconds = timeout_seconds

    async def send(self, message: OutgoingMessage, session: AsyncSession) -> str:
        subscription = {"endpoint": message.address, "keys": message.push_keys or {}}
        data = json.dumps({"title": message.subject, "body": message.body}, ensure_ascii=False)
        try:
            response = await webpush_async(
                subscription_info=subscription,
                data=data,
                vapid_private_key=self.private_key,
                vapid_claims={"sub": self.subject},
                ttl=PUSH_TTL_SECONDS,
                timeout=self.timeout_seconds,
            )
        except WebPushException as error:
            status = getattr(error.response, "status", None)
            # 404 and 410: the browser unsubscribed; 429 and 5xx are worth retrying.
            permanent = status is not None and status < 500 and status != 429
            text = f"push service responded {status}: {str(error)[:ERROR_TEXT_CHARS]}"
            raise ProviderError(text, permanent=permanent) from error
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise ProviderError(f"push failed: {type(error).__name__}", permanent=False) from error
        location = getattr(response, "headers", {}).get("Location") if response else None
        return str(location or f"push-{uuid.uuid4().hex}")
