"""Tables of payments: order CLABEs, payment requests, received transfers, reconciliations,
bank notifications, imported statements and customer credit.

Money is Numeric(12, 2) in MXN. A received transfer is stored once, under its natural key;
everything that credits an order goes through a `transaction_reconciliation` row.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from cuenty.kit.db import Base, UTCDateTime, created_at_column, updated_at_column

MONEY = Numeric(12, 2)


class Method(StrEnum):
    SPEI = "spei"
    CODI = "codi"


class RequestState(StrEnum):
    PENDING = "pending"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


OPEN_REQUEST_STATES = (RequestState.PENDING.value, RequestState.PARTIALLY_PAID.value)


class TransferSource(StrEnum):
    STP_NOTIFICATION = "stp_notification"
    BANK_NOTIFICATION = "bank_notification"
    STATEMENT = "statement"
    STP_LIST = "stp_list"


class TransferState(StrEnum):
    UNMATCHED = "unmatched"  # waiting for the next reconciliation run
    MATCHED = "matched"  # credited to an order
    REVIEW = "review"  # no rule matched; operations decide
    RETURNED = "returned"  # sent back or reversed; credits nothing


class Rule(StrEnum):
    CLABE = "clabe"
    REFERENCE_AMOUNT = "reference_amount"
    AMOUNT_WINDOW = "amount_window"
    MANUAL = "manual"


class PaymentSequence(Base):
    """Next CLABE sequence number per company prefix, for SQLite (PostgreSQL uses a SEQUENCE)."""

    __tablename__ = "payment_sequences"

    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    last_value: Mapped[int] = mapped_column(BigInteger, default=0)


class OrderClabe(Base):
    """The CLABE routed to the company that belongs to one order, for good.

    A deposit to it pays that order, with any reference, even after the instructions
    expired.
    """

    __tablename__ = "payment_order_clabes"

    clabe: Mapped[str] = mapped_column(String(18), primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="RESTRICT"), unique=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    sequence: Mapped[int] = mapped_column(BigInteger)
    # The 7-digit numeric reference the customer may type; the sequence, zero-padded.
    reference: Mapped[str] = mapped_column(String(7), index=True)
    created_at: Mapped[datetime] = created_at_column()


class PaymentRequest(Base):
    """Instructions given to a customer to pay an order's balance by SPEI or CoDi."""

    __tablename__ = "payment_requests"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("amount_paid >= 0", name="amount_paid_not_negative"),
        Index("ix_payment_requests_state_expires_at", "state", "expires_at"),
        Index("ix_payment_requests_order_id_created_at", "order_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    method: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default=RequestState.PENDING.value)
    clabe: Mapped[str] = mapped_column(ForeignKey("payment_order_clabes.clabe"))
    reference: Mapped[str] = mapped_column(String(7), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    amount_paid: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    bank_name: Mapped[str] = mapped_column(String(80))
    beneficiary: Mapped[str] = mapped_column(String(120))
    concept: Mapped[str] = mapped_column(String(39))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # CoDi only: the provider that issued the message, its id, and the QR's text.
    codi_provider: Mapped[str | None] = mapped_column(String(40))
    codi_provider_id: Mapped[str | None] = mapped_column(String(120))
    qr_content: Mapped[str | None] = mapped_column(String(4000))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class ReceivedTransfer(Base):
    """One incoming SPEI transfer (or statement credit), stored once under its natural key.

    `natural_key` is "spei|<claveRastreo>|<fechaOperacion>|<institucionOrdenante>" when the
    three are known, else a key of the source (bank notification id, statement line key).
    """

    __tablename__ = "received_transfers"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_received_transfers_state_received_at", "state", "received_at"),
        Index(
            "ix_received_transfers_tracking_key_operation_date", "tracking_key", "operation_date"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    natural_key: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(12), default=TransferState.UNMATCHED.value)
    tracking_key: Mapped[str | None] = mapped_column(String(40))
    operation_date: Mapped[date] = mapped_column(Date)
    sender_institution: Mapped[str | None] = mapped_column(String(5))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    beneficiary_account: Mapped[str | None] = mapped_column(String(18), index=True)
    numeric_reference: Mapped[str | None] = mapped_column(String(7))
    concept: Mapped[str | None] = mapped_column(String(210))
    sender_name: Mapped[str | None] = mapped_column(String(120))
    sender_account: Mapped[str | None] = mapped_column(String(20))
    sender_rfc: Mapped[str | None] = mapped_column(String(18))
    provider_id: Mapped[str | None] = mapped_column(String(60))
    codi_folio: Mapped[str | None] = mapped_column(String(40))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Why it is in review, or why it was returned: a message id.
    review_reason: Mapped[str | None] = mapped_column(String(120))
    # STP return cause sent with "devolver", repeated when STP retries the notification.
    return_cause: Mapped[int | None] = mapped_column(Integer)
    # Banxico's electronic payment receipt check, when one was asked for.
    cep_status: Mapped[str | None] = mapped_column(String(16))
    cep_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cep_details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class Reconciliation(Base):
    """One credit of a received transfer (or part of it) to an order, with the rule that
    matched. An undone credit keeps its row with `undone_at` and the reason."""

    __tablename__ = "transaction_reconciliation"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_transaction_reconciliation_order_id", "order_id"),
        Index("ix_transaction_reconciliation_transfer_id", "transfer_id"),
        # A transfer has at most one active credit: the database refuses a second one.
        Index(
            "uq_transaction_reconciliation_active_transfer",
            "transfer_id",
            unique=True,
            postgresql_where=text("undone_at IS NULL"),
            sqlite_where=text("undone_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    transfer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("received_transfers.id", ondelete="RESTRICT")
    )
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"))
    payment_request_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payment_requests.id", ondelete="RESTRICT")
    )
    rule: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    # Part of the transfer above the order's balance, kept as customer credit.
    excess: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(300))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undo_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = created_at_column()


class CustomerCredit(Base):
    """Money of a customer held by the company: an over-payment, or a deposit for an order
    that could no longer take it. Operations refund it or apply it."""

    __tablename__ = "payment_customer_credits"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        # One live credit per transfer; an undone one stays as "void" beside a new one.
        Index(
            "uq_payment_customer_credits_live_transfer",
            "transfer_id",
            unique=True,
            postgresql_where=text("state <> 'void'"),
            sqlite_where=text("state <> 'void'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    transfer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("received_transfers.id", ondelete="RESTRICT")
    )
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("orders.id"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    state: Mapped[str] = mapped_column(String(16), default="available")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class BankWebhook(Base):
    """One authenticated bank notification, stored once per (bank, type, transaction id).

    The type is part of the key because a bank may reuse a deposit's transaction id for its
    return.
    """

    __tablename__ = "bank_webhooks"
    __table_args__ = (UniqueConstraint("bank_code", "webhook_type", "transaction_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    bank_code: Mapped[str] = mapped_column(String(20))
    webhook_type: Mapped[str] = mapped_column(String(40))
    transaction_id: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("received_transfers.id"))
    result: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StatementImport(Base):
    """One imported statement file and its report."""

    __tablename__ = "payment_statement_imports"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(24))
    bank: Mapped[str | None] = mapped_column(String(20))
    account_id: Mapped[str | None] = mapped_column(String(40))
    lines_read: Mapped[int] = mapped_column(Integer)
    credits: Mapped[int] = mapped_column(Integer)
    debits: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    opening_balance: Mapped[Decimal | None] = mapped_column(MONEY)
    closing_balance: Mapped[Decimal | None] = mapped_column(MONEY)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()


class BankStatementLine(Base):
    """One booked movement of a company account, from an imported statement."""

    __tablename__ = "bank_statement_lines"
    __table_args__ = (
        Index(
            "ix_bank_statement_lines_bank_account_id_booking_date",
            "bank",
            "account_id",
            "booking_date",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    line_key: Mapped[str] = mapped_column(String(64), unique=True)
    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payment_statement_imports.id", ondelete="CASCADE"), index=True
    )
    bank: Mapped[str | None] = mapped_column(String(20))
    account_id: Mapped[str | None] = mapped_column(String(40))
    booking_date: Mapped[date] = mapped_column(Date)
    value_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY)  # signed: credits positive
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(String(500))
    tracking_key: Mapped[str | None] = mapped_column(String(40))
    numeric_reference: Mapped[str | None] = mapped_column(String(7))
    counterparty_account: Mapped[str | None] = mapped_column(String(34))
    reversal: Mapped[bool] = mapped_column(default=False)
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("received_transfers.id"))
    created_at: Mapped[datetime] = created_at_column()
