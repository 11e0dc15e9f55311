"""The Mexican state an event counts for: from the user's postal code, else `unknown`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.models import UNKNOWN_STATE
from cuenty.identity.models import User
from cuenty.mexico.postal_codes import InvalidPostalCode, state_for_postal_code


def state_code_for(postal_code: str | None) -> str:
    """Return the ISO 3166-2:MX code of a postal code's state, or `unknown`.

    A missing, malformed or unassigned postal code is counted under `unknown`, so the event
    still counts in the totals.
    """
    if not postal_code:
        return UNKNOWN_STATE
    try:
        state = state_for_postal_code(postal_code)
    except InvalidPostalCode:
        return UNKNOWN_STATE
    return state.iso_code if state is not None else UNKNOWN_STATE


async def states_of_users(
    session: AsyncSession, user_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Return each existing user's state code; users that do not exist are left out."""
    wanted = list(set(user_ids))
    if not wanted:
        return {}
    rows = await session.execute(select(User.id, User.postal_code).where(User.id.in_(wanted)))
    return {user_id: state_code_for(postal_code) for user_id, postal_code in rows.all()}
