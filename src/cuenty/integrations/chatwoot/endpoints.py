"""Route under /v1/chatwoot: inbound webhooks from Chatwoot, verified by token or signature.

A status question from a contact queues a reply job; a conversation status change is
recorded. Each delivery is handled once: a replay gets 200 and changes nothing.

Duplicates are recognised by what the sender cannot change without the secret: the signature
(an HMAC over the timestamp and the body) in signature mode, the body's SHA-256 in token
mode. The unsigned `X-Chatwoot-Delivery` header is not used, because a replayed request could
carry any value there.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import Request

from cuenty.integrations.chatwoot import service, verification
from cuenty.integrations.chatwoot.errors import (
    ChatwootNotConfiguredError,
    InvalidChatwootSignatureError,
)
from cuenty.integrations.chatwoot.models import ChatwootEvent
from cuenty.integrations.chatwoot.tasks import REPLY_JOB
from cuenty.kit import jobs
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.clock import utc_now
from cuenty.kit.deps import DbSession
from cuenty.kit.errors import BadRequestError
from cuenty.kit.i18n import N_
from cuenty.notifications.repository import insert_unless_exists

router = api_router(prefix="/v1/chatwoot", tags=["chatwoot"])


@router.post(
    "/webhooks",
    summary="Webhook de Chatwoot (message_created, conversation_status_changed)",
    responses=problem_responses(400, 403, 404),
)
async def receive_webhook(request: Request, session: DbSession) -> dict[str, Any]:
    body = await request.body()
    _verify(request, body)
    document = _parse(body)
    event = str(document.get("event") or "")
    delivery = _delivery_key(request, body)
    conversation = document.get("conversation") or {}
    conversation_id = _int(conversation.get("id")) if conversation else None
    contact_id = _contact_id(document)
    if event == "conversation_status_changed":
        conversation_id = _int(document.get("id"))
    if not await _record(session, delivery, event, conversation_id, contact_id, document):
        return {"received": True, "duplicate": True}

    if event == "message_created" and _is_status_question(document):
        await jobs.enqueue(
            session,
            REPLY_JOB,
            {"contact_id": contact_id, "conversation_id": conversation_id},
        )
    return {"received": True, "duplicate": False}


def _verify(request: Request, body: bytes) -> None:
    settings = request.app.state.settings
    secret = settings.optional_secret("chatwoot_webhook_secret")
    if not secret:
        raise ChatwootNotConfiguredError()
    if settings.chatwoot_webhook_mode == "token":
        valid = verification.token_valid(secret, request.query_params.get("token"))
    else:
        valid = verification.signature_valid(secret, request.headers, body, utc_now())
    if not valid:
        raise InvalidChatwootSignatureError()


def _delivery_key(request: Request, body: bytes) -> str:
    # _verify has already checked the signature, so it is present in signature mode.
    if request.app.state.settings.chatwoot_webhook_mode == "signature":
        return "signature:" + request.headers["x-chatwoot-signature"]
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _parse(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError as error:
        raise BadRequestError(N_("The request body is not valid JSON.")) from error
    if not isinstance(document, dict):
        raise BadRequestError(N_("The request body is not valid JSON."))
    return document


async def _record(
    session: DbSession,
    delivery: str,
    event: str,
    conversation_id: int | None,
    contact_id: int | None,
    document: dict[str, Any],
) -> bool:
    status = document.get("status") if event == "conversation_status_changed" else None
    return await insert_unless_exists(
        session,
        ChatwootEvent,
        {
            "delivery_key": delivery[:200],
            "event": event[:64],
            "conversation_id": conversation_id,
            "contact_id": contact_id,
            "status": str(status)[:32] if status else None,
            "received_at": utc_now(),
        },
        unique=["delivery_key"],
    )


def _is_status_question(document: dict[str, Any]) -> bool:
    sender = document.get("sender") or {}
    return (
        document.get("message_type") == "incoming"
        and not document.get("private")
        and sender.get("type", "contact") == "contact"
        and _contact_id(document) is not None
        and service.asks_for_status(document.get("content"))
    )


def _contact_id(document: dict[str, Any]) -> int | None:
    sender = document.get("sender") or {}
    if sender.get("type", "contact") == "contact" and sender.get("id") is not None:
        return _int(sender.get("id"))
    meta = (document.get("meta") or {}).get("sender") or {}
    return _int(meta.get("id"))


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
