"""State changes of ARCO requests: each is written to the audit trail, and the final ones
publish `compliance.request_completed` for the notifications package."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance import trail
from cuenty.compliance.context import ComplianceContext
from cuenty.compliance.models import DataRequest, RequestState
from cuenty.kit import jobs

REQUEST_CREATED_EVENT = "compliance.request_created"
REQUEST_COMPLETED_EVENT = "compliance.request_completed"


async def complete(
    session: AsyncSession, ctx: ComplianceContext, request: DataRequest, action: str
) -> None:
    request.completed_at = ctx.now
    await move(session, ctx, request, RequestState.COMPLETED, action)
    await jobs.publish(session, REQUEST_COMPLETED_EVENT, event_data(request))


def event_data(request: DataRequest) -> dict[str, Any]:
    due = request.execution_due or request.answer_due
    return {
        "requestId": request.id,
        "userId": request.user_id,
        "folio": request.folio,
        "requestType": request.request_type,
        "dueDate": due.isoformat(),
        # The answer goes back through the channel the request came by.
        "channel": request.channel,
    }


async def move(
    session: AsyncSession,
    ctx: ComplianceContext,
    request: DataRequest,
    state: RequestState | None,
    action: str,
    **extra: Any,
) -> None:
    old = request.state
    if state is not None:
        request.state = state.value
    await audit(session, ctx, request, action, old, request.state, **extra)


async def audit(
    session: AsyncSession,
    ctx: ComplianceContext,
    request: DataRequest,
    action: str,
    old_state: str | None,
    new_state: str,
    **extra: Any,
) -> None:
    await trail.record(
        session,
        ctx.digest_key,
        action,
        actor=ctx.actor,
        resource_type="data_request",
        resource_id=request.id,
        subject_user_id=request.user_id,
        old_values={"state": old_state} if old_state else None,
        new_values={"state": new_state, **extra},
        now=ctx.now,
    )
