"""Per-user aggregates and browser sessions, updated in the transaction that stores events.

`user_behavior` rows are locked first, in user id order, then sessions in session id order,
so concurrent ingestion on PostgreSQL neither loses an increment nor deadlocks on the usual
paths. A session's time on site is its last event time minus its first. When a late event
moves either end, only the difference is added to the user's total.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.models import AnalyticsSession, IdentityLink, UserBehavior
from cuenty.analytics.repository import conflict_insert
from cuenty.kit.db import UTCDateTime


@dataclass(frozen=True)
class StoredEvent:
    """Fields of a newly inserted event that the aggregates read."""

    occurred_at: datetime
    user_id: uuid.UUID | None = None
    anonymous_id: str | None = None
    session_id: str | None = None
    conversion: bool = False


@dataclass
class _Delta:
    sessions: int = 0
    events: int = 0
    conversions: int = 0
    seconds: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    last_session: datetime | None = None


@dataclass
class _SessionBatch:
    events: list[StoredEvent] = field(default_factory=list)

    @property
    def user_id(self) -> uuid.UUID | None:
        return next((event.user_id for event in self.events if event.user_id), None)

    @property
    def anonymous_id(self) -> str | None:
        return next((event.anonymous_id for event in self.events if event.anonymous_id), None)

    @property
    def first(self) -> datetime:
        return min(event.occurred_at for event in self.events)

    @property
    def last(self) -> datetime:
        return max(event.occurred_at for event in self.events)


async def record(session: AsyncSession, events: Sequence[StoredEvent]) -> None:
    """Update sessions and per-user aggregates for newly stored events."""
    batches: dict[str, _SessionBatch] = defaultdict(_SessionBatch)
    for event in events:
        if event.session_id:
            batches[event.session_id].events.append(event)
    owners = await _session_owners(session, list(batches))
    users = {event.user_id for event in events if event.user_id} | set(owners.values())
    if not users and not batches:
        return
    await _lock_behavior(session, sorted(users, key=str))

    deltas: dict[uuid.UUID, _Delta] = defaultdict(_Delta)
    for event in events:
        if event.user_id:
            _count_event(deltas[event.user_id], event)
    anonymous = {
        session_id: batch
        for session_id, batch in batches.items()
        if batch.user_id is None and session_id not in owners
    }
    await _upsert_anonymous_sessions(session, anonymous)
    for session_id in sorted(set(batches) - set(anonymous)):
        await _record_session(session, session_id, batches[session_id], deltas)
    await _apply(session, deltas)


async def link_identities(session: AsyncSession, pairs: Iterable[tuple[str, uuid.UUID]]) -> None:
    """Link anonymous ids to users; the first user an anonymous id is seen with keeps it."""
    rows = [
        {"anonymous_id": anonymous_id, "user_id": user_id}
        for anonymous_id, user_id in sorted(set(pairs), key=lambda pair: pair[0])
    ]
    if not rows:
        return
    statement = (await conflict_insert(session, IdentityLink)).on_conflict_do_nothing(
        index_elements=["anonymous_id"]
    )
    await session.execute(statement, rows)


def average_time_on_site_seconds(behavior: UserBehavior) -> float:
    """Return the mean session length in seconds, 0 for a user without sessions."""
    if not behavior.sessions:
        return 0.0
    return behavior.total_time_on_site_seconds / behavior.sessions


async def _session_owners(session: AsyncSession, session_ids: list[str]) -> dict[str, uuid.UUID]:
    if not session_ids:
        return {}
    rows = await session.execute(
        select(AnalyticsSession.session_id, AnalyticsSession.user_id).where(
            AnalyticsSession.session_id.in_(session_ids), AnalyticsSession.user_id.is_not(None)
        )
    )
    return {session_id: user_id for session_id, user_id in rows.all()}


async def _lock_behavior(session: AsyncSession, user_ids: list[uuid.UUID]) -> None:
    """Create missing rows and lock every row, in the given order, until the commit."""
    if not user_ids:
        return
    insert = await conflict_insert(session, UserBehavior)
    statement = insert.on_conflict_do_update(
        index_elements=["user_id"],
        set_={"sessions": insert.excluded.sessions + UserBehavior.sessions},
    )
    zero = {"sessions": 0, "events": 0, "conversions": 0, "total_time_on_site_seconds": 0}
    for user_id in user_ids:
        # One statement per row keeps the lock order; a multi-row INSERT does not promise it.
        await session.execute(statement, [{"user_id": user_id, **zero}])


async def _upsert_anonymous_sessions(
    session: AsyncSession, batches: dict[str, _SessionBatch]
) -> None:
    """Create or stretch sessions that belong to no user, with one statement for all.

    NOTE: a session that another transaction gives an owner between the owner lookup and this
    statement is stretched without adding the difference to that user's time on site.
    """
    if not batches:
        return
    rows = [
        {
            "session_id": session_id,
            "user_id": None,
            "anonymous_id": batch.anonymous_id,
            "started_at": batch.first,
            "last_event_at": batch.last,
            "events": len(batch.events),
        }
        for session_id, batch in sorted(batches.items())
    ]
    connection = await session.connection()
    earliest, latest = (
        (func.least, func.greatest)
        if connection.dialect.name == "postgresql"
        else (func.min, func.max)
    )
    insert = await conflict_insert(session, AnalyticsSession)
    current = AnalyticsSession.__table__.c
    statement = insert.values(rows).on_conflict_do_update(
        index_elements=["session_id"],
        set_={
            "started_at": earliest(current.started_at, insert.excluded.started_at),
            "last_event_at": latest(current.last_event_at, insert.excluded.last_event_at),
            "events": current.events + insert.excluded.events,
            "anonymous_id": func.coalesce(current.anonymous_id, insert.excluded.anonymous_id),
        },
    )
    await session.execute(statement)


async def _record_session(
    session: AsyncSession,
    session_id: str,
    batch: _SessionBatch,
    deltas: dict[uuid.UUID, _Delta],
) -> None:
    existing = await _locked_session(session, session_id)
    if existing is None:
        row = {
            "session_id": session_id,
            "user_id": batch.user_id,
            "anonymous_id": batch.anonymous_id,
            "started_at": batch.first,
            "last_event_at": batch.last,
            "events": len(batch.events),
        }
        statement = (await conflict_insert(session, AnalyticsSession)).on_conflict_do_nothing(
            index_elements=["session_id"]
        )
        inserted = await session.execute(statement.returning(AnalyticsSession.session_id), [row])
        if inserted.scalar() is not None:
            if batch.user_id is not None:
                _count_new_session(deltas[batch.user_id], batch.first, batch.last)
            return
        # Another transaction created it meanwhile; update it as an existing session.
        existing = await _locked_session(session, session_id)
        assert existing is not None

    old_owner, old_start, old_last = existing.user_id, existing.started_at, existing.last_event_at
    owner = old_owner or batch.user_id
    start, last = min(old_start, batch.first), max(old_last, batch.last)
    await session.execute(
        update(AnalyticsSession)
        .where(AnalyticsSession.session_id == session_id)
        .values(
            user_id=owner,
            anonymous_id=existing.anonymous_id or batch.anonymous_id,
            started_at=start,
            last_event_at=last,
            events=AnalyticsSession.events + len(batch.events),
        )
        .execution_options(synchronize_session=False)
    )
    if owner is None:
        return
    if old_owner is None:
        _count_new_session(deltas[owner], start, last)
        return
    delta = deltas[owner]
    delta.seconds += _seconds(start, last) - _seconds(old_start, old_last)
    delta.last_session = _later(delta.last_session, start)


async def _locked_session(session: AsyncSession, session_id: str) -> AnalyticsSession | None:
    # FOR UPDATE on PostgreSQL; SQLite has one writer at a time, so the clause is left out.
    result = await session.execute(
        select(AnalyticsSession)
        .where(AnalyticsSession.session_id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def _apply(session: AsyncSession, deltas: dict[uuid.UUID, _Delta]) -> None:
    for user_id in sorted(deltas, key=str):
        delta = deltas[user_id]
        table = UserBehavior.__table__.c
        await session.execute(
            update(UserBehavior)
            .where(UserBehavior.user_id == user_id)
            .values(
                sessions=table.sessions + delta.sessions,
                events=table.events + delta.events,
                conversions=table.conversions + delta.conversions,
                total_time_on_site_seconds=table.total_time_on_site_seconds + delta.seconds,
                first_seen_at=_earliest_of(table.first_seen_at, delta.first_seen),
                last_seen_at=_latest_of(table.last_seen_at, delta.last_seen),
                last_session_at=_latest_of(table.last_session_at, delta.last_session),
            )
            .execution_options(synchronize_session=False)
        )


def _count_event(delta: _Delta, event: StoredEvent) -> None:
    delta.events += 1
    delta.conversions += int(event.conversion)
    delta.first_seen = _earlier(delta.first_seen, event.occurred_at)
    delta.last_seen = _later(delta.last_seen, event.occurred_at)


def _count_new_session(delta: _Delta, start: datetime, last: datetime) -> None:
    delta.sessions += 1
    delta.seconds += _seconds(start, last)
    delta.last_session = _later(delta.last_session, start)


def _seconds(start: datetime, last: datetime) -> int:
    return max(int((last - start).total_seconds()), 0)


def _earlier(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate < current else current


def _later(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate > current else current


def _earliest_of(column: object, value: datetime | None) -> object:
    if value is None:
        return column
    moment = literal(value, UTCDateTime())
    return case((column.is_(None), moment), (column > moment, moment), else_=column)  # type: ignore[attr-defined]


def _latest_of(column: object, value: datetime | None) -> object:
    if value is None:
        return column
    moment = literal(value, UTCDateTime())
    return case((column.is_(None), moment), (column < moment, moment), else_=column)  # type: ignore[attr-defined]
