"""Profile changes by the user and account administration by staff.

A new email or phone is kept pending until the code sent to it is entered, so an account
never points at an address its owner has not proved to control.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.identity import api_keys, audit, contacts
from cuenty.identity.access import Principal
from cuenty.identity.context import IdentityContext
from cuenty.identity.models import User
from cuenty.identity.schemas import UpdateMeRequest
from cuenty.identity.service import load_user
from cuenty.identity.sessions import revoke_all_sessions
from cuenty.kit import jobs
from cuenty.kit.errors import ForbiddenError


async def update_me(
    session: AsyncSession, ctx: IdentityContext, user: User, changes: UpdateMeRequest
) -> User:
    if changes.name is not None:
        user.name = changes.name.strip()
    if changes.delivery_channel is not None:
        user.delivery_channel = changes.delivery_channel
    if changes.locale is not None:
        user.locale = changes.locale
    if changes.postal_code is not None:
        user.postal_code = changes.postal_code
    if changes.email is not None and str(changes.email).lower() != user.email:
        await contacts.start_contact_change(session, ctx, user, "email", str(changes.email).lower())
    if changes.phone is not None and changes.phone != user.phone:
        await contacts.start_contact_change(session, ctx, user, "phone", changes.phone)
    await session.flush()
    if changes.model_fields_set:
        # Chatwoot keeps a copy of the profile; a new email or phone counts once verified.
        await jobs.publish(session, "user.updated", {"userId": str(user.id)})
    return user


def user_search(query: str | None, role: str | None) -> Select[tuple[User]]:
    """Build the staff search over name, email and phone, optionally by role."""
    statement = select(User)
    if query:
        escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        statement = statement.where(
            or_(
                func.lower(User.email).like(pattern, escape="\\"),
                func.lower(User.name).like(pattern, escape="\\"),
                User.phone.like(pattern, escape="\\"),
            )
        )
    if role:
        statement = statement.where(User.role == role)
    return statement


async def change_role(
    session: AsyncSession, ctx: IdentityContext, actor: Principal, user_id: uuid.UUID, role: str
) -> User:
    user = await load_user(session, user_id)
    if user.id == actor.user_id:
        # An admin demoting themself could leave the platform with no administrator.
        raise ForbiddenError()
    previous = user.role
    user.role = role
    # Tokens carry the role, so sessions issued under the old role must end now.
    await revoke_all_sessions(
        session, ctx.revocations, user.id, "role_changed", ctx.now, ctx.settings
    )
    await audit.record(
        session,
        "user.role_changed",
        actor_user_id=actor.user_id,
        subject_user_id=user.id,
        previous=previous,
        role=role,
        request_id=ctx.client.request_id,
    )
    return user


async def set_active(
    session: AsyncSession, ctx: IdentityContext, actor: Principal, user_id: uuid.UUID, active: bool
) -> User:
    user = await load_user(session, user_id)
    if user.id == actor.user_id:
        raise ForbiddenError()
    user.is_active = active
    user.disabled_at = None if active else ctx.now
    if not active:
        await revoke_all_sessions(
            session, ctx.revocations, user.id, "disabled", ctx.now, ctx.settings
        )
        await api_keys.revoke_all_keys(session, user.id, ctx.now)
    await audit.record(
        session,
        "user.enabled" if active else "user.disabled",
        actor_user_id=actor.user_id,
        subject_user_id=user.id,
        request_id=ctx.client.request_id,
    )
    return user
