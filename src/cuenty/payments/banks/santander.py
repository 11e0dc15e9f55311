"""Santander México accounts API (contracted; its reference is private), over OAuth2.

It is the only adapter that lists scheduled payments. Assumed response shapes, to be
checked against the contract before going live:

- balance: `{"availableBalance": "1500.00", "ledgerBalance": "1600.00", "currency": "MXN",
  "balanceDateTime": "2026-11-30T10:00:00Z"}`
- transactions: `{"transactions": [{"transactionId": "...", "bookingDate": "2026-11-30",
  "amount": "250.00", "creditDebitIndicator": "CREDIT" | "DEBIT",
  "remittanceInformation": "...", "trackingKey": "...", "numericReference": "...",
  "counterpartyAccount": "..."}]}` with unsigned amounts and the indicator giving the sign.
- scheduled payments: `{"scheduledPayments": [{"paymentId": "...",
  "executionDate": "2026-12-01", "amount": "99.00", "currency": "MXN",
  "beneficiaryName": "...", "beneficiaryAccount": "...", "concept": "...",
  "status": "SCHEDULED"}]}`
"""

from __future__ import annotations

from typing import Any

from cuenty.kit.clock import utc_now
from cuenty.payments.banks.base import Balance, BankTransaction, ScheduledPayment
from cuenty.payments.banks.http import (
    optional_text,
    to_amount,
    to_date,
    to_datetime,
    unexpected_shape,
)
from cuenty.payments.banks.oauth import OAuthGateway


class SantanderGateway(OAuthGateway):
    bank = "santander"

    def parse_balance(self, account_id: str, document: Any) -> Balance:
        as_of = document.get("balanceDateTime")
        return Balance(
            account_id=account_id,
            available=to_amount(document["availableBalance"]),
            booked=to_amount(document["ledgerBalance"]),
            currency=str(document.get("currency") or "MXN"),
            as_of=to_datetime(as_of) if as_of else utc_now(),
        )

    def parse_transactions(self, document: Any) -> list[BankTransaction]:
        return [_transaction(item) for item in document["transactions"]]

    async def scheduled_payments(self, account_id: str) -> list[ScheduledPayment]:
        template = self.config.scheduled_payments_path
        assert template is not None, "the Santander config always has this path"
        document = await self.client.get_json(self._path(template, account_id))
        try:
            return [_scheduled(item) for item in document["scheduledPayments"]]
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            raise unexpected_shape(self.bank, "scheduled-payments", error) from error


def _transaction(item: dict[str, Any]) -> BankTransaction:
    amount = abs(to_amount(item["amount"]))
    indicator = str(item["creditDebitIndicator"]).upper()
    if indicator not in ("CREDIT", "DEBIT"):
        raise ValueError(f"unknown creditDebitIndicator {indicator!r}")
    return BankTransaction(
        id=str(item["transactionId"]),
        date=to_date(item["bookingDate"]),
        amount=amount if indicator == "CREDIT" else -amount,
        description=str(item.get("remittanceInformation") or ""),
        tracking_key=optional_text(item.get("trackingKey")),
        numeric_reference=optional_text(item.get("numericReference")),
        counterparty_account=optional_text(item.get("counterpartyAccount")),
    )


def _scheduled(item: dict[str, Any]) -> ScheduledPayment:
    return ScheduledPayment(
        id=str(item["paymentId"]),
        date=to_date(item["executionDate"]),
        amount=to_amount(item["amount"]),
        currency=str(item.get("currency") or "MXN"),
        beneficiary_name=optional_text(item.get("beneficiaryName")),
        beneficiary_account=optional_text(item.get("beneficiaryAccount")),
        concept=optional_text(item.get("concept")),
        status=optional_text(item.get("status")),
    )
