"""Route under /v1/payments that checks a received transfer against Banxico's CEP."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Request

from cuenty.identity.access import Principal, require_access
from cuenty.kit.api import ApiModel, api_router, problem_responses
from cuenty.kit.deps import DbSession
from cuenty.kit.errors import NotFoundError
from cuenty.kit.i18n import N_
from cuenty.payments.banks.settings import bank_settings
from cuenty.payments.cep import check_transfer
from cuenty.payments.models import ReceivedTransfer

router = api_router(prefix="/v1/payments", tags=["payments"])

PaymentWriter = Annotated[
    Principal,
    Depends(require_access(roles=("operations", "admin"), scopes=("payments:write",))),
]


class TransferNotFoundError(NotFoundError):
    code = "transfer_not_found"
    title = N_("Transfer not found")
    detail = N_("No received transfer has the id {transfer_id}.")


class CepCheckOut(ApiModel):
    transfer_id: uuid.UUID
    status: Literal["validated", "not_found", "not_available"]
    checked_at: datetime
    details: dict[str, Any]


@router.post(
    "/transfers/{transfer_id}/cep",
    response_model=CepCheckOut,
    summary="Verificar una transferencia recibida con el CEP de Banxico",
    responses=problem_responses(401, 403, 404, 409, 502, 504),
)
async def check_cep(
    transfer_id: uuid.UUID,
    request: Request,
    session: DbSession,
    _: PaymentWriter,
) -> Any:
    transfer = await session.get(ReceivedTransfer, transfer_id)
    if transfer is None:
        raise TransferNotFoundError(params={"transfer_id": transfer_id})
    await check_transfer(session, transfer, bank_settings(request.app.state))
    return CepCheckOut(
        transfer_id=transfer.id,
        status=transfer.cep_status,  # type: ignore[arg-type]
        checked_at=transfer.cep_checked_at,  # type: ignore[arg-type]
        details=transfer.cep_details or {},
    )
