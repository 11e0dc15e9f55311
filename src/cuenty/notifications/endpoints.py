"""Routes under /v1/notifications: send a message (staff and API keys with
`notifications:write`), read the delivery log, register Web Push subscriptions, and receive
provider status callbacks.
"""

from __future__ import annotations

import hmac
import json
import uuid
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Depends, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.identity.access import Principal, require_access
from cuenty.identity.errors import UserNotFoundError
from cuenty.identity.service import load_user
from cuenty.kit import jobs
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.clock import utc_now
from cuenty.kit.deps import DbSession
from cuenty.kit.errors import BadRequestError, ForbiddenError
from cuenty.kit.i18n import N_
from cuenty.kit.pagination import Page, PageParams, page_params, paginate
from cuenty.kit.validation import FieldError
from cuenty.notifications import callbacks, push, repository
from cuenty.notifications.errors import (
    CallbackNotConfiguredError,
    InvalidCallbackSignatureError,
    InvalidNotificationError,
    RecipientNotFoundError,
)
from cuenty.notifications.loaders import LOADED_TEMPLATES
from cuenty.notifications.models import Notification
from cuenty.notifications.schemas import (
    Channel,
    NotificationOut,
    NotificationQueued,
    PushSubscriptionCreate,
    PushSubscriptionOut,
    SendRequest,
)
from cuenty.notifications.service import queue
from cuenty.notifications.templates import SPECS
from cuenty.webhooks.targets import system_resolver

router = api_router(prefix="/v1/notifications", tags=["notifications"])

require_notifications_write = require_access(scopes=("notifications:write",))
require_signed_in = require_access()
Writer = Annotated[Principal, Depends(require_notifications_write)]
SignedIn = Annotated[Principal, Depends(require_signed_in)]
Pages = Annotated[PageParams, Depends(page_params)]
# Templates whose content is a code or credentials: only the platform itself sends them.
NOT_SENDABLE = frozenset({"one_time_code", *LOADED_TEMPLATES})


@router.post(
    "/send/{channel}",
    response_model=NotificationQueued,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Enviar una notificación a un usuario por un canal (personal y llaves de API)",
    responses=problem_responses(401, 403, 404, 422),
)
async def send_notification(
    channel: Channel, body: SendRequest, session: DbSession, principal: Writer
) -> NotificationQueued:
    if not principal.is_staff:
        raise ForbiddenError()
    _check_template(body.template, body.context)
    await _require_user(session, body.user_id)
    try:
        notification_id = await queue(
            session,
            user_id=body.user_id,
            template=body.template,
            context=body.context,
            channel=channel,
            purpose=body.purpose,
            dedupe_key=body.dedupe_key,
        )
    except jobs.InvalidPayloadError as error:
        field = FieldError(
            code="context_not_plain",
            message=N_("The context must contain ids and plain values, never secrets."),
            pointer="#/context",
        )
        raise InvalidNotificationError(errors=[field]) from error
    return NotificationQueued(id=notification_id, status="queued")


@router.get(
    "",
    response_model=Page[NotificationOut],
    summary="Registro de entregas: las propias; el personal ve todas",
    responses=problem_responses(401, 403),
)
async def list_notifications(
    request: Request,
    session: DbSession,
    principal: SignedIn,
    pages: Pages,
    user_id: Annotated[uuid.UUID | None, Query(alias="userId")] = None,
) -> Page[NotificationOut]:
    if principal.is_staff:
        owner = user_id
    elif user_id is not None and user_id != principal.user_id:
        raise ForbiddenError()
    else:
        owner = principal.user_id
    rows, following = await paginate(
        session,
        repository.notifications_query(owner),
        key_columns=[Notification.created_at, Notification.id],
        params=pages,
        request=request,
    )
    items = [NotificationOut.of(row, show_error=principal.is_staff) for row in rows]
    return Page(items=items, next=following)


