"""Second factor: TOTP (RFC 6238) enrolment, 10 single-use backup codes, and the login
challenges that wait for a second factor after a correct password.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

import pyotp
import segno
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.identity.errors import (
    ChallengeNotFoundError,
    InvalidSecondFactorError,
    TwoFactorAlreadyOnError,
    TwoFactorOffError,
)
from cuenty.identity.models import BackupCode, LoginChallenge, User
from cuenty.kit import crypto
from cuenty.kit.clock import utc_now

TOTP_PURPOSE = "totp-secret"
TOTP_ISSUER = "CUENTY"
# One step either side tolerates a phone clock 30 seconds off, as authenticator apps expect.
TOTP_VALID_WINDOW = 1
BACKUP_CODE_COUNT = 10
CHALLENGE_TTL = timedelta(minutes=5)
CHALLENGE_MAX_ATTEMPTS = 3


def start_totp_enrolment(user: User, encryption_key: str) -> tuple[str, str, str]:
    """Store a new pending TOTP secret; return it, its otpauth:// URI and a QR PNG data URI."""
    if user.two_factor_enabled_at is not None:
        raise TwoFactorAlreadyOnError()
    secret = pyotp.random_base32()
    user.totp_last_step = None
    user.totp_secret = crypto.encrypt(encryption_key, TOTP_PURPOSE, secret.encode())
    label = user.email or user.phone or str(user.id)
    uri = pyotp.TOTP(secret).provisioning_uri(name=label, issuer_name=TOTP_ISSUER)
    qr_png = segno.make(uri, error="m").png_data_uri(scale=5)
    return secret, uri, qr_png


async def confirm_totp_enrolment(
    session: AsyncSession, user: User, code: str, *, encryption_key: str, hmac_secret: str
) -> list[str]:
    """Turn 2FA on once the user proves the app works; return the clear backup codes."""
    if user.two_factor_enabled_at is not None:
        raise TwoFactorAlreadyOnError()
    if not verify_totp(user, code, encryption_key, now=utc_now(), enrolling=True):
        raise InvalidSecondFactorError()
    user.two_factor_enabled_at = utc_now()
    return await replace_backup_codes(session, user, hmac_secret)


def verify_totp(
    user: User, code: str, encryption_key: str, *, now: datetime, enrolling: bool = False
) -> bool:
    """Accept a TOTP code once: a code whose 30-second step was already used is refused.

    Outside enrolment only a confirmed secret counts, so a pending setup cannot pass as a
    second factor.
    """
    if user.totp_secret is None or (user.two_factor_enabled_at is None and not enrolling):
        return False
    secret = crypto.decrypt(encryption_key, TOTP_PURPOSE, user.totp_secret).decode()
    totp = pyotp.TOTP(secret)
    current_step = totp.timecode(now)
    candidate = code.strip()
    for step in range(current_step - TOTP_VALID_WINDOW, current_step + TOTP_VALID_WINDOW + 1):
        already_used = user.totp_last_step is not None and step <= user.totp_last_step
        if not already_used and secrets.compare_digest(totp.generate_otp(step), candidate):
            user.totp_last_step = step
            return True
    return False


async def disable_two_factor(session: AsyncSession, user: User) -> None:
    if user.two_factor_enabled_at is None:
        raise TwoFactorOffError()
    user.two_factor_enabled_at = None
    user.totp_secret = None
    user.totp_last_step = None
    await session.execute(delete(BackupCode).where(BackupCode.user_id == user.id))


async def replace_backup_codes(session: AsyncSession, user: User, hmac_secret: str) -> list[str]:
    await session.execute(delete(BackupCode).where(BackupCode.user_id == user.id))
    codes = [
        f"{secrets.token_hex(2)}-{secrets.token_hex(2)}".upper() for _ in range(BACKUP_CODE_COUNT)
    ]
    for code in codes:
        session.add(BackupCode(user_id=user.id, code_hash=_backup_digest(hmac_secret, user, code)))
    await session.flush()
    return codes


async def use_backup_code(
    session: AsyncSession, user: User, code: str, *, hmac_secret: str, now: datetime
) -> bool:
    digest = _backup_digest(hmac_secret, user, code.strip().upper())
    used = await session.execute(
        update(BackupCode)
        .where(
            BackupCode.user_id == user.id,
            BackupCode.code_hash == digest,
            BackupCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    return used.rowcount == 1  # type: ignore[attr-defined]


async def open_challenge(session: AsyncSession, user: User, now: datetime) -> LoginChallenge:
    challenge = LoginChallenge(user_id=user.id, created_at=now, expires_at=now + CHALLENGE_TTL)
    session.add(challenge)
    await session.flush()
    return challenge


async def live_challenge(
    session: AsyncSession, challenge_id: uuid.UUID, now: datetime
) -> LoginChallenge:
    challenge = await session.scalar(
        select(LoginChallenge).where(LoginChallenge.id == challenge_id)
    )
    if (
        challenge is None
        or challenge.completed_at is not None
        or challenge.expires_at <= now
        or challenge.attempts >= CHALLENGE_MAX_ATTEMPTS
    ):
        raise ChallengeNotFoundError()
    return challenge


def _backup_digest(secret: str, user: User, code: str) -> str:
    return crypto.keyed_digest(secret, f"backup:{user.id}:{code}")
