"""Delivery status callbacks from Twilio and from the WhatsApp Cloud API: signature checks,
replay detection and the update of the delivery log.

Twilio signs `X-Twilio-Signature` as base64(HMAC-SHA1(auth token, URL + each POST parameter
name and value, sorted by name)). Meta signs `X-Hub-Signature-256` as `sha256=` + hex
HMAC-SHA256 of the raw body with the app secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.notifications import repository
from cuenty.notifications.models import STATUS_RANK, NotificationStatus, StatusCallback

# Provider statuses as the delivery log names them.
TWILIO_STATUSES = {
    "queued": "queued",
    "accepted": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "failed",
    "failed": "failed",
}
META_STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}

log = structlog.get_logger("cuenty.notifications")


@dataclass(frozen=True)
class StatusUpdate:
    provider: str
    callback_key: str
    provider_message_id: str
    status: str
    error_code: str | None = None


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Return the X-Twilio-Signature Twilio computes for a form POST to `url`."""
    data = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_signature_valid(
    auth_token: str, url: str, params: Iterable[tuple[str, str]], signature: str | None
) -> bool:
    if not signature:
        return False
    return hmac.compare_digest(twilio_signature(auth_token, url, params), signature)


def meta_signature_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def twilio_update(form: Mapping[str, str]) -> StatusUpdate | None:
    sid = form.get("MessageSid") or form.get("SmsSid")
    raw = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    status = TWILIO_STATUSES.get(raw)
    if not sid or status is None:
        return None
    return StatusUpdate("twilio", f"{sid}:{raw}", sid, status, form.get("ErrorCode") or None)


def meta_updates(document: Mapping[str, Any]) -> list[StatusUpdate]:
    """Return the status updates of a WhatsApp Cloud API webhook (`statuses` entries)."""
    updates = []
    for entry in document.get("entry") or []:
        for change in entry.get("changes") or []:
            for item in (change.get("value") or {}).get("statuses") or []:
                status = META_STATUSES.get(str(item.get("status", "")).lower())
                message_id = item.get("id")
                if status is None or not message_id:
                    continue
                errors = item.get("errors") or [{}]
                code = errors[0].get("code")
                key = f"{message_id}:{item.get('status')}:{item.get('timestamp', '')}"
                updates.append(
                    StatusUpdate("meta", key, str(message_id), status, str(code) if code else None)
                )
    return updates


async def apply(session: AsyncSession, update: StatusUpdate, now: datetime) -> bool:
    """Apply a status update once; return False for a replay or an unknown message."""
    if await repository.callback_seen(session, update.provider, update.callback_key):
        log.info("notification.callback_replayed", provider=update.provider)
        return False
    added = await repository.insert_unless_exists(
        session,
        StatusCallback,
        {
            "provider": update.provider,
            "callback_key": update.callback_key[:200],
            "provider_message_id": update.provider_message_id[:128],
            "status": update.status,
            "error_code": update.error_code,
            "received_at": now,
        },
        unique=["provider", "callback_key"],
    )
    if not added:
        return False
    notification = await repository.by_provider_message_id(session, update.provider_message_id)
    if notification is None:
        return False
    _move_status(notification, update, now)
    return True


def _move_status(notification: Any, update: StatusUpdate, now: datetime) -> None:
    if update.status == NotificationStatus.FAILED.value:
        notification.status = update.status
        notification.last_error = f"{update.provider} reported failure {update.error_code or ''}"
        return
    current = STATUS_RANK.get(notification.status, -1)
    # Callbacks can arrive out of order: a late "sent" must not undo "delivered".
    if STATUS_RANK.get(update.status, -1) > current:
        notification.status = update.status
        if update.status == NotificationStatus.DELIVERED.value:
            notification.delivered_at = now
