"""Errors of the inventory API, each a problem response with a stable code."""

from __future__ import annotations

from cuenty.kit.errors import ConflictError, NotFoundError, ProblemError, ValidationFailedError
from cuenty.kit.i18n import N_


class AccountNotFoundError(NotFoundError):
    code = "account_not_found"
    title = N_("Account not found")
    detail = N_("No inventory account with id {id} exists.")


class ProfileNotFoundError(NotFoundError):
    code = "profile_not_found"
    title = N_("Profile not found")
    detail = N_("The account has no profile with id {id}.")


class DuplicateAccountError(ConflictError):
    code = "duplicate_account"
    title = N_("Account already in inventory")
    detail = N_("An account with this login already exists for this service.")


class IllegalStateChangeError(ConflictError):
    code = "illegal_state_change"
    title = N_("State change not allowed")
    detail = N_("An account in state {current} cannot change to {requested}.")


class AccountInUseError(ConflictError):
    code = "account_in_use"
    title = N_("Account in use")
    detail = N_(
        "The account (state {current}) has {assignments} assigned profile(s); it can change to "
        "{requested} only when no customer is using it."
    )


class ProfilesInMaintenanceError(ConflictError):
    code = "profiles_in_maintenance"
    title = N_("Profiles waiting for rotation")
    detail = N_(
        "{count} profile(s) are in maintenance; rotate the credentials with POST "
        ".../rotate to make the account available."
    )


class AccountRetiredError(ConflictError):
    code = "account_retired"
    title = N_("Account retired")
    detail = N_("The account is retired; its credentials can no longer change.")


class InvalidInventoryDataError(ValidationFailedError):
    """Raised with field errors for a body that is well-formed but breaks a business rule."""


class InvalidCsvError(ProblemError):
    status = 422
    code = "invalid_csv"
    title = N_("CSV file not accepted")
    detail = N_("The file cannot be imported; errors explain why and nothing was stored.")
