"""The Chatwoot contact in privacy requests: the stored link is exported, a cancellation
block stops syncing the profile to Chatwoot, and suppression deletes the contact at Chatwoot
(with its conversations) and then the local link.

Suppression calls Chatwoot inside the suppression transaction. A failed call raises, so the
compliance job retries and the block is not marked suppressed while the contact still exists.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance.registry import personal_data
from cuenty.config import get_settings
from cuenty.integrations.chatwoot.client import ChatwootClient
from cuenty.integrations.chatwoot.models import ChatwootContact

log = structlog.get_logger("cuenty.chatwoot")


def client_from_environment() -> ChatwootClient | None:
    """Return a client built from the `CUENTY_CHATWOOT_*` settings, or None when unset."""
    return ChatwootClient.from_settings(get_settings())


@personal_data("chatwoot")
class ChatwootData:
    async def export(self, session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
        contact = await session.get(ChatwootContact, user_id)
        if contact is None:
            return {}
        return {
            "contact": {
                "contactId": contact.contact_id,
                "sourceId": contact.source_id,
                "syncedAt": contact.synced_at.isoformat(),
            }
        }

    async def block(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Nothing to change here: `service.sync_contact` and `service.add_private_note`
        check for an active block before sending anything to Chatwoot."""

    async def suppress(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        contact = await session.get(ChatwootContact, user_id)
        if contact is None:
            return
        client = client_from_environment()
        if client is None:
            # NOTE: with the integration unconfigured the contact at Chatwoot cannot be
            # reached, so only the local link is deleted and a warning is logged.
            log.warning("chatwoot.contact_not_deleted", contact_id=contact.contact_id)
        else:
            existed = await client.delete_contact(contact.contact_id)
            log.info("chatwoot.contact_deleted", contact_id=contact.contact_id, existed=existed)
        await session.execute(delete(ChatwootContact).where(ChatwootContact.user_id == user_id))
