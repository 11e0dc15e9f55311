"""The compliance package's own personal data: consent records, privacy requests and the
audit trail rows about the titular."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance.models import AuditTrail, ConsentLog, DataRequest
from cuenty.compliance.registry import personal_data

AUDIT_EXPORT_LIMIT = 5000


@personal_data("compliance")
class ComplianceData:
    async def export(self, session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
        consents = await session.scalars(
            select(ConsentLog).where(ConsentLog.user_id == user_id).order_by(ConsentLog.id)
        )
        requests = await session.scalars(
            select(DataRequest)
            .where(DataRequest.user_id == user_id)
            .order_by(DataRequest.received_at)
        )
        audit = await session.scalars(
            select(AuditTrail)
            .where(or_(AuditTrail.subject_user_id == user_id, AuditTrail.actor_user_id == user_id))
            .order_by(AuditTrail.id)
            .limit(AUDIT_EXPORT_LIMIT)
        )
        return {
            "consents": [_consent(row) for row in consents],
            "privacyRequests": [_request(row) for row in requests],
            "auditEntries": [_audit(row) for row in audit],
        }

    async def block(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Nothing to do: consent checks already refuse every purpose while data are blocked."""

    async def suppress(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Keep consent and request records as evidence, without IP, user agent or free text."""
        await session.execute(
            update(ConsentLog)
            .where(ConsentLog.user_id == user_id)
            .values(ip_address=None, user_agent=None)
        )
        await session.execute(
            update(DataRequest)
            .where(DataRequest.user_id == user_id)
            .values(reason=None, representative=None, details={}, info_request=None)
        )


def _consent(row: ConsentLog) -> dict[str, Any]:
    return {
        "purpose": row.purpose,
        "action": row.action,
        "mode": row.mode,
        "noticeVersion": row.notice_version,
        "textSha256": row.text_sha256,
        "source": row.source,
        "ipAddress": row.ip_address,
        "userAgent": row.user_agent,
        "occurredAt": row.occurred_at.isoformat(),
    }


def _request(row: DataRequest) -> dict[str, Any]:
    return {
        "folio": row.folio,
        "requestType": row.request_type,
        "state": row.state,
        "receivedAt": row.received_at.isoformat(),
        "answerDue": row.answer_due.isoformat(),
    }


def _audit(row: AuditTrail) -> dict[str, Any]:
    return {
        "occurredAt": row.occurred_at.isoformat(),
        "action": row.action,
        "resourceType": row.resource_type,
        "oldValues": row.old_values,
        "newValues": row.new_values,
        "ipAddress": row.ip_address,
    }
