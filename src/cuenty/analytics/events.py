"""Ingestion of client events: who may send what, the rules each event must meet, consent,
enrichment (device, state, Mexico City date) and storage once per `eventId`.

A request is all or nothing: one invalid event rejects the whole batch with a 422 that
points at every broken rule, and nothing is stored. Duplicates and events dropped for lack of
consent are not errors, and the response counts them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics import behavior
from cuenty.analytics.errors import (
    IngestKeyUserError,
    OtherUserEventsError,
    invalid_events,
    rule_error,
)
from cuenty.analytics.location import states_of_users
from cuenty.analytics.models import UNKNOWN_STATE, Source
from cuenty.analytics.properties import check_properties, check_url_query
from cuenty.analytics.repository import insert_events
from cuenty.analytics.schemas import EventIn, EventResult, IngestOut
from cuenty.analytics.settings import AnalyticsSettings
from cuenty.analytics.useragent import parse_user_agent
from cuenty.compliance import consents
from cuenty.kit.clock import business_date
from cuenty.kit.validation import FieldError

# A 422 lists at most this many broken rules, so a bad batch of 500 gets a readable response.
MAX_REPORTED_ERRORS = 100
ANALYTICS_PURPOSE = "analytics"

log = structlog.get_logger("cuenty.analytics")


class CallerKind(StrEnum):
    USER = "user"  # an access token
    API_KEY = "api_key"  # an API key with analytics:write
    INGEST_KEY = "ingest_key"  # a publishable key from a browser


@dataclass(frozen=True)
class Caller:
    kind: CallerKind
    user_id: uuid.UUID | None = None
    is_staff: bool = False

    @property
    def acts_for_anyone(self) -> bool:
        """Staff tokens and API keys send events for any user; customers only for themselves."""
        return self.kind == CallerKind.API_KEY or (self.kind == CallerKind.USER and self.is_staff)


@dataclass(frozen=True)
class IngestRequest:
    events: Sequence[EventIn]
    # JSON pointer of the events in the body: "" for one event, "/events" for a batch.
    base_pointer: str
    header_user_agent: str | None
    received_at: datetime


async def ingest(
    session: AsyncSession, caller: Caller, request: IngestRequest, settings: AnalyticsSettings
) -> IngestOut:
    """Check, enrich and store the events; raise a problem error when any event is invalid."""
    _authorize(caller, request)
    owners = [_owner(caller, event) for event in request.events]
    states = await states_of_users(session, [owner for owner in owners if owner])
    errors = _broken_rules(caller, request, owners, states, settings)
    if errors:
        raise invalid_events(errors[:MAX_REPORTED_ERRORS])

    consenting = await _consenting_users(session, {owner for owner in owners if owner})
    results: list[EventResult] = []
    rows: list[dict[str, Any]] = []
    stored: dict[uuid.UUID, behavior.StoredEvent] = {}
    seen: set[uuid.UUID] = set()
    for index, (event, owner) in enumerate(zip(request.events, owners, strict=True)):
        event_id = event.event_id or uuid.uuid4()
        if owner is not None and owner not in consenting:
            results.append(EventResult(index=index, event_id=event_id, status="dropped"))
            continue
        if event_id in seen:
            results.append(EventResult(index=index, event_id=event_id, status="duplicate"))
            continue
        seen.add(event_id)
        row = _row(
            event, event_id, owner, states.get(owner, UNKNOWN_STATE) if owner else None, request
        )
        rows.append(row)
        stored[event_id] = _stored(row)
        results.append(EventResult(index=index, event_id=event_id, status="accepted"))

    inserted = await insert_events(session, rows)
    results = [_mark_duplicate(result, inserted) for result in results]
    await behavior.record(
        session, [stored[event_id] for event_id in stored if event_id in inserted]
    )
    await behavior.link_identities(
        session,
        [
            (row["anonymous_id"], row["user_id"])
            for row in rows
            if row["event_id"] in inserted and row["anonymous_id"] and row["user_id"]
        ],
    )
    return _summary(results)


def _authorize(caller: Caller, request: IngestRequest) -> None:
    for event in request.events:
        if event.user_id is None:
            continue
        if caller.kind == CallerKind.INGEST_KEY:
            raise IngestKeyUserError()
        if not caller.acts_for_anyone and event.user_id != caller.user_id:
            raise OtherUserEventsError()


def _owner(caller: Caller, event: EventIn) -> uuid.UUID | None:
    """Return the user an event is stored for: the one it names, or a customer's own id."""
    if event.user_id is not None:
        return event.user_id
    if caller.kind == CallerKind.USER and not caller.is_staff:
        return caller.user_id
    return None


