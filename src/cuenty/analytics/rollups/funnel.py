"""The conversion funnel: visit -> signup -> payment -> activation, per person.

A person is a user, whose visits include those of every anonymous id linked to them in
`analytics_identity_links`, or an anonymous visitor never linked, who can only visit. The
journey starts at the person's first visit and is dated by its Mexico City day. Each later
step is the earliest event of its type at or after the previous step and no later than the
visit plus the conversion window (14 days by default). A step out of that order does not
count, and neither do the steps after it.

Journeys are stored in `analytics_funnel_journeys` and recomputed only for the people who
have new events or new links since the last refresh, so a refresh never rereads the whole
history; late events for old days are picked up the same way.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.models import AnalyticsEvent, EventType, IdentityLink, Source
from cuenty.analytics.rollups.models import FunnelJourney
from cuenty.kit.clock import business_date

STEPS = ("signup", "payment", "activation")
STEP_TYPES = (EventType.SIGNUP.value, EventType.PAYMENT.value, EventType.ACTIVATION.value)
FUNNEL_TYPES = (EventType.PAGE_VIEW.value, *STEP_TYPES)
CHUNK = 500
USER_PREFIX = "user:"
ANONYMOUS_PREFIX = "anonymous:"


@dataclass(frozen=True)
class Journey:
    person_key: str
    user_id: uuid.UUID | None
    visit_at: datetime
    reached: dict[str, datetime] = field(default_factory=dict)

    @property
    def cohort_date(self) -> date:
        return business_date(self.visit_at)

    def row(self, window_days: int) -> dict[str, Any]:
        values: dict[str, Any] = {
            "person_key": self.person_key,
            "user_id": self.user_id,
            "cohort_date": self.cohort_date,
            "visit_at": self.visit_at,
            "window_days": window_days,
        }
        for step in STEPS:
            moment = self.reached.get(step)
            values[f"{step}_at"] = moment
            values[f"seconds_to_{step}"] = (
                int((moment - self.visit_at).total_seconds()) if moment is not None else None
            )
        return values


def build_journey(
    person_key: str,
    user_id: uuid.UUID | None,
    visit_at: datetime,
    steps: Iterable[tuple[str, datetime]],
    window: timedelta,
) -> Journey:
    """Walk the steps in funnel order from the first visit, within the window."""
    by_type: dict[str, list[datetime]] = defaultdict(list)
    for event_type, moment in steps:
        by_type[event_type].append(moment)
    deadline = visit_at + window
    previous = visit_at
    reached: dict[str, datetime] = {}
    for step in STEPS:
        candidates = [moment for moment in by_type[step] if previous <= moment <= deadline]
        if not candidates:
            break
        previous = min(candidates)
        reached[step] = previous
    return Journey(person_key, user_id, visit_at, reached)


@dataclass
class AffectedPeople:
    """People whose journeys must be recomputed; None means everyone."""

    user_ids: set[uuid.UUID] | None = None
    anonymous_ids: set[str] | None = None
    # Anonymous ids linked since the last refresh: their anonymous journeys go away.
    newly_linked: set[str] = field(default_factory=set)


async def affected_since(session: AsyncSession, since: datetime) -> AffectedPeople:
    """Find the people with funnel events received, or links made, at or after `since`."""
    person = AnalyticsEvent.user_id.is_(None)
    linked_user = select(IdentityLink.user_id).where(
        IdentityLink.anonymous_id == AnalyticsEvent.anonymous_id
    )
    recent = and_(AnalyticsEvent.received_at >= since, AnalyticsEvent.event_type.in_(FUNNEL_TYPES))
    user_ids = set(
        await session.scalars(
            select(AnalyticsEvent.user_id).where(recent, AnalyticsEvent.user_id.is_not(None))
        )
    )
    user_ids |= set(
        await session.scalars(
            select(linked_user.scalar_subquery()).where(
                recent, person, AnalyticsEvent.anonymous_id.is_not(None)
            )
        )
    ) - {None}
    links = (
        await session.execute(
            select(IdentityLink.anonymous_id, IdentityLink.user_id).where(
                IdentityLink.linked_at >= since
            )
        )
    ).all()
    user_ids |= {user_id for _, user_id in links}
    anonymous_ids = set(
        await session.scalars(
            select(AnalyticsEvent.anonymous_id)
            .distinct()
            .where(
                recent,
                person,
                AnalyticsEvent.anonymous_id.is_not(None),
                ~linked_user.exists(),
            )
        )
    )
    return AffectedPeople(user_ids, anonymous_ids, {anonymous_id for anonymous_id, _ in links})


async def update_journeys(
    session: AsyncSession, people: AffectedPeople, window_days: int
) -> set[date]:
    """Recompute the journeys of `people` and return the cohort days that changed."""
    window = timedelta(days=window_days)
    changed: set[date] = set()
    if people.user_ids is None:
        changed |= set(await session.scalars(select(FunnelJourney.cohort_date).distinct()))
        await session.execute(delete(FunnelJourney))
        journeys = await _user_journeys(session, None, window)
        journeys += await _anonymous_journeys(session, None)
        changed |= await _store(session, journeys, window_days)
        return changed

    stale_keys = [ANONYMOUS_PREFIX + anonymous_id for anonymous_id in people.newly_linked]
    for chunk in _chunks(stale_keys):
        changed |= await _delete(session, chunk)
    for chunk in _chunks(sorted(people.user_ids)):
        changed |= await _delete(session, [USER_PREFIX + str(user_id) for user_id in chunk])
        changed |= await _store(session, await _user_journeys(session, chunk, window), window_days)
    for chunk in _chunks(sorted(people.anonymous_ids or ())):
        changed |= await _delete(session, [ANONYMOUS_PREFIX + value for value in chunk])
        changed |= await _store(session, await _anonymous_journeys(session, chunk), window_days)
    return changed


async def _user_journeys(
    session: AsyncSession, user_ids: Sequence[uuid.UUID] | None, window: timedelta
) -> list[Journey]:
    first_visits: dict[uuid.UUID, datetime] = {}
    for query in _user_visit_queries(user_ids):
        for user_id, moment in await session.execute(query):
            if user_id not in first_visits or moment < first_visits[user_id]:
                first_visits[user_id] = moment
    steps: dict[uuid.UUID, list[tuple[str, datetime]]] = defaultdict(list)
    step_query = select(
        AnalyticsEvent.user_id, AnalyticsEvent.event_type, AnalyticsEvent.occurred_at
    ).where(
        AnalyticsEvent.source == Source.PLATFORM.value,
        AnalyticsEvent.event_type.in_(STEP_TYPES),
        AnalyticsEvent.user_id.is_not(None),
    )
    if user_ids is not None:
        step_query = step_query.where(AnalyticsEvent.user_id.in_(user_ids))
    for user_id, event_type, moment in await session.execute(step_query):
        if user_id in first_visits:
            steps[user_id].append((event_type, moment))
    return [
        build_journey(USER_PREFIX + str(user_id), user_id, visit_at, steps[user_id], window)
        for user_id, visit_at in first_visits.items()
    ]


def _user_visit_queries(user_ids: Sequence[uuid.UUID] | None) -> list[Select[Any]]:
    """First visit per user: visits sent with the user id, and visits of linked ids."""
    visits = and_(
        AnalyticsEvent.source == Source.CLIENT.value,
        AnalyticsEvent.event_type == EventType.PAGE_VIEW.value,
    )
    own = select(AnalyticsEvent.user_id, AnalyticsEvent.occurred_at.label("first")).where(
        visits, AnalyticsEvent.user_id.is_not(None)
    )
    linked = (
        select(IdentityLink.user_id, AnalyticsEvent.occurred_at.label("first"))
        .join(IdentityLink, IdentityLink.anonymous_id == AnalyticsEvent.anonymous_id)
        .where(visits, AnalyticsEvent.user_id.is_(None))
    )
    if user_ids is not None:
        own = own.where(AnalyticsEvent.user_id.in_(user_ids))
        linked = linked.where(IdentityLink.user_id.in_(user_ids))
    return [_first_per_person(own), _first_per_person(linked)]


def _first_per_person(query: Select[Any]) -> Select[Any]:
    inner = query.subquery()
    person = inner.c[0]
    return select(person, func.min(inner.c.first).label("first")).group_by(person)


async def _anonymous_journeys(
    session: AsyncSession, anonymous_ids: Sequence[str] | None
) -> list[Journey]:
    linked = select(IdentityLink.anonymous_id).where(
        IdentityLink.anonymous_id == AnalyticsEvent.anonymous_id
    )
    query = select(AnalyticsEvent.anonymous_id, AnalyticsEvent.occurred_at.label("first")).where(
        AnalyticsEvent.source == Source.CLIENT.value,
        AnalyticsEvent.event_type == EventType.PAGE_VIEW.value,
        AnalyticsEvent.user_id.is_(None),
        AnalyticsEvent.anonymous_id.is_not(None),
        ~linked.exists(),
    )
    if anonymous_ids is not None:
        query = query.where(AnalyticsEvent.anonymous_id.in_(anonymous_ids))
    return [
        Journey(ANONYMOUS_PREFIX + anonymous_id, None, visit_at)
        for anonymous_id, visit_at in await session.execute(_first_per_person(query))
    ]


async def _delete(session: AsyncSession, person_keys: list[str]) -> set[date]:
    if not person_keys:
        return set()
    result = await session.execute(
        delete(FunnelJourney)
        .where(FunnelJourney.person_key.in_(person_keys))
        .returning(FunnelJourney.cohort_date)
    )
    return set(result.scalars())


async def _store(session: AsyncSession, journeys: list[Journey], window_days: int) -> set[date]:
    rows = [journey.row(window_days) for journey in journeys]
    for start in range(0, len(rows), CHUNK * 10):
        await session.execute(insert(FunnelJourney), rows[start : start + CHUNK * 10])
    return {row["cohort_date"] for row in rows}


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]
