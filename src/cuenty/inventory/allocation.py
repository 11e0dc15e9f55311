"""Assigning stock to subscriptions, and taking it back when they end.

An INDIVIDUAL plan takes one free profile of an account; a COMPLETA plan takes an account
whose profiles are all free. Accounts are taken oldest first. On PostgreSQL the candidate
account is locked with `FOR UPDATE SKIP LOCKED`, so concurrent fulfilments pass each other
instead of queueing; on both databases the change itself is a conditional update that names
the state it expects, so an account or profile is never handed out twice even when two
transactions read the same candidate (SQLite serialises writers, and the loser sees zero
rows updated and moves on to the next candidate).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.catalog.models import PlanType
from cuenty.inventory.models import AccountProfile, AccountState, ProfileState, ServiceAccount

CANDIDATES_PER_ROUND = 5
MAX_ROUNDS = 20


@dataclass(frozen=True)
class Assignment:
    account_id: uuid.UUID
    profile_id: uuid.UUID | None


async def assign(
    session: AsyncSession, *, service_id: uuid.UUID, plan_type: str, subscription_id: uuid.UUID
) -> Assignment | None:
    """Take stock for one subscription, or return None when none is free."""
    whole = plan_type == PlanType.COMPLETA
    for _ in range(MAX_ROUNDS):
        candidates = await _candidates(session, service_id, whole=whole)
        if not candidates:
            return None
        for account_id in candidates:
            taken = (
                await _take_account(session, account_id, subscription_id)
                if whole
                else await _take_profile(session, account_id, subscription_id)
            )
            if taken is not None:
                return taken
    return None


async def release(
    session: AsyncSession, *, account_id: uuid.UUID, profile_id: uuid.UUID | None
) -> None:
    """Give back a subscription's stock for rotation: it stays in maintenance until staff
    change the password or PIN and return it to available."""
    if profile_id is not None:
        await session.execute(
            update(AccountProfile)
            .where(AccountProfile.id == profile_id)
            .values(state=ProfileState.MAINTENANCE.value, subscription_id=None)
            .execution_options(synchronize_session=False)
        )
        return
    await session.execute(
        update(AccountProfile)
        .where(AccountProfile.account_id == account_id)
        .values(state=ProfileState.MAINTENANCE.value, subscription_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(ServiceAccount)
        .where(ServiceAccount.id == account_id)
        .values(state=AccountState.MAINTENANCE.value, free_profiles=0)
        .execution_options(synchronize_session=False)
    )


async def _candidates(
    session: AsyncSession, service_id: uuid.UUID, *, whole: bool
) -> list[uuid.UUID]:
    query = select(ServiceAccount.id).where(
        ServiceAccount.service_id == service_id,
        ServiceAccount.state == AccountState.AVAILABLE.value,
    )
    if whole:
        query = query.where(ServiceAccount.free_profiles == ServiceAccount.profile_count)
    else:
        query = query.where(ServiceAccount.free_profiles > 0)
    query = query.order_by(ServiceAccount.created_at, ServiceAccount.id)
    if (await session.connection()).dialect.name == "postgresql":
        # Lock one row only: a transaction holding several would hide them all from the
        # others until it commits, and they would wrongly find no stock.
        query = query.limit(1).with_for_update(skip_locked=True)
    else:
        query = query.limit(CANDIDATES_PER_ROUND)
    return list((await session.scalars(query)).all())


async def _take_profile(
    session: AsyncSession, account_id: uuid.UUID, subscription_id: uuid.UUID
) -> Assignment | None:
    remaining = ServiceAccount.free_profiles - 1
    claimed = await session.execute(
        update(ServiceAccount)
        .where(
            ServiceAccount.id == account_id,
            ServiceAccount.state == AccountState.AVAILABLE.value,
            ServiceAccount.free_profiles > 0,
        )
        .values(
            free_profiles=remaining,
            state=case((remaining == 0, AccountState.ASSIGNED.value), else_=ServiceAccount.state),
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    profile_id = await session.scalar(
        select(AccountProfile.id)
        .where(
            AccountProfile.account_id == account_id,
            AccountProfile.state == ProfileState.AVAILABLE.value,
        )
        .order_by(AccountProfile.position)
        .limit(1)
    )
    if profile_id is None:
        raise RuntimeError(f"account {account_id} counted a free profile it does not have")
    marked = await session.execute(
        update(AccountProfile)
        .where(
            AccountProfile.id == profile_id, AccountProfile.state == ProfileState.AVAILABLE.value
        )
        .values(state=ProfileState.ASSIGNED.value, subscription_id=subscription_id)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        raise RuntimeError(f"profile {profile_id} was taken while its account was claimed")
    return Assignment(account_id, profile_id)


async def _take_account(
    session: AsyncSession, account_id: uuid.UUID, subscription_id: uuid.UUID
) -> Assignment | None:
    claimed = await session.execute(
        update(ServiceAccount)
        .where(
            ServiceAccount.id == account_id,
            ServiceAccount.state == AccountState.AVAILABLE.value,
            ServiceAccount.free_profiles == ServiceAccount.profile_count,
        )
        .values(free_profiles=0, state=AccountState.ASSIGNED.value)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    await session.execute(
        update(AccountProfile)
        .where(AccountProfile.account_id == account_id)
        .values(state=ProfileState.ASSIGNED.value, subscription_id=subscription_id)
        .execution_options(synchronize_session=False)
    )
    return Assignment(account_id, None)
