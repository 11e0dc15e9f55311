"""The tamper-evident audit trail: each row's hash covers the previous row's hash, its own
non-personal columns and a keyed digest of its personal columns.

Both hashes are HMAC-SHA256 under a key derived from `CUENTY_SECRET_KEY`, so someone who can
write to the database but lacks the key cannot recompute the chain after an edit.
Suppressing a titular's data clears the personal columns but keeps the digest, so the chain
still verifies. A suppressed row also gets a keyed seal over its row hash and its
suppression time, so marking a row suppressed without the key is detected. `verify` reports
any row edited, inserted, removed in the middle or marked suppressed without the key.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance.models import AuditTrail
from cuenty.kit.clock import ensure_utc, utc_now
from cuenty.kit.crypto import keyed_digest
from cuenty.kit.redaction import redact_event

log = structlog.get_logger("cuenty.compliance.trail")

GENESIS_HASH = "0" * 64
# Key of the PostgreSQL advisory lock that serializes appends, so two transactions never
# chain to the same previous row.
CHAIN_LOCK_KEY = 0x63756E74795F6175  # "cunty_au"
READ_BATCH = 500


@dataclass(frozen=True)
class Actor:
    """The user, role, address and user agent behind an action; each may be unknown."""

    user_id: uuid.UUID | None = None
    role: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None


SYSTEM = Actor(role="system")


@dataclass(frozen=True)
class ChainBreak:
    row_id: int
    problem: str


async def record(
    session: AsyncSession,
    digest_key: str,
    action: str,
    *,
    actor: Actor = SYSTEM,
    resource_type: str | None = None,
    resource_id: object = None,
    subject_user_id: uuid.UUID | None = None,
    old_values: Mapping[str, Any] | None = None,
    new_values: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditTrail:
    """Append one row to the chain in the caller's transaction; values are masked first."""
    await _lock_chain(session)
    previous = await session.scalar(
        select(AuditTrail.row_hash).order_by(AuditTrail.id.desc()).limit(1)
    )
    row = AuditTrail(
        occurred_at=ensure_utc(now or utc_now()),
        action=action,
        actor_user_id=actor.user_id,
        actor_role=actor.role,
        resource_type=resource_type,
        resource_id=str(resource_id) if resource_id is not None else None,
        subject_user_id=subject_user_id,
        old_values=_masked(old_values),
        new_values=_masked(new_values),
        ip_address=actor.ip_address,
        user_agent=actor.user_agent[:300] if actor.user_agent else None,
        prev_hash=previous or GENESIS_HASH,
    )
    row.personal_digest = personal_digest(digest_key, row)
    row.row_hash = row_hash(digest_key, row)
    session.add(row)
    await session.flush()
    log.info("audit.recorded", action=action, audit_id=row.id, resource_type=resource_type)
    return row


def personal_digest(digest_key: str, row: AuditTrail) -> str:
    personal = {
        "ip": row.ip_address,
        "ua": row.user_agent,
        "old": row.old_values,
        "new": row.new_values,
    }
    return keyed_digest(f"{digest_key}:audit-personal", _canonical(personal))


def row_hash(digest_key: str, row: AuditTrail) -> str:
    covered = {
        "prev": row.prev_hash,
        "at": row.occurred_at.isoformat(),
        "action": row.action,
        "actor": str(row.actor_user_id) if row.actor_user_id else None,
        "role": row.actor_role,
        "rtype": row.resource_type,
        "rid": row.resource_id,
        "subject": str(row.subject_user_id) if row.subject_user_id else None,
        "personal": row.personal_digest,
    }
    return keyed_digest(f"{digest_key}:audit-chain", _canonical(covered))


def suppression_hash(digest_key: str, row: AuditTrail) -> str:
    """Seal a suppressed row: the row hash (the chain link, which cannot change after the next
    row is appended) together with the suppression time."""
    assert row.suppressed_at is not None
    sealed = {"row": row.row_hash, "suppressed": ensure_utc(row.suppressed_at).isoformat()}
    return keyed_digest(f"{digest_key}:audit-suppression", _canonical(sealed))


async def suppress_subject(
    session: AsyncSession, digest_key: str, user_id: uuid.UUID, now: datetime
) -> int:
    """Clear the personal columns of every row about or by a user and seal each row; return
    the number of rows changed."""
    rows = (
        await session.scalars(
            select(AuditTrail).where(
                (AuditTrail.subject_user_id == user_id) | (AuditTrail.actor_user_id == user_id),
                AuditTrail.suppressed_at.is_(None),
            )
        )
    ).all()
    for row in rows:
        row.ip_address = None
        row.user_agent = None
        row.old_values = None
        row.new_values = None
        row.suppressed_at = ensure_utc(now)
        row.suppression_hash = suppression_hash(digest_key, row)
    await session.flush()
    return len(rows)


async def verify(session: AsyncSession, digest_key: str) -> list[ChainBreak]:
    """Walk the chain in id order and return every row that does not verify."""
    breaks: list[ChainBreak] = []
    expected_prev = GENESIS_HASH
    last_id = 0
    while True:
        rows = (
            await session.scalars(
                select(AuditTrail)
                .where(AuditTrail.id > last_id)
                .order_by(AuditTrail.id)
                .limit(READ_BATCH)
            )
        ).all()
        if not rows:
            return breaks
        for row in rows:
            breaks.extend(_check_row(digest_key, row, expected_prev))
            expected_prev = row.row_hash
            last_id = row.id


def _check_row(digest_key: str, row: AuditTrail, expected_prev: str) -> list[ChainBreak]:
    problems = []
    if row.prev_hash != expected_prev:
        problems.append(ChainBreak(row.id, "previous_row_missing_or_changed"))
    if row.suppressed_at is None:
        if personal_digest(digest_key, row) != row.personal_digest:
            problems.append(ChainBreak(row.id, "personal_values_changed"))
    else:
        problems.extend(_check_suppressed(digest_key, row))
    if row_hash(digest_key, row) != row.row_hash:
        problems.append(ChainBreak(row.id, "row_changed"))
    return problems


def _check_suppressed(digest_key: str, row: AuditTrail) -> list[ChainBreak]:
    """Check that a suppressed row keeps no personal value and carries its suppression seal."""
    problems = []
    personal = (row.ip_address, row.user_agent, row.old_values, row.new_values)
    if any(value is not None for value in personal):
        problems.append(ChainBreak(row.id, "suppressed_row_has_personal_values"))
    # NOTE: rows suppressed before migration 0007 have no seal and are reported here.
    if row.suppression_hash != suppression_hash(digest_key, row):
        problems.append(ChainBreak(row.id, "suppression_not_sealed"))
    return problems


async def _lock_chain(session: AsyncSession) -> None:
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})


def _masked(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    plain = json.loads(json.dumps(dict(values), default=str))
    return redact_event(None, "", plain)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
