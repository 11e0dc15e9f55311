"""Tables of the compliance package: ARCO requests, consent records, privacy notices, the
chained audit trail, blocks of personal data awaiting suppression and security incidents.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from cuenty.kit.clock import utc_now
from cuenty.kit.db import Base, UTCDateTime


class RequestType(StrEnum):
    ACCESS = "access"
    RECTIFICATION = "rectification"
    DELETION = "deletion"
    OPPOSITION = "opposition"


class RequestState(StrEnum):
    RECEIVED = "received"
    IDENTITY_PENDING = "identity_pending"
    INFO_REQUESTED = "info_requested"
    IN_REVIEW = "in_review"
    ANSWERED = "answered"
    EXECUTING = "executing"
    COMPLETED = "completed"
    REFUSED = "refused"
    EXTENDED = "extended"
    WITHDRAWN = "withdrawn"


# States in which the request still waits for its answer, so the answer deadline runs.
OPEN_STATES = frozenset(
    {
        RequestState.RECEIVED.value,
        RequestState.IDENTITY_PENDING.value,
        RequestState.INFO_REQUESTED.value,
        RequestState.IN_REVIEW.value,
        RequestState.EXTENDED.value,
    }
)
FINAL_STATES = frozenset(
    {RequestState.COMPLETED.value, RequestState.REFUSED.value, RequestState.WITHDRAWN.value}
)


class DataRequest(Base):
    """An ARCO request (access, rectification, cancellation or opposition) and its deadlines.

    Deadlines are Mexico City business dates: `answer_due` and, once answered, `execution_due`.
    """

    __tablename__ = "data_requests"
    __table_args__ = (Index("ix_data_requests_state_answer_due", "state", "answer_due"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    folio: Mapped[str] = mapped_column(String(24), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    request_type: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(20), default=RequestState.RECEIVED.value)
    channel: Mapped[str] = mapped_column(String(16))
    filed_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    filed_as: Mapped[str] = mapped_column(String(16))
    representative: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())
    answer_due: Mapped[date] = mapped_column(Date)
    execution_due: Mapped[date | None] = mapped_column(Date)
    assigned_to: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    identity_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    identity_method: Mapped[str | None] = mapped_column(String(32))
    info_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    info_request: Mapped[str | None] = mapped_column(Text)
    info_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(16))
    answer: Mapped[str | None] = mapped_column(Text)
    refusal_ground: Mapped[str | None] = mapped_column(String(40))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    export_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suppression_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utc_now, onupdate=utc_now, server_default=func.now()
    )


class ConsentAction(StrEnum):
    GRANTED = "granted"
    REVOKED = "revoked"


class ConsentLog(Base):
    """One grant or revocation of consent for a purpose; rows are only ever added."""

    __tablename__ = "consent_logs"
    __table_args__ = (Index("ix_consent_logs_user_purpose", "user_id", "purpose", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    purpose: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(8))
    notice_version: Mapped[str | None] = mapped_column(String(20))
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())


class PrivacyNotice(Base):
    """A published version of a privacy notice in one form (integral, simplificado, corto)."""

    __tablename__ = "privacy_notices"
    __table_args__ = (UniqueConstraint("version", "notice_type", "language"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    version: Mapped[str] = mapped_column(String(20))
    # Dotted version numbers as integers, so "1.10.0" sorts after "1.9.0".
    version_key: Mapped[list[int]] = mapped_column(JSON)
    notice_type: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8), default="es-MX")
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    purposes: Mapped[list[str]] = mapped_column(JSON)
    effective_date: Mapped[date] = mapped_column(Date)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())
    published_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class AuditTrail(Base):
    """One critical action, chained to the previous row by `prev_hash`.

    `row_hash` covers the non-personal columns plus `personal_digest`, a keyed digest of the
    personal columns (IP, user agent, old and new values), so suppressing those columns keeps
    the chain verifiable.
    """

    __tablename__ = "audit_trails"
    # Looks up whether a source row (an identity event, a data change) was already chained.
    __table_args__ = (Index("ix_audit_trails_resource", "resource_type", "resource_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())
    action: Mapped[str] = mapped_column(String(64), index=True)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_role: Mapped[str | None] = mapped_column(String(32))
    resource_type: Mapped[str | None] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    subject_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    personal_digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64), unique=True)
    suppressed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Keyed digest over row_hash and suppressed_at, set when the row is suppressed.
    suppression_hash: Mapped[str | None] = mapped_column(String(64))


class DataBlock(Base):
    """Personal data of one category blocked for a cancellation: stored, never processed,
    until `suppress_after`, when the category's handler suppresses it."""

    __tablename__ = "personal_data_blocks"
    __table_args__ = (UniqueConstraint("request_id", "category"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("data_requests.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    category: Mapped[str] = mapped_column(String(40))
    blocked_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())
    suppress_after: Mapped[datetime] = mapped_column(UTCDateTime)
    retention_reason: Mapped[str | None] = mapped_column(Text)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suppressed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IncidentStatus(StrEnum):
    REGISTERED = "registered"
    ASSESSED = "assessed"
    NOTIFIED = "notified"
    CLOSED = "closed"


class SecurityIncident(Base):
    """A security incident (vulneración de seguridad) affecting personal data."""

    __tablename__ = "security_incidents"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    data_involved: Mapped[list[str]] = mapped_column(JSON)
    affected_user_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=IncidentStatus.REGISTERED.value)
    significant: Mapped[bool | None] = mapped_column(Boolean)
    assessment: Mapped[str | None] = mapped_column(Text)
    notification: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    corrective_measures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    registered_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utc_now, server_default=func.now()
    )


class DataChange(Base):
    """A change to `users` or `consent_logs`, written by a PostgreSQL trigger whatever
    client made it; column names only, never values. Empty on SQLite, which has no such
    trigger."""

    __tablename__ = "data_change_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())
    table_name: Mapped[str] = mapped_column(String(63))
    row_id: Mapped[str | None] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(8))
    changed_columns: Mapped[list[str] | None] = mapped_column(JSON)
    db_user: Mapped[str] = mapped_column(String(63))
