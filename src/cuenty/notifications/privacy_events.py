"""Notifications for the compliance package's events. ARCO receipts and replies go by the
channel the request came by. Breach notices go to the affected titulares, a warning goes out
before a cancellation's data are suppressed, and deadline alerts go to compliance officers.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance import repository as compliance_repository
from cuenty.identity.models import Role
from cuenty.identity.service import existing_user_ids, staff_user_ids
from cuenty.notifications.loaders import context_loader
from cuenty.notifications.service import record_unsent, send

# A sender turns one event's data into notifications and returns how many it queued.
EventSender = Callable[[AsyncSession, str, Mapping[str, Any], str], Awaitable[int]]
# The request's channel (compliance schemas) and the notification channel of the reply.
# Requests made on the web or in the app get the reply on the titular's preferred channel.
REPLY_CHANNELS = {"email": "email", "whatsapp": "whatsapp", "sms": "sms"}
# Channels no provider reaches, so the officer replies by phone, by post or in person.
OFFLINE_CHANNELS = frozenset({"phone", "mail", "in_person"})
# Requests named one by one in a deadline alert; the officer's queue lists them all.
ALERT_LISTED_REQUESTS = 10

log = structlog.get_logger("cuenty.notifications")


def arco(template: str) -> EventSender:
    """Build the sender of an ARCO receipt or answer for the titular."""

    async def sender(
        session: AsyncSession, event_id: str, data: Mapping[str, Any], occurred_at: str
    ) -> int:
        context = {
            "requestId": data["requestId"],
            "folio": data["folio"],
            "requestType": data["requestType"],
            "dueDate": data.get("dueDate"),
        }
        dedupe_key = f"{template}:{data['requestId']}"
        channel = str(data.get("channel") or "")
        if channel in OFFLINE_CHANNELS:
            await record_unsent(
                session,
                user_id=data["userId"],
                template=template,
                context={**context, "requestChannel": channel},
                reason=f"the request came by {channel}; the officer answers by that channel",
                dedupe_key=dedupe_key,
            )
            log.info(
                "notification.arco_offline_channel",
                request_id=str(data["requestId"]),
                channel=channel,
            )
            return 0
        await send(
            session,
            user_id=data["userId"],
            template=template,
            context=context,
            channel=REPLY_CHANNELS.get(channel),
            dedupe_key=dedupe_key,
        )
        return 1

    return sender


async def incident_notified(
    session: AsyncSession, event_id: str, data: Mapping[str, Any], occurred_at: str
) -> int:
    """Send the breach notice to each affected titular named in this event (at most 500;
    the compliance package splits larger incidents into several events)."""
    incident_id = str(uuid.UUID(str(data["incidentId"])))
    named = [uuid.UUID(str(value)) for value in data["userIds"]]
    # A titular whose account was deleted since the incident has no address to reach.
    user_ids = await existing_user_ids(session, named)
    for user_id in user_ids:
        await send(
            session,
            user_id=user_id,
            template="security_incident_notice",
            context={"incidentId": incident_id},
            purpose="security",
            # Per incident and titular, so a republished or overlapping event sends nothing twice.
            dedupe_key=f"incident:{incident_id}:{user_id}",
        )
    if len(user_ids) < len(named):
        log.warning(
            "notification.incident_users_missing",
            incident_id=incident_id,
            missing=len(named) - len(user_ids),
        )
    return len(user_ids)


async def suppression_started(
    session: AsyncSession, event_id: str, data: Mapping[str, Any], occurred_at: str
) -> int:
    await send(
        session,
        user_id=data["userId"],
        template="arco_suppression_notice",
        context={"requestId": data["requestId"], "folio": data["folio"]},
        dedupe_key=f"suppression-notice:{data['requestId']}",
    )
    return 1


async def deadline_alert(
    session: AsyncSession, event_id: str, data: Mapping[str, Any], occurred_at: str
) -> int:
    requests = list(data["requests"])
    if not requests:
        return 0
    overdue = sum(1 for item in requests if int(item["businessDaysLeft"]) < 0)
    listed = [
        {
            "folio": str(item["folio"]),
            "dueDate": str(item["dueDate"]),
            "businessDaysLeft": int(item["businessDaysLeft"]),
        }
        for item in requests[:ALERT_LISTED_REQUESTS]
    ]
    context = {
        "requestCount": len(requests),
        "overdue": overdue,
        "requests": listed,
        "unlisted": len(requests) - len(listed),
    }
    officers = await staff_user_ids(session, (Role.COMPLIANCE_OFFICER.value,))
    for user_id in officers:
        await send(
            session,
            user_id=user_id,
            template="arco_deadline_alert",
            context=context,
            dedupe_key=f"deadline-alert:{event_id}:{user_id}",
        )
    if not officers:
        log.warning("notification.no_compliance_officer", event_id=event_id)
    return len(officers)


@context_loader("security_incident_notice")
async def load_incident_notice(session: AsyncSession, context: dict[str, Any]) -> dict[str, Any]:
    """Read the notice the officer wrote, at send time, so the text is stored once."""
    incident = await compliance_repository.get_incident(
        session, uuid.UUID(str(context["incidentId"]))
    )
    notice = (incident.notification if incident is not None else None) or {}
    if not notice:
        raise LookupError(f"incident {context['incidentId']} has no notice to send")
    return {
        "whatHappened": notice["whatHappened"],
        "dataInvolved": list(notice.get("dataInvolved") or []),
        "recommendations": notice["recommendations"],
        "correctiveActions": notice["correctiveActions"],
        "moreInformation": notice["moreInformation"],
    }


SENDERS: dict[str, EventSender] = {
    "compliance.request_created": arco("arco_request_received"),
    "compliance.request_completed": arco("arco_request_answered"),
    "compliance.incident_notified": incident_notified,
    "compliance.suppression_started": suppression_started,
    "compliance.deadline_alert": deadline_alert,
}
