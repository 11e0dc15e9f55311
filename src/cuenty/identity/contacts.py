"""Proof that a user controls an email address or a phone number.

A new address stays pending until the code sent to it is entered; only then does it become
the account's address, so no one can claim another person's email or phone.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.identity import audit, codes
from cuenty.identity.context import IdentityContext
from cuenty.identity.errors import EmailTakenError, NoPendingContactError, PhoneTakenError
from cuenty.identity.models import User
from cuenty.kit import jobs


async def start_contact_change(
    session: AsyncSession, ctx: IdentityContext, user: User, channel: str, value: str
) -> None:
    """Keep `value` pending on the user and send it a code; a repeat of the same pending
    value sends nothing new."""
    pending = user.pending_email if channel == "email" else user.pending_phone
    if pending == value:
        return
    await ensure_free(session, channel, value, user.id)
    # Each new address costs a message, so changes count against the strict sign-in limit.
    await ctx.limit_auth_attempt("contact", str(user.id), by_address=False)
    if channel == "email":
        user.pending_email = value
        delivery_channel = "email"
    else:
        user.pending_phone = value
        delivery_channel = _phone_channel(user)
    await _send_code(session, ctx, user, channel, delivery_channel, value)


async def start_email_verification(session: AsyncSession, ctx: IdentityContext, user: User) -> None:
    """Send a code to the account's own, not yet verified, email."""
    assert user.email is not None
    await _send_code(session, ctx, user, "email", "email", user.email)


async def resend_contact_code(
    session: AsyncSession, ctx: IdentityContext, user: User, channel: str
) -> None:
    """Send a new code to the pending address (or the unverified sign-up email)."""
    address = _address_to_verify(user, channel)
    if address is None:
        raise NoPendingContactError()
    delivery_channel = "email" if channel == "email" else _phone_channel(user)
    await ctx.limit_auth_attempt("contact", str(user.id), by_address=False)
    await _send_code(session, ctx, user, channel, delivery_channel, address)


async def verify_contact(
    session: AsyncSession, ctx: IdentityContext, user: User, channel: str, code: str
) -> User:
    pending = _address_to_verify(user, channel)
    if pending is None:
        raise NoPendingContactError()
    await codes.verify_code(
        session,
        codes.CONTACT_CODE,
        _subject(user, channel, pending),
        code,
        hmac_secret=ctx.hmac_secret,
        now=ctx.now,
    )
    await ensure_free(session, channel, pending, user.id)
    if channel == "email":
        user.email, user.pending_email, user.email_verified_at = pending, None, ctx.now
    else:
        user.phone, user.pending_phone, user.phone_verified_at = pending, None, ctx.now
    await audit.record(
        session,
        "user.contact_verified",
        subject_user_id=user.id,
        channel=channel,
        request_id=ctx.client.request_id,
    )
    await jobs.publish(session, "user.updated", {"userId": str(user.id)})
    return user


async def ensure_free(
    session: AsyncSession, channel: str, value: str, user_id: uuid.UUID | None
) -> None:
    column = User.email if channel == "email" else User.phone
    owner = await session.scalar(select(User.id).where(column == value))
    if owner is not None and owner != user_id:
        raise EmailTakenError() if channel == "email" else PhoneTakenError()


async def _send_code(
    session: AsyncSession,
    ctx: IdentityContext,
    user: User,
    channel: str,
    delivery_channel: str,
    recipient: str,
) -> None:
    target = codes.CodeTarget(
        subject=_subject(user, channel, recipient),
        channel=delivery_channel,
        recipient=recipient,
        user_id=user.id,
        locale=user.locale,
    )
    await codes.issue_code(
        session,
        codes.CONTACT_CODE,
        target,
        delivery=ctx.delivery,
        hmac_secret=ctx.hmac_secret,
        now=ctx.now,
    )


def _phone_channel(user: User) -> str:
    # Codes to a phone go by the user's choice of SMS, and by WhatsApp otherwise.
    return "sms" if user.delivery_channel == "sms" else "whatsapp"


def _address_to_verify(user: User, channel: str) -> str | None:
    if channel == "phone":
        return user.pending_phone
    if user.pending_email is not None:
        return user.pending_email
    return user.email if user.email_verified_at is None else None


def _subject(user: User, channel: str, address: str) -> str:
    # Per address, so verifying the sign-up email and changing it are separate codes.
    return f"contact:{channel}:{user.id}:{address}"
