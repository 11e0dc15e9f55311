"""`create_app(services=...)` mounts only the selected services."""

from __future__ import annotations

from pathlib import Path

import pytest

from cuenty.app import create_app
from cuenty.services import SERVICES, UnknownServiceError, select_services
from tests.conftest import client_for, make_settings


async def test_single_service_mounts_only_its_paths(tmp_path: Path) -> None:
    settings = make_settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/s.db")
    app = create_app(settings, services=["payments"])
    async with app.router.lifespan_context(app), client_for(app) as client:
        assert (await client.get("/v1/payments/health")).status_code == 200
        assert (await client.get("/v1/auth/health")).status_code == 404
        assert (await client.get("/health")).json()["service"] == "payments"


def test_unknown_service_is_rejected() -> None:
    with pytest.raises(UnknownServiceError, match="billing"):
        select_services(["billing"])


def test_services_keep_table_order() -> None:
    names = [service.name for service in select_services(["compliance", "auth"])]
    assert names == ["auth", "compliance"]


@pytest.mark.parametrize("name", list(SERVICES))
async def test_each_service_runs_alone(tmp_path: Path, name: str) -> None:
    settings = make_settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/s.db")
    app = create_app(settings, services=[name])
    async with app.router.lifespan_context(app), client_for(app) as client:
        health = await client.get("/health")
        ready = await client.get("/ready")
        metrics = await client.get("/metrics")
        service_health = await client.get(f"/v1/{name}/health")

    assert health.json()["service"] == name
    assert ready.status_code == 200
    assert 'cuenty_http_requests_total{method="GET",route="/health",status="200"}' in metrics.text
    assert service_health.status_code == 200
    assert settings.service_port(name) == SERVICES[name].port
