"""Queries of analytics ingestion: inserting events once per `event_id`, and the
dialect-specific INSERT ... ON CONFLICT that PostgreSQL and SQLite both support."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.models import AnalyticsEvent


async def conflict_insert(session: AsyncSession, model: type[Any]) -> Any:
    """Return an INSERT of `model` that accepts `on_conflict_do_nothing/do_update`.

    Both dialects spell ON CONFLICT the same way, but SQLAlchemy builds it only from the
    dialect's own `insert`.
    """
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


async def insert_events(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert the rows whose `event_id` is new; return the ids that were inserted.

    An id already stored, even by a transaction committing at the same moment, is skipped by
    the unique index instead of failing, so concurrent retries of one event store one row.
    """
    if not rows:
        return set()
    statement = (
        (await conflict_insert(session, AnalyticsEvent))
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(AnalyticsEvent.event_id)
    )
    result = await session.execute(statement, list(rows))
    return set(result.scalars().all())
