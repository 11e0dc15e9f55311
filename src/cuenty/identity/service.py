"""Account rules: registration, password and code sign-in, the second factor, and profile
changes. Services flush but never commit; the request owns the transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.identity import audit, codes, contacts, twofactor
from cuenty.identity.access import Principal
from cuenty.identity.context import IdentityContext
from cuenty.identity.errors import (
    AccountDisabledError,
    ChallengeNotFoundError,
    CodeExpiredError,
    CodeLockedError,
    CodeResendTooSoonError,
    EmailTakenError,
    InvalidCodeError,
    InvalidCredentialsError,
    InvalidSecondFactorError,
    LoginCodeRejectedError,
    PhoneTakenError,
    UserNotFoundError,
)
from cuenty.identity.models import AuthSession, DeliveryChannel, LoginChallenge, User
from cuenty.identity.passwords import check_password_strength
from cuenty.identity.schemas import LoginRequest, RegisterRequest
from cuenty.identity.sessions import TokenPair, start_session
from cuenty.kit import jobs
from cuenty.kit.errors import BadRequestError
from cuenty.kit.i18n import N_
from cuenty.kit.security import hash_password, hash_password_off_loop, verify_password_off_loop


@cache
def _dummy_hash() -> str:
    """Return a hash to verify against when the account does not exist, so both paths cost
    one Argon2 check and response times do not reveal which emails are registered."""
    return hash_password("cuenty-timing-equalizer")


@dataclass(frozen=True)
class LoginOutcome:
    tokens: TokenPair | None = None
    challenge: LoginChallenge | None = None


async def register(
    session: AsyncSession, ctx: IdentityContext, data: RegisterRequest
) -> tuple[User, TokenPair]:
    if data.password is not None:
        user = await _register_with_password(session, ctx, data)
    elif data.phone is not None and data.code is not None:
        user = await _register_with_phone_code(session, ctx, data)
    else:
        raise BadRequestError(N_("Send email and password, or phone and the code sent to it."))
    tokens = await start_session(session, ctx.settings, user, ctx.client, ctx.now)
    # In the same transaction as the account, so integrators hear of it exactly when it exists.
    await jobs.publish(session, "user.created", {"user_id": str(user.id)})
    await audit.record(
        session,
        "auth.registered",
        subject_user_id=user.id,
        ip_address=ctx.client.ip_address,
        request_id=ctx.client.request_id,
    )
    return user, tokens


async def login(session: AsyncSession, ctx: IdentityContext, data: LoginRequest) -> LoginOutcome:
    identifier = str(data.email).lower() if data.email else data.phone
    if identifier is None:
        raise BadRequestError(N_("Send an email or a phone number."))
    user = await session.scalar(
        select(User).where(or_(User.email == identifier, User.phone == identifier))
    )
    if user is not None:
        # Counted before the password check, so the same account reached by email and by
        # phone shares one limit, and a correct password past the limit is not revealed.
        await ctx.limit_auth_attempt("login-account", str(user.id), by_address=False)
    matches, new_hash = await verify_password_off_loop(
        data.password, user.password_hash if user and user.password_hash else _dummy_hash()
    )
    if user is None or user.password_hash is None or not matches:
        await audit.record(
            session,
            "auth.login_failed",
            subject_user_id=user.id if user else None,
            ip_address=ctx.client.ip_address,
            request_id=ctx.client.request_id,
        )
        raise InvalidCredentialsError()
    if new_hash is not None:
        # A bcrypt hash from the earlier system, or outdated Argon2 parameters.
        user.password_hash = new_hash
    return await _finish_first_factor(session, ctx, user, "password")


async def send_login_code(
    session: AsyncSession, ctx: IdentityContext, phone: str, channel: str, purpose: str
) -> None:
    """Send a sign-in or sign-up code to a phone.

    For sign-in, every outcome gets the same response: an unknown phone, a code sent less
    than a minute ago and a locked phone are silently skipped. So the response does not
    reveal which numbers have accounts, and a caller cannot make us message arbitrary numbers.
    """
    user = await session.scalar(select(User).where(User.phone == phone))
    if purpose == "register":
        if not phone.startswith("+52"):
            raise BadRequestError(N_("Sign-up by code needs a Mexican mobile number (+52)."))
        if user is not None:
            raise PhoneTakenError()
        policy, user_id = codes.REGISTER_CODE, None
    else:
        if user is None or not user.is_active:
            return
        policy, user_id = codes.LOGIN_CODE, user.id
    target = codes.CodeTarget(
        subject=phone,
        channel=channel,
        recipient=phone,
        user_id=user_id,
        locale=user.locale if user else ctx.settings.default_locale,
    )
    try:
        await codes.issue_code(
            session, policy, target, delivery=ctx.delivery, hmac_secret=ctx.hmac_secret, now=ctx.now
        )
    except (CodeResendTooSoonError, CodeLockedError):
        if purpose == "register":
            raise


async def login_with_code(
    session: AsyncSession, ctx: IdentityContext, phone: str, code: str
) -> LoginOutcome:
    try:
        await codes.verify_code(
            session, codes.LOGIN_CODE, phone, code, hmac_secret=ctx.hmac_secret, now=ctx.now
        )
    except (InvalidCodeError, CodeExpiredError) as error:
        # The same error whether or not a code was sent, so the phone's account stays private.
        raise LoginCodeRejectedError() from error
    user = await session.scalar(select(User).where(User.phone == phone))
    if user is None:
        raise InvalidCredentialsError()
    if user.phone_verified_at is None:
        user.phone_verified_at = ctx.now
    return await _finish_first_factor(session, ctx, user, "phone_code")


async def send_two_factor_code(
    session: AsyncSession, ctx: IdentityContext, user: User, challenge_id: uuid.UUID | None
) -> None:
    channel, recipient = delivery_address(user)
    target = codes.CodeTarget(
        subject=f"user:{user.id}",
        channel=channel,
        recipient=recipient,
        user_id=user.id,
        challenge_id=challenge_id,
        locale=user.locale,
    )
    await codes.issue_code(
        session,
        codes.TWO_FACTOR_CODE,
        target,
        delivery=ctx.delivery,
        hmac_secret=ctx.hmac_secret,
        now=ctx.now,
    )


async def check_second_factor(
    session: AsyncSession,
    ctx: IdentityContext,
    user: User,
    code: str,
    challenge_id: uuid.UUID | None,
) -> str:
    """Accept a TOTP code, a backup code or a code sent by message; return which one.

    Raises InvalidSecondFactorError for anything else, including a message code when none
    is pending, so every wrong guess counts the same way.
    """
    if twofactor.verify_totp(user, code, ctx.encryption_key, now=ctx.now):
        return "totp"
    if user.two_factor_enabled_at is not None and await twofactor.use_backup_code(
        session, user, code, hmac_secret=ctx.hmac_secret, now=ctx.now
    ):
        return "backup_code"
    if code.isdigit() and len(code) == codes.CODE_DIGITS:
        try:
            await codes.verify_code(
                session,
                codes.TWO_FACTOR_CODE,
                f"user:{user.id}",
                code,
                hmac_secret=ctx.hmac_secret,
                now=ctx.now,
                challenge_id=challenge_id,
            )
        except (InvalidCodeError, CodeExpiredError, CodeLockedError) as error:
            # Every wrong second factor counts against the challenge, also while message
            # codes are locked, so guessing TOTP codes is bounded by the challenge too.
            raise InvalidSecondFactorError() from error
        return "message_code"
    raise InvalidSecondFactorError()


async def complete_challenge(
    session: AsyncSession, ctx: IdentityContext, challenge_id: uuid.UUID, code: str
) -> TokenPair:
    challenge = await twofactor.live_challenge(session, challenge_id, ctx.now)
    user = await load_user(session, challenge.user_id)
    try:
        method = await check_second_factor(session, ctx, user, code, challenge.id)
    except InvalidSecondFactorError as error:
        challenge.attempts += 1
        await audit.record(
            session,
            "auth.two_factor_failed",
            subject_user_id=user.id,
            ip_address=ctx.client.ip_address,
            request_id=ctx.client.request_id,
        )
        attempts_left = twofactor.CHALLENGE_MAX_ATTEMPTS - challenge.attempts
        if attempts_left <= 0:
            raise ChallengeNotFoundError(persist=True) from error
        raise InvalidSecondFactorError(attempts_left) from error
    challenge.completed_at = ctx.now
    tokens = await start_session(session, ctx.settings, user, ctx.client, ctx.now)
    await _announce_new_device(session, ctx, user, tokens.session_id)
    await audit.record(
        session,
        "auth.login",
        subject_user_id=user.id,
        method=method,
        ip_address=ctx.client.ip_address,
        request_id=ctx.client.request_id,
    )
    return tokens


async def load_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise UserNotFoundError()
    return user


async def load_principal_user(session: AsyncSession, principal: Principal) -> User:
    if principal.user_id is None:
        raise UserNotFoundError()
    user = await load_user(session, principal.user_id)
    if not user.is_active:
        raise AccountDisabledError()
    return user


def delivery_address(user: User) -> tuple[str, str]:
    """Return the channel and address for the user's messages, falling back to what exists."""
    preferred = user.delivery_channel
    if preferred == DeliveryChannel.EMAIL and user.email:
        return DeliveryChannel.EMAIL.value, user.email
    if user.phone:
        channel = (
            preferred
            if preferred in (DeliveryChannel.WHATSAPP, DeliveryChannel.SMS)
            else "whatsapp"
        )
        return str(channel), user.phone
    return DeliveryChannel.EMAIL.value, user.email or ""


