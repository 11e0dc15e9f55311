"""Tables owned by the notifications package: the delivery log, status callbacks already
applied, the development provider's messages and Web Push subscriptions.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from cuenty.kit.clock import utc_now
from cuenty.kit.db import Base, UTCDateTime


class NotificationStatus(StrEnum):
    QUEUED = "queued"
    # Waiting for quiet hours to end or for the recipient's hourly limit to free up.
    DEFERRED = "deferred"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    # Not sent on purpose: no marketing consent, or no channel the message may use.
    SUPPRESSED = "suppressed"


FINAL_STATUSES = frozenset({NotificationStatus.FAILED.value, NotificationStatus.SUPPRESSED.value})
# Order of the statuses a provider reports, so a late "sent" never replaces "delivered".
STATUS_RANK = {"queued": 0, "deferred": 0, "sent": 1, "delivered": 2, "read": 3}


class Purpose(StrEnum):
    TRANSACTIONAL = "transactional"
    SECURITY = "security"
    MARKETING = "marketing"


class Notification(Base):
    """One message to one person and the state of its delivery (the delivery log).

    `context` contains ids and plain values only. One-time codes and a recipient given
    explicitly are kept in `sealed`, encrypted; `body_preview` has every secret field masked.
    """

    __tablename__ = "notifications"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    template: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16))
    requested_channel: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(16))
    # With a fixed recipient (one-time codes) no other channel or address is tried.
    fixed_recipient: Mapped[bool] = mapped_column(default=False)
    recipient_masked: Mapped[str | None] = mapped_column(String(254))
    locale: Mapped[str | None] = mapped_column(String(8))
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=NotificationStatus.QUEUED.value)
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_message_id: Mapped[str | None] = mapped_column(String(128), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    body_preview: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utc_now, server_default=func.now(), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utc_now, onupdate=utc_now, server_default=func.now()
    )
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StatusCallback(Base):
    """A provider status callback already applied; a replay of it changes nothing."""

    __tablename__ = "notification_status_callbacks"
    __table_args__ = (UniqueConstraint("provider", "callback_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(32))
    callback_key: Mapped[str] = mapped_column(String(200))
    provider_message_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(32))
    error_code: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utc_now, server_default=func.now()
    )


class DevMessage(Base):
    """A message a development provider recorded instead of sending it, secrets masked."""

    __tablename__ = "notification_dev_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    template: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    provider_message_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utc_now, server_default=func.now()
    )


class PushSubscription(Base):
    """A browser's Web Push subscription (endpoint and keys from the Push API)."""

    __tablename__ = "push_subscriptions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    endpoint: Mapped[str] = mapped_column(String(2048), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utc_now, server_default=func.now()
    )
