"""Every query of the notifications package."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.notifications.models import (
    Notification,
    NotificationStatus,
    PushSubscription,
    StatusCallback,
)

SENT_STATUSES = (
    NotificationStatus.SENT.value,
    NotificationStatus.DELIVERED.value,
    NotificationStatus.READ.value,
)


async def insert_unless_exists(
    session: AsyncSession, model: type[Any], values: dict[str, Any], *, unique: list[str]
) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on the unique columns; return whether a row was added.

    Used instead of a savepoint because the sqlite3 driver opens no transaction before a
    SAVEPOINT, so releasing one would commit the caller's work early.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=unique)
        # RETURNING shows a skipped row on both databases, but rowcount does not.
        .returning(getattr(model, unique[0]))
    )
    result = await session.execute(statement)
    return result.first() is not None


async def id_for_dedupe_key(session: AsyncSession, dedupe_key: str) -> uuid.UUID | None:
    return await session.scalar(
        select(Notification.id).where(Notification.dedupe_key == dedupe_key)
    )


async def sent_since(
    session: AsyncSession, user_id: uuid.UUID, purpose: str, since: datetime
) -> list[datetime]:
    """Return when each message of this purpose was sent to the user since a moment."""
    rows = await session.scalars(
        select(Notification.sent_at)
        .where(
            Notification.user_id == user_id,
            Notification.purpose == purpose,
            Notification.status.in_(SENT_STATUSES),
            Notification.sent_at >= since,
        )
        .order_by(Notification.sent_at)
    )
    return [row for row in rows if row is not None]


async def push_subscriptions(session: AsyncSession, user_id: uuid.UUID) -> list[PushSubscription]:
    rows = await session.scalars(
        select(PushSubscription)
        .where(PushSubscription.user_id == user_id)
        .order_by(PushSubscription.created_at)
    )
    return list(rows)


async def push_subscription_by_endpoint(
    session: AsyncSession, endpoint: str
) -> PushSubscription | None:
    return await session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    )


async def by_provider_message_id(
    session: AsyncSession, provider_message_id: str
) -> Notification | None:
    return await session.scalar(
        select(Notification).where(Notification.provider_message_id == provider_message_id)
    )


async def callback_seen(session: AsyncSession, provider: str, key: str) -> bool:
    found = await session.scalar(
        select(func.count())
        .select_from(StatusCallback)
        .where(StatusCallback.provider == provider, StatusCallback.callback_key == key)
    )
    return bool(found)


def notifications_query(user_id: uuid.UUID | None) -> Select[tuple[Notification]]:
    """Build the delivery log query: one user's messages, or everyone's for staff (None)."""
    statement = select(Notification)
    if user_id is not None:
        statement = statement.where(Notification.user_id == user_id)
    return statement
