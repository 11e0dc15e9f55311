"""Jobs of the prediction models: the daily recomputation."""

from __future__ import annotations

from typing import Any

from cuenty.analytics.ml.daily import recompute
from cuenty.analytics.ml.settings import MlSettings
from cuenty.kit import jobs

DAILY_JOB = "analytics.predictions_daily"


@jobs.handler(DAILY_JOB, max_attempts=2)
async def recompute_predictions(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    await recompute(context.session_factory, now=context.now(), settings=MlSettings())


jobs.periodic(DAILY_JOB, MlSettings().daily_cron)
