"""Request and response bodies of the webhooks API (camelCase on the wire)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from cuenty.kit.api import ApiModel
from cuenty.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookMessage

URL_EXAMPLE = "https://hooks.integrador.mx/cuenty"


class WebhookEndpointCreate(ApiModel):
    url: str = Field(
        min_length=1,
        max_length=2048,
        description="URL https que recibe los eventos",
        examples=[URL_EXAMPLE],
    )
    events: list[str] = Field(
        min_length=1,
        max_length=50,
        description="Tipos de evento a recibir",
        examples=[["order.paid", "subscription.activated"]],
    )
    description: str = Field(default="", max_length=500, examples=["ERP de Distribuidora Norte"])


class WebhookEndpointUpdate(ApiModel):
    url: str | None = Field(default=None, min_length=1, max_length=2048)
    events: list[str] | None = Field(default=None, min_length=1, max_length=50)
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = Field(
        default=None, description="true reactiva un endpoint deshabilitado por fallas"
    )


class WebhookEndpointOut(ApiModel):
    id: uuid.UUID
    url: str
    events: list[str]
    description: str
    enabled: bool
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    consecutive_failures: int
    previous_secret_expires_at: datetime | None = Field(
        default=None, description="Hasta cuándo el secreto anterior también firma"
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> WebhookEndpointOut:
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            events=list(endpoint.event_types),
            description=endpoint.description,
            enabled=endpoint.enabled,
            disabled_at=endpoint.disabled_at,
            disabled_reason=endpoint.disabled_reason,
            consecutive_failures=endpoint.consecutive_failures,
            previous_secret_expires_at=endpoint.previous_secret_expires_at,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
        )


class WebhookEndpointCreated(WebhookEndpointOut):
    secret: str = Field(
        description="Secreto de firma (whsec_...). Se muestra solo en esta respuesta.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class SecretRotated(ApiModel):
    id: uuid.UUID
    secret: str = Field(description="Secreto nuevo; se muestra solo en esta respuesta.")
    previous_secret_expires_at: datetime = Field(
        description="El secreto anterior firma también hasta este momento (24 horas)"
    )


class MessageQueued(ApiModel):
    message_id: uuid.UUID
    event_id: str = Field(description="Valor del encabezado webhook-id")
    event_type: str
    status: Literal["pending"] = "pending"

    @classmethod
    def of(cls, message: WebhookMessage) -> MessageQueued:
        return cls(message_id=message.id, event_id=message.event_id, event_type=message.event_type)


class DeliveryOut(ApiModel):
    id: uuid.UUID
    message_id: uuid.UUID
    event_id: str
    event_type: str
    attempt: int
    trigger: str = Field(description="automatic, redelivery o test")
    succeeded: bool
    status_code: int | None = None
    duration_ms: int
    response_body: str | None = Field(default=None, description="Inicio de la respuesta (1 KiB)")
    error: str | None = None
    attempted_at: datetime

    @classmethod
    def of(cls, delivery: WebhookDelivery, message: WebhookMessage) -> DeliveryOut:
        return cls(
            id=delivery.id,
            message_id=message.id,
            event_id=message.event_id,
            event_type=message.event_type,
            attempt=delivery.attempt,
            trigger=delivery.trigger,
            succeeded=delivery.succeeded,
            status_code=delivery.status_code,
            duration_ms=delivery.duration_ms,
            response_body=delivery.response_body,
            error=delivery.error,
            attempted_at=delivery.attempted_at,
        )


class EventTypeOut(ApiModel):
    type: str
    description: str
