"""Response bodies of the jobs administration API (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from cuenty.kit.api import ApiModel


class FailedJobOut(ApiModel):
    id: int
    name: str = Field(examples=["webhooks.deliver"])
    attempts: int
    last_error: str | None = Field(default=None, examples=["ConnectError: connection refused"])
    failed_at: datetime | None = None


class JobCounts(ApiModel):
    todo: int = Field(description="En espera (listos o programados)")
    doing: int = Field(description="En ejecución")
    succeeded: int
    failed: int
    cancelled: int


class JobsOverview(ApiModel):
    backend: Literal["procrastinate", "embedded"] = Field(
        description="procrastinate en PostgreSQL; embedded con SQLite"
    )
    counts: JobCounts
    ready: int = Field(description="Trabajos cuya hora ya llegó y esperan un worker")
    scheduled: int = Field(description="Trabajos programados para más tarde (incluye reintentos)")
    oldest_waiting_seconds: float | None = Field(
        default=None, description="Segundos que lleva esperando el trabajo listo más antiguo"
    )
    events_waiting: int = Field(description="Eventos publicados aún no repartidos")
    failures: list[FailedJobOut]


class JobChanged(ApiModel):
    id: int
    status: Literal["todo", "cancelled"]
