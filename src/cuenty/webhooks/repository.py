"""Every query of the webhooks package."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.webhooks.models import MessageStatus, WebhookDelivery, WebhookEndpoint, WebhookMessage


def endpoints_query(owner_user_id: uuid.UUID | None) -> Select[tuple[WebhookEndpoint]]:
    """Endpoints visible to a caller: all of them, or only those of `owner_user_id`."""
    statement = select(WebhookEndpoint)
    if owner_user_id is not None:
        statement = statement.where(WebhookEndpoint.owner_user_id == owner_user_id)
    return statement


async def get_endpoint(
    session: AsyncSession, endpoint_id: uuid.UUID, owner_user_id: uuid.UUID | None
) -> WebhookEndpoint | None:
    statement = endpoints_query(owner_user_id).where(WebhookEndpoint.id == endpoint_id)
    return await session.scalar(statement)


async def subscribed_endpoints(session: AsyncSession, event_type: str) -> list[WebhookEndpoint]:
    # Event lists are JSON, queried alike on both databases: the filter runs here, over the
    # enabled endpoints, which number in the tens.
    enabled = await session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.enabled.is_(True))
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    return [endpoint for endpoint in enabled if event_type in endpoint.event_types]


async def insert_message(session: AsyncSession, values: dict[str, Any]) -> uuid.UUID | None:
    """Insert a message unless the endpoint already has one for the event; return its id."""
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(WebhookMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"])
        .returning(WebhookMessage.id)
    )
    return await session.scalar(statement)


async def message_with_endpoint(
    session: AsyncSession, message_id: uuid.UUID
) -> tuple[WebhookMessage, WebhookEndpoint] | None:
    row = (
        await session.execute(
            select(WebhookMessage, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookMessage.endpoint_id)
            .where(WebhookMessage.id == message_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


def deliveries_query(endpoint_id: uuid.UUID) -> Select[tuple[WebhookDelivery]]:
    return select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)


async def messages_by_id(
    session: AsyncSession, message_ids: set[uuid.UUID]
) -> dict[uuid.UUID, WebhookMessage]:
    if not message_ids:
        return {}
    found = await session.scalars(select(WebhookMessage).where(WebhookMessage.id.in_(message_ids)))
    return {message.id: message for message in found}


async def get_delivery(
    session: AsyncSession, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery | None:
    return await session.scalar(
        deliveries_query(endpoint_id).where(WebhookDelivery.id == delivery_id)
    )


async def skip_pending_messages(session: AsyncSession, endpoint_id: uuid.UUID) -> None:
    pending = await session.scalars(
        select(WebhookMessage).where(
            WebhookMessage.endpoint_id == endpoint_id,
            WebhookMessage.status == MessageStatus.PENDING.value,
        )
    )
    for message in pending:
        message.status = MessageStatus.SKIPPED.value


async def purge_messages_before(session: AsyncSession, cutoff: datetime) -> int:
    """Delete finished messages created before the cutoff (their attempts go with them)."""
    result = await session.execute(
        delete(WebhookMessage)
        .where(
            WebhookMessage.created_at < cutoff,
            WebhookMessage.status != MessageStatus.PENDING.value,
        )
        .returning(WebhookMessage.id)
    )
    return len(result.all())