async def _finish_first_factor(
    session: AsyncSession, ctx: IdentityContext, user: User, method: str
) -> LoginOutcome:
    if not user.is_active:
        raise AccountDisabledError()
    if user.two_factor_enabled_at is not None:
        challenge = await twofactor.open_challenge(session, user, ctx.now)
        return LoginOutcome(challenge=challenge)
    tokens = await start_session(session, ctx.settings, user, ctx.client, ctx.now)
    await _announce_new_device(session, ctx, user, tokens.session_id)
    await audit.record(
        session,
        "auth.login",
        subject_user_id=user.id,
        method=method,
        ip_address=ctx.client.ip_address,
        request_id=ctx.client.request_id,
    )
    return LoginOutcome(tokens=tokens)


async def _announce_new_device(
    session: AsyncSession, ctx: IdentityContext, user: User, session_id: uuid.UUID
) -> None:
    """Publish `security.new_login` when no earlier session of the user had this user agent.

    The user agent is the only device signal available; a browser update changes it and
    counts as a new device.
    """
    earlier = select(AuthSession.user_agent).where(
        AuthSession.user_id == user.id, AuthSession.id != session_id
    )
    agents = set((await session.scalars(earlier)).all())
    current = (ctx.client.user_agent or "")[:300] or None
    if current in agents:
        return
    await jobs.publish(
        session,
        "security.new_login",
        {
            "userId": str(user.id),
            "sessionId": str(session_id),
            "userAgent": current,
            "ipAddress": ctx.client.ip_address,
        },
    )


