"""SMS and WhatsApp through Twilio's Messages resource (form-encoded POST, HTTP Basic auth
with the account SID and auth token), with a status callback to this platform.
"""

from __future__ import annotations

import json

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.notifications.providers.base import (
    OutgoingMessage,
    ProviderError,
    check_response,
    http_client,
    network_error,
)

STATUS_CALLBACK_PATH = "/v1/notifications/callbacks/twilio"


class TwilioProvider:
    def __init__(
        self,
        *,
        channel: str,
        api_url: str,
        account_sid: str,
        auth_token: str,
        sender: str,
        public_base_url: str,
        timeout_seconds: float,
        content_sids: dict[str, str] | None = None,
    ) -> None:
        self.name = f"twilio_{channel}"
        self.channel = channel
        self.url = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sender = sender
        self.status_callback = public_base_url.rstrip("/") + STATUS_CALLBACK_PATH
        self.timeout_seconds = timeout_seconds
        self.content_sids = content_sids or {}

    def form(self, message: OutgoingMessage) -> dict[str, str]:
        prefix = "whatsapp:" if self.channel == "whatsapp" else ""
        form = {
            "To": prefix + message.address,
            "From": prefix + self.sender.removeprefix("whatsapp:"),
            "StatusCallback": self.status_callback,
        }
        content_sid = self.content_sids.get(message.template) if prefix else None
        if content_sid:
            # Outside the 24-hour window WhatsApp accepts only approved templates: Twilio
            # sends them by ContentSid, with the variables numbered from "1".
            variables = {str(index): value for index, value in enumerate(message.parameters, 1)}
            form["ContentSid"] = content_sid
            form["ContentVariables"] = json.dumps(variables, ensure_ascii=False)
        else:
            form["Body"] = message.body
        return form

    async def send(self, message: OutgoingMessage, session: AsyncSession) -> str:
        try:
            async with http_client(self.timeout_seconds) as client:
                response = await client.post(
                    self.url,
                    data=self.form(message),
                    auth=httpx.BasicAuth(self.account_sid, self.auth_token),
                )
        except httpx.HTTPError as error:
            raise network_error(self.name, error) from error
        check_response(self.name, response)
        try:
            return str(response.json()["sid"])
        except (ValueError, KeyError, TypeError) as error:
            raise ProviderError(
                f"{self.name} responded without a sid: {response.text[:200]}", permanent=False
            ) from error
