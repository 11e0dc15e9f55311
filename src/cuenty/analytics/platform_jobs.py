"""Jobs that record platform business events as analytics rows, and that stop linking a
visitor to a user who revokes the analytics consent."""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy import delete

from cuenty.analytics import platform_events
from cuenty.analytics.metrics import ingest_metrics
from cuenty.analytics.models import IdentityLink, Source
from cuenty.compliance.consents import CONSENT_REVOKED_EVENT
from cuenty.kit import jobs
from cuenty.kit.db import transaction

RECORD_JOB = "analytics.record_platform_event"
UNLINK_JOB = "analytics.unlink_visitor"

log = structlog.get_logger("cuenty.analytics")


@jobs.handler(RECORD_JOB, max_attempts=8)
async def record_platform_event(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    try:
        source = platform_events.SourceEvent.of(payload)
        async with transaction(context.session_factory) as session:
            outcome = await platform_events.record(session, source)
    except (KeyError, ValueError) as error:
        # A malformed event fails the same way on every retry: log it and drop it.
        log.warning(
            "analytics.platform_event_rejected",
            event_type=payload.get("event_type"),
            event_id=payload.get("event_id"),
            error=repr(error),
        )
        return
    # NOTE: neither the embedded runner nor `cuenty worker` puts a metrics registry in the
    # job resources yet, so platform rows are counted only where a caller provides one.
    metrics = ingest_metrics(context.resources) if context.resources is not None else None
    if metrics is not None and outcome != "ignored":
        metrics.count(Source.PLATFORM.value, {outcome: 1})
    log.debug("analytics.platform_event", event_type=source.event_type, outcome=outcome)


@jobs.handler(UNLINK_JOB, max_attempts=5)
async def unlink_visitor(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    """Forget which anonymous visitors were this user, so later visits stay anonymous."""
    data = payload.get("data") or {}
    if data.get("purpose") != "analytics":
        return
    async with transaction(context.session_factory) as session:
        await session.execute(
            delete(IdentityLink).where(IdentityLink.user_id == uuid.UUID(str(data["userId"])))
        )


for _event_type in platform_events.READERS:
    jobs.subscribe(_event_type, RECORD_JOB)
jobs.subscribe(CONSENT_REVOKED_EVENT, UNLINK_JOB)
