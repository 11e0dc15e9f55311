"""Web Push subscriptions: registered by a signed-in browser, checked like webhook URLs so a
subscription cannot point the push sender at an internal address.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.kit.i18n import N_
from cuenty.kit.validation import FieldError
from cuenty.notifications import repository
from cuenty.notifications.errors import (
    InvalidPushSubscriptionError,
    PushSubscriptionNotFoundError,
)
from cuenty.notifications.models import PushSubscription
from cuenty.notifications.schemas import PushSubscriptionCreate
from cuenty.webhooks.targets import Resolver, TargetRejectedError, resolve_target


async def register(
    session: AsyncSession,
    user_id: uuid.UUID,
    body: PushSubscriptionCreate,
    *,
    user_agent: str | None,
    allow_private: bool,
    resolver: Resolver,
) -> PushSubscription:
    """Save the browser's subscription for the user; the same endpoint again replaces it."""
    await _check_endpoint(body.endpoint, allow_private, resolver)
    existing = await repository.push_subscription_by_endpoint(session, body.endpoint)
    if existing is not None:
        # A browser re-subscribing, possibly signed in as someone else now: the endpoint
        # follows the account that registered it last.
        await session.delete(existing)
        await session.flush()
    subscription = PushSubscription(
        user_id=user_id,
        endpoint=body.endpoint,
        p256dh=body.keys.p256dh,
        auth=body.keys.auth,
        user_agent=(user_agent or "")[:300] or None,
    )
    session.add(subscription)
    await session.flush()
    return subscription


async def remove(session: AsyncSession, user_id: uuid.UUID, subscription_id: uuid.UUID) -> None:
    subscription = await session.get(PushSubscription, subscription_id)
    if subscription is None or subscription.user_id != user_id:
        raise PushSubscriptionNotFoundError(params={"id": str(subscription_id)})
    await session.delete(subscription)


def endpoint_host(endpoint: str) -> str:
    return urlsplit(endpoint).hostname or ""


async def _check_endpoint(endpoint: str, allow_private: bool, resolver: Resolver) -> None:
    error: FieldError | None = None
    if not endpoint.startswith("https://") and not allow_private:
        error = FieldError(
            code="url_scheme",
            message=N_("A push endpoint must start with https://."),
            pointer="#/endpoint",
        )
    else:
        try:
            await resolve_target(endpoint, allow_private=allow_private, resolver=resolver)
        except TargetRejectedError as rejected:
            error = FieldError(
                code=rejected.reason,
                message=rejected.message,
                pointer="#/endpoint",
                params=rejected.params,
            )
    if error is not None:
        raise InvalidPushSubscriptionError(errors=[error])
