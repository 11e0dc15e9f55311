"""Routes under /v1/orders: place, list, read and cancel orders; staff confirm payments."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, status

from cuenty.identity.access import Principal, require_access
from cuenty.kit import idempotency
from cuenty.kit.actor import Actor
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.clock import utc_now
from cuenty.kit.deps import DbSession
from cuenty.kit.pagination import Page, PageParams, page_params, paginate
from cuenty.orders import service
from cuenty.orders.models import Order
from cuenty.orders.schemas import (
    CancelRequest,
    ConfirmPayment,
    OrderCreate,
    OrderFilters,
    OrderOut,
    OrderStateField,
    PaymentStateField,
    StaffOrderOut,
)
from cuenty.orders.settings import payment_window

router = api_router(prefix="/v1/orders", tags=["subscriptions"])

Reader = Annotated[Principal, Depends(require_access(scopes=("orders:read",)))]
Writer = Annotated[Principal, Depends(require_access(scopes=("orders:write",)))]
PaymentConfirmer = Annotated[
    Principal,
    Depends(require_access(roles=("operations", "admin"), scopes=("payments:write",))),
]
Pages = Annotated[PageParams, Depends(page_params)]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="Clave para reintentar sin duplicar (24 horas)"),
]


@router.post(
    "",
    response_model=OrderOut,
    status_code=status.HTTP_201_CREATED,
    summary="Hacer un pedido de planes o combos, con código de promoción opcional",
    responses=problem_responses(401, 403, 409, 422),
)
async def place_order(
    body: OrderCreate,
    request: Request,
    session: DbSession,
    principal: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    async def place() -> dict[str, Any]:
        assert principal.user_id is not None
        order = await service.place_order(
            session,
            user_id=principal.user_id,
            items=body.items,
            promotion_code=body.promotion_code,
            actor=Actor("customer", principal.user_id),
            now=utc_now(),
            payment_window=payment_window(request.app.state),
        )
        items = await service.order_items(session, order.id)
        view = OrderOut.of(order, items, staff=principal.is_staff)
        return view.model_dump(mode="json", by_alias=True, exclude_none=True)

    return await idempotency.respond_once(
        request,
        session,
        key=idempotency_key,
        principal=principal.key,
        status=status.HTTP_201_CREATED,
        action=place,
    )


@router.get(
    "",
    response_model=Page[StaffOrderOut] | Page[OrderOut],
    response_model_exclude_none=True,
    summary="Pedidos: los propios; el personal ve todos y puede filtrar",
    responses=problem_responses(401, 403),
)
async def list_orders(
    request: Request,
    session: DbSession,
    principal: Reader,
    pages: Pages,
    state: Annotated[OrderStateField | None, Query()] = None,
    payment_state: Annotated[PaymentStateField | None, Query(alias="paymentState")] = None,
    user_id: Annotated[uuid.UUID | None, Query(alias="userId")] = None,
    created_from: Annotated[date | None, Query(alias="from", description="Fecha local")] = None,
    created_to: Annotated[date | None, Query(alias="to", description="Fecha local")] = None,
) -> Any:
    filters = OrderFilters(
        state=state,
        payment_state=payment_state,
        user_id=user_id,
        created_from=created_from,
        created_to=created_to,
    )
    rows, following = await paginate(
        session,
        service.orders_query(principal, filters),
        key_columns=[Order.created_at, Order.id],
        params=pages,
        request=request,
        descending=True,
    )
    items = [
        OrderOut.of(row, await service.order_items(session, row.id), staff=principal.is_staff)
        for row in rows
    ]
    return Page(items=items, next=following)


@router.get(
    "/{order_id}",
    response_model=StaffOrderOut | OrderOut,
    response_model_exclude_none=True,
    summary="Un pedido con sus partidas y cada cambio de estado",
    responses=problem_responses(401, 403, 404),
)
async def get_order(order_id: uuid.UUID, session: DbSession, principal: Reader) -> Any:
    order = await service.get_order(session, order_id, principal)
    return await _detail(session, order, principal)


@router.post(
    "/{order_id}/cancel",
    response_model=StaffOrderOut | OrderOut,
    response_model_exclude_none=True,
    summary="Cancelar un pedido que no se ha pagado",
    responses=problem_responses(401, 403, 404, 409),
)
async def cancel_order(
    order_id: uuid.UUID, session: DbSession, principal: Writer, body: CancelRequest | None = None
) -> Any:
    order = await service.get_order(session, order_id, principal)
    actor = Actor.of(principal.user_id, is_staff=principal.is_staff)
    await service.cancel_order(session, order, actor, body.reason if body else None)
    return await _detail(session, order, principal)


@router.post(
    "/{order_id}/confirm-payment",
    response_model=StaffOrderOut,
    response_model_exclude_none=True,
    summary="Confirmar a mano un pago recibido por otro medio (operaciones)",
    responses=problem_responses(401, 403, 404, 409),
)
async def confirm_payment(
    order_id: uuid.UUID, body: ConfirmPayment, session: DbSession, principal: PaymentConfirmer
) -> Any:
    order = await service.get_order(session, order_id, principal)
    actor = Actor("staff", principal.user_id)
    await service.confirm_payment(session, order, actor, paid_at=utc_now(), reason=body.reason)
    return await _detail(session, order, principal)


async def _detail(session: DbSession, order: Order, principal: Principal) -> OrderOut:
    items = await service.order_items(session, order.id)
    history = await service.order_history(session, order.id)
    return OrderOut.of(order, items, history, staff=principal.is_staff)
