"""ARCO requests: filing with a dated, numbered receipt, identity verification, one request
for missing information, one extension, the answer and withdrawal (LFPDPPP 2025, art. 31
on deadlines and art. 33 on refusals).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance import deadlines, execution, repository, trail
from cuenty.compliance.context import ComplianceContext
from cuenty.compliance.errors import (
    DeadlinePassedError,
    ExtensionUsedError,
    IdentityNotVerifiedError,
    InfoAlreadyRequestedError,
    InvalidRequestStateError,
    RefusalGroundRequiredError,
    TitularOnlyError,
)
from cuenty.compliance.models import (
    FINAL_STATES,
    OPEN_STATES,
    DataRequest,
    RequestState,
    RequestType,
)
from cuenty.compliance.transitions import (
    REQUEST_COMPLETED_EVENT,
    REQUEST_CREATED_EVENT,
    audit,
    complete,
    event_data,
    move,
)
from cuenty.identity.models import AuthSession, Role, User
from cuenty.kit import jobs
from cuenty.kit.clock import business_date

log = structlog.get_logger("cuenty.compliance.requests")

FOLIO_LOCK_KEY = 0x63756E74795F666F  # "cunty_fo"

# Grounds for refusing an ARCO request; the 2025 law lists them in art. 33.
REFUSAL_GROUNDS = (
    "not_titular_or_representative",
    "no_personal_data_held",
    "third_party_rights",
    "legal_impediment_or_authority_order",
    "already_carried_out",
    "retention_duty",
)


async def file_request(
    session: AsyncSession,
    ctx: ComplianceContext,
    *,
    user_id: uuid.UUID,
    request_type: RequestType,
    channel: str,
    filed_as: str,
    details: dict[str, Any],
    reason: str | None = None,
    representative: dict[str, Any] | None = None,
) -> DataRequest:
    """Record a request and give it its folio and answer deadline; a cancellation blocks the
    titular's data at once, and an access request by a freshly verified titular is answered."""
    request = DataRequest(
        id=uuid.uuid4(),
        folio=await _next_folio(session, ctx),
        user_id=user_id,
        request_type=request_type.value,
        state=RequestState.IDENTITY_PENDING.value,
        channel=channel,
        filed_by_user_id=ctx.actor.user_id,
        filed_as=filed_as,
        representative=representative,
        details=details,
        reason=reason,
        received_at=ctx.now,
        answer_due=deadlines.answer_due(ctx.calendar, ctx.now),
    )
    session.add(request)
    await session.flush()
    await audit(session, ctx, request, "arco.received", None, request.state)
    await jobs.publish(session, REQUEST_CREATED_EVENT, event_data(request))

    if filed_as == "titular" and await _fresh_two_factor_login(session, ctx, user_id):
        await _mark_identity_verified(session, ctx, request, "recent_2fa_login")
    if request_type is RequestType.DELETION:
        await execution.block_for_cancellation(session, ctx, request)
    if request_type is RequestType.ACCESS and request.identity_verified_at is not None:
        await execution.release_access(session, ctx, request)
    log.info("arco.received", request_id=str(request.id), request_type=request.request_type)
    return request


async def verify_identity(
    session: AsyncSession, ctx: ComplianceContext, request: DataRequest, method: str, notes: str
) -> DataRequest:
    """Record the officer's review of an ID document; an access request is then answered."""
    _require_not_final(request, "verify-identity")
    request.details = {**request.details, "identityNotes": notes}
    await _mark_identity_verified(session, ctx, request, method)
    if request.request_type == RequestType.ACCESS.value:
        await execution.release_access(session, ctx, request)
    return request


async def request_information(
    session: AsyncSession, ctx: ComplianceContext, request: DataRequest, message: str
) -> DataRequest:
    """Ask the titular once for missing information; the answer clock stops until it arrives."""
    _require_open(request, "request-information")
    if request.info_requested_at is not None:
        raise InfoAlreadyRequestedError()
    request.info_requested_at = ctx.now
    request.info_request = message
    await move(session, ctx, request, RequestState.INFO_REQUESTED, "arco.info_requested")
    return request


async def provide_information(
    session: AsyncSession, ctx: ComplianceContext, request: DataRequest, information: str
) -> DataRequest:
    """Store the titular's reply; the 20 business days count again from today."""
    _require_titular(ctx, request, "provide-information")
    if request.state != RequestState.INFO_REQUESTED.value:
        raise _state_error(request, "provide-information")
    request.info_received_at = ctx.now
    request.details = {**request.details, "additionalInformation": information}
    request.answer_due = deadlines.answer_due(ctx.calendar, ctx.now)
    next_state = (
        RequestState.IN_REVIEW
        if request.identity_verified_at is not None
        else RequestState.IDENTITY_PENDING
    )
    await move(session, ctx, request, next_state, "arco.info_received")
    return request


async def extend(
    session: AsyncSession, ctx: ComplianceContext, request: DataRequest, reason: str
) -> DataRequest:
    """Extend the running deadline once by an equal period, before it expires."""
    _require_not_final(request, "extend")
    if request.extended_at is not None:
        raise ExtensionUsedError(params={"folio": request.folio})
    today = business_date(ctx.now)
    answered = request.execution_due is not None
    due = request.execution_due if answered else request.answer_due
    assert due is not None
    if today > due:
        raise DeadlinePassedError(params={"due": due.isoformat()})
    if answered:
        request.execution_due = deadlines.extend(
            ctx.calendar, due, deadlines.EXECUTION_BUSINESS_DAYS
        )
    else:
        request.answer_due = deadlines.extend(ctx.calendar, due, deadlines.ANSWER_BUSINESS_DAYS)
    request.extended_at = ctx.now
    request.extension_reason = reason
    next_state = RequestState.EXTENDED if request.state in OPEN_STATES else None
    await move(session, ctx, request, next_state, "arco.extended")
    return request


