"""Distributed locks: leases that expire, fencing tokens that reject a stale holder, cleanup,
and PostgreSQL advisory locks held for one transaction.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.kit import locks
from cuenty.kit.clock import utc_now
from cuenty.kit.db import create_session_factory, transaction
from cuenty.kit.jobs import JobRegistry, enqueue, maintenance, registry
from tests.conftest import TestDatabase
from tests.jobs.support import FakeClock, reset_procrastinate, run_jobs

TTL = timedelta(seconds=30)


async def test_second_owner_waits_for_expiry(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    clock = FakeClock()

    first = await locks.acquire(factory, "reconciliation", owner="worker-a", ttl=TTL, now=clock)
    blocked = await locks.acquire(factory, "reconciliation", owner="worker-b", ttl=TTL, now=clock)
    clock.advance(seconds=31)
    second = await locks.acquire(factory, "reconciliation", owner="worker-b", ttl=TTL, now=clock)

    assert first is not None
    assert blocked is None
    assert second is not None
    assert second.fencing_token > first.fencing_token


async def test_stale_holder_cannot_act(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    clock = FakeClock()
    stale = await locks.acquire(factory, "statement-import", owner="a", ttl=TTL, now=clock)
    clock.advance(seconds=45)
    current = await locks.acquire(factory, "statement-import", owner="b", ttl=TTL, now=clock)
    assert stale is not None
    assert current is not None

    async with transaction(factory) as session:
        with pytest.raises(locks.LockLostError, match="stale"):
            await locks.guard(session, stale, now=clock)
        await locks.guard(session, current, now=clock)
    with pytest.raises(locks.LockLostError):
        await locks.renew(factory, stale, ttl=TTL, now=clock)
    assert await locks.release(factory, stale) is False
    assert await locks.release(factory, current) is True


async def test_expired_lease_fails_guard_before_takeover(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    clock = FakeClock()
    lease = await locks.acquire(factory, "k", owner="a", ttl=TTL, now=clock)
    assert lease is not None
    renewed = await locks.renew(factory, lease, ttl=TTL, now=clock)
    clock.advance(seconds=31)

    async with transaction(factory) as session:
        with pytest.raises(locks.LockLostError):
            await locks.guard(session, renewed, now=clock)


async def test_tokens_grow_after_release(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    tokens = []
    for owner in ("a", "b", "c"):
        async with locks.held(factory, "daily-predictions", owner=owner, ttl=TTL) as lease:
            assert lease is not None
            tokens.append(lease.fencing_token)
    assert tokens == sorted(tokens)
    assert len(set(tokens)) == 3


async def test_cleanup_removes_only_expired(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    past = FakeClock(utc_now() - timedelta(hours=1))
    await locks.acquire(factory, "old", owner="a", ttl=TTL, now=past)
    await locks.acquire(factory, "live", owner="a", ttl=timedelta(hours=2), now=past)

    async with transaction(factory) as session:
        removed = await locks.cleanup_expired_locks(session)
        left = await session.scalars(select(locks.DistributedLock.lock_key))
        keys = list(left)

    assert removed == 1
    assert keys == ["live"]


async def test_cleanup_job_runs(database: TestDatabase, engine: AsyncEngine) -> None:
    await reset_procrastinate(engine)
    factory = create_session_factory(engine)
    past = FakeClock(utc_now() - timedelta(hours=1))
    await locks.acquire(factory, "old", owner="a", ttl=TTL, now=past)
    jobs = JobRegistry()
    jobs.handlers["locks.cleanup_expired"] = registry.get(maintenance.CLEANUP_LOCKS)
    async with transaction(factory) as session:
        await enqueue(session, "locks.cleanup_expired", {})

    await run_jobs(database, jobs)
    await reset_procrastinate(engine)

    async with factory() as session:
        assert await session.scalar(select(func.count()).select_from(locks.DistributedLock)) == 0


async def test_advisory_lock_held_until_commit(database: TestDatabase, engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    async with transaction(factory) as first:
        assert await locks.try_advisory_xact_lock(first, "relay")
        if database.dialect == "postgresql":
            async with transaction(factory) as second:
                assert not await locks.try_advisory_xact_lock(second, "relay")
                assert await locks.try_advisory_xact_lock(second, "another")
    async with transaction(factory) as third:
        assert await locks.try_advisory_xact_lock(third, "relay")


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_postgres_function_exists(database: TestDatabase, engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT cleanup_expired_locks()")) == 0