def _broken_rules(
    caller: Caller,
    request: IngestRequest,
    owners: list[uuid.UUID | None],
    states: dict[uuid.UUID, str],
    settings: AnalyticsSettings,
) -> list[FieldError]:
    errors: list[FieldError] = []
    oldest = request.received_at - timedelta(hours=settings.late_event_hours)
    newest = request.received_at + timedelta(seconds=settings.future_tolerance_seconds)
    for index, (event, owner) in enumerate(zip(request.events, owners, strict=True)):
        pointer = f"{request.base_pointer}/{index}" if request.base_pointer else ""
        if event.timestamp is not None and event.timestamp < oldest:
            errors.append(
                rule_error(
                    "timestamp_too_old", f"{pointer}/timestamp", hours=settings.late_event_hours
                )
            )
        if event.timestamp is not None and event.timestamp > newest:
            errors.append(
                rule_error(
                    "timestamp_in_future",
                    f"{pointer}/timestamp",
                    seconds=settings.future_tolerance_seconds,
                )
            )
        if caller.kind == CallerKind.INGEST_KEY and event.anonymous_id is None:
            errors.append(rule_error("anonymous_id_required", f"{pointer}/anonymousId"))
        elif owner is None and event.anonymous_id is None:
            errors.append(rule_error("identity_missing", f"{pointer}/anonymousId"))
        if event.user_id is not None and event.user_id not in states:
            errors.append(rule_error("user_not_found", f"{pointer}/userId"))
        allowed = event.event_type in settings.personal_data_event_types
        errors.extend(
            check_properties(
                event.properties,
                f"{pointer}/properties",
                event.event_type,
                personal_data_allowed=allowed,
            )
        )
        for field, url in (("pageUrl", event.page_url), ("referrer", event.referrer)):
            errors.extend(
                check_url_query(
                    url, f"{pointer}/{field}", event.event_type, personal_data_allowed=allowed
                )
            )
    return errors


async def _consenting_users(session: AsyncSession, user_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    allowed = set()
    for user_id in sorted(user_ids, key=str):
        if await consents.allows(session, user_id, ANALYTICS_PURPOSE):
            allowed.add(user_id)
    return allowed


def _row(
    event: EventIn,
    event_id: uuid.UUID,
    owner: uuid.UUID | None,
    state_code: str | None,
    request: IngestRequest,
) -> dict[str, Any]:
    occurred_at = (event.timestamp or request.received_at).astimezone(request.received_at.tzinfo)
    agent = parse_user_agent(event.user_agent or request.header_user_agent)
    return {
        "event_id": event_id,
        "source": Source.CLIENT.value,
        "event_type": event.event_type,
        "event_name": event.event_name,
        "user_id": owner,
        "anonymous_id": event.anonymous_id,
        "session_id": event.session_id,
        "properties": event.properties,
        "page_url": event.page_url,
        "referrer": event.referrer,
        "occurred_at": occurred_at,
        "received_at": request.received_at,
        "local_date": business_date(occurred_at),
        "device": agent.device.value,
        "browser": agent.browser,
        "os": agent.os,
        "state_code": state_code or UNKNOWN_STATE,
        "amount": None,
        "service_id": None,
        "order_id": None,
    }


def _stored(row: dict[str, Any]) -> behavior.StoredEvent:
    return behavior.StoredEvent(
        occurred_at=row["occurred_at"],
        user_id=row["user_id"],
        anonymous_id=row["anonymous_id"],
        session_id=row["session_id"],
    )


def _mark_duplicate(result: EventResult, inserted: set[uuid.UUID]) -> EventResult:
    if result.status == "accepted" and result.event_id not in inserted:
        return result.model_copy(update={"status": "duplicate"})
    return result


def _summary(results: list[EventResult]) -> IngestOut:
    counts = {status: 0 for status in ("accepted", "duplicate", "dropped")}
    for result in results:
        counts[result.status] += 1
    return IngestOut(
        accepted=counts["accepted"],
        duplicates=counts["duplicate"],
        dropped=counts["dropped"],
        results=results,
    )