async def _register_with_password(
    session: AsyncSession, ctx: IdentityContext, data: RegisterRequest
) -> User:
    if data.email is None or data.password is None:
        raise BadRequestError(N_("Send email and password, or phone and the code sent to it."))
    check_password_strength(data.password)
    email = str(data.email).lower()
    await _ensure_unique(session, email, None)
    user = User(
        email=email,
        name=data.name.strip(),
        postal_code=data.postal_code,
        password_hash=await hash_password_off_loop(data.password),
        delivery_channel=DeliveryChannel.EMAIL.value,
    )
    await _insert_user(session, user)
    # Neither address counts as the user's until a code sent to it comes back.
    await contacts.start_email_verification(session, ctx, user)
    if data.phone is not None:
        user.delivery_channel = DeliveryChannel.WHATSAPP.value
        await contacts.start_contact_change(session, ctx, user, "phone", data.phone)
    return user


async def _register_with_phone_code(
    session: AsyncSession, ctx: IdentityContext, data: RegisterRequest
) -> User:
    assert data.phone is not None and data.code is not None
    if not data.phone.startswith("+52"):
        raise BadRequestError(N_("Sign-up by code needs a Mexican mobile number (+52)."))
    await _ensure_unique(session, None, data.phone)
    record = await codes.verify_code(
        session,
        codes.REGISTER_CODE,
        data.phone,
        data.code,
        hmac_secret=ctx.hmac_secret,
        now=ctx.now,
    )
    user = User(
        phone=data.phone,
        name=data.name.strip(),
        postal_code=data.postal_code,
        phone_verified_at=ctx.now,
        # Messages keep going the way the customer received the sign-up code.
        delivery_channel=record.channel,
    )
    await _insert_user(session, user)
    if data.email is not None:
        await contacts.start_contact_change(session, ctx, user, "email", str(data.email).lower())
    return user


async def _insert_user(session: AsyncSession, user: User) -> None:
    # Two sign-ups with the same email can both pass `_ensure_unique`; the unique index
    # decides, and the loser gets the same 409 as a sequential duplicate.
    try:
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError as error:
        if user.email and "email" in str(error.orig).lower():
            raise EmailTakenError() from error
        raise PhoneTakenError() from error


async def _ensure_unique(session: AsyncSession, email: str | None, phone: str | None) -> None:
    if email and await session.scalar(select(User.id).where(User.email == email)):
        raise EmailTakenError()
    if phone and await session.scalar(select(User.id).where(User.phone == phone)):
        raise PhoneTakenError()


async def staff_user_ids(session: AsyncSession, roles: tuple[str, ...]) -> list[uuid.UUID]:
    """Return the ids of active users with one of the roles, for staff alerts."""
    rows = await session.scalars(
        select(User.id).where(User.role.in_(roles), User.is_active.is_(True)).order_by(User.id)
    )
    return list(rows)


async def existing_user_ids(session: AsyncSession, user_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Return those of the ids that name a stored user, in the order given."""
    if not user_ids:
        return []
    found = set(await session.scalars(select(User.id).where(User.id.in_(user_ids))))
    return [user_id for user_id in user_ids if user_id in found]
