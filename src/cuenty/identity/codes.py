"""One-time codes: 6 digits, stored as a keyed hash, with expiry, attempt limits, a pause
between sends and a lockout after too many wrong codes.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.identity import audit
from cuenty.identity.delivery import CodeDelivery, CodeMessage
from cuenty.identity.errors import (
    CodeExpiredError,
    CodeLockedError,
    CodeResendTooSoonError,
    InvalidCodeError,
)
from cuenty.identity.models import CodeLockout, OneTimeCode
from cuenty.kit import crypto
from cuenty.kit.clock import to_mexico_city

CODE_DIGITS = 6

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class CodePolicy:
    purpose: str
    ttl: timedelta
    max_attempts: int
    resend_interval: timedelta = timedelta(seconds=60)
    lockout: timedelta = timedelta(hours=1)


LOGIN_CODE = CodePolicy("login", ttl=timedelta(minutes=10), max_attempts=5)
REGISTER_CODE = CodePolicy("register", ttl=timedelta(minutes=10), max_attempts=5)
TWO_FACTOR_CODE = CodePolicy("two_factor", ttl=timedelta(minutes=5), max_attempts=3)
CONTACT_CODE = CodePolicy("contact", ttl=timedelta(minutes=10), max_attempts=5)


@dataclass(frozen=True)
class CodeTarget:
    """Recipient of a code: the `subject` that attempts and lockouts count against, and the
    channel and address the code goes to."""

    subject: str
    channel: str
    recipient: str
    user_id: uuid.UUID | None = None
    challenge_id: uuid.UUID | None = None
    locale: str = "es-MX"


async def issue_code(
    session: AsyncSession,
    policy: CodePolicy,
    target: CodeTarget,
    *,
    delivery: CodeDelivery,
    hmac_secret: str,
    now: datetime,
) -> OneTimeCode:
    """Create a code, replace any earlier one for the same subject, and deliver it."""
    await _ensure_not_locked(session, policy, target.subject, now)
    previous = await _latest_code(session, policy, target.subject)
    if previous is not None and now - previous.created_at < policy.resend_interval:
        wait = policy.resend_interval - (now - previous.created_at)
        seconds = max(1, int(wait.total_seconds()))
        raise CodeResendTooSoonError(
            params={"seconds": seconds}, headers={"Retry-After": str(seconds)}
        )

    await session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.purpose == policy.purpose,
            OneTimeCode.subject == target.subject,
            OneTimeCode.consumed_at.is_(None),
        )
        .values(consumed_at=now)
    )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    record = OneTimeCode(
        purpose=policy.purpose,
        subject=target.subject,
        user_id=target.user_id,
        challenge_id=target.challenge_id,
        code_hash=_digest(hmac_secret, policy, target.subject, code),
        channel=target.channel,
        created_at=now,
        expires_at=now + policy.ttl,
        attempts=0,
    )
    session.add(record)
    message = CodeMessage(
        channel=target.channel,
        recipient=target.recipient,
        purpose=policy.purpose,
        code=code,
        minutes=int(policy.ttl.total_seconds() // 60),
        locale=target.locale,
    )
    await delivery.send(session, message)
    await session.flush()
    log.info("auth.code_sent", purpose=policy.purpose, channel=target.channel)
    return record


async def verify_code(
    session: AsyncSession,
    policy: CodePolicy,
    subject: str,
    code: str,
    *,
    hmac_secret: str,
    now: datetime,
    challenge_id: uuid.UUID | None = None,
) -> OneTimeCode:
    """Consume the subject's live code if `code` matches; count and limit wrong attempts."""
    await _ensure_not_locked(session, policy, subject, now)
    record = await _latest_code(session, policy, subject)
    if record is None or record.consumed_at is not None or record.expires_at <= now:
        raise CodeExpiredError()
    # A code sent for one sign-in challenge works only there, and a code sent for a
    # sensitive action (no challenge) cannot complete a sign-in.
    if record.challenge_id != challenge_id:
        raise CodeExpiredError()

    expected = _digest(hmac_secret, policy, subject, code.strip())
    if crypto.digests_match(expected, record.code_hash):
        consumed = await session.execute(
            update(OneTimeCode)
            .where(OneTimeCode.id == record.id, OneTimeCode.consumed_at.is_(None))
            .values(consumed_at=now)
        )
        # A concurrent request with the same code may have consumed it first.
        if consumed.rowcount != 1:  # type: ignore[attr-defined]
            raise CodeExpiredError()
        return record

    await _count_failure(session, policy, record, now)
    raise AssertionError("unreachable: _count_failure always raises")


async def _count_failure(
    session: AsyncSession, policy: CodePolicy, record: OneTimeCode, now: datetime
) -> None:
    await session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.id == record.id)
        .values(attempts=OneTimeCode.attempts + 1)
    )
    await session.refresh(record, attribute_names=["attempts"])
    attempts_left = policy.max_attempts - record.attempts
    if attempts_left > 0:
        raise InvalidCodeError(params={"attempts_left": attempts_left})

    record.consumed_at = now
    locked_until = now + policy.lockout
    lockout = await session.get(CodeLockout, (policy.purpose, record.subject))
    if lockout is None:
        session.add(
            CodeLockout(purpose=policy.purpose, subject=record.subject, locked_until=locked_until)
        )
    else:
        lockout.locked_until = locked_until
    await audit.record(
        session, "auth.code_lockout", subject_user_id=record.user_id, purpose=policy.purpose
    )
    raise _locked(locked_until, now)


async def _ensure_not_locked(
    session: AsyncSession, policy: CodePolicy, subject: str, now: datetime
) -> None:
    lockout = await session.get(CodeLockout, (policy.purpose, subject))
    if lockout is not None and lockout.locked_until > now:
        raise _locked(lockout.locked_until, now)


def _locked(locked_until: datetime, now: datetime) -> CodeLockedError:
    retry_after = max(1, int((locked_until - now).total_seconds()))
    return CodeLockedError(
        params={"locked_until": _local_time(locked_until)},
        headers={"Retry-After": str(retry_after)},
    )


async def _latest_code(
    session: AsyncSession, policy: CodePolicy, subject: str
) -> OneTimeCode | None:
    return await session.scalar(
        select(OneTimeCode)
        .where(OneTimeCode.purpose == policy.purpose, OneTimeCode.subject == subject)
        .order_by(OneTimeCode.created_at.desc())
        .limit(1)
    )


def _digest(secret: str, policy: CodePolicy, subject: str, code: str) -> str:
    return crypto.keyed_digest(secret, f"{policy.purpose}:{subject}:{code}")


def _local_time(moment: datetime) -> str:
    return to_mexico_city(moment).isoformat(timespec="seconds")
