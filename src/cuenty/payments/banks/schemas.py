"""Response bodies of /v1/banking: camelCase, amounts as numbers with two decimals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from cuenty.kit.api import ApiModel
from cuenty.kit.money import Money

Source = Literal["api", "statements"]


class BalanceOut(ApiModel):
    bank: str
    account_id: str
    available: Money = Field(description="Saldo disponible")
    booked: Money = Field(description="Saldo contable")
    currency: str = Field(examples=["MXN"])
    as_of: datetime = Field(description="Momento del saldo (UTC)")
    source: Source = Field(description="api: API del banco; statements: estados importados")


class TransactionOut(ApiModel):
    id: str
    date: date
    amount: Money = Field(description="Con signo: abonos positivos, cargos negativos")
    description: str
    tracking_key: str | None = None
    numeric_reference: str | None = None
    counterparty_account: str | None = None


class TransactionsOut(ApiModel):
    bank: str
    account_id: str
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    source: Source
    items: list[TransactionOut]


class ScheduledPaymentOut(ApiModel):
    id: str
    date: date
    amount: Money
    currency: str
    beneficiary_name: str | None = None
    beneficiary_account: str | None = None
    concept: str | None = None
    status: str | None = None


class ScheduledPaymentsOut(ApiModel):
    bank: str
    account_id: str
    items: list[ScheduledPaymentOut]
