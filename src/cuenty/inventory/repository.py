"""Every query of the inventory package."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.catalog.models import CatalogService
from cuenty.inventory.models import AccountProfile, ProfileState, ServiceAccount
from cuenty.subscriptions.models import Subscription, SubscriptionState


async def get_account(
    session: AsyncSession, account_id: uuid.UUID, *, for_update: bool = False
) -> ServiceAccount | None:
    statement = select(ServiceAccount).where(ServiceAccount.id == account_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.scalars(statement)).one_or_none()


async def list_profiles(session: AsyncSession, account_id: uuid.UUID) -> list[AccountProfile]:
    statement = (
        select(AccountProfile)
        .where(AccountProfile.account_id == account_id)
        .order_by(AccountProfile.position)
    )
    return list((await session.scalars(statement)).all())


async def count_profiles_in_state(
    session: AsyncSession, account_id: uuid.UUID, state: ProfileState
) -> int:
    statement = select(func.count()).where(
        AccountProfile.account_id == account_id, AccountProfile.state == state.value
    )
    return await session.scalar(statement) or 0


async def get_service(session: AsyncSession, service_id: uuid.UUID) -> CatalogService | None:
    return await session.get(CatalogService, service_id)


async def services_by_name(session: AsyncSession) -> dict[str, CatalogService]:
    """Return every catalog service keyed by its case-folded name and by its id."""
    services = (await session.scalars(select(CatalogService))).all()
    keyed: dict[str, CatalogService] = {}
    for service in services:
        keyed[service.name.strip().casefold()] = service
        keyed[str(service.id)] = service
    return keyed


async def login_digest_exists(session: AsyncSession, service_id: uuid.UUID, digest: str) -> bool:
    statement = select(ServiceAccount.id).where(
        ServiceAccount.service_id == service_id, ServiceAccount.login_digest == digest
    )
    return (await session.scalar(statement.limit(1))) is not None


async def existing_digests(
    session: AsyncSession, pairs: Iterable[tuple[uuid.UUID, str]]
) -> set[tuple[uuid.UUID, str]]:
    """Return which (service id, login digest) pairs are already stored."""
    wanted = set(pairs)
    if not wanted:
        return set()
    digests = {digest for _, digest in wanted}
    found: set[tuple[uuid.UUID, str]] = set()
    chunk = list(digests)
    # Bounded IN lists: SQLite allows at most 32766 parameters per statement.
    for start in range(0, len(chunk), 500):
        statement = select(ServiceAccount.service_id, ServiceAccount.login_digest).where(
            ServiceAccount.login_digest.in_(chunk[start : start + 500])
        )
        for service_id, digest in (await session.execute(statement)).all():
            if (service_id, digest) in wanted:
                found.add((service_id, digest))
    return found


def accounts_query(
    *, service_id: uuid.UUID | None, state: str | None, has_free_profiles: bool | None
) -> Select[Any]:
    statement = select(ServiceAccount)
    if service_id is not None:
        statement = statement.where(ServiceAccount.service_id == service_id)
    if state is not None:
        statement = statement.where(ServiceAccount.state == state)
    if has_free_profiles is True:
        statement = statement.where(ServiceAccount.free_profiles > 0)
    elif has_free_profiles is False:
        statement = statement.where(ServiceAccount.free_profiles == 0)
    return statement


async def account_counts_by_state(session: AsyncSession) -> list[tuple[uuid.UUID, str, int]]:
    statement = select(ServiceAccount.service_id, ServiceAccount.state, func.count()).group_by(
        ServiceAccount.service_id, ServiceAccount.state
    )
    return [(row[0], row[1], row[2]) for row in (await session.execute(statement)).all()]


async def free_units_by_service(
    session: AsyncSession, available: str
) -> dict[uuid.UUID, tuple[int, int]]:
    """Return, per service, (free profiles, whole free accounts) of assignable accounts."""
    whole = func.sum(
        case((ServiceAccount.free_profiles == ServiceAccount.profile_count, 1), else_=0)
    )
    statement = (
        select(ServiceAccount.service_id, func.sum(ServiceAccount.free_profiles), whole)
        .where(ServiceAccount.state == available)
        .group_by(ServiceAccount.service_id)
    )
    return {
        row[0]: (int(row[1] or 0), int(row[2] or 0))
        for row in (await session.execute(statement)).all()
    }


async def pending_subscriptions_by_service(session: AsyncSession) -> dict[uuid.UUID, int]:
    """Return how many paid subscriptions wait for stock, per service.

    NOTE: this reads the subscriptions table directly, because the subscriptions package has
    no service function for this count yet. Move the query there once it has one.
    """
    statement = (
        select(Subscription.service_id, func.count())
        .where(Subscription.state == SubscriptionState.PENDING.value)
        .group_by(Subscription.service_id)
    )
    return {row[0]: int(row[1]) for row in (await session.execute(statement)).all()}


async def all_services(session: AsyncSession) -> list[CatalogService]:
    statement = select(CatalogService).order_by(CatalogService.display_order, CatalogService.name)
    return list((await session.scalars(statement)).all())
