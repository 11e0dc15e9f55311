"""Routes under /v1/banking: balances, movements and scheduled payments of the company's
bank accounts, for operations staff."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from cuenty.identity.access import Principal, require_access
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.clock import business_date, utc_now
from cuenty.kit.deps import DbSession
from cuenty.payments.banks.base import InvalidDateRangeError
from cuenty.payments.banks.registry import gateway_for
from cuenty.payments.banks.schemas import (
    BalanceOut,
    ScheduledPaymentOut,
    ScheduledPaymentsOut,
    TransactionOut,
    TransactionsOut,
)

router = api_router(prefix="/v1/banking", tags=["payments"])

# One request covers at most this many days, because STP is asked once per day per type.
MAX_RANGE_DAYS = 31
BANK_ERRORS = problem_responses(401, 403, 404, 422, 502, 503, 504)

BankReader = Annotated[
    Principal,
    Depends(require_access(roles=("operations", "admin"), scopes=("payments:read",))),
]
AccountId = Annotated[
    str,
    Query(
        alias="accountId",
        min_length=1,
        max_length=40,
        pattern=r"^[0-9A-Za-z-]+$",
        description="Cuenta o CLABE de la empresa en ese banco",
    ),
]


@router.get(
    "/balance/{bank}",
    response_model=BalanceOut,
    summary="Saldo de una cuenta de la empresa (stp, bbva, santander o banorte)",
    responses=BANK_ERRORS,
)
async def get_balance(
    bank: str, account_id: AccountId, request: Request, session: DbSession, _: BankReader
) -> Any:
    gateway = await gateway_for(request.app.state, session, bank)
    balance = await gateway.balance(account_id)
    return BalanceOut(bank=bank, source=gateway.source, **asdict(balance))  # type: ignore[arg-type]


@router.get(
    "/{bank}/transactions",
    response_model=TransactionsOut,
    summary="Movimientos de una cuenta de la empresa entre dos fechas (hasta 31 días)",
    responses=BANK_ERRORS,
)
async def list_transactions(
    bank: str,
    account_id: AccountId,
    request: Request,
    session: DbSession,
    _: BankReader,
    date_from: Annotated[date | None, Query(alias="from", description="Fecha local")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Fecha local; hoy")] = None,
) -> Any:
    date_to = date_to or business_date(utc_now())
    date_from = date_from or date_to
    _check_range(date_from, date_to)
    gateway = await gateway_for(request.app.state, session, bank)
    found = await gateway.transactions(account_id, date_from, date_to)
    return TransactionsOut(
        bank=bank,
        account_id=account_id,
        date_from=date_from,
        date_to=date_to,
        source=gateway.source,  # type: ignore[arg-type]
        items=[TransactionOut(**asdict(item)) for item in found],
    )


@router.get(
    "/santander/scheduled-payments",
    response_model=ScheduledPaymentsOut,
    summary="Pagos programados de una cuenta en Santander",
    responses=BANK_ERRORS,
)
async def list_scheduled_payments(
    account_id: AccountId, request: Request, session: DbSession, _: BankReader
) -> Any:
    gateway = await gateway_for(request.app.state, session, "santander")
    found = await gateway.scheduled_payments(account_id)
    items = [ScheduledPaymentOut(**asdict(item)) for item in found]
    return ScheduledPaymentsOut(bank="santander", account_id=account_id, items=items)


def _check_range(date_from: date, date_to: date) -> None:
    span = (date_to - date_from).days + 1
    if date_from > date_to or span > MAX_RANGE_DAYS:
        params = {"start": date_from, "end": date_to, "max_days": MAX_RANGE_DAYS}
        raise InvalidDateRangeError(params=params)
