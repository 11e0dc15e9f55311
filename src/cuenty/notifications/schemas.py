"""Request and response bodies of the notifications API (camelCase on the wire)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from cuenty.kit.api import ApiModel, RequestModel
from cuenty.notifications.models import Notification

Channel = Literal["whatsapp", "sms", "email", "push"]


class SendRequest(RequestModel):
    user_id: uuid.UUID = Field(description="Destinatario")
    template: str = Field(
        min_length=1, max_length=64, description="Plantilla", examples=["staff_message"]
    )
    context: dict[str, Any] = Field(
        default_factory=dict,
        description="Campos de la plantilla: ids y valores simples, nunca secretos",
        examples=[{"title": "Aviso", "message": "Tu pedido va en camino."}],
    )
    purpose: Literal["transactional", "security", "marketing"] = "transactional"
    dedupe_key: str | None = Field(
        default=None,
        max_length=200,
        description="Un segundo envío con la misma clave no envía nada",
    )


class NotificationQueued(ApiModel):
    id: uuid.UUID
    status: str


class NotificationOut(ApiModel):
    id: uuid.UUID
    user_id: uuid.UUID | None
    template: str
    purpose: str
    channel: str | None = Field(description="Canal por el que salió, cuando ya salió")
    status: str = Field(
        description="queued, deferred, sent, delivered, read, failed o suppressed",
        examples=["delivered"],
    )
    recipient: str | None = Field(description="Destino enmascarado", examples=["+52******5678"])
    provider: str | None
    attempts: int
    last_error: str | None = Field(
        description="Último error de envío; solo el personal lo ve (null para el cliente)"
    )
    preview: str | None = Field(
        default=None, description="Texto del mensaje con códigos y accesos como ••••••"
    )
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None

    @classmethod
    def of(cls, row: Notification, *, show_error: bool) -> NotificationOut:
        """Build the view of a log row. `show_error` is for staff only: a provider's error
        text can quote a third-party server's reply body, which a customer must not read."""
        return cls(
            id=row.id,
            user_id=row.user_id,
            template=row.template,
            purpose=row.purpose,
            channel=row.channel,
            status=row.status,
            recipient=row.recipient_masked,
            provider=row.provider,
            attempts=row.attempts,
            last_error=row.last_error if show_error else None,
            preview=row.body_preview,
            created_at=row.created_at,
            sent_at=row.sent_at,
            delivered_at=row.delivered_at,
        )


class PushKeys(RequestModel):
    p256dh: str = Field(min_length=20, max_length=200, pattern=r"^[A-Za-z0-9_\-=]+$")
    auth: str = Field(min_length=8, max_length=100, pattern=r"^[A-Za-z0-9_\-=]+$")


class PushSubscriptionCreate(RequestModel):
    """The `PushSubscription.toJSON()` of a browser (the Push API)."""

    endpoint: str = Field(
        min_length=1, max_length=2048, examples=["https://fcm.googleapis.com/..."]
    )
    keys: PushKeys
    expiration_time: int | None = None


class PushSubscriptionOut(ApiModel):
    id: uuid.UUID
    endpoint_host: str
    created_at: datetime
