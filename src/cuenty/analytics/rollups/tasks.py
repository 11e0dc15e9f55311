"""Jobs of the rollups: refresh every 5 minutes under a lease, then evaluate KPI rules; a
full rebuild every night catches what incremental refreshes cannot see (deleted events)."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from typing import Any

import structlog

from cuenty.analytics.rollups import alerts
from cuenty.analytics.rollups.refresh import refresh_rollups
from cuenty.analytics.rollups.settings import rollup_settings
from cuenty.kit import jobs, locks
from cuenty.kit.db import transaction

REFRESH_JOB = "analytics.refresh_rollups"
REBUILD_JOB = "analytics.rebuild_rollups"
# Longer than any refresh measured at 10 million events, so the lease outlives the work.
LEASE_TTL = timedelta(minutes=15)

log = structlog.get_logger(__name__)


@jobs.handler(REFRESH_JOB, max_attempts=2, timeout_seconds=LEASE_TTL.total_seconds())
async def refresh(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    await run_refresh(context, full=bool(payload.get("full")))


@jobs.handler(REBUILD_JOB, max_attempts=2, timeout_seconds=LEASE_TTL.total_seconds())
async def rebuild(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    await run_refresh(context, full=True)


async def run_refresh(context: jobs.JobContext, *, full: bool) -> bool:
    """Refresh under the lease and evaluate the KPI rules; False when another worker holds it."""
    settings = rollup_settings(context.resources or {})
    owner = f"{socket.gethostname()}:{os.getpid()}:{context.job_id}"
    factory = context.session_factory
    async with locks.held(factory, REFRESH_JOB, owner=owner, ttl=LEASE_TTL) as lease:
        if lease is None:
            log.info("analytics.refresh_skipped", reason="another worker holds the lease")
            return False
        now = context.now()
        outcome = await refresh_rollups(
            factory, now=now, window_days=settings.funnel_window_days, full=full
        )
        if not outcome.refreshed:
            return False
        async with transaction(factory) as session:
            await locks.guard(session, lease)
            evaluations = await alerts.evaluate_rules(session, outcome.started_at)
        fired = sum(1 for evaluation in evaluations if evaluation.status == "fired")
        log.info("analytics.kpi_rules_evaluated", rules=len(evaluations), fired=fired)
    return True


jobs.periodic(REFRESH_JOB, "*/5 * * * *")
# 03:15 in Mexico City (UTC-6), a quiet hour.
jobs.periodic(REBUILD_JOB, "15 9 * * *")
