"""Errors of the identity package, each with its HTTP status and a stable code."""

from __future__ import annotations

from cuenty.kit.errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotAuthenticatedError,
    NotFoundError,
    ProblemError,
)
from cuenty.kit.i18n import N_


class EmailTakenError(ConflictError):
    code = "email_taken"
    title = N_("Email already registered")
    detail = N_("An account with this email already exists; sign in instead.")


class PhoneTakenError(ConflictError):
    code = "phone_taken"
    title = N_("Phone already registered")
    detail = N_("An account with this phone number already exists; sign in with a code.")


class WeakPasswordError(ProblemError):
    status = 422
    code = "weak_password"
    title = N_("Weak password")


class InvalidCredentialsError(NotAuthenticatedError):
    code = "invalid_credentials"
    title = N_("Invalid credentials")
    detail = N_("The email, phone or password is not correct.")
    persist_changes = True


class AccountDisabledError(ForbiddenError):
    code = "account_disabled"
    title = N_("Account disabled")
    detail = N_("This account is disabled; contact support.")


class InvalidTokenError(NotAuthenticatedError):
    code = "invalid_token"
    title = N_("Invalid token")
    detail = N_("The token is invalid, expired or revoked; sign in again.")

    def __init__(self) -> None:
        super().__init__(
            headers={"WWW-Authenticate": 'Bearer realm="cuenty", error="invalid_token"'}
        )


class InvalidApiKeyError(InvalidTokenError):
    code = "invalid_api_key"
    title = N_("Invalid API key")
    detail = N_("The API key is invalid, expired or revoked; check it or create a new one.")


class RefreshTokenReusedError(NotAuthenticatedError):
    code = "refresh_token_reused"
    title = N_("Refresh token reused")
    detail = N_("This refresh token was already used, so the session was closed; sign in again.")
    persist_changes = True


class InvalidCodeError(BadRequestError):
    code = "invalid_code"
    title = N_("Invalid code")
    detail = N_("The code is wrong or expired; {attempts_left} attempt(s) left.")
    persist_changes = True


class InvalidSecondFactorError(BadRequestError):
    code = "invalid_code"
    title = N_("Invalid code")
    detail = N_("The code is not valid; {attempts_left} attempt(s) left for this sign-in.")
    persist_changes = True

    def __init__(self, attempts_left: int | None = None) -> None:
        if attempts_left is None:
            super().__init__(
                N_("The code is not valid; check the time on your phone and try again.")
            )
        else:
            super().__init__(params={"attempts_left": attempts_left})


class LoginCodeRejectedError(BadRequestError):
    code = "invalid_code"
    title = N_("Invalid code")
    detail = N_("The code is wrong or expired; check it or request a new one.")
    persist_changes = True


class CodeExpiredError(BadRequestError):
    code = "code_expired"
    title = N_("Code expired")
    detail = N_("There is no valid code; request a new one.")


class CodeLockedError(ProblemError):
    status = 429
    code = "code_locked"
    title = N_("Too many wrong codes")
    detail = N_("Too many wrong codes; try again after {locked_until}.")
    persist_changes = True


class CodeResendTooSoonError(ProblemError):
    status = 429
    code = "code_resend_too_soon"
    title = N_("Code sent recently")
    detail = N_("Wait {seconds} seconds before requesting another code.")


class ChallengeNotFoundError(NotFoundError):
    code = "challenge_not_found"
    title = N_("Sign-in challenge not found")
    detail = N_(
        "The sign-in challenge does not exist, expired or had too many wrong codes; sign in again."
    )

    def __init__(self, *, persist: bool = False) -> None:
        super().__init__()
        # The last wrong attempt that ends a challenge must still be saved.
        self.persist_changes = persist  # type: ignore[misc]


class TwoFactorRequiredError(ForbiddenError):
    code = "step_up_required"
    title = N_("Verification required")
    detail = N_("Confirm this action with your second factor first (POST /v1/auth/2fa/verify).")


class TwoFactorAlreadyOnError(ConflictError):
    code = "two_factor_already_on"
    title = N_("Two-factor authentication already on")
    detail = N_("Two-factor authentication is already on; turn it off first to enrol again.")


class TwoFactorOffError(ConflictError):
    code = "two_factor_off"
    title = N_("Two-factor authentication is off")
    detail = N_("Two-factor authentication is not on for this account.")


class NoPendingContactError(ConflictError):
    code = "no_pending_contact"
    title = N_("Nothing to verify")
    detail = N_("There is no new email or phone waiting for verification on this account.")


class ScopeNotAllowedError(ForbiddenError):
    code = "scope_not_allowed"
    title = N_("Scope not allowed")
    detail = N_("Your role cannot grant the scope(s): {scopes}.")


class UserNotFoundError(NotFoundError):
    code = "user_not_found"
    title = N_("User not found")
    detail = N_("No user with this id exists.")


class ResourceNotFoundError(NotFoundError):
    code = "not_found"
    title = N_("Not found")
    detail = N_("No resource with this id exists.")


class InsufficientScopeError(ForbiddenError):
    code = "insufficient_scope"
    title = N_("Insufficient scope")
    detail = N_("This API key lacks the scope(s): {scopes}.")
