"""Liveness, readiness and metrics endpoints, and the `/v1/<service>/health` paths.

`/ready` checks the database and, when configured, Redis; a load balancer stops sending
traffic to a replica that returns 503.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from cuenty import __version__
from cuenty.kit.api import ApiModel, problem_responses
from cuenty.kit.errors import ServiceUnavailableError
from cuenty.services import Service

READINESS_TIMEOUT_SECONDS = 2.0

log = structlog.get_logger(__name__)


class HealthStatus(ApiModel):
    status: str
    service: str
    version: str


class ReadyStatus(ApiModel):
    status: str
    checks: dict[str, str]


def build_health_router(services: list[Service]) -> APIRouter:
    router = APIRouter(tags=["salud"])
    mounted = ",".join(service.name for service in services)

    @router.get("/health", response_model=HealthStatus, summary="El proceso está vivo")
    async def health() -> HealthStatus:
        return HealthStatus(status="ok", service=mounted, version=__version__)

    @router.get(
        "/ready",
        response_model=ReadyStatus,
        summary="El servicio puede atender: base de datos y Redis responden",
        responses=problem_responses(503),
    )
    async def ready(request: Request) -> ReadyStatus:
        checks = await check_components(request.app.state)
        failing = [name for name, result in checks.items() if result == "failed"]
        if failing:
            raise ServiceUnavailableError(
                params={"components": ", ".join(failing)}, extra={"checks": checks}
            )
        return ReadyStatus(status="ready", checks=checks)

    @router.get("/metrics", summary="Métricas en formato Prometheus", include_in_schema=True)
    async def metrics(request: Request) -> Response:
        state = request.app.state
        await state.business_metrics.refresh_if_stale(state.session_factory)
        registry = state.metrics_registry
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    for service in services:
        router.add_api_route(
            f"/v1/{service.name}/health",
            _service_health(service),
            methods=["GET"],
            response_model=HealthStatus,
            summary=f"Salud del servicio {service.name}",
        )
    return router


async def check_components(state: Any) -> dict[str, str]:
    checks = {"database": await _check_database(state)}
    checks["redis"] = await _check_redis(state) if state.redis is not None else "not_configured"
    return checks


def _service_health(service: Service) -> Any:
    async def service_health() -> HealthStatus:
        return HealthStatus(status="ok", service=service.name, version=__version__)

    service_health.__name__ = f"{service.name}_health"
    return service_health


async def _check_database(state: Any) -> str:
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS), state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        log.warning("ready.database_failed", error=str(error), error_type=type(error).__name__)
        return "failed"
    return "ok"


async def _check_redis(state: Any) -> str:
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
            await state.redis.ping()
    except Exception as error:
        log.warning("ready.redis_failed", error=str(error), error_type=type(error).__name__)
        return "failed"
    return "ok"
