"""Jobs of the Chatwoot integration: contact sync on sign-up and profile changes, private
notes on payments and expiring subscriptions, and replies to status questions.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import structlog

from cuenty.integrations.chatwoot import service
from cuenty.integrations.chatwoot.client import ChatwootClient, ChatwootError
from cuenty.kit import jobs
from cuenty.kit.i18n import N_, translate

SYNC_JOB = "chatwoot.sync_contact"
NOTE_JOB = "chatwoot.add_note"
REPLY_JOB = "chatwoot.reply_status"
# Events after which the contact at Chatwoot is brought up to date. A rectification (ARCO)
# changes the profile without publishing `user.updated`.
SYNC_EVENTS = ("user.created", "user.updated", "compliance.data_rectified")

# Chatwoot may be down for minutes: 30 s, 1, 2, 4 ... minutes, eight attempts.
CHATWOOT_RETRY = jobs.RetryPolicy(
    max_attempts=8, base_seconds=30, factor=2, max_delay_seconds=1800, jitter=0.25
)

NOTES: dict[str, str] = {
    "order.paid": N_("Order {number} was paid: {total} MXN."),
    "payment.returned": N_(
        "A payment of {amount} MXN for order {order} was returned to the payer."
    ),
    "payment.failed": N_("A payment for order {order} failed: {reason}."),
    "subscription.expiring": N_(
        "The {service} subscription ends in {days} day(s), on {date}; a reminder was sent."
    ),
}

log = structlog.get_logger("cuenty.chatwoot")


@jobs.handler(SYNC_JOB, retry=CHATWOOT_RETRY)
async def sync_contact(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    client = _client(context)
    data = payload.get("data") or {}
    user_id = data.get("userId") or data.get("user_id")
    if client is None or not user_id:
        return
    await _call(
        service.sync_contact(
            context.session_factory, client, context.settings, uuid.UUID(str(user_id))
        )
    )


@jobs.handler(NOTE_JOB, retry=CHATWOOT_RETRY)
async def add_note(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    client = _client(context)
    data = payload.get("data") or {}
    event_type = str(payload.get("event_type"))
    if client is None or event_type not in NOTES or not data.get("userId"):
        return
    note = translate(context.settings.default_locale, NOTES[event_type], **note_params(data))
    await _call(
        service.add_private_note(
            context.session_factory,
            client,
            context.settings,
            uuid.UUID(str(data["userId"])),
            note,
        )
    )


@jobs.handler(REPLY_JOB, retry=CHATWOOT_RETRY)
async def reply_status(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    client = _client(context)
    if client is None:
        return
    await _call(
        service.reply_with_status(
            context.session_factory,
            client,
            context.settings,
            contact_id=int(payload["contact_id"]),
            conversation_id=int(payload["conversation_id"]),
        )
    )


def note_params(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the values a note may show; never credentials, only ids, amounts and dates."""
    return {
        "number": data.get("number") or data.get("orderId") or "-",
        "order": data.get("orderNumber") or data.get("number") or data.get("orderId") or "-",
        "total": data.get("total") or data.get("amount") or "-",
        "amount": data.get("amount") or "-",
        "reason": data.get("reason") or "-",
        "service": data.get("serviceName") or "-",
        "days": data.get("daysLeft", "-"),
        "date": str(data.get("endsAt") or "-")[:10],
    }


def _client(context: jobs.JobContext) -> ChatwootClient | None:
    return context.resource("chatwoot_client") or ChatwootClient.from_settings(context.settings)


async def _call(work: Any) -> None:
    try:
        await work
    except ChatwootError as error:
        if not error.permanent:
            raise
        # A 4xx fails the same way on every retry; log it for an operator instead.
        log.warning("chatwoot.request_rejected", status=error.status, error=str(error)[:300])


for _event_type in SYNC_EVENTS:
    jobs.subscribe(_event_type, SYNC_JOB)
for _event_type in NOTES:
    jobs.subscribe(_event_type, NOTE_JOB)
