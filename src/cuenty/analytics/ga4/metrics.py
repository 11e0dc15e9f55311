"""Prometheus counter of GA4 forwarding: events sent, skipped (by reason) and failed.

The counter lives in its own registry, which the app and `cuenty worker` add to theirs, so it
is exported by whichever process runs the forwarding jobs.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

REGISTRY = CollectorRegistry(auto_describe=True)

EVENTS = Counter(
    "cuenty_ga4_events_total",
    "Events handled by GA4 forwarding, by outcome (sent, skipped, failed) and reason: the "
    "broken rule or filter for skipped, the HTTP status class or transport error for failed "
    "(counted per attempt).",
    ("outcome", "reason"),
    registry=REGISTRY,
)


def count(outcome: str, reason: str = "", amount: int = 1) -> None:
    if amount:
        EVENTS.labels(outcome, reason).inc(amount)
