"""The entry point other packages call: record a notification and queue its delivery, both in
the caller's transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.kit import crypto, jobs
from cuenty.kit.clock import utc_now
from cuenty.kit.jobs.enqueue import normalize_payload
from cuenty.notifications import repository
from cuenty.notifications.models import Notification, NotificationStatus, Purpose
from cuenty.notifications.providers import CHANNELS
from cuenty.notifications.templates import spec_for

DELIVER_JOB = "notifications.deliver"
SEALED_PURPOSE = "notification-sealed"
PURPOSES = tuple(purpose.value for purpose in Purpose)


async def send(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | str | None,
    template: str,
    context: Mapping[str, Any] | None = None,
    channel: str | None = None,
    purpose: str = "transactional",
    dedupe_key: str | None = None,
) -> uuid.UUID:
    """Record a notification to a user and queue its delivery; return its id.

    Nothing is sent if the caller rolls back. With a `dedupe_key` already used, nothing is
    added and the first notification's id is returned. `context` carries ids and plain
    values only; secrets are loaded at send time (see `context_loader`). A `channel` given
    is the only one tried; without it the user's preferred channel comes first.
    Raises UnknownTemplateError, ValueError (purpose or channel) or InvalidPayloadError.
    """
    return await queue(
        session,
        user_id=uuid.UUID(str(user_id)) if user_id is not None else None,
        template=template,
        context=context,
        channel=channel,
        purpose=purpose,
        dedupe_key=dedupe_key,
    )


async def queue(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | None,
    template: str,
    context: Mapping[str, Any] | None,
    channel: str | None,
    purpose: str,
    dedupe_key: str | None = None,
    sealed: Mapping[str, str] | None = None,
    master_key: str | None = None,
    locale: str | None = None,
) -> uuid.UUID:
    """Insert the notification and its delivery job. `sealed` values (a one-time code and
    the address to send it to) are stored encrypted with `master_key`."""
    spec_for(template)
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}; choose from {', '.join(PURPOSES)}")
    if channel is not None and channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; choose from {', '.join(CHANNELS)}")
    if dedupe_key is not None:
        existing = await repository.id_for_dedupe_key(session, dedupe_key)
        if existing is not None:
            return existing

    notification_id = uuid.uuid4()
    values = {
        "id": notification_id,
        "user_id": user_id,
        "template": template,
        "purpose": purpose,
        "requested_channel": channel,
        "fixed_recipient": sealed is not None and "recipient" in sealed,
        "context": normalize_payload(context),
        "sealed": _seal(master_key, sealed),
        "dedupe_key": dedupe_key,
        "locale": locale,
        "status": NotificationStatus.QUEUED.value,
        "attempts": 0,
        "created_at": utc_now(),
    }
    # Two callers with one dedupe key can both miss the lookup above; the unique index
    # decides, and the loser returns the winner's id.
    added = await repository.insert_unless_exists(
        session, Notification, values, unique=["dedupe_key"]
    )
    if not added:
        existing = await repository.id_for_dedupe_key(session, dedupe_key or "")
        if existing is None:
            raise RuntimeError(f"notification {notification_id} was not inserted")
        return existing
    await jobs.enqueue(session, DELIVER_JOB, {"notification_id": notification_id})
    return notification_id


async def record_unsent(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | str,
    template: str,
    context: Mapping[str, Any],
    reason: str,
    dedupe_key: str,
) -> uuid.UUID:
    """Record a notification that is deliberately not sent, with the reason, so the delivery
    log shows staff what a person must do instead.

    Returns its id, or the first notification's id when the dedupe key was already used.
    """
    spec_for(template)
    existing = await repository.id_for_dedupe_key(session, dedupe_key)
    if existing is not None:
        return existing
    notification_id = uuid.uuid4()
    values = {
        "id": notification_id,
        "user_id": uuid.UUID(str(user_id)),
        "template": template,
        "purpose": Purpose.TRANSACTIONAL.value,
        "fixed_recipient": False,
        "context": normalize_payload(context),
        "dedupe_key": dedupe_key,
        "status": NotificationStatus.SUPPRESSED.value,
        "last_error": reason[:500],
        "attempts": 0,
        "created_at": utc_now(),
    }
    added = await repository.insert_unless_exists(
        session, Notification, values, unique=["dedupe_key"]
    )
    if not added:
        return await repository.id_for_dedupe_key(session, dedupe_key) or notification_id
    return notification_id


def unseal(master_key: str, notification: Notification) -> dict[str, str]:
    if notification.sealed is None:
        return {}
    return dict(json.loads(crypto.decrypt(master_key, SEALED_PURPOSE, notification.sealed)))


def _seal(master_key: str | None, values: Mapping[str, str] | None) -> bytes | None:
    if values is None:
        return None
    if master_key is None:
        raise ValueError("sealed values need the encryption key")
    return crypto.encrypt(master_key, SEALED_PURPOSE, json.dumps(dict(values)).encode())
