"""Routes under /v1/webhooks: endpoints, secret rotation, test events, deliveries and
redelivery. Readers need `webhooks:read`, writers `webhooks:write` (admins have both).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response, status

from cuenty.identity.access import Principal, require_access
from cuenty.kit import idempotency
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.clock import utc_now
from cuenty.kit.deps import DbSession
from cuenty.kit.errors import request_locale
from cuenty.kit.i18n import translate
from cuenty.kit.pagination import Page, PageParams, page_params, paginate
from cuenty.webhooks import repository, service
from cuenty.webhooks.catalog import EVENT_TYPES
from cuenty.webhooks.models import WebhookDelivery, WebhookEndpoint
from cuenty.webhooks.schemas import (
    DeliveryOut,
    EventTypeOut,
    MessageQueued,
    SecretRotated,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointOut,
    WebhookEndpointUpdate,
)
from cuenty.webhooks.settings import webhook_settings
from cuenty.webhooks.targets import Resolver, system_resolver

router = api_router(prefix="/v1/webhooks", tags=["notifications"])

# Module-level so tests can override them through app.dependency_overrides.
require_webhooks_read = require_access(scopes=("webhooks:read",))
require_webhooks_write = require_access(scopes=("webhooks:write",))
Reader = Annotated[Principal, Depends(require_webhooks_read)]
Writer = Annotated[Principal, Depends(require_webhooks_write)]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="Clave para reintentar sin duplicar (24 horas)"),
]
Pages = Annotated[PageParams, Depends(page_params)]


@router.get(
    "/event-types",
    response_model=list[EventTypeOut],
    summary="Catálogo de eventos a los que se puede suscribir un endpoint",
    responses=problem_responses(401, 403),
)
async def list_event_types(request: Request, principal: Reader) -> list[EventTypeOut]:
    locale = request_locale(request)
    return [
        EventTypeOut(type=event_type, description=translate(locale, description))
        for event_type, description in EVENT_TYPES.items()
    ]


@router.post(
    "",
    response_model=WebhookEndpointCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Registrar un endpoint; la respuesta trae su secreto de firma (se muestra una vez)",
    responses=problem_responses(401, 403, 409),
)
async def create_endpoint(
    body: WebhookEndpointCreate,
    request: Request,
    session: DbSession,
    principal: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    async def create() -> dict[str, Any]:
        endpoint, secret = await service.create_endpoint(
            session,
            url=body.url,
            events=body.events,
            description=body.description,
            owner_user_id=principal.user_id,
            api_key_id=principal.api_key_id,
            master_key=request.app.state.settings.secret("encryption_key"),
            settings=webhook_settings(request.app.state),
            resolver=_resolver(request),
        )
        created = WebhookEndpointCreated(
            **WebhookEndpointOut.of(endpoint).model_dump(), secret=secret
        )
        return created.model_dump(mode="json", by_alias=True)

    return await idempotency.respond_once(
        request,
        session,
        key=idempotency_key,
        principal=principal.key,
        status=status.HTTP_201_CREATED,
        action=create,
    )


@router.get(
    "",
    response_model=Page[WebhookEndpointOut],
    summary="Endpoints registrados, del más antiguo al más reciente",
    responses=problem_responses(401, 403),
)
async def list_endpoints(
    request: Request, session: DbSession, principal: Reader, pages: Pages
) -> Page[WebhookEndpointOut]:
    rows, following = await paginate(
        session,
        repository.endpoints_query(_owner(principal)),
        key_columns=[WebhookEndpoint.created_at, WebhookEndpoint.id],
        params=pages,
        request=request,
    )
    return Page(items=[WebhookEndpointOut.of(row) for row in rows], next=following)


@router.get(
    "/{endpoint_id}",
    response_model=WebhookEndpointOut,
    summary="Un endpoint (sin su secreto)",
    responses=problem_responses(401, 403, 404),
)
async def get_endpoint(
    endpoint_id: uuid.UUID, session: DbSession, principal: Reader
) -> WebhookEndpointOut:
    endpoint = await service.find_endpoint(session, endpoint_id, _owner(principal))
    return WebhookEndpointOut.of(endpoint)


@router.patch(
    "/{endpoint_id}",
    response_model=WebhookEndpointOut,
    summary="Cambiar URL, eventos o descripción, o reactivar un endpoint deshabilitado",
    responses=problem_responses(401, 403, 404),
)
async def update_endpoint(
    endpoint_id: uuid.UUID,
    body: WebhookEndpointUpdate,
    request: Request,
    session: DbSession,
    principal: Writer,
) -> WebhookEndpointOut:
    endpoint = await service.find_endpoint(session, endpoint_id, _owner(principal))
    updated = await service.update_endpoint(
        session,
        endpoint,
        body.model_dump(exclude_unset=True),
        settings=webhook_settings(request.app.state),
        resolver=_resolver(request),
        now=utc_now(),
    )
    return WebhookEndpointOut.of(updated)


@router.delete(
    "/{endpoint_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Eliminar un endpoint con su historial; los envíos pendientes se descartan",
    responses=problem_responses(401, 403, 404),
)
async def delete_endpoint(
    endpoint_id: uuid.UUID, session: DbSession, principal: Writer
) -> Response:
    endpoint = await service.find_endpoint(session, endpoint_id, _owner(principal))
    await session.delete(endpoint)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{endpoint_id}/rotate-secret",
    response_model=SecretRotated,
    summary="Nuevo secreto de firma; el anterior sigue firmando 24 horas",
    responses=problem_responses(401, 403, 404),
)
async def rotate_secret(
    endpoint_id: uuid.UUID, request: Request, session: DbSession, principal: Writer
) -> SecretRotated:
    endpoint = await service.find_endpoint(session, endpoint_id, _owner(principal))
    secret, expires = await service.rotate_secret(
        session,
        endpoint,
        master_key=request.app.state.settings.secret("encryption_key"),
        now=utc_now(),
    )
    return SecretRotated(id=endpoint.id, secret=secret, previous_secret_expires_at=expires)


@router.post(
    "/{endpoint_id}/test",
    response_model=MessageQueued,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Enviar un evento webhook.test; el resultado aparece en deliveries",
    responses=problem_responses(401, 403, 404, 409),
)
async def send_test(endpoint_id: uuid.UUID, session: DbSession, principal: Writer) -> MessageQueued:
    endpoint = await service.find_endpoint(session, endpoint_id, _owner(principal))
    return MessageQueued.of(await service.send_test(session, endpoint, now=utc_now()))


@router.get(
    "/{endpoint_id}/deliveries",
    response_model=Page[DeliveryOut],
    summary="Intentos de entrega, del más reciente al más antiguo",
    responses=problem_responses(401, 403, 404),
)
async def list_deliveries(
    endpoint_id: uuid.UUID, request: Request, session: DbSession, principal: Reader, pages: Pages
) -> Page[DeliveryOut]:
    endpoint = await service.find_endpoint(session, endpoint_id, _owner(principal))
    rows, following = await paginate(
        session,
        repository.deliveries_query(endpoint.id),
        key_columns=[WebhookDelivery.attempted_at, WebhookDelivery.id],
        params=pages,
        request=request,
        descending=True,
    )
    messages = await repository.messages_by_id(session, {row.message_id for row in rows})
    items = [DeliveryOut.of(row, messages[row.message_id]) for row in rows]
    return Page(items=items, next=following)


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    response_model=MessageQueued,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Reenviar el mensaje de un intento, con el mismo webhook-id",
    responses=problem_responses(401, 403, 404, 409),
)
async def redeliver(
    endpoint_id: uuid.UUID, delivery_id: uuid.UUID, session: DbSession, principal: Writer
) -> MessageQueued:
    endpoint = await service.find_endpoint(session, endpoint_id, _owner(principal))
    return MessageQueued.of(await service.redeliver(session, endpoint, delivery_id))


def _owner(principal: Principal) -> uuid.UUID | None:
    """API keys see only their owner's endpoints; staff signed in with a token see all."""
    if principal.is_api_key:
        return principal.user_id or uuid.UUID(int=0)
    return None


def _resolver(request: Request) -> Resolver:
    return getattr(request.app.state, "webhook_resolver", None) or system_resolver
