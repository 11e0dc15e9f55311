"""Gateway fed by imported statements, for banks whose API is not configured.

The balance is the closing balance of the latest `payment_statement_imports` row for the
(bank, account), and transactions are its `bank_statement_lines` rows between two booking
dates. It is only as fresh as the last import; `as_of` is that import's time.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.payments.banks.base import (
    Balance,
    BankAccountNotFoundError,
    BankGateway,
    BankTransaction,
)
from cuenty.payments.models import BankStatementLine, StatementImport


class FileGateway(BankGateway):
    source = "statements"

    def __init__(self, session: AsyncSession, bank: str) -> None:
        self.session = session
        self.bank = bank  # type: ignore[misc]

    async def balance(self, account_id: str) -> Balance:
        query = (
            select(StatementImport)
            .where(
                StatementImport.bank == self.bank,
                StatementImport.account_id == account_id,
                StatementImport.closing_balance.is_not(None),
            )
            .order_by(StatementImport.created_at.desc(), StatementImport.id.desc())
            .limit(1)
        )
        latest = await self.session.scalar(query)
        if latest is None or latest.closing_balance is None:
            params = {"bank": self.bank, "account": account_id}
            raise BankAccountNotFoundError(params=params)
        # A statement states one closing balance, so it is both the available and booked one.
        return Balance(
            account_id=account_id,
            available=latest.closing_balance,
            booked=latest.closing_balance,
            currency="MXN",
            as_of=latest.created_at,
        )

    async def transactions(
        self, account_id: str, date_from: date, date_to: date
    ) -> list[BankTransaction]:
        query = (
            select(BankStatementLine)
            .where(
                BankStatementLine.bank == self.bank,
                BankStatementLine.account_id == account_id,
                BankStatementLine.booking_date >= date_from,
                BankStatementLine.booking_date <= date_to,
            )
            .order_by(BankStatementLine.booking_date, BankStatementLine.created_at)
        )
        lines = (await self.session.scalars(query)).all()
        return [
            BankTransaction(
                id=str(line.id),
                date=line.booking_date,
                amount=line.amount,
                description=line.description,
                tracking_key=line.tracking_key,
                numeric_reference=line.numeric_reference,
                counterparty_account=line.counterparty_account,
            )
            for line in lines
        ]


async def has_statements(session: AsyncSession, bank: str) -> bool:
    """Tell whether any statement of `bank` was imported."""
    query = select(exists().where(StatementImport.bank == bank))
    return bool(await session.scalar(query))
