"""When a non-urgent message may go: not during quiet hours (Mexico City time) and not past
the recipient's hourly limit per purpose. Urgent messages (codes, payments, security alerts)
always go at once.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.config import Settings
from cuenty.kit.clock import ensure_utc, to_mexico_city
from cuenty.notifications import repository

THROTTLE_WINDOW = timedelta(hours=1)


def quiet_hours_end(settings: Settings, now: datetime) -> datetime | None:
    """Return when quiet hours end if `now` is inside them, else None.

    Start and end are whole hours in Mexico City; a start after the end spans midnight
    (21 to 8 by default). Equal hours turn quiet hours off.
    """
    start = settings.notifications_quiet_start_hour
    end = settings.notifications_quiet_end_hour
    if start == end:
        return None
    local = to_mexico_city(now)
    hour = local.hour
    inside = start <= hour < end if start < end else hour >= start or hour < end
    if not inside:
        return None
    end_today = local.replace(hour=end, minute=0, second=0, microsecond=0)
    ends = end_today if end_today > local else end_today + timedelta(days=1)
    return ensure_utc(ends)


async def throttle_until(
    session: AsyncSession,
    settings: Settings,
    user_id: uuid.UUID | None,
    purpose: str,
    now: datetime,
) -> datetime | None:
    """Return when the user's hourly limit for this purpose frees a slot, or None if free."""
    if user_id is None:
        return None
    sent = await repository.sent_since(session, user_id, purpose, now - THROTTLE_WINDOW)
    limit = settings.notifications_max_per_hour
    if len(sent) < limit:
        return None
    # The slot frees when the oldest message that counts leaves the window.
    return ensure_utc(sent[len(sent) - limit]) + THROTTLE_WINDOW


async def hold_until(
    session: AsyncSession,
    settings: Settings,
    *,
    user_id: uuid.UUID | None,
    purpose: str,
    urgent: bool,
    now: datetime,
) -> datetime | None:
    """Return when a non-urgent message may go, or None to send it now."""
    if urgent:
        return None
    quiet_end = quiet_hours_end(settings, now)
    if quiet_end is not None:
        return quiet_end
    return await throttle_until(session, settings, user_id, purpose, now)
