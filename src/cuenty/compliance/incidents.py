"""Register of security incidents (vulneraciones, LFPDPPP 2025 art. 19): registration,
assessment of whether they significantly affect the titulares' rights, notification with
the elements the Reglamento requires, and corrective measures."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance import trail
from cuenty.compliance.context import ComplianceContext
from cuenty.compliance.models import IncidentStatus, SecurityIncident
from cuenty.kit import jobs

INCIDENT_NOTIFIED_EVENT = "compliance.incident_notified"
# Affected users per `compliance.incident_notified` event. 500 UUIDs are about 20 KiB of
# JSON, well under the job system's 64 KiB payload limit.
NOTICE_BATCH_USERS = 500


async def register(
    session: AsyncSession,
    ctx: ComplianceContext,
    *,
    title: str,
    description: str,
    detected_at: datetime,
    occurred_at: datetime | None,
    data_involved: list[str],
    affected_user_ids: list[uuid.UUID],
) -> SecurityIncident:
    incident = SecurityIncident(
        id=uuid.uuid4(),
        title=title,
        description=description,
        detected_at=detected_at,
        occurred_at=occurred_at,
        data_involved=data_involved,
        affected_user_ids=[str(user_id) for user_id in affected_user_ids],
        status=IncidentStatus.REGISTERED.value,
        corrective_measures=[],
        registered_by=ctx.actor.user_id,
        created_at=ctx.now,
    )
    session.add(incident)
    await session.flush()
    await _audit(session, ctx, incident, "incident.registered", {"title": title})
    return incident


async def assess(
    session: AsyncSession,
    ctx: ComplianceContext,
    incident: SecurityIncident,
    *,
    significant: bool,
    assessment: str,
) -> SecurityIncident:
    incident.significant = significant
    incident.assessment = assessment
    if incident.status == IncidentStatus.REGISTERED.value:
        incident.status = IncidentStatus.ASSESSED.value
    await _audit(session, ctx, incident, "incident.assessed", {"significant": significant})
    return incident


async def notify(
    session: AsyncSession,
    ctx: ComplianceContext,
    incident: SecurityIncident,
    notice: dict[str, str],
) -> SecurityIncident:
    """Store the notice (what happened, data involved, recommendations, corrective actions,
    where to learn more) and publish it for the notifications package to deliver, one event
    per batch of at most `NOTICE_BATCH_USERS` affected users."""
    incident.notification = {**notice, "dataInvolved": list(incident.data_involved)}
    incident.notified_at = ctx.now
    incident.status = IncidentStatus.NOTIFIED.value
    user_ids = list(incident.affected_user_ids)
    for start in range(0, len(user_ids), NOTICE_BATCH_USERS):
        batch = user_ids[start : start + NOTICE_BATCH_USERS]
        await jobs.publish(
            session, INCIDENT_NOTIFIED_EVENT, {"incidentId": incident.id, "userIds": batch}
        )
    await _audit(
        session, ctx, incident, "incident.notified", {"recipients": len(incident.affected_user_ids)}
    )
    return incident


async def add_measure(
    session: AsyncSession,
    ctx: ComplianceContext,
    incident: SecurityIncident,
    measure: str,
    *,
    close: bool,
) -> SecurityIncident:
    entry: dict[str, Any] = {"measure": measure, "recordedAt": ctx.now.isoformat()}
    incident.corrective_measures = [*incident.corrective_measures, entry]
    if close:
        incident.status = IncidentStatus.CLOSED.value
    await _audit(session, ctx, incident, "incident.measure_recorded", {"closed": close})
    return incident


async def _audit(
    session: AsyncSession,
    ctx: ComplianceContext,
    incident: SecurityIncident,
    action: str,
    values: dict[str, Any],
) -> None:
    await trail.record(
        session,
        ctx.digest_key,
        action,
        actor=ctx.actor,
        resource_type="security_incident",
        resource_id=incident.id,
        new_values=values,
        now=ctx.now,
    )
