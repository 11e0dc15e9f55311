"""Evidence for the authority (SABG) over a period, and the compliance self-check."""

from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance import execution, notice_template, repository, trail
from cuenty.compliance.context import ComplianceContext
from cuenty.compliance.models import (
    FINAL_STATES,
    ConsentLog,
    DataBlock,
    DataRequest,
    RequestState,
    RequestType,
    SecurityIncident,
)
from cuenty.identity.models import Role, User
from cuenty.kit.clock import business_date, start_of_business_day
from cuenty.kit.i18n import N_, translate


async def authority_report(
    session: AsyncSession, ctx: ComplianceContext, start: date, end: date
) -> dict[str, Any]:
    """Requests by type, median answer time, overdue requests, consents and incidents."""
    since = start_of_business_day(start)
    until = start_of_business_day(end + timedelta(days=1))
    requests = list(
        await session.scalars(
            select(DataRequest).where(
                DataRequest.received_at >= since, DataRequest.received_at < until
            )
        )
    )
    today = business_date(ctx.now)
    return {
        "period": {"startDate": start.isoformat(), "endDate": end.isoformat()},
        "authority": ctx.settings.compliance_authority_name,
        "controller": ctx.settings.company_legal_name,
        "generatedAt": ctx.now.isoformat(),
        "sections": {
            "dataRequests": _requests_by_type(requests),
            "medianAnswerBusinessDays": _median_answer_days(ctx, requests),
            "overdueRequests": sum(1 for request in requests if _is_overdue(request, today)),
            "consents": await _consent_counts(session, since, until),
            "securityIncidents": await _incident_counts(session, since, until),
        },
    }


async def check(session: AsyncSession, ctx: ComplianceContext, locale: str) -> dict[str, Any]:
    """Return {compliant, issues, recommendations}; any issue makes `compliant` false."""
    issues: list[dict[str, Any]] = []
    recommendations: list[str] = []

    def flag(code: str, message: str, count: int = 1, **params: Any) -> None:
        issues.append(
            {
                "code": code,
                "count": count,
                "message": translate(locale, message, count=count, **params),
            }
        )

    overdue = await _count_overdue(session, business_date(ctx.now))
    if overdue:
        flag("overdue_requests", N_("{count} privacy request(s) are past their deadline."), overdue)
    await _check_notices(session, flag)
    late_blocks = await _count_late_blocks(
        session, ctx.now - execution.suppression_allowance(ctx.settings)
    )
    if late_blocks:
        flag(
            "blocked_data_past_suppression",
            N_("{count} blocked data category(ies) are past their suppression date."),
            late_blocks,
        )
    processors = dict(ctx.settings.compliance_processors)
    if ctx.settings.chatwoot_base_url:
        # Chatwoot receives customers' names and contacts once it is configured.
        processors.setdefault("chatwoot", None)
    for name, contract in sorted(processors.items()):
        if contract is None:
            flag(
                "processor_without_contract",
                N_("The processor {processor} has no contract recorded."),
                processor=name,
            )
    # NOTE: this walks the whole audit trail, so the check's time grows with the trail.
    breaks = await trail.verify(session, ctx.digest_key)
    if breaks:
        flag("audit_chain_broken", N_("{count} audit trail row(s) fail verification."), len(breaks))
    without_consent = await _count_users_without_consent(session)
    if without_consent:
        recommendations.append(
            translate(locale, N_("{count} user(s) have no consent record."), count=without_consent)
        )
    return {"compliant": not issues, "issues": issues, "recommendations": recommendations}


def _requests_by_type(requests: list[DataRequest]) -> list[dict[str, Any]]:
    rows = []
    for kind in RequestType:
        of_kind = [request for request in requests if request.request_type == kind.value]
        rows.append(
            {
                "request_type": kind.value,
                "total": len(of_kind),
                "completed": sum(1 for r in of_kind if r.state == RequestState.COMPLETED.value),
                "refused": sum(1 for r in of_kind if r.state == RequestState.REFUSED.value),
            }
        )
    return rows


def _median_answer_days(ctx: ComplianceContext, requests: list[DataRequest]) -> float | None:
    days = [
        ctx.calendar.business_days_between(
            business_date(request.received_at), business_date(request.answered_at)
        )
        for request in requests
        if request.answered_at is not None
    ]
    return statistics.median(days) if days else None


def _is_overdue(request: DataRequest, today: date) -> bool:
    if request.state in FINAL_STATES:
        return False
    due = request.execution_due or request.answer_due
    return due < today


async def _count_overdue(session: AsyncSession, today: date) -> int:
    open_requests = await session.scalars(repository.requests_query(open_only=True))
    return sum(1 for request in open_requests if _is_overdue(request, today))


async def _consent_counts(
    session: AsyncSession, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(ConsentLog.purpose, ConsentLog.action, func.count())
        .where(ConsentLog.occurred_at >= since, ConsentLog.occurred_at < until)
        .group_by(ConsentLog.purpose, ConsentLog.action)
    )
    counts: dict[str, dict[str, Any]] = {}
    for purpose, action, count in rows:
        entry = counts.setdefault(purpose, {"purpose": purpose, "granted": 0, "revoked": 0})
        entry[action] = int(count)
    return [counts[purpose] for purpose in sorted(counts)]


async def _incident_counts(
    session: AsyncSession, since: datetime, until: datetime
) -> dict[str, int]:
    incidents = list(
        await session.scalars(
            select(SecurityIncident).where(
                SecurityIncident.detected_at >= since, SecurityIncident.detected_at < until
            )
        )
    )
    return {
        "total_incidents": len(incidents),
        "significant": sum(1 for incident in incidents if incident.significant),
        "notified": sum(1 for incident in incidents if incident.notified_at is not None),
    }


async def _check_notices(session: AsyncSession, flag: Any) -> None:
    notices = await repository.notices_of_type(session, "integral")
    if not notices:
        flag("privacy_notice_unpublished", N_("No integral privacy notice is published."))
        return
    missing = notice_template.missing_elements(notices[-1].content)
    if missing:
        flag(
            "privacy_notice_incomplete",
            N_("The integral privacy notice lacks {count} required element(s): {elements}."),
            len(missing),
            elements=", ".join(missing),
        )


async def _count_late_blocks(session: AsyncSession, due_before: datetime) -> int:
    """Count blocks whose suppression date passed before `due_before` and are still held."""
    count = await session.scalar(
        select(func.count())
        .select_from(DataBlock)
        .where(
            DataBlock.suppress_after < due_before,
            DataBlock.suppressed_at.is_(None),
            DataBlock.lifted_at.is_(None),
        )
    )
    return int(count or 0)


async def _count_users_without_consent(session: AsyncSession) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(User)
        .outerjoin(ConsentLog, ConsentLog.user_id == User.id)
        .where(User.role == Role.CUSTOMER.value, User.is_active.is_(True), ConsentLog.id.is_(None))
    )
    return int(count or 0)
