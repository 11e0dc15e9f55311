"""Liveness, readiness with its failing component, metrics, request ids and service paths."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from cuenty.app import create_app
from cuenty.services import SERVICES
from tests.conftest import client_for, make_settings


async def test_health_is_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_ready_checks_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "not_configured"}


@pytest.mark.parametrize("service", list(SERVICES))
async def test_every_service_has_health_path(plain_client: httpx.AsyncClient, service: str) -> None:
    response = await plain_client.get(f"/v1/{service}/health")
    assert response.status_code == 200
    assert response.json()["service"] == service


async def test_ready_with_redis(tmp_path: Path, redis_url: str) -> None:
    settings = make_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/r.db", redis_url=redis_url
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app) as client:
        response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "ok"


async def test_ready_names_failing_redis(tmp_path: Path) -> None:
    # Port 9 on loopback (discard) has no listener here, so the connection is refused at once.
    settings = make_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/r.db", redis_url="redis://127.0.0.1:9/0"
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app) as client:
        response = await client.get("/ready", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["checks"] == {"database": "ok", "redis": "failed"}
    assert response.json()["detail"].endswith(": redis.")


async def test_ready_names_failing_database() -> None:
    settings = make_settings(database_url="postgresql+psycopg://nobody@127.0.0.1:9/none")
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app) as client:
        response = await client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "failed"
    assert response.json()["title"] == "Servicio no disponible"


async def test_metrics_count_requests_by_route_template(plain_client: httpx.AsyncClient) -> None:
    await plain_client.get("/v1/payments/health")
    await plain_client.get("/no/such/route")
    text = (await plain_client.get("/metrics")).text
    assert (
        'cuenty_http_requests_total{method="GET",route="/v1/payments/health",status="200"} 1.0'
        in text
    )
    assert 'route="<unmatched>",status="404"' in text
    assert "cuenty_http_request_duration_seconds_bucket" in text
    assert "cuenty_http_requests_in_flight" in text


async def test_metrics_report_database_pool(plain_client: httpx.AsyncClient) -> None:
    text = (await plain_client.get("/metrics")).text
    assert 'cuenty_db_pool_connections{state="checked_out"}' in text


async def test_request_id_is_generated(plain_client: httpx.AsyncClient) -> None:
    response = await plain_client.get("/health")
    assert len(response.headers["x-request-id"]) == 32


async def test_request_id_is_echoed(plain_client: httpx.AsyncClient) -> None:
    response = await plain_client.get("/health", headers={"X-Request-ID": "gw-7f3a9c21"})
    assert response.headers["x-request-id"] == "gw-7f3a9c21"


async def test_unsafe_request_id_is_replaced(plain_client: httpx.AsyncClient) -> None:
    response = await plain_client.get("/health", headers={"X-Request-ID": 'x" injected=1'})
    assert response.headers["x-request-id"] != 'x" injected=1'
