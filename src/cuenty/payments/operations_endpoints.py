"""Routes for operations staff: statement import, reconciliation runs and the review queue."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, File, Form, Query, Request, UploadFile, status
from sqlalchemy import select

from cuenty.identity.access import Principal, require_access
from cuenty.kit.actor import Actor
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.clock import utc_now
from cuenty.kit.deps import DbSession
from cuenty.kit.errors import PayloadTooLargeError, request_locale
from cuenty.kit.i18n import N_, translate
from cuenty.kit.net import client_ip
from cuenty.kit.pagination import Page, PageParams, page_params, paginate
from cuenty.payments import reconciliation
from cuenty.payments.importer import import_file
from cuenty.payments.models import CustomerCredit, ReceivedTransfer, TransferState
from cuenty.payments.schemas import (
    CreditOut,
    ImportOut,
    ManualMatch,
    MatchOut,
    RunOut,
    TransferOut,
    Unmatch,
)
from cuenty.payments.settings import payment_settings
from cuenty.payments.statements import MAX_STATEMENT_BYTES

router = api_router(prefix="/v1/payments", tags=["payments"])

Operator = Annotated[
    Principal,
    Depends(require_access(roles=("operations", "admin"), scopes=("payments:write",))),
]
Viewer = Annotated[
    Principal,
    Depends(require_access(roles=("operations", "admin"), scopes=("payments:read",))),
]
Pages = Annotated[PageParams, Depends(page_params)]
COMPLETED = N_("Reconciliation completed")
ALREADY_RUNNING = N_("Another reconciliation is running; try again when it ends")


@router.post(
    "/statements",
    response_model=ImportOut,
    status_code=status.HTTP_201_CREATED,
    summary="Importar un estado de cuenta (MT940/MT942, camt.053/054, OFX, CSV de BBVA, "
    "Santander o Banorte) o una lista de abonos de STP, hasta 20 MiB",
    responses=problem_responses(401, 403, 413, 422),
)
async def upload_statement(
    request: Request,
    session: DbSession,
    principal: Operator,
    file: Annotated[UploadFile, File(description="El archivo del banco, sin modificar")],
    bank: Annotated[str | None, Form(max_length=20, description="stp, bbva, ...")] = None,
) -> Any:
    data = await file.read(MAX_STATEMENT_BYTES + 1)
    if len(data) > MAX_STATEMENT_BYTES:
        raise PayloadTooLargeError(params={"limit": MAX_STATEMENT_BYTES})
    report = await import_file(
        session,
        data,
        file.filename or "statement",
        actor=Actor.of(principal.user_id, is_staff=True),
        now=utc_now(),
        locale=request_locale(request),
        bank=bank.lower() if bank else None,
    )
    return ImportOut.model_validate(report).model_dump(mode="json", by_alias=True)


@router.post(
    "/reconciliation/auto",
    response_model=RunOut,
    summary="Conciliar ahora los depósitos pendientes (también corre cada 15 minutos)",
    responses=problem_responses(401, 403),
)
async def run_reconciliation(request: Request, session: DbSession, principal: Operator) -> Any:
    settings = payment_settings(request.app.state)
    # Through the lease and in batches of its own, like the 15-minute job: two runs asked for
    # at once never work together.
    report = await reconciliation.run_batches(
        request.app.state.session_factory, tolerance=settings.amount_tolerance, now=utc_now()
    )
    message = ALREADY_RUNNING if report.skipped else COMPLETED
    return RunOut(
        message=translate(request_locale(request), message),
        total=report.total,
        reconciled=report.reconciled,
        review=report.review,
        by_rule=report.by_rule,
        skipped=report.skipped,
    ).model_dump(mode="json", by_alias=True)


@router.get(
    "/reconciliation/unmatched",
    response_model=Page[TransferOut],
    summary="Depósitos en revisión: ninguna regla los asoció a un pedido",
    responses=problem_responses(401, 403),
)
async def list_unmatched(
    request: Request, session: DbSession, principal: Viewer, pages: Pages
) -> Any:
    waiting = ReceivedTransfer.state.in_(
        (TransferState.REVIEW.value, TransferState.UNMATCHED.value)
    )
    # A deposit returned after its order was paid needs a person too.
    returned_after_payment = (ReceivedTransfer.state == TransferState.RETURNED.value) & (
        ReceivedTransfer.review_reason.is_not(None)
    )
    query = select(ReceivedTransfer).where(waiting | returned_after_payment)
    rows, following = await paginate(
        session,
        query,
        key_columns=[ReceivedTransfer.received_at, ReceivedTransfer.id],
        params=pages,
        request=request,
    )
    locale = request_locale(request)
    return {"items": [_transfer_out(row, locale) for row in rows], "next": following}


@router.post(
    "/reconciliation/transfers/{transfer_id}/match",
    response_model=MatchOut,
    status_code=status.HTTP_201_CREATED,
    summary="Asociar a mano un depósito en revisión con un pedido (queda auditado)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def match_by_hand(
    transfer_id: uuid.UUID,
    body: ManualMatch,
    request: Request,
    session: DbSession,
    principal: Operator,
) -> Any:
    row = await reconciliation.manual_match(
        session,
        transfer_id,
        body.order_id,
        reason=body.reason,
        actor=Actor.of(principal.user_id, is_staff=True),
        now=utc_now(),
        context=_audit_context(request),
    )
    return MatchOut.of(row).model_dump(mode="json", by_alias=True)


@router.post(
    "/reconciliation/matches/{reconciliation_id}/unmatch",
    response_model=TransferOut,
    summary="Deshacer una asociación de un pedido aún sin pagar; el depósito vuelve a revisión",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def unmatch_by_hand(
    reconciliation_id: uuid.UUID,
    body: Unmatch,
    request: Request,
    session: DbSession,
    principal: Operator,
) -> Any:
    transfer = await reconciliation.unmatch(
        session,
        reconciliation_id,
        reason=body.reason,
        actor=Actor.of(principal.user_id, is_staff=True),
        now=utc_now(),
        context=_audit_context(request),
    )
    return _transfer_out(transfer, request_locale(request))


@router.get(
    "/credits",
    response_model=list[CreditOut],
    summary="Saldo a favor de clientes: sobrepagos y depósitos que no pudieron aplicarse",
    responses=problem_responses(401, 403, 422),
)
async def list_credits(
    session: DbSession,
    principal: Viewer,
    user_id: Annotated[uuid.UUID | None, Query(alias="userId")] = None,
) -> Any:
    query = select(CustomerCredit).order_by(CustomerCredit.created_at.desc()).limit(200)
    if user_id is not None:
        query = query.where(CustomerCredit.user_id == user_id)
    rows = (await session.scalars(query)).all()
    return [CreditOut.model_validate(row).model_dump(mode="json", by_alias=True) for row in rows]


def _audit_context(request: Request) -> reconciliation.AuditContext:
    return reconciliation.AuditContext(
        ip_address=client_ip(request, request.app.state.settings.trusted_proxies),
        request_id=getattr(request.state, "request_id", None),
    )


def _transfer_out(transfer: ReceivedTransfer, locale: str) -> dict[str, Any]:
    reason = translate(locale, transfer.review_reason) if transfer.review_reason else None
    data = TransferOut.model_validate(transfer).model_copy(update={"review_reason": reason})
    return data.model_dump(mode="json", by_alias=True)
