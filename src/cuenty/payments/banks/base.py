"""Bank gateway interface, the values gateways return, and the errors they raise.

Gateways are async and return `Decimal` amounts. A gateway never invents a balance: when
no source is configured for a bank the caller gets `BankNotConfiguredError` (503), and an
upstream failure becomes a 502 or 504 problem whose detail never repeats the bank's body.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from cuenty.kit.errors import NotFoundError, ProblemError, ServiceUnavailableError
from cuenty.kit.i18n import N_

# Bank codes accepted in /v1/banking paths and in `payment_statement_imports.bank`.
BANK_CODES = ("stp", "bbva", "santander", "banorte")


@dataclass(frozen=True)
class Balance:
    """Balance of one account: `available` excludes retained amounts and pending charges,
    and `booked` is the ledger balance."""

    account_id: str
    available: Decimal
    booked: Decimal
    currency: str
    as_of: datetime


@dataclass(frozen=True)
class BankTransaction:
    """One booked movement; `amount` is signed, credits positive."""

    id: str
    date: date
    amount: Decimal
    description: str
    tracking_key: str | None = None
    numeric_reference: str | None = None
    counterparty_account: str | None = None


@dataclass(frozen=True)
class ScheduledPayment:
    """An outgoing payment the bank will execute on `date`."""

    id: str
    date: date
    amount: Decimal
    currency: str
    beneficiary_name: str | None
    beneficiary_account: str | None
    concept: str | None
    status: str | None


class BankGateway(ABC):
    """Read access to the accounts of one bank."""

    bank: ClassVar[str]
    # "api" for a bank's HTTP API, "statements" for imported statement files.
    source: ClassVar[str] = "api"

    @abstractmethod
    async def balance(self, account_id: str) -> Balance: ...

    @abstractmethod
    async def transactions(
        self, account_id: str, date_from: date, date_to: date
    ) -> list[BankTransaction]: ...

    async def scheduled_payments(self, account_id: str) -> list[ScheduledPayment]:
        """List the payments scheduled on the account; only Santander's API offers it."""
        params = {"bank": self.bank, "operation": "scheduled-payments"}
        raise OperationNotOfferedError(params=params)


class UnknownBankError(NotFoundError):
    code = "unknown_bank"
    title = N_("Unknown bank")
    detail = N_("The bank {bank} is not supported; use one of: {banks}.")


class BankNotConfiguredError(ServiceUnavailableError):
    code = "bank_not_configured"
    title = N_("Bank not configured")
    detail = N_(
        "No API credentials and no imported statements exist for the bank {bank}; configure "
        "its CUENTY_BANKS_* variables or import a statement."
    )


class OperationNotOfferedError(NotFoundError):
    code = "bank_operation_not_offered"
    title = N_("Operation not offered by this bank")
    detail = N_("The bank {bank} does not offer {operation}.")


class BankAccountNotFoundError(NotFoundError):
    code = "bank_account_not_found"
    title = N_("Bank account not found")
    detail = N_("No imported statement exists for account {account} of the bank {bank}.")


class BankUpstreamError(ProblemError):
    status = 502
    code = "bank_upstream_error"
    title = N_("Bank request failed")
    detail = N_("The bank {bank} failed to answer the request; try again later.")


class BankTimeoutError(ProblemError):
    status = 504
    code = "bank_timeout"
    title = N_("Bank request timed out")
    detail = N_("The bank {bank} did not answer within {seconds} seconds; try again later.")


class InvalidDateRangeError(ProblemError):
    status = 422
    code = "invalid_date_range"
    title = N_("Invalid date range")
    detail = N_(
        "The date range {start} to {end} is invalid: 'from' must not be after 'to', and the "
        "range may span at most {max_days} days."
    )
