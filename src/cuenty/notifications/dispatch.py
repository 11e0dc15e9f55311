"""Delivery of one notification: check consent and pacing, choose the routes, render, send
through each route's provider until one accepts, and record the outcome in the delivery log.

A provider is called before its session first touches the database, so no connection is
held during a network call (the development provider writes its row in that session). A
temporary failure raises RetryDeliveryError so the job system retries on the job's policy.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cuenty.config import Settings
from cuenty.identity.errors import UserNotFoundError
from cuenty.identity.models import User
from cuenty.identity.service import load_user
from cuenty.kit import jobs
from cuenty.kit.db import transaction
from cuenty.notifications import consent, repository, templates
from cuenty.notifications.channels import InvalidAddressError, Route, check_address, routes_for
from cuenty.notifications.loaders import load_context
from cuenty.notifications.models import Notification, NotificationStatus
from cuenty.notifications.pacing import hold_until
from cuenty.notifications.providers import OutgoingMessage, ProviderError
from cuenty.notifications.service import DELIVER_JOB, unseal

# Sends a provider may postpone with 429 and Retry-After before the message is failed.
MAX_RATE_LIMITED_ATTEMPTS = 8
DONE_STATUSES = frozenset(
    {
        NotificationStatus.SENT.value,
        NotificationStatus.DELIVERED.value,
        NotificationStatus.READ.value,
        NotificationStatus.FAILED.value,
        NotificationStatus.SUPPRESSED.value,
    }
)

log = structlog.get_logger("cuenty.notifications")


class RetryDeliveryError(RuntimeError):
    """Raised so the job system retries a notification after a temporary failure."""


@dataclass
class Plan:
    notification_id: uuid.UUID
    messages: list[OutgoingMessage] = field(default_factory=list)


async def deliver(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    providers: dict[str, Any],
    notification_id: uuid.UUID,
    *,
    now: datetime,
    last_attempt: bool,
) -> None:
    async with transaction(factory) as session:
        plan = await prepare(session, settings, notification_id, now)
    if plan is None:
        return
    errors: list[str] = []
    for message in plan.messages:
        async with transaction(factory) as session:
            try:
                message_id = await providers[message.channel].send(message, session)
            except ProviderError as error:
                errors.append(f"{message.channel}: {error}"[:300])
                action = await _record_failure(
                    session, plan, message, error, now=now, last_attempt=last_attempt
                )
            else:
                provider = providers[message.channel].name
                await _record_sent(session, plan, message, provider, message_id, now)
                return
        if action == "stop":
            return
        if action == "retry":
            raise RetryDeliveryError(f"notification {plan.notification_id}: {errors[-1]}")
    async with transaction(factory) as session:
        await _finish(session, plan.notification_id, NotificationStatus.FAILED, "; ".join(errors))


async def prepare(
    session: AsyncSession, settings: Settings, notification_id: uuid.UUID, now: datetime
) -> Plan | None:
    """Decide what to send; return None when nothing is to be sent now."""
    notification = await session.get(Notification, notification_id)
    if notification is None or notification.status in DONE_STATUSES:
        return None
    spec = templates.spec_for(notification.template)
    user = await _user(session, notification)
    if notification.user_id is not None and user is None:
        return await _suppress(session, notification, "the user no longer exists")
    if not await consent.may_send(session, settings, notification.user_id, notification.purpose):
        return await _suppress(session, notification, "no marketing consent")
    wait = await hold_until(
        session,
        settings,
        user_id=notification.user_id,
        purpose=notification.purpose,
        urgent=spec.urgent,
        now=now,
    )
    if wait is not None:
        await _defer(session, notification, wait)
        return None

    master_key = settings.secret("encryption_key")
    sealed = unseal(master_key, notification)
    routes = await _routes(session, notification, user, sealed, bool(spec.secret_fields))
    if not routes:
        return await _suppress(session, notification, "no channel can reach the recipient")
    context = await load_context(session, notification.template, notification.context)
    context.update({key: value for key, value in sealed.items() if key != "recipient"})
    locale = notification.locale or (user.locale if user else settings.default_locale)
    return Plan(
        notification.id, [_render(notification, route, context, locale) for route in routes]
    )


async def _routes(
    session: AsyncSession,
    notification: Notification,
    user: User | None,
    sealed: dict[str, str],
    secret: bool,
) -> list[Route]:
    if notification.fixed_recipient:
        channel = notification.requested_channel or "email"
        try:
            return [Route(channel, check_address(channel, sealed["recipient"]))]
        except (InvalidAddressError, KeyError):
            return []
    if user is None:
        return []
    subscriptions = await repository.push_subscriptions(session, user.id)
    return routes_for(
        user, requested=notification.requested_channel, secret=secret, subscriptions=subscriptions
    )


def _render(
    notification: Notification, route: Route, context: dict[str, Any], locale: str
) -> OutgoingMessage:
    clear = templates.render(notification.template, locale, context)
    masked = templates.render(notification.template, locale, context, masked=True)
    return OutgoingMessage(
        notification_id=str(notification.id),
        channel=route.channel,
        address=route.address,
        template=notification.template,
        locale=locale,
        subject=clear.subject,
        body=clear.body,
        masked_body=masked.body,
        parameters=templates.whatsapp_parameters(notification.template, locale, context),
        push_keys=route.push_keys,
    )


async def _record_sent(
    session: AsyncSession,
    plan: Plan,
    message: OutgoingMessage,
    provider: str,
    provider_message_id: str,
    now: datetime,
) -> None:
    notification = await session.get(Notification, plan.notification_id)
    if notification is None:
        return
    notification.attempts += 1
    notification.status = NotificationStatus.SENT.value
    notification.channel = message.channel
    notification.provider = provider
    notification.provider_message_id = provider_message_id[:128]
    notification.recipient_masked = Route(message.channel, message.address).masked
    notification.body_preview = message.masked_body
    notification.sent_at = now
    notification.last_error = None
    log.info(
        "notification.sent",
        notification_id=str(notification.id),
        template=notification.template,
        channel=message.channel,
        provider=provider,
    )


async def _record_failure(
    session: AsyncSession,
    plan: Plan,
    message: OutgoingMessage,
    error: ProviderError,
    *,
    now: datetime,
    last_attempt: bool,
) -> str:
    """Record a failed send and return what to do next: "next" route, "stop" (postponed or
    gone) or "retry" the job later (a temporary failure while attempts remain).
    """
    notification = await session.get(Notification, plan.notification_id)
    if notification is None:
        return "stop"
    notification.attempts += 1
    notification.last_error = f"{message.channel}: {error}"[:500]
    log.warning(
        "notification.send_failed",
        notification_id=str(notification.id),
        channel=message.channel,
        permanent=error.permanent,
        error=str(error)[:300],
    )
    if error.permanent or last_attempt:
        return "next"
    if error.retry_after is not None and notification.attempts < MAX_RATE_LIMITED_ATTEMPTS:
        await _defer(session, notification, now + timedelta(seconds=error.retry_after))
        return "stop"
    return "retry"


async def _defer(session: AsyncSession, notification: Notification, until: datetime) -> None:
    notification.status = NotificationStatus.DEFERRED.value
    await jobs.enqueue(session, DELIVER_JOB, {"notification_id": notification.id}, run_at=until)
    log.info("notification.deferred", notification_id=str(notification.id), until=until)


async def _suppress(session: AsyncSession, notification: Notification, reason: str) -> None:
    notification.status = NotificationStatus.SUPPRESSED.value
    notification.last_error = reason
    log.info("notification.suppressed", notification_id=str(notification.id), reason=reason)
    return None


async def _finish(
    session: AsyncSession, notification_id: uuid.UUID, status: NotificationStatus, error: str
) -> None:
    notification = await session.get(Notification, notification_id)
    if notification is None:
        return
    notification.status = status.value
    notification.last_error = error[:500] or None
    log.warning("notification.failed", notification_id=str(notification_id), error=error[:300])


async def _user(session: AsyncSession, notification: Notification) -> User | None:
    if notification.user_id is None:
        return None
    try:
        return await load_user(session, notification.user_id)
    except UserNotFoundError:
        return None
