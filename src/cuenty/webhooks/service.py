"""Business rules of webhook endpoints: create, change, rotate the secret, send a test and
redeliver. Functions work in the caller's transaction and never commit.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.kit import jobs
from cuenty.kit.clock import utc_now
from cuenty.kit.i18n import N_
from cuenty.kit.validation import FieldError
from cuenty.webhooks import repository, signing
from cuenty.webhooks.catalog import EVENT_TYPES, TEST_EVENT
from cuenty.webhooks.errors import (
    InvalidWebhookUrlError,
    UnknownEventTypeError,
    WebhookDeliveryNotFoundError,
    WebhookEndpointDisabledError,
    WebhookNotFoundError,
)
from cuenty.webhooks.models import MessageStatus, WebhookEndpoint, WebhookMessage
from cuenty.webhooks.settings import WebhookSettings
from cuenty.webhooks.targets import Resolver, TargetRejectedError, resolve_target

DELIVER_JOB = "webhooks.deliver"


async def create_endpoint(
    session: AsyncSession,
    *,
    url: str,
    events: list[str],
    description: str,
    owner_user_id: uuid.UUID | None,
    api_key_id: uuid.UUID | None,
    master_key: str,
    settings: WebhookSettings,
    resolver: Resolver,
) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint and return it with its new secret (the only time it is shown)."""
    event_types = check_events(events)
    await check_url(url, settings, resolver)
    secret = signing.generate_secret()
    endpoint = WebhookEndpoint(
        url=url.strip(),
        description=description,
        event_types=event_types,
        secret_ciphertext=signing.seal(master_key, secret),
        enabled=True,
        consecutive_failures=0,
        owner_user_id=owner_user_id,
        created_by_api_key_id=api_key_id,
    )
    session.add(endpoint)
    await session.flush()
    await session.refresh(endpoint)
    return endpoint, secret


async def find_endpoint(
    session: AsyncSession, endpoint_id: uuid.UUID, owner_user_id: uuid.UUID | None
) -> WebhookEndpoint:
    endpoint = await repository.get_endpoint(session, endpoint_id, owner_user_id)
    if endpoint is None:
        raise WebhookNotFoundError(params={"id": str(endpoint_id)})
    return endpoint


async def update_endpoint(
    session: AsyncSession,
    endpoint: WebhookEndpoint,
    changes: Mapping[str, Any],
    *,
    settings: WebhookSettings,
    resolver: Resolver,
    now: datetime,
) -> WebhookEndpoint:
    """Apply the given fields; enabling an endpoint clears its failure count."""
    if changes.get("url") is not None:
        await check_url(changes["url"], settings, resolver)
        endpoint.url = changes["url"].strip()
    if changes.get("events") is not None:
        endpoint.event_types = check_events(changes["events"])
    if changes.get("description") is not None:
        endpoint.description = changes["description"]
    if changes.get("enabled") is True and not endpoint.enabled:
        endpoint.enabled = True
        endpoint.disabled_at = None
        endpoint.disabled_reason = None
        endpoint.consecutive_failures = 0
    elif changes.get("enabled") is False and endpoint.enabled:
        endpoint.enabled = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = "disabled_by_user"
    await session.flush()
    await session.refresh(endpoint)
    return endpoint


async def rotate_secret(
    session: AsyncSession, endpoint: WebhookEndpoint, *, master_key: str, now: datetime
) -> tuple[str, datetime]:
    """Give the endpoint a new secret; the old one keeps signing for 24 hours."""
    secret = signing.generate_secret()
    expires = now + signing.ROTATION_OVERLAP
    endpoint.previous_secret_ciphertext = endpoint.secret_ciphertext
    endpoint.previous_secret_expires_at = expires
    endpoint.secret_ciphertext = signing.seal(master_key, secret)
    await session.flush()
    return secret, expires


async def send_test(
    session: AsyncSession, endpoint: WebhookEndpoint, *, now: datetime
) -> WebhookMessage:
    """Queue a `webhook.test` message to this endpoint only, in order with its other events."""
    _require_enabled(endpoint)
    event_id = f"evt_{uuid.uuid4().hex}"
    body = encode_body(
        event_id,
        TEST_EVENT,
        now,
        {"endpointId": str(endpoint.id), "message": "Prueba de webhook de CUENTY"},
    )
    message = WebhookMessage(
        endpoint_id=endpoint.id,
        event_id=event_id,
        event_type=TEST_EVENT,
        body=body,
        status=MessageStatus.PENDING.value,
        attempts=0,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    await queue_delivery(session, endpoint.id, message.id, trigger="test", now=now)
    return message


async def redeliver(
    session: AsyncSession, endpoint: WebhookEndpoint, delivery_id: uuid.UUID
) -> WebhookMessage:
    """Send the message of an earlier attempt again, with the same webhook-id and body."""
    _require_enabled(endpoint)
    delivery = await repository.get_delivery(session, endpoint.id, delivery_id)
    if delivery is None:
        raise WebhookDeliveryNotFoundError(params={"id": str(delivery_id)})
    message = await session.get(WebhookMessage, delivery.message_id)
    assert message is not None
    message.status = MessageStatus.PENDING.value
    await queue_delivery(session, endpoint.id, message.id, trigger="redelivery")
    return message


async def queue_delivery(
    session: AsyncSession,
    endpoint_id: uuid.UUID,
    message_id: uuid.UUID,
    *,
    trigger: str,
    now: datetime | None = None,
) -> None:
    # One ordering key per endpoint: its messages go out one at a time, in order, and a
    # message waiting for a retry holds back the ones after it.
    await jobs.enqueue(
        session,
        DELIVER_JOB,
        {"message_id": message_id, "trigger": trigger},
        ordering_key=f"webhook-endpoint:{endpoint_id}",
        now=(lambda: now) if now else utc_now,
    )


def encode_body(event_id: str, event_type: str, occurred_at: datetime, data: Any) -> str:
    """Return the JSON body sent (and signed) for an event, identical on every attempt."""
    timestamp = occurred_at.isoformat().replace("+00:00", "Z")
    document = {"id": event_id, "type": event_type, "timestamp": timestamp, "data": data}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def check_events(events: Iterable[str]) -> list[str]:
    """Return the event types without repeats, or raise UnknownEventTypeError (422)."""
    unique = list(dict.fromkeys(events))
    unknown = [
        FieldError(
            code="unknown_event_type",
            message=N_("Unknown event type {value}."),
            pointer=f"#/events/{index}",
            params={"value": event_type},
        )
        for index, event_type in enumerate(unique)
        if event_type not in EVENT_TYPES
    ]
    if unknown:
        raise UnknownEventTypeError(params={"count": len(unknown)}, errors=unknown)
    return unique


async def check_url(url: str, settings: WebhookSettings, resolver: Resolver) -> None:
    try:
        await resolve_target(url, allow_private=settings.allow_private_targets, resolver=resolver)
    except TargetRejectedError as error:
        field = FieldError(
            code=error.reason, message=error.message, pointer="#/url", params=error.params
        )
        raise InvalidWebhookUrlError(errors=[field]) from error


def _require_enabled(endpoint: WebhookEndpoint) -> None:
    if not endpoint.enabled:
        raise WebhookEndpointDisabledError(params={"id": str(endpoint.id)})
