"""Carrying out granted ARCO requests: releasing an access export, applying a rectification,
blocking and later suppressing data for a cancellation (LFPDPPP 2025, arts. 24-25), and
recording an opposition (art. 26).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance import registry, repository, trail
from cuenty.compliance.context import ComplianceContext
from cuenty.compliance.models import DataBlock, DataRequest, RequestState, RequestType
from cuenty.compliance.transitions import complete, move
from cuenty.config import Settings
from cuenty.kit import jobs
from cuenty.kit.clock import business_date

log = structlog.get_logger("cuenty.compliance.execution")

DATA_RECTIFIED_EVENT = "compliance.data_rectified"
SUPPRESSION_NOTICE_EVENT = "compliance.suppression_started"
PROFILE_UPDATED_EVENT = "user.updated"
# How late the hourly suppression job may run before a due suppression counts as overdue.
SUPPRESSION_SLACK = timedelta(days=1)


async def release_access(
    session: AsyncSession, ctx: ComplianceContext, request: DataRequest
) -> None:
    """Answer an access request with its export, downloadable for the configured days."""
    request.decision = "granted"
    request.answered_at = ctx.now
    request.answer = (
        "Su información está disponible para descarga en JSON y PDF en "
        f"/v1/compliance/requests/{request.id}/export."
    )
    request.export_expires_at = ctx.now + timedelta(
        days=ctx.settings.compliance_export_download_days
    )
    await complete(session, ctx, request, "arco.access_released")


async def carry_out(session: AsyncSession, ctx: ComplianceContext, request: DataRequest) -> None:
    kind = RequestType(request.request_type)
    if kind is RequestType.ACCESS:
        await release_access(session, ctx, request)
    elif kind is RequestType.RECTIFICATION:
        await _rectify(session, ctx, request)
        await complete(session, ctx, request, "arco.rectified")
    elif kind is RequestType.OPPOSITION:
        await complete(session, ctx, request, "arco.opposition_granted")
    else:
        request.execution_due = max(
            request.execution_due or business_date(ctx.now),
            await _scheduled_suppression_date(session, ctx, request),
        )
        await move(session, ctx, request, RequestState.EXECUTING, "arco.cancellation_scheduled")


async def block_for_cancellation(
    session: AsyncSession, ctx: ComplianceContext, request: DataRequest
) -> None:
    """Block every category at receipt, so processing stops from day 0.

    Categories without a retention duty are suppressed when the grace period ends; those
    with one (fiscal records) stay blocked until their retention period ends.
    """
    grace = timedelta(days=ctx.settings.compliance_grace_days)
    for category in registry.categories():
        retention = category.retention_for(ctx.settings)
        suppress_after = ctx.now + max(grace, retention or timedelta(0))
        await category.source.block(session, request.user_id)
        session.add(
            DataBlock(
                request_id=request.id,
                user_id=request.user_id,
                category=category.name,
                blocked_at=ctx.now,
                suppress_after=suppress_after,
                retention_reason=category.retention_reason,
            )
        )
    await session.flush()
    await trail.record(
        session,
        ctx.digest_key,
        "personal_data.blocked",
        actor=ctx.actor,
        resource_type="data_request",
        resource_id=request.id,
        subject_user_id=request.user_id,
        new_values={"categories": [category.name for category in registry.categories()]},
        now=ctx.now,
    )


async def lift_blocks(session: AsyncSession, ctx: ComplianceContext, request: DataRequest) -> None:
    """Lift the blocks of a withdrawn or refused cancellation and let each category undo its
    block (nothing suppressed is undone).

    A category stays blocked while another cancellation of the same titular still blocks it.
    """
    blocks = await repository.blocks_of_request(session, request.id)
    lifted = [block for block in blocks if block.lifted_at is None and block.suppressed_at is None]
    for block in lifted:
        block.lifted_at = ctx.now
    await session.flush()
    for block in lifted:
        if not await repository.category_is_blocked(session, request.user_id, block.category):
            await registry.category(block.category).unblock(session, request.user_id)
    if lifted:
        await trail.record(
            session,
            ctx.digest_key,
            "personal_data.unblocked",
            actor=ctx.actor,
            resource_type="data_request",
            resource_id=request.id,
            subject_user_id=request.user_id,
            new_values={"categories": [block.category for block in lifted]},
            now=ctx.now,
        )


async def suppress_due(session: AsyncSession, ctx: ComplianceContext, request_id: uuid.UUID) -> str:
    """Advance one cancellation whose blocks are due; idempotent, so it can be replayed.

    The first run publishes an event so that the notifications package can reach the
    titular while their contact still exists. A run at least
    `compliance_suppression_notice_hours` later suppresses.
    Returns what was done: "notified", "waiting", "suppressed" or "nothing".
    """
    request = await repository.get_request(session, request_id)
    if request is None or request.state in (RequestState.WITHDRAWN, RequestState.REFUSED):
        return "nothing"
    if request.state not in (RequestState.EXECUTING, RequestState.COMPLETED):
        # Not granted yet: the blocks hold until the answer grants the cancellation.
        return "waiting"
    due = [
        block
        for block in await repository.blocks_of_request(session, request_id)
        if block.suppressed_at is None
        and block.lifted_at is None
        and block.suppress_after <= ctx.now
    ]
    if not due:
        return "nothing"
    if request.suppression_notified_at is None:
        request.suppression_notified_at = ctx.now
        await jobs.publish(
            session,
            SUPPRESSION_NOTICE_EVENT,
            {"requestId": request.id, "userId": request.user_id, "folio": request.folio},
        )
        return "notified"
    delay = timedelta(hours=ctx.settings.compliance_suppression_notice_hours)
    if ctx.now < request.suppression_notified_at + delay:
        return "waiting"
    for block in due:
        await suppress_block(session, ctx, request, block)
    await _finish_cancellation(session, ctx, request)
    return "suppressed"


async def suppress_block(
    session: AsyncSession, ctx: ComplianceContext, request: DataRequest, block: DataBlock
) -> None:
    await registry.category(block.category).source.suppress(session, request.user_id)
    block.suppressed_at = ctx.now
    if block.category == "identity":
        await trail.suppress_subject(session, ctx.digest_key, request.user_id, ctx.now)
    await trail.record(
        session,
        ctx.digest_key,
        "personal_data.suppressed",
        actor=ctx.actor,
        resource_type="data_request",
        resource_id=request.id,
        subject_user_id=request.user_id,
        new_values={"category": block.category},
        now=ctx.now,
    )
    log.info("personal_data.suppressed", request_id=str(request.id), category=block.category)


async def _finish_cancellation(
    session: AsyncSession, ctx: ComplianceContext, request: DataRequest
) -> None:
    """Complete the request once only blocks under a retention duty remain; later
    suppressions of those blocks leave it completed."""
    if request.state != RequestState.EXECUTING.value:
        return
    remaining = [
        block
        for block in await repository.blocks_of_request(session, request.id)
        if block.suppressed_at is None and block.lifted_at is None
    ]
    if all(block.retention_reason for block in remaining):
        await complete(session, ctx, request, "arco.cancellation_completed")


async def _scheduled_suppression_date(
    session: AsyncSession, ctx: ComplianceContext, request: DataRequest
) -> date:
    """Return the Mexico City date by which the suppression job has suppressed every category
    without a retention duty.

    The data were blocked at receipt, which meets the execution deadline. What remains is
    suppression, which starts when the grace period ends and then waits the notice hours, so
    the plain 15-business-day date would show a promptly answered cancellation as overdue.
    """
    ends = [
        block.suppress_after
        for block in await repository.blocks_of_request(session, request.id)
        if block.retention_reason is None and block.lifted_at is None
    ]
    if not ends:
        return business_date(ctx.now)
    return business_date(max(ends) + suppression_allowance(ctx.settings))


def suppression_allowance(settings: Settings) -> timedelta:
    """Return how long after a block's `suppress_after` its suppression may take: the notice
    hours plus a day, because the hourly job may miss runs."""
    return timedelta(hours=settings.compliance_suppression_notice_hours) + SUPPRESSION_SLACK


async def _rectify(session: AsyncSession, ctx: ComplianceContext, request: DataRequest) -> None:
    """Apply the approved changes, audit old and new values, and tell processors."""
    changes: dict[str, Any] = dict(request.details.get("fieldsToUpdate") or {})
    applied: dict[str, tuple[Any, Any]] = {}
    for category in registry.categories():
        mine = {key: value for key, value in changes.items() if key in category.rectifiable_fields}
        if mine:
            applied.update(await category.rectify(session, request.user_id, mine))
    await trail.record(
        session,
        ctx.digest_key,
        "personal_data.rectified",
        actor=ctx.actor,
        resource_type="user",
        resource_id=request.user_id,
        subject_user_id=request.user_id,
        old_values={field: old for field, (old, _new) in applied.items()},
        new_values={field: new for field, (_old, new) in applied.items()},
        now=ctx.now,
    )
    await jobs.publish(
        session,
        DATA_RECTIFIED_EVENT,
        {"userId": request.user_id, "requestId": request.id, "fields": sorted(applied)},
    )
    if applied:
        # The profile changed: processors that copy it (Chatwoot) sync on `user.updated`.
        await jobs.publish(session, PROFILE_UPDATED_EVENT, {"userId": str(request.user_id)})
