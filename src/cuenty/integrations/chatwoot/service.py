"""Chatwoot rules: keep a contact per customer, leave private notes for agents in the
customer's open conversation, and reply to a customer who asks for their status.

Functions that call Chatwoot take a session factory, so no transaction stays open while the
request travels.
"""

from __future__ import annotations

import unicodedata
import uuid
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cuenty.compliance.repository import user_is_blocked
from cuenty.config import Settings
from cuenty.identity.errors import UserNotFoundError
from cuenty.identity.service import load_user
from cuenty.integrations.chatwoot import summaries
from cuenty.integrations.chatwoot.client import ChatwootClient
from cuenty.integrations.chatwoot.models import ChatwootContact
from cuenty.kit.clock import utc_now
from cuenty.kit.db import transaction
from cuenty.kit.i18n import N_, translate

# Words that make an incoming message a status question, compared without accents.
STATUS_KEYWORDS = (
    "estado",
    "estatus",
    "status",
    "mi suscripcion",
    "mis suscripciones",
    "cuantos dias",
    "vence",
    "pago pendiente",
    "mi cuenta",
)
OPEN_STATUSES = ("open", "pending")
UNKNOWN_CONTACT_REPLY = N_(
    "We could not link this conversation to a CUENTY account. An agent will help you shortly."
)
SUMMARY_HEADER = N_("This is the status of your CUENTY account:")
EMPTY_SUMMARY = N_("You have no active subscriptions or pending payments.")

log = structlog.get_logger("cuenty.chatwoot")


def asks_for_status(content: str | None) -> bool:
    text = _plain(content or "")
    return any(keyword in text for keyword in STATUS_KEYWORDS)


async def sync_contact(
    factory: async_sessionmaker[AsyncSession],
    client: ChatwootClient,
    settings: Settings,
    user_id: uuid.UUID,
) -> int | None:
    """Create or update the user's Chatwoot contact; return its id (None: no such user, or
    the user's data are blocked by a cancellation and must not be processed)."""
    async with transaction(factory) as session:
        try:
            user = await load_user(session, user_id)
        except UserNotFoundError:
            return None
        if await user_is_blocked(session, user_id):
            log.info("chatwoot.sync_skipped", user_id=str(user_id), reason="data blocked")
            return None
        known = await session.get(ChatwootContact, user_id)
        fields = await _contact_fields(session, user, settings)
    if known is not None:
        await client.update_contact(known.contact_id, fields)
        contact_id, source_id = known.contact_id, known.source_id
    else:
        created = await client.create_contact(fields)
        contact_id, source_id = created.contact_id, created.source_id
    async with transaction(factory) as session:
        row = await session.get(ChatwootContact, user_id)
        if row is None:
            row = ChatwootContact(user_id=user_id, contact_id=contact_id)
            session.add(row)
        row.contact_id = contact_id
        row.source_id = source_id or row.source_id
        row.synced_at = utc_now()
    log.info("chatwoot.contact_synced", user_id=str(user_id), contact_id=contact_id)
    return contact_id


async def add_private_note(
    factory: async_sessionmaker[AsyncSession],
    client: ChatwootClient,
    settings: Settings,
    user_id: uuid.UUID,
    note: str,
) -> int | None:
    """Add a private note to the user's open conversation, opening one in the configured
    inbox when there is none; return the conversation id (None when impossible or when the
    user's data are blocked)."""
    async with factory() as session:
        contact = await session.get(ChatwootContact, user_id)
        blocked = await user_is_blocked(session, user_id)
    if blocked:
        log.info("chatwoot.note_skipped", user_id=str(user_id), reason="data blocked")
        return None
    if contact is None:
        if await sync_contact(factory, client, settings, user_id) is None:
            return None
        async with factory() as session:
            contact = await session.get(ChatwootContact, user_id)
    assert contact is not None
    conversation_id = await _open_conversation(client, settings, contact)
    if conversation_id is None:
        log.warning("chatwoot.note_skipped", user_id=str(user_id), reason="no open conversation")
        return None
    await client.create_message(conversation_id, note, private=True)
    log.info("chatwoot.note_added", user_id=str(user_id), conversation_id=conversation_id)
    return conversation_id


async def reply_with_status(
    factory: async_sessionmaker[AsyncSession],
    client: ChatwootClient,
    settings: Settings,
    *,
    contact_id: int,
    conversation_id: int,
) -> str:
    """Reply in the conversation with the customer's summary; return the text sent.

    The summary comes from the registered providers, which never include credentials.
    """
    async with factory() as session:
        user_id = await session.scalar(
            select(ChatwootContact.user_id).where(ChatwootContact.contact_id == contact_id)
        )
        locale = settings.default_locale
        if user_id is None:
            text = translate(locale, UNKNOWN_CONTACT_REPLY)
        else:
            user = await load_user(session, user_id)
            locale = user.locale or locale
            lines = await summaries.summary_lines(session, user_id, locale)
            text = _summary_text(locale, lines)
    await client.create_message(conversation_id, text, private=False)
    log.info("chatwoot.status_replied", conversation_id=conversation_id)
    return text


def _summary_text(locale: str, lines: list[str]) -> str:
    if not lines:
        return translate(locale, EMPTY_SUMMARY)
    return "\n".join([translate(locale, SUMMARY_HEADER), *(f"- {line}" for line in lines)])


async def _open_conversation(
    client: ChatwootClient, settings: Settings, contact: ChatwootContact
) -> int | None:
    for conversation in await client.contact_conversations(contact.contact_id):
        if conversation.get("status") in OPEN_STATUSES and conversation.get("id") is not None:
            return int(conversation["id"])
    if settings.chatwoot_inbox_id is None or not contact.source_id:
        return None
    return await client.create_conversation(
        source_id=contact.source_id,
        inbox_id=settings.chatwoot_inbox_id,
        contact_id=contact.contact_id,
    )


async def _contact_fields(session: AsyncSession, user: Any, settings: Settings) -> dict[str, Any]:
    attributes = {
        "cuenty_user_id": str(user.id),
        "locale": user.locale,
        "registered_at": user.created_at.date().isoformat(),
    }
    attributes.update(await summaries.custom_attributes(session, user.id))
    fields: dict[str, Any] = {
        "name": user.name,
        "identifier": str(user.id),
        "custom_attributes": attributes,
    }
    if user.email:
        fields["email"] = user.email
    if user.phone:
        fields["phone_number"] = user.phone
    if settings.chatwoot_inbox_id is not None:
        fields["inbox_id"] = settings.chatwoot_inbox_id
    return fields


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
