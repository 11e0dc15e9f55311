"""Routes under /v1/auth: registration, sign-in by password or code, second factor, token
refresh, logout, sessions and the JWKS."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fastapi import Response, status

from cuenty.identity import audit, codes, service, twofactor
from cuenty.identity.endpoints.common import Context, MaybeSignedIn, SignedIn, tokens_out, user_out
from cuenty.identity.errors import (
    ChallengeNotFoundError,
    ResourceNotFoundError,
    TwoFactorRequiredError,
)
from cuenty.identity.models import AuthSession
from cuenty.identity.schemas import (
    BackupCodes,
    CodeSent,
    LoginRequest,
    LoginResult,
    OtpSendRequest,
    OtpVerifyRequest,
    RefreshRequest,
    RegisterRequest,
    RegisterResult,
    SessionOut,
    StepUp,
    Tokens,
    TotpConfirmRequest,
    TotpSetup,
    TwoFactorSendRequest,
    TwoFactorVerifyRequest,
)
from cuenty.identity.service import LoginOutcome
from cuenty.identity.sessions import get_own_session, list_sessions, refresh_session, revoke_session
from cuenty.identity.tokens import public_jwks
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.deps import DbSession

STEP_UP_TTL = timedelta(minutes=10)

router = api_router(prefix="/v1/auth", tags=["auth"])


@router.post(
    "/register",
    response_model=RegisterResult,
    status_code=status.HTTP_201_CREATED,
    summary="Crear una cuenta con correo y contraseña, o con celular y código",
    responses=problem_responses(409, 429),
)
async def register(body: RegisterRequest, session: DbSession, ctx: Context) -> RegisterResult:
    await ctx.limit_auth_attempt("register", str(body.email or body.phone or ""))
    user, pair = await service.register(session, ctx, body)
    return RegisterResult(user=user_out(user), tokens=tokens_out(pair))


@router.post(
    "/login",
    response_model=LoginResult,
    summary="Iniciar sesión con correo o celular y contraseña",
    responses=problem_responses(401, 403, 429),
)
async def login(body: LoginRequest, session: DbSession, ctx: Context) -> LoginResult:
    await ctx.limit_auth_attempt("login", str(body.email or body.phone or ""))
    return _login_result(await service.login(session, ctx, body))


@router.post(
    "/otp/send",
    response_model=CodeSent,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Enviar un código de 6 dígitos por WhatsApp o SMS",
    responses=problem_responses(409, 429),
)
async def send_otp(body: OtpSendRequest, session: DbSession, ctx: Context) -> CodeSent:
    await ctx.limit_auth_attempt("otp", body.phone)
    await service.send_login_code(session, ctx, body.phone, body.channel, body.purpose)
    return _code_sent(codes.LOGIN_CODE)


@router.post(
    "/otp/verify",
    response_model=LoginResult,
    summary="Iniciar sesión con el código recibido en el celular",
    responses=problem_responses(400, 401, 429),
)
async def verify_otp(body: OtpVerifyRequest, session: DbSession, ctx: Context) -> LoginResult:
    await ctx.limit_auth_attempt("otp-verify", body.phone)
    return _login_result(await service.login_with_code(session, ctx, body.phone, body.code))


@router.post(
    "/2fa/send",
    response_model=CodeSent,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Enviar un código de segundo factor (inicio de sesión pendiente o acción sensible)",
    responses=problem_responses(401, 404, 429),
)
async def send_two_factor(
    body: TwoFactorSendRequest, session: DbSession, ctx: Context, principal: MaybeSignedIn
) -> CodeSent:
    await ctx.limit_auth_attempt("2fa", str(body.challenge_id or ""))
    if body.challenge_id is not None:
        challenge = await twofactor.live_challenge(session, body.challenge_id, ctx.now)
        user = await service.load_user(session, challenge.user_id)
    elif principal is not None:
        user = await service.load_principal_user(session, principal)
    else:
        raise ChallengeNotFoundError()
    await service.send_two_factor_code(session, ctx, user, body.challenge_id)
    return _code_sent(codes.TWO_FACTOR_CODE)


@router.post(
    "/2fa/verify",
    summary="Verificar el segundo factor: TOTP, código de respaldo o código enviado",
    responses=problem_responses(400, 401, 404, 429),
)
async def verify_two_factor(
    body: TwoFactorVerifyRequest, session: DbSession, ctx: Context, principal: MaybeSignedIn
) -> Tokens | StepUp:
    """With `challengeId`, completes a pending sign-in and returns tokens; without it, a
    signed-in user confirms a sensitive action for the next 10 minutes."""
    await ctx.limit_auth_attempt("2fa-verify", str(body.challenge_id or ""))
    if body.challenge_id is not None:
        return tokens_out(
            await service.complete_challenge(session, ctx, body.challenge_id, body.code)
        )
    if principal is None or principal.session_id is None:
        raise ChallengeNotFoundError()
    user = await service.load_principal_user(session, principal)
    await service.check_second_factor(session, ctx, user, body.code, None)
    auth_session = await session.get(AuthSession, principal.session_id)
    if auth_session is None:
        raise ChallengeNotFoundError()
    auth_session.step_up_until = ctx.now + STEP_UP_TTL
    return StepUp(verified_until=auth_session.step_up_until)


@router.post(
    "/2fa/totp/setup",
    response_model=TotpSetup,
    summary="Iniciar el registro de una app autenticadora (TOTP)",
    responses=problem_responses(401, 409),
)
async def setup_totp(session: DbSession, ctx: Context, principal: SignedIn) -> TotpSetup:
    user = await service.load_principal_user(session, principal)
    secret, uri, qr_png = twofactor.start_totp_enrolment(user, ctx.encryption_key)
    return TotpSetup(secret=secret, otpauth_uri=uri, qr_png=qr_png)


@router.post(
    "/2fa/totp/confirm",
    response_model=BackupCodes,
    summary="Confirmar la app autenticadora; activa 2FA y entrega 10 códigos de respaldo",
    responses=problem_responses(400, 401, 409),
)
async def confirm_totp(
    body: TotpConfirmRequest, session: DbSession, ctx: Context, principal: SignedIn
) -> BackupCodes:
    user = await service.load_principal_user(session, principal)
    backup = await twofactor.confirm_totp_enrolment(
        session, user, body.code, encryption_key=ctx.encryption_key, hmac_secret=ctx.hmac_secret
    )
    await audit.record(
        session,
        "auth.two_factor_enabled",
        subject_user_id=user.id,
        request_id=ctx.client.request_id,
    )
    return BackupCodes(backup_codes=backup)


@router.delete(
    "/2fa",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Desactivar 2FA (requiere verificar el segundo factor antes)",
    responses=problem_responses(401, 403, 409),
)
async def disable_two_factor(session: DbSession, ctx: Context, principal: SignedIn) -> Response:
    await _require_step_up(session, ctx, principal)
    user = await service.load_principal_user(session, principal)
    await twofactor.disable_two_factor(session, user)
    await audit.record(
        session,
        "auth.two_factor_disabled",
        subject_user_id=user.id,
        request_id=ctx.client.request_id,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/refresh",
    response_model=Tokens,
    summary="Renovar tokens; cada token de renovación sirve una sola vez",
    responses=problem_responses(401),
)
async def refresh(body: RefreshRequest, session: DbSession, ctx: Context) -> Tokens:
    pair = await refresh_session(
        session, ctx.settings, ctx.revocations, body.refresh_token, ctx.now
    )
    return tokens_out(pair)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Cerrar la sesión actual; su token de acceso deja de valer de inmediato",
    responses=problem_responses(401),
)
async def logout(session: DbSession, ctx: Context, principal: SignedIn) -> Response:
    auth_session = await session.get(AuthSession, principal.session_id)
    if auth_session is not None:
        await revoke_session(
            session, ctx.revocations, auth_session, "logout", ctx.now, ctx.settings
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/sessions",
    response_model=list[SessionOut],
    summary="Sesiones abiertas del usuario",
    responses=problem_responses(401),
)
async def sessions(session: DbSession, ctx: Context, principal: SignedIn) -> list[SessionOut]:
    assert principal.user_id is not None
    rows = await list_sessions(session, principal.user_id, ctx.now)
    return [_session_out(row, principal.session_id) for row in rows]


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Cerrar una sesión propia",
    responses=problem_responses(401, 404),
)
async def close_session(
    session_id: uuid.UUID, session: DbSession, ctx: Context, principal: SignedIn
) -> Response:
    assert principal.user_id is not None
    record = await get_own_session(session, principal.user_id, session_id)
    if record is None or record.revoked_at is not None:
        raise ResourceNotFoundError()
    await revoke_session(session, ctx.revocations, record, "closed_by_user", ctx.now, ctx.settings)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/.well-known/jwks.json",
    summary="Llaves públicas (JWKS) para verificar los tokens de acceso",
)
async def jwks(session: DbSession) -> dict[str, Any]:
    return await public_jwks(session)


def _login_result(outcome: LoginOutcome) -> LoginResult:
    if outcome.challenge is not None:
        return LoginResult(two_factor_required=True, challenge_id=outcome.challenge.id)
    assert outcome.tokens is not None
    pair = outcome.tokens
    return LoginResult(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


def _code_sent(policy: codes.CodePolicy) -> CodeSent:
    return CodeSent(
        expires_in=int(policy.ttl.total_seconds()),
        resend_after=int(policy.resend_interval.total_seconds()),
    )


def _session_out(row: AuthSession, current: uuid.UUID | None) -> SessionOut:
    return SessionOut(
        id=row.id,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
        user_agent=row.user_agent,
        ip_address=row.ip_address,
        current=row.id == current,
    )


async def _require_step_up(session: DbSession, ctx: Context, principal: SignedIn) -> None:
    auth_session = await session.get(AuthSession, principal.session_id)
    if (
        auth_session is None
        or auth_session.step_up_until is None
        or auth_session.step_up_until <= ctx.now
    ):
        raise TwoFactorRequiredError()
