"""Routes under /v1/subscriptions: the caller's subscriptions with their credentials,
renewal orders and cancellation; staff list all, pause and resume."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response, status

from cuenty.identity.access import Principal, require_access
from cuenty.kit.actor import Actor
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.clock import utc_now
from cuenty.kit.deps import DbSession
from cuenty.kit.pagination import Page, PageParams, page_params, paginate
from cuenty.orders import service as orders
from cuenty.orders.schemas import OrderOut
from cuenty.orders.settings import payment_window
from cuenty.subscriptions import renewals, service, views
from cuenty.subscriptions.models import Subscription
from cuenty.subscriptions.schemas import (
    StaffAction,
    StaffSubscriptionOut,
    SubscriptionOut,
    SubscriptionStateField,
)
from cuenty.subscriptions.settings import subscription_settings

router = api_router(prefix="/v1/subscriptions", tags=["subscriptions"])

Reader = Annotated[Principal, Depends(require_access(scopes=("subscriptions:read",)))]
Writer = Annotated[Principal, Depends(require_access(scopes=("subscriptions:write",)))]
Operations = Annotated[
    Principal,
    Depends(require_access(roles=("operations", "admin"), scopes=("subscriptions:write",))),
]
Pages = Annotated[PageParams, Depends(page_params)]
NO_STORE = {"Cache-Control": "no-store"}


@router.get(
    "",
    response_model=Page[StaffSubscriptionOut] | Page[SubscriptionOut],
    response_model_exclude_none=True,
    summary="Suscripciones: las propias con sus accesos; el personal ve todas y filtra",
    responses=problem_responses(401, 403),
)
async def list_subscriptions(
    request: Request,
    response: Response,
    session: DbSession,
    principal: Reader,
    pages: Pages,
    state: Annotated[SubscriptionStateField | None, Query()] = None,
    user_id: Annotated[uuid.UUID | None, Query(alias="userId")] = None,
    service_id: Annotated[uuid.UUID | None, Query(alias="serviceId")] = None,
) -> Any:
    query = service.subscriptions_query(
        principal, state=state, user_id=user_id, service_id=service_id
    )
    rows, following = await paginate(
        session,
        query,
        key_columns=[Subscription.created_at, Subscription.id],
        params=pages,
        request=request,
        descending=True,
    )
    response.headers.update(NO_STORE)
    items = await views.render(
        session,
        rows,
        principal,
        now=utc_now(),
        master_key=_master_key(request),
        with_credentials=True,
    )
    return Page(items=items, next=following)


@router.get(
    "/{subscription_id}",
    response_model=StaffSubscriptionOut | SubscriptionOut,
    response_model_exclude_none=True,
    summary="Una suscripción; su titular ve los accesos mientras está vigente",
    responses=problem_responses(401, 403, 404),
)
async def get_subscription(
    subscription_id: uuid.UUID,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Reader,
) -> Any:
    subscription = await service.get_subscription(session, subscription_id, principal)
    response.headers.update(NO_STORE)
    return await _view(session, request, subscription, principal, with_credentials=True)


@router.post(
    "/{subscription_id}/renew",
    response_model=OrderOut,
    response_model_exclude_none=True,
    status_code=status.HTTP_201_CREATED,
    summary="Pedido de renovación; si ya hay uno pendiente de pago, devuelve ese (200)",
    responses=problem_responses(401, 403, 404, 409),
)
async def renew(
    subscription_id: uuid.UUID,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Writer,
) -> Any:
    subscription = await service.get_subscription(session, subscription_id, principal)
    order, created = await renewals.request_renewal(
        session,
        subscription,
        Actor.of(principal.user_id, is_staff=principal.is_staff),
        now=utc_now(),
        payment_window=payment_window(request.app.state),
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    items = await orders.order_items(session, order.id)
    return OrderOut.of(order, items, staff=principal.is_staff)


@router.post(
    "/{subscription_id}/cancel",
    response_model=StaffSubscriptionOut | SubscriptionOut,
    response_model_exclude_none=True,
    summary="Cancelar la renovación automática; el acceso sigue hasta la fecha de fin",
    responses=problem_responses(401, 403, 404, 409),
)
async def cancel(
    subscription_id: uuid.UUID, request: Request, session: DbSession, principal: Writer
) -> Any:
    subscription = await service.get_subscription(session, subscription_id, principal)
    await service.cancel(
        session, subscription, Actor.of(principal.user_id, is_staff=principal.is_staff)
    )
    return await _view(session, request, subscription, principal)


@router.post(
    "/{subscription_id}/pause",
    response_model=StaffSubscriptionOut,
    response_model_exclude_none=True,
    summary="Pausar (operaciones): se detienen el acceso y el reloj",
    responses=problem_responses(401, 403, 404, 409),
)
async def pause(
    subscription_id: uuid.UUID,
    body: StaffAction,
    request: Request,
    session: DbSession,
    principal: Operations,
) -> Any:
    subscription = await service.get_subscription(session, subscription_id, principal)
    actor = Actor("staff", principal.user_id)
    await service.pause(session, subscription, actor, now=utc_now(), reason=body.reason)
    return await _view(session, request, subscription, principal)


@router.post(
    "/{subscription_id}/resume",
    response_model=StaffSubscriptionOut,
    response_model_exclude_none=True,
    summary="Reanudar (operaciones): se devuelve el tiempo que quedaba",
    responses=problem_responses(401, 403, 404, 409),
)
async def resume(
    subscription_id: uuid.UUID,
    body: StaffAction,
    request: Request,
    session: DbSession,
    principal: Operations,
) -> Any:
    subscription = await service.get_subscription(session, subscription_id, principal)
    await service.resume(
        session,
        subscription,
        Actor("staff", principal.user_id),
        now=utc_now(),
        settings=subscription_settings(request.app.state),
        reason=body.reason,
    )
    return await _view(session, request, subscription, principal)


async def _view(
    session: DbSession,
    request: Request,
    subscription: Subscription,
    principal: Principal,
    *,
    with_credentials: bool = False,
) -> SubscriptionOut:
    rendered = await views.render(
        session,
        [subscription],
        principal,
        now=utc_now(),
        master_key=_master_key(request),
        with_credentials=with_credentials,
    )
    return rendered[0]


def _master_key(request: Request) -> str:
    return request.app.state.settings.secret("encryption_key")
