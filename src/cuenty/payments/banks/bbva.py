"""BBVA México accounts API (contracted; its reference is private), over OAuth2.

Assumed response shapes, to be checked against the contract before going live:

- balance: `{"data": {"availableBalance": {"amount": "1500.00", "currency": "MXN"},
  "currentBalance": {"amount": "1600.00", "currency": "MXN"},
  "balanceDate": "2026-11-30T10:00:00-06:00"}}`
- transactions: `{"data": [{"id": "...", "operationDate": "2026-11-30",
  "amount": {"amount": "-250.00", "currency": "MXN"}, "description": "...",
  "trackingKey": "...", "numericReference": "1234567", "counterpartAccount": "..."}]}`
  with signed amounts, credits positive.
"""

from __future__ import annotations

from typing import Any

from cuenty.kit.clock import utc_now
from cuenty.payments.banks.base import Balance, BankTransaction
from cuenty.payments.banks.http import optional_text, to_amount, to_date, to_datetime
from cuenty.payments.banks.oauth import OAuthGateway


class BbvaGateway(OAuthGateway):
    bank = "bbva"

    def parse_balance(self, account_id: str, document: Any) -> Balance:
        data = document["data"]
        available = data["availableBalance"]
        as_of = data.get("balanceDate")
        return Balance(
            account_id=account_id,
            available=to_amount(available["amount"]),
            booked=to_amount(data["currentBalance"]["amount"]),
            currency=str(available.get("currency") or "MXN"),
            as_of=to_datetime(as_of) if as_of else utc_now(),
        )

    def parse_transactions(self, document: Any) -> list[BankTransaction]:
        return [_transaction(item) for item in document["data"]]


def _transaction(item: dict[str, Any]) -> BankTransaction:
    return BankTransaction(
        id=str(item["id"]),
        date=to_date(item["operationDate"]),
        amount=to_amount(item["amount"]["amount"]),
        description=str(item.get("description") or ""),
        tracking_key=optional_text(item.get("trackingKey")),
        numeric_reference=optional_text(item.get("numericReference")),
        counterparty_account=optional_text(item.get("counterpartAccount")),
    )
