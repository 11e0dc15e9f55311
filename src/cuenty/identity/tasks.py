"""Background work of the identity package: how its events look to webhook subscribers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.identity.models import User
from cuenty.webhooks.renderers import resource_renderer


@resource_renderer("user")
async def render_user(session: AsyncSession, data: Mapping[str, Any]) -> dict[str, Any]:
    """Render `user.*` events as the account's public, non-personal fields.

    Contact data stays out: a webhook endpoint is a third party, and the integrator can read
    the account through the API with a key that has `users:read`.
    """
    try:
        user_id = uuid.UUID(str(data["user_id"]))
    except (KeyError, ValueError):
        # Not an account id this service issued: pass the event's own fields along.
        return dict(data)
    user = await session.get(User, user_id)
    if user is None:
        return {"id": str(user_id), "deleted": True}
    return {
        "id": str(user.id),
        "role": user.role,
        "locale": user.locale,
        "createdAt": user.created_at.isoformat(),
    }
