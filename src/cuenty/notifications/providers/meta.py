"""WhatsApp through Meta's WhatsApp Cloud API (Graph API): approved template messages.

Outside the 24-hour customer service window WhatsApp accepts only template messages, and a
notification is rarely a reply within that window, so every message is a template named
`cuenty_<template>` in the configured language, with the fields as body parameters.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.notifications.providers.base import (
    OutgoingMessage,
    ProviderError,
    check_response,
    http_client,
    network_error,
)

TEMPLATE_PREFIX = "cuenty_"


class MetaWhatsAppProvider:
    name = "meta_whatsapp"

    def __init__(
        self,
        *,
        api_url: str,
        phone_number_id: str,
        access_token: str,
        language: str,
        timeout_seconds: float,
    ) -> None:
        self.url = f"{api_url.rstrip('/')}/{phone_number_id}/messages"
        self.access_token = access_token
        self.language = language
        self.timeout_seconds = timeout_seconds

    def payload(self, message: OutgoingMessage) -> dict[str, Any]:
        parameters = [{"type": "text", "text": value} for value in message.parameters]
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            # The Cloud API takes the number with its country code and without "+".
            "to": message.address.removeprefix("+"),
            "type": "template",
            "template": {
                "name": TEMPLATE_PREFIX + message.template,
                "language": {"code": self.language},
                "components": [{"type": "body", "parameters": parameters}],
            },
        }

    async def send(self, message: OutgoingMessage, session: AsyncSession) -> str:
        headers = {"Authorization": f"Bearer {self.access_token}"}
        try:
            async with http_client(self.timeout_seconds) as client:
                response = await client.post(self.url, json=self.payload(message), headers=headers)
        except httpx.HTTPError as error:
            raise network_error(self.name, error) from error
        check_response(self.name, response)
        try:
            return str(response.json()["messages"][0]["id"])
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise ProviderError(
                f"{self.name} responded without a message id: {response.text[:200]}",
                permanent=False,
            ) from error
