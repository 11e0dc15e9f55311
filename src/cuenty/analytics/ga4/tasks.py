"""Jobs of GA4 forwarding: a periodic collect that enqueues batches, and the send of each
batch, retried with backoff when GA4 or the network fails."""

from __future__ import annotations

from typing import Any

from cuenty.analytics.ga4 import forwarding
from cuenty.analytics.ga4.settings import ga4_settings
from cuenty.kit import jobs
from cuenty.kit.db import transaction

COLLECT_JOB = "analytics.ga4_collect"
SEND_JOB = forwarding.SEND_JOB

# Attempt n waits 30 s, 1, 2, 4 and 8 minutes, less up to 25% of jitter: six attempts over
# about a quarter of an hour, far inside GA4's 72-hour window for dated events.
SEND_RETRY = jobs.RetryPolicy(
    max_attempts=6, base_seconds=30, factor=2, max_delay_seconds=900, jitter=0.25
)


@jobs.handler(COLLECT_JOB, max_attempts=3, timeout_seconds=120)
async def collect(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    settings = ga4_settings(context.resources or {})
    if not settings.active:
        return
    async with transaction(context.session_factory) as session:
        await forwarding.collect(session, settings, context.now())


@jobs.handler(SEND_JOB, retry=SEND_RETRY, timeout_seconds=60)
async def send(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    settings = ga4_settings(context.resources or {})
    if not settings.active:
        return
    row_ids = [int(row_id) for row_id in payload.get("eventRowIds", [])]
    await forwarding.send_batch(
        context.session_factory,
        settings,
        row_ids,
        now=context.now(),
        secret_key=context.settings.secret("secret_key"),
        transport=context.resource("ga4_transport"),
    )


jobs.periodic(COLLECT_JOB, "*/5 * * * *")
