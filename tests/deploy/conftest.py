from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from cuenty.app import create_app
from cuenty.kit.jobs.metrics import JobMetrics
from tests.conftest import make_settings
from tests.deploy.support import (
    NGINX_EXPORTER_METRICS,
    POSTGRES_EXPORTER_METRICS,
    PROMETHEUS_METRICS,
    registry_series_names,
)


@pytest.fixture
async def exported_metrics(tmp_path: Path) -> frozenset[str]:
    """Every series name the stack can scrape: all API services in one app, the worker's
    job metrics and the exporters' series."""
    app = create_app(make_settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/m.db"))
    async with app.router.lifespan_context(app):
        names = registry_series_names(app.state.metrics_registry)
    worker_registry = CollectorRegistry()
    JobMetrics(worker_registry)
    names |= registry_series_names(worker_registry)
    names |= NGINX_EXPORTER_METRICS | POSTGRES_EXPORTER_METRICS | PROMETHEUS_METRICS
    return frozenset(names)
