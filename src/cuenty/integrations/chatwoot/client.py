"""Client of Chatwoot's application API (`/api/v1/accounts/{account_id}/...`), authenticated
with an agent's or bot's `api_access_token` header. Shapes follow the swagger definitions and
jbuilder views of the chatwoot/chatwoot repository: contact create returns
`{"payload": {"contact": {...}, "contact_inbox": {"source_id": ...}}}`, contact update
`{"payload": {...contact}}`, a contact's conversations `{"payload": [...]}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from cuenty.config import Settings

ERROR_TEXT_CHARS = 300


class ChatwootError(Exception):
    """Raised for a failed Chatwoot request; `permanent` when retrying cannot help (4xx)."""

    def __init__(self, message: str, *, permanent: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.status = status


@dataclass(frozen=True)
class CreatedContact:
    contact_id: int
    source_id: str | None


class ChatwootClient:
    def __init__(
        self, *, base_url: str, account_id: int, api_token: str, timeout_seconds: float
    ) -> None:
        self.root = f"{base_url.rstrip('/')}/api/v1/accounts/{account_id}"
        self.api_token = api_token
        self.timeout_seconds = timeout_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatwootClient | None:
        """Return a client, or None while the integration is not configured."""
        token = settings.optional_secret("chatwoot_api_token")
        if not settings.chatwoot_base_url or settings.chatwoot_account_id is None or not token:
            return None
        return cls(
            base_url=settings.chatwoot_base_url,
            account_id=settings.chatwoot_account_id,
            api_token=token,
            timeout_seconds=settings.provider_timeout_seconds,
        )

    async def create_contact(self, fields: dict[str, Any]) -> CreatedContact:
        document = await self._request("POST", "/contacts", fields)
        payload = document.get("payload") or {}
        contact = payload.get("contact") or payload
        source_id = (payload.get("contact_inbox") or {}).get("source_id")
        return CreatedContact(int(contact["id"]), str(source_id) if source_id else None)

    async def update_contact(self, contact_id: int, fields: dict[str, Any]) -> None:
        await self._request("PUT", f"/contacts/{contact_id}", fields)

    async def contact_conversations(self, contact_id: int) -> list[dict[str, Any]]:
        document = await self._request("GET", f"/contacts/{contact_id}/conversations")
        payload = document.get("payload")
        return list(payload) if isinstance(payload, list) else []

    async def create_conversation(self, *, source_id: str, inbox_id: int, contact_id: int) -> int:
        body = {"source_id": source_id, "inbox_id": inbox_id, "contact_id": contact_id}
        document = await self._request("POST", "/conversations", body)
        return int(document["id"])

    async def create_message(self, conversation_id: int, content: str, *, private: bool) -> int:
        body = {
            "content": content,
            "message_type": "outgoing",
            "private": private,
            "content_type": "text",
        }
        document = await self._request("POST", f"/conversations/{conversation_id}/messages", body)
        return int(document.get("id") or 0)

    async def delete_contact(self, contact_id: int) -> bool:
        """Delete the contact and its conversations at Chatwoot; return False when Chatwoot
        no longer had it (404). The success body is not read, since it carries no data."""
        try:
            await self._send("DELETE", f"/contacts/{contact_id}")
        except ChatwootError as error:
            if error.status == 404:
                return False
            raise
        return True

    async def _request(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        response = await self._send(method, path, body)
        try:
            document = response.json()
        except ValueError as error:
            raise ChatwootError(
                f"Chatwoot responded to {method} {path} without JSON", permanent=False
            ) from error
        return document if isinstance(document, dict) else {"payload": document}

    async def _send(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        headers = {"api_access_token": self.api_token}
        try:
            async with httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout_seconds), trust_env=False
            ) as client:
                response = await client.request(
                    method, self.root + path, json=body, headers=headers
                )
        except httpx.HTTPError as error:
            raise ChatwootError(
                f"Chatwoot unreachable: {type(error).__name__}", permanent=False
            ) from error
        if response.status_code >= 400:
            text = f"Chatwoot {method} {path} responded {response.status_code}: "
            text += response.text[:ERROR_TEXT_CHARS]
            permanent = response.status_code < 500 and response.status_code != 429
            raise ChatwootError(text, permanent=permanent, status=response.status_code)
        return response
