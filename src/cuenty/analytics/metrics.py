"""Prometheus counter of analytics events by source (client, platform) and outcome."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter

OUTCOMES = ("accepted", "duplicate", "dropped")


class IngestMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.events = Counter(
            "cuenty_analytics_events_total",
            "Analytics events received, by source (client or platform) and outcome: accepted "
            "(stored), duplicate (eventId already stored) or dropped (no analytics consent).",
            ("source", "outcome"),
            registry=registry,
        )

    def count(self, source: str, outcomes: dict[str, int]) -> None:
        for outcome, amount in outcomes.items():
            if amount:
                self.events.labels(source, outcome).inc(amount)


def ingest_metrics(holder: Any) -> IngestMetrics | None:
    """Return the counter of an app state (or a job's resources) that has a metrics registry.

    Kept on the holder: a registry accepts each metric name once.
    """
    if isinstance(holder, dict):
        found = holder.get("analytics_metrics")
        registry = holder.get("metrics_registry")
    else:
        found = getattr(holder, "analytics_metrics", None)
        registry = getattr(holder, "metrics_registry", None)
    if isinstance(found, IngestMetrics):
        return found
    if registry is None:
        return None
    metrics = IngestMetrics(registry)
    if isinstance(holder, dict):
        holder["analytics_metrics"] = metrics
    else:
        holder.analytics_metrics = metrics
    return metrics