async def answer(
    session: AsyncSession,
    ctx: ComplianceContext,
    request: DataRequest,
    *,
    decision: str,
    message: str,
    refusal_ground: str | None,
) -> DataRequest:
    """Answer the request: granted (carried out by type), refused with its legal ground, or
    no data held. Every request gets an answer, through the channel it came by."""
    if request.state not in OPEN_STATES:
        raise _state_error(request, "answer")
    if decision == "refused" and refusal_ground is None:
        raise RefusalGroundRequiredError()
    if decision != "refused" and request.identity_verified_at is None:
        raise IdentityNotVerifiedError()
    request.decision = decision
    request.answer = message
    request.refusal_ground = refusal_ground if decision == "refused" else None
    request.answered_at = ctx.now
    request.execution_due = deadlines.execution_due(ctx.calendar, ctx.now)
    if decision == "refused":
        await execution.lift_blocks(session, ctx, request)
        await move(session, ctx, request, RequestState.REFUSED, "arco.refused")
        await jobs.publish(session, REQUEST_COMPLETED_EVENT, event_data(request))
        return request
    if decision == "no_data":
        await complete(session, ctx, request, "arco.answered_no_data")
        return request
    await execution.carry_out(session, ctx, request)
    return request


async def withdraw(
    session: AsyncSession, ctx: ComplianceContext, request: DataRequest
) -> DataRequest:
    """Withdraw a request; for a cancellation, only while nothing has been suppressed."""
    _require_titular(ctx, request, "withdraw")
    _require_not_final(request, "withdraw")
    if request.request_type == RequestType.DELETION.value:
        await execution.lift_blocks(session, ctx, request)
    await move(session, ctx, request, RequestState.WITHDRAWN, "arco.withdrawn")
    return request


async def assign(
    session: AsyncSession, ctx: ComplianceContext, request: DataRequest, assignee: uuid.UUID
) -> DataRequest:
    _require_not_final(request, "assign")
    old = request.assigned_to
    request.assigned_to = assignee
    await trail.record(
        session,
        ctx.digest_key,
        "arco.assigned",
        actor=ctx.actor,
        resource_type="data_request",
        resource_id=request.id,
        subject_user_id=request.user_id,
        old_values={"assignedTo": str(old) if old else None},
        new_values={"assignedTo": str(assignee)},
        now=ctx.now,
    )
    return request


async def _mark_identity_verified(
    session: AsyncSession, ctx: ComplianceContext, request: DataRequest, method: str
) -> None:
    request.identity_verified_at = ctx.now
    request.identity_method = method
    next_state = (
        RequestState.IN_REVIEW if request.state == RequestState.IDENTITY_PENDING.value else None
    )
    await move(session, ctx, request, next_state, "arco.identity_verified", method=method)


async def _fresh_two_factor_login(
    session: AsyncSession, ctx: ComplianceContext, user_id: uuid.UUID
) -> bool:
    """Return whether the caller is the titular, signed in (or stepped up) with 2FA lately."""
    principal = ctx.principal
    if principal is None or principal.user_id != user_id or principal.session_id is None:
        return False
    auth_session = await session.get(AuthSession, principal.session_id)
    user = await session.get(User, user_id)
    if auth_session is None or user is None:
        return False
    if auth_session.step_up_until is not None and auth_session.step_up_until > ctx.now:
        return True
    fresh_since = ctx.now - timedelta(minutes=ctx.settings.compliance_identity_fresh_minutes)
    return user.two_factor_enabled_at is not None and auth_session.created_at >= fresh_since


async def _next_folio(session: AsyncSession, ctx: ComplianceContext) -> str:
    """Number requests per year (ARCO-2026-000001); PostgreSQL serializes the numbering."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FOLIO_LOCK_KEY})
    year = business_date(ctx.now).year
    count = await repository.count_requests_in_year(session, year)
    return f"ARCO-{year}-{count + 1:06d}"


def _require_titular(ctx: ComplianceContext, request: DataRequest, action: str) -> None:
    """Let only the titular act for themself. The officer may act for a representative
    whose representation document is recorded on the request.

    A context without a principal is an internal caller (a job or the CLI) and passes.
    """
    principal = ctx.principal
    if principal is None or principal.user_id == request.user_id:
        return
    officer = principal.is_admin or principal.role == Role.COMPLIANCE_OFFICER.value
    if officer and request.representative is not None:
        return
    raise TitularOnlyError(params={"action": action, "folio": request.folio})


def _require_open(request: DataRequest, action: str) -> None:
    if request.state not in OPEN_STATES:
        raise _state_error(request, action)


def _require_not_final(request: DataRequest, action: str) -> None:
    if request.state in FINAL_STATES:
        raise _state_error(request, action)


def _state_error(request: DataRequest, action: str) -> InvalidRequestStateError:
    return InvalidRequestStateError(
        params={"folio": request.folio, "state": request.state, "action": action}
    )
