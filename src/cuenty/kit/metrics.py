"""Prometheus metrics of the HTTP layer and the database pool, one registry per app.

A registry per app keeps several apps in one process (tests, `create_app` per service) from
clashing over metric names.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine

# Buckets in seconds, from a cache hit to a slow statement import.
LATENCY_BUCKETS_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class HttpMetrics:
    """Request count, latency and in-flight requests, labelled by route template."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "cuenty_http_requests_total",
            "HTTP requests answered, by method, route template and status code.",
            ("method", "route", "status"),
            registry=registry,
        )
        self.latency = Histogram(
            "cuenty_http_request_duration_seconds",
            "Time to answer an HTTP request, in seconds.",
            ("method", "route"),
            buckets=LATENCY_BUCKETS_SECONDS,
            registry=registry,
        )
        self.in_flight = Gauge(
            "cuenty_http_requests_in_flight",
            "HTTP requests being processed now.",
            registry=registry,
        )

    def observe(self, *, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)


class DatabasePoolCollector(Collector):
    """Reads the SQLAlchemy pool's counters at scrape time."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool: Any = self.engine.pool
        readings = {
            "size": _call(pool, "size"),
            "checked_out": _call(pool, "checkedout"),
            "checked_in": _call(pool, "checkedin"),
            "overflow": _call(pool, "overflow"),
        }
        family = GaugeMetricFamily(
            "cuenty_db_pool_connections",
            "Database pool connections by state (size, checked_out, checked_in, overflow).",
            labels=("state",),
        )
        for state, value in readings.items():
            if value is not None:
                family.add_metric((state,), value)
        yield family


def _call(pool: Any, method: str) -> float | None:
    function = getattr(pool, method, None)
    return float(function()) if callable(function) else None
