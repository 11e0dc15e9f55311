"""Errors of payments; titles and details are message ids translated per request."""

from __future__ import annotations

from cuenty.kit.errors import (
    ConflictError,
    MalformedJsonError,
    NotAuthenticatedError,
    NotFoundError,
    ServiceUnavailableError,
    ValidationFailedError,
)
from cuenty.kit.i18n import N_
from cuenty.kit.validation import FieldError

RULES = {
    "amount_mismatch": N_("Must equal the order's outstanding balance, {balance}."),
    "clabe_invalid": N_(
        "Is not a valid CLABE: 18 digits with a known bank code and the right control digit."
    ),
    "missing": N_("This field is required."),
    "amount_invalid": N_("Must be a positive amount with at most two decimals."),
    "date_invalid": N_("Must be a date (YYYY-MM-DD)."),
    "institution_invalid": N_("Must be the sending institution's numeric code."),
    "too_long": N_("Must be at most {length} characters."),
    "one_of": N_("Must be one of: {expected}."),
    "control_characters": N_("Must not contain control characters such as NUL or line breaks."),
}


class PaymentNotFoundError(NotFoundError):
    code = "payment_not_found"
    title = N_("Payment not found")
    detail = N_("No payment with that id is visible to you.")


class TransferNotFoundError(NotFoundError):
    code = "transfer_not_found"
    title = N_("Transfer not found")
    detail = N_("No received transfer with that id exists.")


class ReconciliationNotFoundError(NotFoundError):
    code = "reconciliation_not_found"
    title = N_("Match not found")
    detail = N_("No active match with that id exists.")


class OrderNotPayableError(ConflictError):
    code = "order_not_payable"
    title = N_("Order does not take payments")
    detail = N_("The order is {state}; only an order pending payment can be paid.")


class SpeiNotConfiguredError(ServiceUnavailableError):
    code = "spei_not_configured"
    title = N_("SPEI collection not configured")
    detail = N_(
        "Set CUENTY_PAYMENTS_CLABE_PREFIX to the company's collection prefix before issuing "
        "payment instructions."
    )


class ClabesExhaustedError(ServiceUnavailableError):
    code = "clabes_exhausted"
    title = N_("No CLABEs left")
    detail = N_("Every CLABE under the company prefix has been given out.")


class TransferNotMatchableError(ConflictError):
    code = "transfer_not_matchable"
    title = N_("Transfer cannot be matched")
    detail = N_("The transfer is {state}; only a transfer waiting for review can be matched.")


class OrderAlreadyPaidError(ConflictError):
    code = "order_already_paid"
    title = N_("Order already paid")
    detail = N_("The order is already paid; undo the match with a refund instead.")


class BadSignatureError(NotAuthenticatedError):
    code = "bad_signature"
    title = N_("Signature not valid")
    detail = N_("The notification's signature is missing, stale or does not match.")


class SourceNotAllowedError(NotAuthenticatedError):
    code = "source_not_allowed"
    title = N_("Sender not allowed")
    detail = N_("Notifications are accepted only from the configured addresses or certificate.")


class JsonObjectExpectedError(MalformedJsonError):
    code = "json_object_expected"
    title = N_("JSON object expected")
    detail = N_("The request body must be one JSON object; it is empty or another JSON value.")


def field_rejected(rule: str, pointer: str, **params: str) -> ValidationFailedError:
    error = FieldError(code=rule, message=RULES[rule], pointer=f"#{pointer}", params=params)
    return ValidationFailedError(params={"count": 1}, errors=[error])
