"""Analytics in privacy requests: a user's client events, sessions, aggregates and visitor
links.

Client events are the user's own clicks and page views, so an access export lists them and a
suppression deletes them. Platform rows (orders, payments, returns) count revenue and mirror
fiscal records that other packages keep, so suppression keeps them without the user id: the
amounts still add up, but no longer point to anyone.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.models import (
    AnalyticsEvent,
    AnalyticsSession,
    IdentityLink,
    Source,
    UserBehavior,
)
from cuenty.compliance.registry import personal_data


# No retention: no law requires keeping analytics, so a cancellation suppresses them when its
# grace period ends (a retention reason would keep them blocked instead).
@personal_data("analytics")
class AnalyticsData:
    async def export(self, session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
        events = await session.scalars(
            select(AnalyticsEvent)
            .where(_client_events_of(user_id))
            .order_by(AnalyticsEvent.occurred_at, AnalyticsEvent.id)
        )
        behavior = await session.get(UserBehavior, user_id)
        links = await session.scalars(
            select(IdentityLink.anonymous_id).where(IdentityLink.user_id == user_id)
        )
        return {
            "events": [_event(row) for row in events],
            "behavior": _behavior(behavior) if behavior else None,
            "anonymousIds": sorted(links.all()),
        }

    async def block(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Nothing to change: while blocked, consent checks drop the user's new client events."""

    async def unblock(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Nothing was changed by `block`."""

    async def suppress(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Delete client events, sessions, aggregates and links; detach platform rows."""
        await session.execute(
            delete(AnalyticsEvent)
            .where(_client_events_of(user_id))
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            update(AnalyticsEvent)
            .where(AnalyticsEvent.user_id == user_id)
            .values(user_id=None)
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            delete(AnalyticsSession).where(
                or_(
                    AnalyticsSession.user_id == user_id,
                    AnalyticsSession.anonymous_id.in_(_linked_ids(user_id)),
                )
            )
        )
        # Last, because the deletions above find the user's anonymous visits through the links.
        await session.execute(delete(IdentityLink).where(IdentityLink.user_id == user_id))
        await session.execute(delete(UserBehavior).where(UserBehavior.user_id == user_id))


def _client_events_of(user_id: uuid.UUID) -> Any:
    """Client events sent as the user, or anonymously from one of the user's visitor ids."""
    return (AnalyticsEvent.source == Source.CLIENT.value) & or_(
        AnalyticsEvent.user_id == user_id, AnalyticsEvent.anonymous_id.in_(_linked_ids(user_id))
    )


def _linked_ids(user_id: uuid.UUID) -> Any:
    return select(IdentityLink.anonymous_id).where(IdentityLink.user_id == user_id)


def _event(row: AnalyticsEvent) -> dict[str, Any]:
    return {
        "eventId": str(row.event_id),
        "eventType": row.event_type,
        "eventName": row.event_name,
        "occurredAt": row.occurred_at.isoformat(),
        "sessionId": row.session_id,
        "pageUrl": row.page_url,
        "referrer": row.referrer,
        "properties": row.properties,
        "device": row.device,
        "browser": row.browser,
        "os": row.os,
        "stateCode": row.state_code,
    }


def _behavior(row: UserBehavior) -> dict[str, Any]:
    return {
        "sessions": row.sessions,
        "events": row.events,
        "conversions": row.conversions,
        "totalTimeOnSiteSeconds": row.total_time_on_site_seconds,
        "firstSeenAt": row.first_seen_at.isoformat() if row.first_seen_at else None,
        "lastSeenAt": row.last_seen_at.isoformat() if row.last_seen_at else None,
        "lastSessionAt": row.last_session_at.isoformat() if row.last_session_at else None,
    }
