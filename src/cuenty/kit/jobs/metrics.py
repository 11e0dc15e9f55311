"""Prometheus metrics of the job system: queue depth and age, run duration and failures.

The process that runs jobs (the embedded runner or `cuenty worker`) reads depth and age from
the database every `metrics_refresh_seconds`, so a scrape never waits on a query.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from cuenty.kit.jobs.admin import QueueStats

# Seconds, from a quick database update to a webhook that hits its 15-second timeout.
DURATION_BUCKETS_SECONDS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0, 60.0)


class JobMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.depth = Gauge(
            "cuenty_jobs_queue_depth",
            "Jobs by state: ready (due, waiting), scheduled (not yet due), doing, failed.",
            ("state",),
            registry=registry,
        )
        self.oldest_age = Gauge(
            "cuenty_jobs_oldest_waiting_seconds",
            "Age in seconds of the oldest due job not yet started (0 when none waits).",
            registry=registry,
        )
        self.duration = Histogram(
            "cuenty_job_duration_seconds",
            "Run time of a job attempt in seconds, by job name and outcome.",
            ("name", "outcome"),
            buckets=DURATION_BUCKETS_SECONDS,
            registry=registry,
        )
        self.failures = Counter(
            "cuenty_job_failures_total",
            "Failed job attempts, by job name (a retried job counts once per attempt).",
            ("name",),
            registry=registry,
        )

    def observe_run(self, name: str, seconds: float, *, succeeded: bool) -> None:
        self.duration.labels(name, "succeeded" if succeeded else "failed").observe(seconds)
        if not succeeded:
            self.failures.labels(name).inc()

    def update_queue(self, stats: QueueStats) -> None:
        self.depth.labels("ready").set(stats.ready)
        self.depth.labels("scheduled").set(stats.scheduled)
        self.depth.labels("doing").set(stats.counts.get("doing", 0))
        self.depth.labels("failed").set(stats.counts.get("failed", 0))
        self.oldest_age.set(stats.oldest_waiting_seconds or 0.0)
