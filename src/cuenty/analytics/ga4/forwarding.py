"""GA4 forwarding: pick up newly stored events that the allow-list names, group them by
client into batches of at most 25, and send each batch, with consent checked at send time.

A user's events go only while the user consents to the `analytics` purpose, and so do the
anonymous events whose visitor later signed in. Events of visitors never linked to a user
go without a consent check, because what is sent about them (a keyed hash of a random browser
id, page paths without query strings, and no email or phone) identifies no person.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cuenty.analytics.ga4 import client, metrics, repository
from cuenty.analytics.ga4.events import PreparedEvent, client_key, prepare, pseudonym
from cuenty.analytics.ga4.limits import MAX_EVENT_AGE
from cuenty.analytics.ga4.settings import Ga4Settings
from cuenty.analytics.models import AnalyticsEvent
from cuenty.compliance import consents
from cuenty.kit import jobs

SEND_JOB = "analytics.ga4_send"
CONSENT_PURPOSE = "analytics"

log = structlog.get_logger(__name__)


class Ga4UnavailableError(RuntimeError):
    """Raised so the job system retries a batch that GA4 did not accept for now."""


@dataclass
class Batch:
    """The events of one request and what was left out of it."""

    client_id: str
    user_id: str | None
    events: list[PreparedEvent] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    stripped_params: int = 0

    def body(self) -> dict[str, Any]:
        events = [item.event for item in self.events if item.event is not None]
        body: dict[str, Any] = {
            "client_id": self.client_id,
            "timestamp_micros": min(event["timestamp_micros"] for event in events),
            # CUENTY collects consent to analytics only, never to advertising.
            "consent": {"ad_user_data": "DENIED", "ad_personalization": "DENIED"},
            "events": events,
        }
        if self.user_id is not None:
            body["user_id"] = self.user_id
        return body


async def collect(session: AsyncSession, settings: Ga4Settings, now: datetime) -> int:
    """Enqueue a send job per batch of new allowed events and move the cursor past them.

    Runs in the caller's transaction, so the jobs and the cursor commit together. Returns the
    number of batches enqueued.
    """
    cursor = await repository.locked_cursor(session, now - MAX_EVENT_AGE)
    received_before = now - timedelta(seconds=settings.settle_seconds)
    # NOTE: a row whose insert commits more than settle_seconds after its received_at, behind
    # a higher id already read, is never forwarded. Ingest transactions are far shorter.
    rows = await repository.events_after(
        session, cursor.last_event_row_id, received_before, settings.max_events_per_run
    )
    if not rows:
        return 0
    cursor.last_event_row_id = rows[-1].id

    groups: dict[str, list[int]] = {}
    too_old = 0
    for row in rows:
        if not _allowed(row, settings):
            continue
        if row.occurred_at < now - MAX_EVENT_AGE:
            too_old += 1
            continue
        groups.setdefault(client_key(row), []).append(row.id)
    metrics.count("skipped", "too_old", too_old)

    size = settings.batch_size
    batches = [ids[i : i + size] for ids in groups.values() for i in range(0, len(ids), size)]
    items = [({"eventRowIds": ids}, None) for ids in batches]
    await jobs.enqueue_many(session, SEND_JOB, items, now=lambda: now)
    log.info(
        "ga4.collected",
        examined=len(rows),
        batches=len(batches),
        too_old=too_old,
        cursor=cursor.last_event_row_id,
    )
    return len(batches)


async def send_batch(
    factory: async_sessionmaker[AsyncSession],
    settings: Ga4Settings,
    row_ids: Sequence[int],
    *,
    now: datetime,
    secret_key: str,
    transport: httpx.AsyncBaseTransport | None = None,
) -> client.SendResult | None:
    """Send one batch; return GA4's result, or None when no event of it may be sent.

    Raises Ga4UnavailableError on a failure worth retrying (5xx, 429, timeout, connection).
    """
    async with factory() as session:
        rows = await repository.events_by_row_ids(session, row_ids)
        batch = await _prepare_batch(session, rows, settings, now, secret_key)
    if batch is None:
        return None
    if not batch.events:
        _record_skips(batch, sent=0)
        return None

    result = await client.send(batch.body(), settings, transport=transport)
    # NOTE: after a timeout GA4 may have stored the batch already, so its retry can count
    # those events twice; GA4 drops only repeated purchase transaction_ids.
    if result.retryable:
        metrics.count("failed", result.failure_reason, len(batch.events))
        log.warning("ga4.batch_failed", events=len(batch.events), reason=result.failure_reason)
        raise Ga4UnavailableError(
            f"GA4 did not accept a batch of {len(batch.events)} events ({result.failure_reason})"
        )
    _record_skips(batch, sent=len(batch.events) if result.succeeded else 0)
    if result.succeeded:
        metrics.count("sent", "", len(batch.events))
        _log_validation(result)
    else:
        metrics.count("failed", result.failure_reason, len(batch.events))
        log.error("ga4.batch_rejected", events=len(batch.events), status=result.status)
    return result


async def _prepare_batch(
    session: AsyncSession,
    rows: Sequence[AnalyticsEvent],
    settings: Ga4Settings,
    now: datetime,
    secret_key: str,
) -> Batch | None:
    if not rows:
        return None
    links = await repository.linked_users(session, [r.anonymous_id for r in rows if r.anonymous_id])
    consented: dict[uuid.UUID, bool] = {}
    user = _user_of(rows[0], links)
    batch = Batch(
        client_id=pseudonym(client_key(rows[0]), secret_key),
        user_id=pseudonym(f"user:{user}", secret_key) if user else None,
    )
    for row in rows:
        reason = await _exclusion_reason(session, row, links, consented, now)
        if reason is not None:
            batch.skipped[reason] += 1
            continue
        prepared = prepare(row, settings)
        batch.stripped_params += prepared.stripped_params
        if prepared.skip_reason is not None:
            batch.skipped[prepared.skip_reason] += 1
            log.warning("ga4.event_invalid", event_row_id=row.id, rule=prepared.skip_reason)
            continue
        batch.events.append(prepared)
    if user is not None and not consented.get(user, False):
        batch.user_id = None
    return batch


async def _exclusion_reason(
    session: AsyncSession,
    row: AnalyticsEvent,
    links: dict[str, uuid.UUID],
    consented: dict[uuid.UUID, bool],
    now: datetime,
) -> str | None:
    if row.occurred_at < now - MAX_EVENT_AGE:
        return "too_old"
    user = _user_of(row, links)
    if user is None:
        return None
    if user not in consented:
        consented[user] = await consents.allows(session, user, CONSENT_PURPOSE)
    return None if consented[user] else "no_consent"


def _user_of(row: AnalyticsEvent, links: dict[str, uuid.UUID]) -> uuid.UUID | None:
    if row.user_id is not None:
        return row.user_id
    return links.get(row.anonymous_id) if row.anonymous_id else None


def _allowed(row: AnalyticsEvent, settings: Ga4Settings) -> bool:
    return row.event_type in settings.forward_events or row.event_name in settings.forward_events


def _record_skips(batch: Batch, *, sent: int) -> None:
    for reason, amount in batch.skipped.items():
        metrics.count("skipped", reason, amount)
    log.info(
        "ga4.batch_done",
        sent=sent,
        skipped=dict(batch.skipped),
        stripped_params=batch.stripped_params,
    )


def _log_validation(result: client.SendResult) -> None:
    for message in result.validation_messages:
        # Descriptions can quote parameter values, so only the path and the code are logged.
        log.warning(
            "ga4.validation_message",
            field_path=message.get("fieldPath"),
            code=message.get("validationCode"),
        )
