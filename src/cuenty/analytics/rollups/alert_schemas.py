"""Wire format of KPI alert rules and firings."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, PlainSerializer

from cuenty.kit.api import ApiModel, RequestModel

Metric = Literal["revenue", "payments", "signups", "visits", "activations", "conversion_rate"]
Comparison = Literal["gt", "gte", "lt", "lte", "outside_forecast"]
StaffRole = Literal["support", "operations", "compliance_officer", "admin"]
Figure = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
MAX_WINDOW_HOURS = 24 * 90
MAX_COOLDOWN_MINUTES = 60 * 24 * 30


class Recipients(ApiModel):
    roles: list[StaffRole] = Field(
        default_factory=lambda: ["operations", "admin"],
        max_length=4,
        description="Roles de personal que reciben la alerta",
    )
    user_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=50, description="Personal adicional, por id"
    )


class KpiRuleIn(RequestModel):
    name: str = Field(min_length=1, max_length=120, examples=["Ingresos del día bajos"])
    metric: Metric = Field(
        description="revenue (MXN neto), payments, signups, visits, activations o "
        "conversion_rate (pagos por visita)"
    )
    comparison: Comparison = Field(
        description="gt, gte, lt, lte contra threshold, u outside_forecast (fuera del "
        "intervalo de 95% del pronóstico)"
    )
    threshold: Decimal | None = Field(
        default=None, ge=0, max_digits=14, decimal_places=4, examples=[5000]
    )
    window_hours: int = Field(
        ge=1, le=MAX_WINDOW_HOURS, description="Ventana evaluada, en horas", examples=[24]
    )
    cooldown_minutes: int = Field(
        default=60, ge=0, le=MAX_COOLDOWN_MINUTES, description="Silencio tras disparar"
    )
    recipients: Recipients = Field(default_factory=Recipients)
    active: bool = True


class KpiRulePatch(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    threshold: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=4)
    window_hours: int | None = Field(default=None, ge=1, le=MAX_WINDOW_HOURS)
    cooldown_minutes: int | None = Field(default=None, ge=0, le=MAX_COOLDOWN_MINUTES)
    recipients: Recipients | None = None
    active: bool | None = None


class KpiRuleOut(ApiModel):
    id: uuid.UUID
    name: str
    metric: str
    comparison: str
    threshold: Figure | None
    window_hours: int
    cooldown_minutes: int
    recipients: Recipients
    active: bool
    last_evaluated_at: dt.datetime | None
    last_evaluation: dict[str, Any] | None = Field(
        description="Resultado de la última evaluación: status (fired, suppressed, ok, "
        "insufficient_history, no_data), value, límites y reason"
    )
    last_fired_at: dt.datetime | None
    created_at: dt.datetime


class KpiFiringOut(ApiModel):
    id: uuid.UUID
    rule_id: uuid.UUID
    fired_at: dt.datetime
    window_start: dt.datetime
    window_end: dt.datetime
    value: Figure
    threshold: Figure | None
    lower_bound: Figure | None
    upper_bound: Figure | None
    recipients: int = Field(description="Personas notificadas")
