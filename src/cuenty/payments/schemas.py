"""Request and response bodies of /v1/payments, camelCase on the wire."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from cuenty.kit.api import ApiModel, RequestModel
from cuenty.kit.money import Money
from cuenty.payments.models import OPEN_REQUEST_STATES, PaymentRequest, Reconciliation

EXAMPLE_CLABE = "646180157000000004"


class GenerateRequest(RequestModel):
    order_id: uuid.UUID
    amount: Money = Field(description="Saldo pendiente del pedido, en MXN", examples=[299.0])


class Instructions(ApiModel):
    banco: str = Field(examples=["STP"], description="Banco de la CLABE")
    beneficiario: str = Field(examples=["CUENTY S.A. de C.V."])
    concepto: str = Field(max_length=39, examples=["Pago CTY-20261204-K7M2QX"])


class SpeiOut(ApiModel):
    payment_id: uuid.UUID
    reference: str = Field(pattern=r"^\d{7}$", examples=["0000004"])
    clabe: str = Field(examples=[EXAMPLE_CLABE], description="CLABE propia del pedido")
    amount: Money
    expires_at: datetime
    instructions: Instructions

    @classmethod
    def of(cls, request: PaymentRequest) -> SpeiOut:
        return cls(
            payment_id=request.id,
            reference=request.reference,
            clabe=request.clabe,
            amount=request.amount - request.amount_paid,
            expires_at=request.expires_at,
            instructions=Instructions(
                banco=request.bank_name,
                beneficiario=request.beneficiary,
                concepto=request.concept,
            ),
        )


class CodiOut(ApiModel):
    payment_id: uuid.UUID
    qr_code: str = Field(description="data:image/png;base64,...")
    qr_content: Literal["codi", "spei_transfer_data"] = Field(
        description="codi: mensaje de cobro emitido por el proveedor CoDi; spei_transfer_data: "
        "no hay proveedor configurado y el QR lleva los datos de la transferencia SPEI en texto"
    )
    codi_available: bool
    reference: str
    clabe: str
    amount: Money
    expires_at: datetime
    instructions: Instructions


class ReceivedOut(ApiModel):
    id: uuid.UUID
    source: str
    state: str
    amount: Money
    tracking_key: str | None = None
    operation_date: date
    sender_institution: str | None = None
    numeric_reference: str | None = None
    settled_at: datetime | None = None
    received_at: datetime


class PaymentOut(ApiModel):
    id: uuid.UUID
    order_id: uuid.UUID
    method: Literal["spei", "codi"]
    state: Literal["pending", "partially_paid", "paid", "expired", "cancelled"]
    reference: str
    clabe: str
    amount: Money = Field(description="Importe pedido al emitir las instrucciones")
    amount_paid: Money
    balance_due: Money = Field(
        description="Lo que falta por pagar de esta solicitud; 0 si ya no está abierta"
    )
    expires_at: datetime
    paid_at: datetime | None = None
    created_at: datetime
    instructions: Instructions

    @classmethod
    def of(cls, request: PaymentRequest) -> PaymentOut:
        return cls(
            id=request.id,
            order_id=request.order_id,
            method=request.method,  # type: ignore[arg-type]
            state=request.state,  # type: ignore[arg-type]
            reference=request.reference,
            clabe=request.clabe,
            amount=request.amount,
            amount_paid=request.amount_paid,
            balance_due=(
                max(request.amount - request.amount_paid, 0)
                if request.state in OPEN_REQUEST_STATES
                else 0
            ),
            expires_at=request.expires_at,
            paid_at=request.paid_at,
            created_at=request.created_at,
            instructions=Instructions(
                banco=request.bank_name,
                beneficiario=request.beneficiary,
                concepto=request.concept,
            ),
        )


class TransferOut(ReceivedOut):
    """A received transfer as operations see it, with the reason it waits for review."""

    beneficiary_account: str | None = None
    concept: str | None = None
    sender_name: str | None = None
    sender_account: str | None = None
    review_reason: str | None = None
    cep_status: str | None = None


class MatchOut(ApiModel):
    id: uuid.UUID
    transfer_id: uuid.UUID
    order_id: uuid.UUID
    payment_request_id: uuid.UUID | None = None
    rule: str
    amount: Money
    excess: Money
    reason: str | None = None
    undone_at: datetime | None = None
    created_at: datetime

    @classmethod
    def of(cls, row: Reconciliation) -> MatchOut:
        return cls.model_validate(row)


class ManualMatch(RequestModel):
    order_id: uuid.UUID
    reason: str = Field(min_length=3, max_length=300)


class Unmatch(RequestModel):
    reason: str = Field(min_length=3, max_length=300)


class RunOut(ApiModel):
    message: str = Field(examples=["Reconciliación completada"])
    total: int
    reconciled: int
    review: int
    by_rule: dict[str, int]
    skipped: bool = Field(
        default=False, description="Otra conciliación estaba en curso; esta no hizo nada"
    )


class CreditOut(ApiModel):
    id: uuid.UUID
    user_id: uuid.UUID
    transfer_id: uuid.UUID
    order_id: uuid.UUID | None = None
    amount: Money
    state: str
    created_at: datetime


class RejectedOut(ApiModel):
    line: int | None = None
    reason: str


class ImportOut(ApiModel):
    import_id: uuid.UUID
    file_name: str
    format: str
    lines_read: int
    credits: int
    debits: int
    duplicates: int = Field(description="Líneas ya importadas antes; no cambian nada")
    returned: int = Field(description="Depósitos devueltos o revertidos en este archivo")
    new_transfers: int
    already_reported: int = Field(
        default=0,
        description="Abonos que otra fuente (STP, un banco, otro archivo) ya había avisado",
    )
    foreign_currency: int = Field(
        description="Abonos en otra moneda: quedan como líneas del estado, sin pagar pedidos"
    )
    rejected: list[RejectedOut]
