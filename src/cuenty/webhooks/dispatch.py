"""From events to deliveries: one message per subscribed endpoint, and the outcome of each
attempt, which may disable an endpoint that keeps failing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.kit import jobs
from cuenty.webhooks import repository
from cuenty.webhooks.catalog import ENDPOINT_DISABLED_EVENT
from cuenty.webhooks.delivery import AttemptResult
from cuenty.webhooks.models import MessageStatus, WebhookDelivery, WebhookEndpoint, WebhookMessage
from cuenty.webhooks.renderers import render_resource
from cuenty.webhooks.service import encode_body, queue_delivery
from cuenty.webhooks.settings import WebhookSettings

DISABLED_REASON = "consecutive_failures"

log = structlog.get_logger("cuenty.webhooks")


@dataclass(frozen=True)
class AttemptOutcome:
    """Whether the job should be retried after recording an attempt."""

    retry: bool
    endpoint_disabled: bool = False


async def fan_out(session: AsyncSession, event: Mapping[str, Any], now: datetime) -> int:
    """Create a message for every enabled endpoint subscribed to the event; return how many.

    Running it twice for one event adds nothing: (endpoint, event id) is unique.
    """
    event_type = str(event["event_type"])
    endpoints = await repository.subscribed_endpoints(session, event_type)
    if not endpoints:
        return 0
    occurred_at = datetime.fromisoformat(str(event["occurred_at"]))
    resource = await render_resource(session, event_type, event.get("data") or {})
    body = encode_body(str(event["event_id"]), event_type, occurred_at, resource)
    created = 0
    for endpoint in endpoints:
        message_id = await repository.insert_message(
            session,
            {
                "id": uuid.uuid4(),
                "endpoint_id": endpoint.id,
                "event_id": str(event["event_id"]),
                "event_type": event_type,
                "body": body,
                "status": MessageStatus.PENDING.value,
                "attempts": 0,
                "created_at": now,
            },
        )
        if message_id is not None:
            await queue_delivery(session, endpoint.id, message_id, trigger="automatic", now=now)
            created += 1
    return created


async def record_attempt(
    session: AsyncSession,
    message: WebhookMessage,
    endpoint: WebhookEndpoint,
    result: AttemptResult,
    *,
    trigger: str,
    now: datetime,
    last_attempt: bool,
    settings: WebhookSettings,
) -> AttemptOutcome:
    message.attempts += 1
    message.last_attempt_at = now
    session.add(
        WebhookDelivery(
            message_id=message.id,
            endpoint_id=endpoint.id,
            attempt=message.attempts,
            trigger=trigger,
            succeeded=result.succeeded,
            status_code=result.status_code,
            duration_ms=result.duration_ms,
            response_body=result.response_body,
            error=result.error,
            attempted_at=now,
        )
    )
    if result.succeeded:
        message.status = MessageStatus.SUCCEEDED.value
        endpoint.consecutive_failures = 0
        return AttemptOutcome(retry=False)

    endpoint.consecutive_failures += 1
    if endpoint.consecutive_failures >= settings.disable_after_failures:
        await _disable(session, endpoint, now)
        return AttemptOutcome(retry=False, endpoint_disabled=True)
    if last_attempt:
        message.status = MessageStatus.FAILED.value
        return AttemptOutcome(retry=False)
    return AttemptOutcome(retry=True)


async def _disable(session: AsyncSession, endpoint: WebhookEndpoint, now: datetime) -> None:
    endpoint.enabled = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = DISABLED_REASON
    await repository.skip_pending_messages(session, endpoint.id)
    # The notifications package subscribes to this event to tell the endpoint's owner.
    await jobs.publish(
        session,
        ENDPOINT_DISABLED_EVENT,
        {"endpoint_id": endpoint.id, "owner_user_id": endpoint.owner_user_id, "url": endpoint.url},
        now=lambda: now,
    )
    log.warning(
        "webhooks.endpoint_disabled",
        endpoint_id=str(endpoint.id),
        consecutive_failures=endpoint.consecutive_failures,
    )
