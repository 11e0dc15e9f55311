"""Rotation of the data keys that encrypt credentials: a new active key, every ciphertext
re-encrypted with it in batches, then the old keys retired.

Each batch is its own transaction, so a large inventory never holds one long lock. A run cut
short leaves every row readable, because old keys are retired only in the last step, and it
can simply run again.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cuenty.inventory.models import AccountProfile, DataKey, ServiceAccount
from cuenty.inventory.vault import ACCOUNTS_TABLE, PROFILES_TABLE, Vault, create_data_key
from cuenty.kit.clock import utc_now

DEFAULT_BATCH_SIZE = 200

log = structlog.get_logger("cuenty.inventory.rotation")


@dataclass(frozen=True)
class RotationResult:
    """Counts of one rotation; never any credential."""

    new_key_id: str
    accounts: int
    profiles: int
    retired_keys: int


async def rotate_credentials(
    session_factory: async_sessionmaker[AsyncSession],
    master_key: str,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> RotationResult:
    """Create a new data key, re-encrypt every account and profile with it, retire the rest.

    Opens and commits its own transactions (it is a maintenance command, not a request).
    """
    async with session_factory() as session, session.begin():
        new_key_id = await create_data_key(session, master_key)
        # Rows written from now on use the new key: only it stays active.
        await _deactivate_other_keys(session, new_key_id)
    log.info("inventory.key_rotation_started", key_id=new_key_id)

    accounts = profiles = 0
    while True:
        async with session_factory() as session, session.begin():
            done_accounts = await reencrypt_accounts(session, master_key, new_key_id, batch_size)
            done_profiles = await reencrypt_profiles(session, master_key, new_key_id, batch_size)
        accounts += done_accounts
        profiles += done_profiles
        if done_accounts < batch_size and done_profiles < batch_size:
            break

    async with session_factory() as session, session.begin():
        # Rows added by a request that read the old key just before the switch are caught here,
        # in the same transaction that retires that key.
        accounts += await reencrypt_accounts(session, master_key, new_key_id, None)
        profiles += await reencrypt_profiles(session, master_key, new_key_id, None)
        retired = await _retire_other_keys(session, new_key_id)
    log.info(
        "inventory.key_rotation_finished",
        key_id=new_key_id,
        accounts=accounts,
        profiles=profiles,
        retired_keys=retired,
    )
    return RotationResult(new_key_id, accounts, profiles, retired)


async def reencrypt_accounts(
    session: AsyncSession, master_key: str, key_id: str, limit: int | None
) -> int:
    """Re-encrypt up to `limit` accounts not yet under `key_id` (all of them with None)."""
    statement = select(ServiceAccount).where(ServiceAccount.key_id != key_id)
    statement = statement.order_by(ServiceAccount.id).limit(limit)
    accounts = list((await session.scalars(statement.with_for_update())).all())
    vault = Vault(session, master_key)
    for account in accounts:
        login = await vault.open(ACCOUNTS_TABLE, account.id, "login", account.login_ciphertext)
        password = await vault.open(
            ACCOUNTS_TABLE, account.id, "password", account.password_ciphertext
        )
        account.login_ciphertext = await vault.seal_with(
            key_id, ACCOUNTS_TABLE, account.id, "login", login
        )
        account.password_ciphertext = await vault.seal_with(
            key_id, ACCOUNTS_TABLE, account.id, "password", password
        )
        account.key_id = key_id
    await session.flush()
    return len(accounts)


async def reencrypt_profiles(
    session: AsyncSession, master_key: str, key_id: str, limit: int | None
) -> int:
    """Re-encrypt up to `limit` profile PINs not yet under `key_id` (all of them with None)."""
    statement = select(AccountProfile).where(
        AccountProfile.pin_ciphertext.is_not(None), AccountProfile.key_id != key_id
    )
    statement = statement.order_by(AccountProfile.id).limit(limit)
    profiles = list((await session.scalars(statement.with_for_update())).all())
    vault = Vault(session, master_key)
    for profile in profiles:
        assert profile.pin_ciphertext is not None
        pin = await vault.open(PROFILES_TABLE, profile.id, "pin", profile.pin_ciphertext)
        profile.pin_ciphertext = await vault.seal_with(
            key_id, PROFILES_TABLE, profile.id, "pin", pin
        )
        profile.key_id = key_id
    await session.flush()
    return len(profiles)


async def _deactivate_other_keys(session: AsyncSession, key_id: str) -> None:
    await session.execute(
        update(DataKey).where(DataKey.id != key_id, DataKey.active.is_(True)).values(active=False)
    )


async def _retire_other_keys(session: AsyncSession, key_id: str) -> int:
    result = await session.execute(
        update(DataKey)
        .where(DataKey.id != key_id, DataKey.retired_at.is_(None))
        .values(active=False, retired_at=utc_now())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
