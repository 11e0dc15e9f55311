"""Routes under /v1/payments: SPEI and CoDi instructions, and reading payments."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, status
from sqlalchemy import select

from cuenty.identity.access import Principal, require_access
from cuenty.kit import idempotency
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.clock import utc_now
from cuenty.kit.deps import DbSession
from cuenty.kit.errors import request_locale
from cuenty.orders import service as orders
from cuenty.payments import codi
from cuenty.payments.errors import PaymentNotFoundError
from cuenty.payments.instructions import Issuer, issue
from cuenty.payments.models import Method, PaymentRequest
from cuenty.payments.schemas import CodiOut, GenerateRequest, PaymentOut, SpeiOut
from cuenty.payments.settings import payment_settings

router = api_router(prefix="/v1/payments", tags=["payments"])

Payer = Annotated[Principal, Depends(require_access(scopes=("orders:write",)))]
Reader = Annotated[Principal, Depends(require_access(scopes=("orders:read",)))]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="Clave para reintentar sin duplicar (24 horas)"),
]


def issuer_for(request: Request) -> Issuer:
    settings = request.app.state.settings
    payments = payment_settings(request.app.state)
    provider = getattr(request.app.state, "codi_provider", None)
    if provider is None and payments.codi_provider_url:
        token = payments.codi_provider_token
        provider = codi.HttpCodiProvider(
            payments.codi_provider_url,
            token.get_secret_value() if token else None,
            name=payments.codi_provider_name,
        )
    return Issuer(
        settings=payments,
        company_name=settings.company_legal_name,
        production=settings.is_production,
        locale=request_locale(request),
        codi_provider=provider,
    )


@router.post(
    "/spei/generate",
    response_model=SpeiOut,
    status_code=status.HTTP_201_CREATED,
    summary="Instrucciones SPEI: la CLABE propia del pedido, referencia numérica y concepto",
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def generate_spei(
    body: GenerateRequest,
    request: Request,
    session: DbSession,
    principal: Payer,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    async def generate() -> dict[str, Any]:
        issued = await issue(
            session,
            issuer_for(request),
            order_id=body.order_id,
            amount=body.amount,
            method=Method.SPEI,
            principal=principal,
            now=utc_now(),
        )
        return SpeiOut.of(issued.request).model_dump(mode="json", by_alias=True)

    return await idempotency.respond_once(
        request,
        session,
        key=idempotency_key,
        principal=principal.key,
        status=status.HTTP_201_CREATED,
        action=generate,
    )


@router.post(
    "/codi/generate",
    response_model=CodiOut,
    status_code=status.HTTP_201_CREATED,
    summary="Cobro CoDi con QR; sin proveedor, el QR lleva los datos de la transferencia SPEI",
    responses=problem_responses(401, 403, 404, 409, 422, 502, 503),
)
async def generate_codi(
    body: GenerateRequest,
    request: Request,
    session: DbSession,
    principal: Payer,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    async def generate() -> dict[str, Any]:
        issuer = issuer_for(request)
        issued = await issue(
            session,
            issuer,
            order_id=body.order_id,
            amount=body.amount,
            method=Method.CODI,
            principal=principal,
            now=utc_now(),
        )
        return _codi_out(issued.request).model_dump(mode="json", by_alias=True)

    return await idempotency.respond_once(
        request,
        session,
        key=idempotency_key,
        principal=principal.key,
        status=status.HTTP_201_CREATED,
        action=generate,
    )


@router.get(
    "",
    response_model=list[PaymentOut],
    summary="Solicitudes de pago de un pedido (del cliente dueño o del personal)",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_payments(
    session: DbSession,
    principal: Reader,
    order_id: Annotated[uuid.UUID, Query(alias="orderId")],
) -> Any:
    await orders.get_order(session, order_id, principal)
    rows = await session.scalars(
        select(PaymentRequest)
        .where(PaymentRequest.order_id == order_id)
        .order_by(PaymentRequest.created_at.desc(), PaymentRequest.id)
    )
    return [PaymentOut.of(row).model_dump(mode="json", by_alias=True) for row in rows.all()]


@router.get(
    "/{payment_id}",
    response_model=PaymentOut,
    summary="Una solicitud de pago con lo pagado y el saldo",
    responses=problem_responses(401, 403, 404),
)
async def read_payment(payment_id: uuid.UUID, session: DbSession, principal: Reader) -> Any:
    payment = await session.get(PaymentRequest, payment_id)
    if payment is None or not (principal.is_staff or payment.user_id == principal.user_id):
        raise PaymentNotFoundError()
    return PaymentOut.of(payment).model_dump(mode="json", by_alias=True)


def _codi_out(payment: PaymentRequest) -> CodiOut:
    spei = SpeiOut.of(payment)
    assert payment.qr_content is not None
    from_provider = payment.codi_provider is not None
    return CodiOut(
        payment_id=payment.id,
        qr_code=codi.qr_data_uri(payment.qr_content),
        qr_content="codi" if from_provider else "spei_transfer_data",
        codi_available=from_provider,
        reference=spei.reference,
        clabe=spei.clabe,
        amount=spei.amount,
        expires_at=spei.expires_at,
        instructions=spei.instructions,
    )
