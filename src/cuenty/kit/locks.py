"""Distributed locks: leases in the `distributed_locks` table with a fencing token, and
PostgreSQL advisory locks held for one transaction.

A lease's fencing token is its row id, which only grows (AUTOINCREMENT on SQLite, a sequence
on PostgreSQL), so a holder whose lease expired and was taken over presents a smaller token
than the new holder and `guard()` rejects it.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Integer, String, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from cuenty.kit.clock import utc_now
from cuenty.kit.db import Base, UTCDateTime, transaction


class DistributedLock(Base):
    """A held lease; the row is deleted on release or, once expired, by the next acquirer."""

    __tablename__ = "distributed_locks"
    __table_args__ = ({"sqlite_autoincrement": True},)

    fencing_token: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    lock_key: Mapped[str] = mapped_column(String(200), unique=True)
    lock_owner: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LockLostError(RuntimeError):
    """Raised when a lease expired or was taken over: its holder must stop acting."""


@dataclass(frozen=True)
class Lease:
    key: str
    owner: str
    fencing_token: int
    expires_at: datetime


SessionFactory = async_sessionmaker[AsyncSession]


async def acquire(
    factory: SessionFactory,
    key: str,
    *,
    owner: str,
    ttl: timedelta,
    now: Callable[[], datetime] = utc_now,
) -> Lease | None:
    """Take the lock for `ttl` and return the lease, or None while someone else holds it.

    Commits at once, in its own transaction, so other processes see the lock.
    """
    moment = now()
    async with transaction(factory) as session:
        await session.execute(
            delete(DistributedLock).where(
                DistributedLock.lock_key == key, DistributedLock.expires_at <= moment
            )
        )
        values = {
            "lock_key": key,
            "lock_owner": owner,
            "acquired_at": moment,
            "expires_at": moment + ttl,
        }
        dialect = (await session.connection()).dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(DistributedLock)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["lock_key"])
            .returning(DistributedLock.fencing_token)
        )
        token = await session.scalar(statement)
    if token is None:
        return None
    return Lease(key, owner, token, moment + ttl)


async def renew(
    factory: SessionFactory, lease: Lease, *, ttl: timedelta, now: Callable[[], datetime] = utc_now
) -> Lease:
    """Extend a lease that is still held; raise LockLostError when it is not."""
    moment = now()
    async with transaction(factory) as session:
        result = await session.execute(
            update(DistributedLock)
            .where(*_held(lease, moment))
            .values(expires_at=moment + ttl)
            .returning(DistributedLock.fencing_token)
        )
        if result.scalar_one_or_none() is None:
            raise LockLostError(f"lock {lease.key!r} expired or was taken by another owner")
    return Lease(lease.key, lease.owner, lease.fencing_token, moment + ttl)


async def release(factory: SessionFactory, lease: Lease) -> bool:
    """Give the lock up; return False when it had already expired or changed hands."""
    async with transaction(factory) as session:
        result = await session.execute(
            delete(DistributedLock)
            .where(
                DistributedLock.lock_key == lease.key,
                DistributedLock.fencing_token == lease.fencing_token,
            )
            .returning(DistributedLock.fencing_token)
        )
        return result.scalar_one_or_none() is not None


async def guard(
    session: AsyncSession, lease: Lease, *, now: Callable[[], datetime] = utc_now
) -> None:
    """Check, inside the caller's transaction, that the lease is still the current one.

    Raises LockLostError for a stale token, so work done on another holder's behalf never
    commits. On PostgreSQL the row stays locked until the caller's transaction ends, so the
    lease cannot change hands between this check and the commit.
    """
    statement = select(DistributedLock.fencing_token).where(*_held(lease, now()))
    if (await session.connection()).dialect.name == "postgresql":
        statement = statement.with_for_update()
    if await session.scalar(statement) is None:
        raise LockLostError(
            f"lock {lease.key!r} token {lease.fencing_token} is stale: it expired or was taken"
        )


@asynccontextmanager
async def held(
    factory: SessionFactory,
    key: str,
    *,
    owner: str,
    ttl: timedelta,
    now: Callable[[], datetime] = utc_now,
) -> AsyncIterator[Lease | None]:
    """Hold the lock for the block; yields None (and still runs the block) when another owner
    holds it.
    """
    lease = await acquire(factory, key, owner=owner, ttl=ttl, now=now)
    try:
        yield lease
    finally:
        if lease is not None:
            await release(factory, lease)


async def try_advisory_xact_lock(session: AsyncSession, key: str) -> bool:
    """Take a PostgreSQL advisory lock until the session's transaction ends, if free.

    On SQLite it returns True at once: SQLite lets one connection write at a time and the
    embedded mode runs one process, so there is no other holder to wait for.
    """
    if (await session.connection()).dialect.name != "postgresql":
        return True
    result = await session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": advisory_key(key)}
    )
    return bool(result)


async def advisory_xact_lock(session: AsyncSession, key: str) -> None:
    """Wait for a PostgreSQL advisory lock held until the transaction ends (no-op on SQLite)."""
    if (await session.connection()).dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(key)}
        )


async def cleanup_expired_locks(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Delete expired leases and return how many.

    PostgreSQL runs the `cleanup_expired_locks()` function, on the database's clock; SQLite
    deletes with `now` (default: the current time).
    """
    if (await session.connection()).dialect.name == "postgresql":
        return int(await session.scalar(text("SELECT cleanup_expired_locks()")) or 0)
    result = await session.execute(
        delete(DistributedLock)
        .where(DistributedLock.expires_at <= (now or utc_now()))
        .returning(DistributedLock.fencing_token)
    )
    return len(result.all())


def advisory_key(key: str) -> int:
    """Map a lock name to the signed 64-bit integer PostgreSQL advisory locks take."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _held(lease: Lease, moment: datetime) -> tuple[object, ...]:
    return (
        DistributedLock.lock_key == lease.key,
        DistributedLock.fencing_token == lease.fencing_token,
        DistributedLock.lock_owner == lease.owner,
        DistributedLock.expires_at > moment,
    )
