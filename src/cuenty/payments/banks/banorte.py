"""Banorte accounts API (contracted; its reference is private), over OAuth2.

Assumed response shapes, in Spanish field names, to be checked against the contract before
going live:

- balance: `{"saldoDisponible": "1500.00", "saldoContable": "1600.00", "moneda": "MXN",
  "fechaHora": "2026-11-30T10:00:00-06:00"}`
- transactions: `{"movimientos": [{"folio": "...", "fecha": "2026-11-30",
  "importe": "250.00", "tipo": "ABONO" | "CARGO", "concepto": "...",
  "claveRastreo": "...", "referenciaNumerica": "...", "cuentaContraparte": "..."}]}`
  with unsigned amounts; ABONO is a credit and CARGO a debit.
"""

from __future__ import annotations

from typing import Any

from cuenty.kit.clock import utc_now
from cuenty.payments.banks.base import Balance, BankTransaction
from cuenty.payments.banks.http import optional_text, to_amount, to_date, to_datetime
from cuenty.payments.banks.oauth import OAuthGateway


class BanorteGateway(OAuthGateway):
    bank = "banorte"

    def parse_balance(self, account_id: str, document: Any) -> Balance:
        as_of = document.get("fechaHora")
        return Balance(
            account_id=account_id,
            available=to_amount(document["saldoDisponible"]),
            booked=to_amount(document["saldoContable"]),
            currency=str(document.get("moneda") or "MXN"),
            as_of=to_datetime(as_of) if as_of else utc_now(),
        )

    def parse_transactions(self, document: Any) -> list[BankTransaction]:
        return [_transaction(item) for item in document["movimientos"]]


def _transaction(item: dict[str, Any]) -> BankTransaction:
    amount = abs(to_amount(item["importe"]))
    kind = str(item["tipo"]).upper()
    if kind not in ("ABONO", "CARGO"):
        raise ValueError(f"unknown movement type {kind!r}")
    return BankTransaction(
        id=str(item["folio"]),
        date=to_date(item["fecha"]),
        amount=amount if kind == "ABONO" else -amount,
        description=str(item.get("concepto") or ""),
        tracking_key=optional_text(item.get("claveRastreo")),
        numeric_reference=optional_text(item.get("referenciaNumerica")),
        counterparty_account=optional_text(item.get("cuentaContraparte")),
    )
