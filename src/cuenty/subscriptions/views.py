"""Building the API view of subscriptions: names of their service and plan, days left, and
the credentials for their owner."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.catalog.models import CatalogService, Plan
from cuenty.identity.access import Principal
from cuenty.subscriptions.models import Subscription
from cuenty.subscriptions.periods import days_left
from cuenty.subscriptions.schemas import (
    Credentials,
    PlanRef,
    ServiceRef,
    StaffSubscriptionOut,
    SubscriptionOut,
)
from cuenty.subscriptions.service import has_access


async def render(
    session: AsyncSession,
    subscriptions: list[Subscription],
    principal: Principal | None,
    *,
    now: datetime,
    master_key: str,
    with_credentials: bool = False,
) -> list[SubscriptionOut]:
    """The API view of each subscription; staff get owner and stock ids, and the owner
    (signed in with an access token) gets the credentials when asked for and allowed.
    Without a principal (webhooks) the customer view is built, never with credentials."""
    services = await _by_id(session, CatalogService, {row.service_id for row in subscriptions})
    plans = await _by_id(session, Plan, {row.plan_id for row in subscriptions})
    views: list[SubscriptionOut] = []
    for row in subscriptions:
        service, plan = services[row.service_id], plans[row.plan_id]
        values: dict[str, Any] = {
            "id": row.id,
            "service": ServiceRef(id=service.id, name=service.name, logo_url=service.logo_url),
            "plan": PlanRef(id=plan.id, name=plan.name, plan_type=plan.plan_type),  # type: ignore[arg-type]
            "state": row.state,
            "starts_at": row.starts_at,
            "ends_at": row.ends_at,
            "days_left": days_left(row.ends_at, now) if row.starts_at else 0,
            "auto_renew": row.auto_renew,
            "order_id": row.order_id,
            "renewal_order_id": row.renewal_order_id,
        }
        owner = (
            principal is not None and row.user_id == principal.user_id and not principal.is_api_key
        )
        if with_credentials and owner and has_access(row, now):
            values["credentials"] = await owner_credentials(
                session, row, master_key, with_profile=service.profiles_per_account > 1
            )
        if principal is not None and principal.is_staff:
            views.append(
                StaffSubscriptionOut(
                    **values,
                    user_id=row.user_id,
                    account_id=row.account_id,
                    profile_id=row.profile_id,
                )
            )
        else:
            views.append(SubscriptionOut(**values))
    return views


async def owner_credentials(
    session: AsyncSession, subscription: Subscription, master_key: str, *, with_profile: bool
) -> Credentials:
    """Decrypt the account's access for its owner; the profile's name and PIN only for
    services whose accounts have several profiles (a Spotify seat has none to show)."""
    from cuenty.inventory.vault import read_credentials

    assert subscription.account_id is not None
    found = await read_credentials(
        session, master_key, subscription.account_id, subscription.profile_id
    )
    return Credentials(
        login=found.login,
        password=found.password,
        profile_name=found.profile_name if with_profile else None,
        pin=found.pin if with_profile else None,
    )


async def _by_id(session: AsyncSession, model: Any, ids: set[Any]) -> dict[Any, Any]:
    if not ids:
        return {}
    rows = (await session.scalars(select(model).where(model.id.in_(ids)))).all()
    return {row.id: row for row in rows}
