"""Wire format of the dashboard: the product description's keys where it shows them
(`total_users`, `topStates`, `conversionFunnel`), camelCase for the rest, money as numbers
with two decimals."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import Field

from cuenty.kit.api import ApiModel
from cuenty.kit.money import Money


class Totals(ApiModel):
    total_users: int = Field(
        alias="total_users", description="Usuarios distintos con algún evento en el rango"
    )
    total_payments: int = Field(alias="total_payments", description="Pagos acreditados")
    total_revenue: Money = Field(
        alias="total_revenue", description="Ingreso neto de devoluciones y reembolsos, MXN"
    )


class StateFigures(ApiModel):
    state: str = Field(description="Nombre de la entidad federativa, o `unknown`")
    state_code: str = Field(description="Código ISO 3166-2:MX, o `unknown`", examples=["MX-JAL"])
    revenue: Money
    users: int
    payments: int
    visits: int


class DayRevenue(ApiModel):
    date: dt.date = Field(description="Día de la Ciudad de México")
    revenue: Money = Field(description="Ingreso neto del día, MXN")
    payments: int


class StepFigures(ApiModel):
    signups: float | None
    payments: float | None
    activations: float | None


class FunnelFigures(ApiModel):
    visits: int
    signups: int
    payments: int
    activations: int
    conversion_from_visit: StepFigures = Field(description="Fracción (0 a 1) de las visitas")
    conversion_from_previous: StepFigures = Field(description="Fracción del paso anterior")
    median_seconds_to_convert: StepFigures = Field(
        description="Mediana de segundos desde la primera visita hasta cada paso"
    )


class FunnelDay(FunnelFigures):
    date: dt.date = Field(description="Día (Ciudad de México) de la primera visita")


class FunnelSummary(FunnelFigures):
    window_days: int = Field(description="Ventana de conversión en días")


class ServiceRevenue(ApiModel):
    service_id: uuid.UUID | None = Field(description="Servicio del catálogo; null si ninguno")
    service_name: str | None
    payments: int
    returns: int
    gross_revenue: Money
    revenue: Money = Field(description="Ingreso neto, MXN")


class ServiceHealth(ApiModel):
    service: str
    instances: int = Field(description="Procesos que reportaron en los últimos 90 segundos")
    instances_up: int
    status: str = Field(description="up, degraded o down")
    last_seen_at: dt.datetime
    version: str


class Dashboard(ApiModel):
    start_date: dt.date
    end_date: dt.date
    totals: Totals
    top_states: list[StateFigures]
    conversion_funnel: list[FunnelDay]
    funnel_summary: FunnelSummary
    revenue_by_service: list[ServiceRevenue]
    # Empty in a dashboard cached before the field existed, until the next refresh.
    revenue_by_day: list[DayRevenue] = Field(
        default_factory=list, description="Ingreso neto por día del rango, con ceros"
    )
    services_health: list[ServiceHealth]
    fresh: bool = Field(description="La última actualización es reciente (intervalo + margen)")
    as_of: dt.datetime | None = Field(description="Momento de la última actualización")
