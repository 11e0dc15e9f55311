"""The daily run: recompute churn scores and the revenue forecast under a lease, so only
one worker trains however many run the schedule."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cuenty.analytics.ml import repository
from cuenty.analytics.ml.history import load_history
from cuenty.analytics.ml.models import RunKind
from cuenty.analytics.ml.revenue_run import compute_revenue
from cuenty.analytics.ml.service import compute_churn, store_churn
from cuenty.analytics.ml.settings import MlSettings
from cuenty.kit import locks
from cuenty.kit.db import transaction

LOCK_KEY = "analytics.ml.daily"
# Longer than a run on 20,000 subscriptions takes (see docs/benchmarks.md), so the lease
# does not expire while the first worker still trains.
LEASE_TTL = timedelta(hours=2)

log = structlog.get_logger(__name__)


async def recompute(
    factory: async_sessionmaker[AsyncSession], *, now: datetime, settings: MlSettings
) -> bool:
    """Compute and store both kinds of prediction; False when another worker holds the
    lease and this one did nothing."""
    owner = f"{socket.gethostname()}:{os.getpid()}"
    async with locks.held(factory, LOCK_KEY, owner=owner, ttl=LEASE_TTL) as lease:
        if lease is None:
            log.info("predictions.skipped", reason="lease held by another worker")
            return False
        async with transaction(factory) as session:
            history = await load_history(session)
            outcome = await compute_churn(session, history, now=now, settings=settings)
            renewal_rate = _renewal_rate(outcome.run.sample_size, outcome.run.metrics)
            revenue_run = await compute_revenue(
                session, history, outcome.pooled, renewal_rate, now=now
            )
            await locks.guard(session, lease)
            await store_churn(session, outcome, settings)
            await repository.add_run(session, revenue_run, [])
            await repository.delete_old_runs(session, RunKind.REVENUE.value, settings.keep_runs)
        log.info(
            "predictions.computed",
            churn_status=outcome.run.status,
            churn_version=outcome.run.model_version,
            scored=len(outcome.predictions),
            revenue_method=revenue_run.result.get("method"),
        )
        return True


def _renewal_rate(sample_size: int, metrics: dict) -> float | None:  # type: ignore[type-arg]
    """Share renewed among the training decisions, when the classifier trained on some."""
    positives = metrics.get("positives")
    if not sample_size or positives is None:
        return None
    return 1.0 - positives / sample_size