@router.post(
    "/push/subscriptions",
    response_model=PushSubscriptionOut,
    status_code=status.HTTP_201_CREATED,
    summary="Registrar la suscripción Web Push de este navegador",
    responses=problem_responses(401, 403, 422),
)
async def register_push_subscription(
    body: PushSubscriptionCreate, request: Request, session: DbSession, principal: SignedIn
) -> PushSubscriptionOut:
    if principal.is_api_key or principal.user_id is None:
        raise ForbiddenError()
    settings = request.app.state.settings
    subscription = await push.register(
        session,
        principal.user_id,
        body,
        user_agent=request.headers.get("user-agent"),
        allow_private=settings.push_allow_private_endpoints,
        resolver=getattr(request.app.state, "push_resolver", system_resolver),
    )
    return PushSubscriptionOut(
        id=subscription.id,
        endpoint_host=push.endpoint_host(subscription.endpoint),
        created_at=subscription.created_at,
    )


@router.delete(
    "/push/subscriptions/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Dar de baja una suscripción Web Push propia",
    responses=problem_responses(401, 403, 404),
)
async def delete_push_subscription(
    subscription_id: uuid.UUID, session: DbSession, principal: SignedIn
) -> Response:
    if principal.user_id is None:
        raise ForbiddenError()
    await push.remove(session, principal.user_id, subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/callbacks/twilio",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Estado de entrega de Twilio (firmado con X-Twilio-Signature)",
    responses=problem_responses(403, 404),
)
async def twilio_callback(request: Request, session: DbSession) -> Response:
    settings = request.app.state.settings
    token = settings.optional_secret("twilio_auth_token")
    if not token:
        raise CallbackNotConfiguredError(params={"provider": "Twilio"})
    params = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    # Twilio signs the URL it called, which is the public one, not the one behind the proxy.
    url = settings.public_base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    signature = request.headers.get("x-twilio-signature")
    if not callbacks.twilio_signature_valid(token, url, params, signature):
        raise InvalidCallbackSignatureError()
    update = callbacks.twilio_update(dict(params))
    if update is not None:
        await callbacks.apply(session, update, utc_now())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/callbacks/whatsapp",
    summary="Verificación del webhook de WhatsApp Cloud API (hub.challenge)",
    responses=problem_responses(403),
)
async def whatsapp_verify(request: Request) -> Response:
    expected = request.app.state.settings.meta_whatsapp_verify_token
    query = request.query_params
    provided = query.get("hub.verify_token") or ""
    if (
        not expected
        or query.get("hub.mode") != "subscribe"
        or not hmac.compare_digest(provided.encode(), expected.encode())
    ):
        raise InvalidCallbackSignatureError()
    return Response(content=query.get("hub.challenge", ""), media_type="text/plain")


@router.post(
    "/callbacks/whatsapp",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Estado de entrega de WhatsApp Cloud API (firmado con X-Hub-Signature-256)",
    responses=problem_responses(400, 403, 404),
)
async def whatsapp_callback(request: Request, session: DbSession) -> Response:
    secret = request.app.state.settings.optional_secret("meta_whatsapp_app_secret")
    if not secret:
        raise CallbackNotConfiguredError(params={"provider": "WhatsApp Cloud API"})
    raw = await request.body()
    if not callbacks.meta_signature_valid(secret, raw, request.headers.get("x-hub-signature-256")):
        raise InvalidCallbackSignatureError()
    try:
        document = json.loads(raw)
    except ValueError as error:
        raise BadRequestError(N_("The request body is not valid JSON.")) from error
    if not isinstance(document, dict):
        raise BadRequestError(N_("The request body is not valid JSON."))
    now = utc_now()
    for update in callbacks.meta_updates(document):
        await callbacks.apply(session, update, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _check_template(template: str, context: dict[str, Any]) -> None:
    spec = SPECS.get(template)
    if spec is None or template in NOT_SENDABLE:
        error = FieldError(
            code="template_not_allowed",
            message=N_("Unknown template, or one only the platform may send: {value}."),
            pointer="#/template",
            params={"value": template},
        )
        raise InvalidNotificationError(errors=[error])
    missing = [name for name in spec.fields if name not in context]
    if missing:
        errors = [
            FieldError(
                code="missing",
                message=N_("The template needs this field."),
                pointer=f"#/context/{name}",
            )
            for name in missing
        ]
        raise InvalidNotificationError(errors=errors)


async def _require_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    try:
        await load_user(session, user_id)
    except UserNotFoundError as error:
        raise RecipientNotFoundError(params={"id": str(user_id)}) from error
