"""Jobs of the compliance package: suppression after the grace and blocking periods,
deadline alerts for the officer, and chaining identity's security log into the audit trail.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import ColumnElement, Text, cast, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance import deadlines, execution, repository, trail
from cuenty.compliance.context import ComplianceContext
from cuenty.compliance.models import AuditTrail, DataChange, DataRequest
from cuenty.identity.models import AuditEvent
from cuenty.kit import jobs
from cuenty.kit.clock import business_date
from cuenty.kit.db import transaction

log = structlog.get_logger("cuenty.compliance.tasks")

SUPPRESS_JOB = "compliance.suppress_due"
ALERT_JOB = "compliance.deadline_alerts"
CHAIN_JOB = "compliance.chain_security_log"
DEADLINE_ALERT_EVENT = "compliance.deadline_alert"
CHAIN_BATCH = 500
# Keeps the alert event under the job system's 64 KiB payload limit; the earliest due come
# first, and the officer's queue (`overdue=true`) lists every one.
ALERT_MAX_REQUESTS = 200
IDENTITY_EVENT_RESOURCE = "audit_event"
DATA_CHANGE_RESOURCE = "data_change"
RESOURCE_ID_DIGITS = 12


@jobs.handler(SUPPRESS_JOB, max_attempts=5)
async def suppress_due(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    """Advance every cancellation with due blocks, one transaction per request, so that one
    failing handler does not hold back the others. The job retries after any failure."""
    ctx = ComplianceContext(settings=context.settings, now=context.now())
    async with context.session_factory() as session:
        request_ids = await repository.requests_with_due_blocks(session, ctx.now)
    failures = 0
    for request_id in request_ids:
        try:
            async with transaction(context.session_factory) as session:
                outcome = await execution.suppress_due(session, ctx, request_id)
            log.info("compliance.suppression_step", request_id=str(request_id), outcome=outcome)
        except Exception as error:  # any handler's failure; the whole job is retried below
            failures += 1
            log.error("compliance.suppression_failed", request_id=str(request_id), error=error)
    if failures:
        raise RuntimeError(f"{failures} cancellation(s) failed to suppress; retrying")


@jobs.handler(ALERT_JOB, max_attempts=3)
async def deadline_alerts(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    """Publish one event naming the requests that are overdue or due soon."""
    ctx = ComplianceContext(settings=context.settings, now=context.now())
    today = business_date(ctx.now)
    limit = ctx.calendar.add_business_days(today, ctx.settings.compliance_alert_business_days)
    async with transaction(context.session_factory) as session:
        query = repository.requests_query(due_on_or_before=limit).order_by(DataRequest.answer_due)
        rows = list(await session.scalars(query.limit(ALERT_MAX_REQUESTS)))
        if not rows:
            return
        items = [
            {
                "requestId": row.id,
                "folio": row.folio,
                "dueDate": (row.execution_due or row.answer_due).isoformat(),
                "businessDaysLeft": deadlines.business_days_left(
                    ctx.calendar, today, row.execution_due or row.answer_due
                ),
            }
            for row in rows
        ]
        await jobs.publish(session, DEADLINE_ALERT_EVENT, {"requests": items})
    log.info("compliance.deadline_alerts", count=len(items))


@jobs.handler(CHAIN_JOB, max_attempts=3)
async def chain_security_log(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    """Copy identity's new security events (logins, role and key changes) and the database's
    change log into the chain."""
    key = context.settings.secret("secret_key")
    async with transaction(context.session_factory) as session:
        copied = await chain_identity_events(session, key)
        copied += await chain_data_changes(session, key)
    if copied:
        log.info("compliance.security_log_chained", count=copied)


async def chain_identity_events(session: AsyncSession, digest_key: str) -> int:
    events = await session.scalars(
        select(AuditEvent)
        .where(~_already_chained(session, IDENTITY_EVENT_RESOURCE, AuditEvent.id))
        .order_by(AuditEvent.id)
        .limit(CHAIN_BATCH)
    )
    count = 0
    for event in events:
        await trail.record(
            session,
            digest_key,
            event.action,
            actor=trail.Actor(user_id=event.actor_user_id, ip_address=event.ip_address),
            resource_type=IDENTITY_EVENT_RESOURCE,
            resource_id=f"{event.id:0{RESOURCE_ID_DIGITS}d}",
            subject_user_id=event.subject_user_id,
            new_values=event.details or None,
            now=event.occurred_at,
        )
        count += 1
    return count


async def chain_data_changes(session: AsyncSession, digest_key: str) -> int:
    changes = await session.scalars(
        select(DataChange)
        .where(~_already_chained(session, DATA_CHANGE_RESOURCE, DataChange.id))
        .order_by(DataChange.id)
        .limit(CHAIN_BATCH)
    )
    count = 0
    for change in changes:
        await trail.record(
            session,
            digest_key,
            f"db.{change.table_name}.{change.operation.lower()}",
            actor=trail.Actor(role=f"db:{change.db_user}"),
            resource_type=DATA_CHANGE_RESOURCE,
            resource_id=f"{change.id:0{RESOURCE_ID_DIGITS}d}",
            new_values={
                "table": change.table_name,
                "row": change.row_id,
                "columns": change.changed_columns,
            },
            now=change.occurred_at,
        )
        count += 1
    return count


def _already_chained(
    session: AsyncSession, resource_type: str, source_id: ColumnElement[int]
) -> ColumnElement[bool]:
    """Return whether a source row already has its audit row.

    Source rows are matched by id, not copied past the highest id seen, because a row's
    transaction may commit after a row with a higher id was already copied.
    """
    return exists().where(
        AuditTrail.resource_type == resource_type,
        AuditTrail.resource_id == _padded_id(session, source_id),
    )


def _padded_id(session: AsyncSession, source_id: ColumnElement[int]) -> ColumnElement[str]:
    """Format an id as the audit row's `resource_id` (12 digits, zero-padded) in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.lpad(cast(source_id, Text), RESOURCE_ID_DIGITS, "0")
    return func.printf(f"%0{RESOURCE_ID_DIGITS}d", source_id)


jobs.periodic(SUPPRESS_JOB, "17 * * * *")
# 14:00 UTC is 08:00 in Mexico City, before the officer's working day.
jobs.periodic(ALERT_JOB, "0 14 * * *")
jobs.periodic(CHAIN_JOB, "*/5 * * * *")
