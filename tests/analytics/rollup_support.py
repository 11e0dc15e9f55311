"""Analytics events written straight to `analytics_events`, as the ingestion code stores
them, and a refresh of the rollups on the test's database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.analytics.models import AnalyticsEvent, IdentityLink
from cuenty.analytics.rollups.refresh import RefreshOutcome, refresh_rollups
from cuenty.kit.clock import business_date, utc_now
from cuenty.kit.db import create_session_factory

PLATFORM_TYPES = {"signup", "order_created", "payment", "payment_returned", "refund", "activation"}


def at(text: str) -> datetime:
    """Parse an ISO time with its offset, e.g. "2026-03-01T23:30:00-06:00", to UTC."""
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, "give the offset"
    return moment.astimezone(UTC)


def event(
    event_type: str,
    occurred_at: datetime | str,
    *,
    user_id: uuid.UUID | None = None,
    anonymous_id: str | None = None,
    amount: str | None = None,
    state_code: str = "unknown",
    service_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """One analytics_events row: platform types come from the platform, others from clients."""
    moment = at(occurred_at) if isinstance(occurred_at, str) else occurred_at
    platform = event_type in PLATFORM_TYPES
    return {
        "event_id": event_id or uuid.uuid4(),
        "source": "platform" if platform else "client",
        "event_type": event_type,
        "event_name": event_type,
        "user_id": user_id,
        "anonymous_id": anonymous_id,
        "properties": {},
        "occurred_at": moment,
        "local_date": business_date(moment),
        "state_code": state_code,
        "amount": Decimal(amount) if amount is not None else None,
        "service_id": service_id,
        "order_id": uuid.uuid4() if platform and event_type != "signup" else None,
    }


async def store(engine: AsyncEngine, *rows: dict[str, Any]) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(AnalyticsEvent), list(rows))


async def link(engine: AsyncEngine, anonymous_id: str, user_id: uuid.UUID) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(IdentityLink).values(
                anonymous_id=anonymous_id, user_id=user_id, linked_at=utc_now()
            )
        )


async def refresh(
    engine: AsyncEngine, *, window_days: int = 14, full: bool = False, now: datetime | None = None
) -> RefreshOutcome:
    return await refresh_rollups(
        create_session_factory(engine), now=now or utc_now(), window_days=window_days, full=full
    )


def read_factory(app: FastAPI) -> Any:
    return app.state.analytics_session_factory
