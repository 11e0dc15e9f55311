"""Credential encryption: associated data binds each ciphertext to its row and field, and
`cuenty keys rotate-credentials` re-encrypts everything under a new key."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from cuenty.inventory.models import AccountProfile, DataKey, ServiceAccount
from cuenty.inventory.vault import (
    CredentialDecryptionError,
    key_id_of,
    mask_login,
    read_credentials,
)
from tests.conftest import TestDatabase
from tests.inventory.support import NETFLIX_LOGIN, NETFLIX_PASSWORD, add_account, create_service

CUENTY_COMMAND = str(Path(sys.executable).with_name("cuenty"))


def _master_key(app: FastAPI) -> str:
    return str(app.state.settings.secret("encryption_key"))


async def test_swapped_ciphertexts_fail(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    service_id = await create_service(app)
    first = await add_account(client, operations, service_id, "uno@cuenty.mx")
    second = await add_account(client, operations, service_id, "dos@cuenty.mx")
    first_id, second_id = uuid.UUID(first["id"]), uuid.UUID(second["id"])
    async with app.state.session_factory() as session, session.begin():
        first_row = await session.get(ServiceAccount, first_id)
        second_row = await session.get(ServiceAccount, second_id)
        assert first_row is not None and second_row is not None
        # Another row's password, and this row's password in its login column.
        first_row.password_ciphertext = second_row.password_ciphertext
        second_row.login_ciphertext = second_row.password_ciphertext

    async with app.state.session_factory() as session:
        with pytest.raises(CredentialDecryptionError) as moved_row:
            await read_credentials(session, _master_key(app), first_id)
        with pytest.raises(CredentialDecryptionError) as moved_field:
            await read_credentials(session, _master_key(app), second_id)

    assert "failed authentication" in str(moved_row.value)
    assert NETFLIX_PASSWORD not in str(moved_row.value)
    assert "login" in str(moved_field.value)


async def test_wrong_master_key_cannot_read(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    account = await add_account(client, operations, await create_service(app))

    async with app.state.session_factory() as session:
        with pytest.raises(ValueError, match="failed authentication"):
            await read_credentials(session, "otra-llave-maestra", uuid.UUID(account["id"]))


async def test_rotation_command_reencrypts_and_retires(
    app: FastAPI,
    client: httpx.AsyncClient,
    operations: dict[str, str],
    database: TestDatabase,
) -> None:
    service_id = await create_service(app)
    accounts = [
        await add_account(
            client,
            operations,
            service_id,
            f"cuenta{number}@cuenty.mx",
            profiles=[{"name": "Ana", "pin": f"{number:04d}"}, {"name": "Beto"}],
        )
        for number in range(3)
    ]
    async with app.state.session_factory() as session:
        (old_key,) = (await session.scalars(select(DataKey))).all()
    environment = {
        **os.environ,
        "CUENTY_DATABASE_URL": database.url,
        "CUENTY_ENVIRONMENT": "development",
    }
    environment.pop("CUENTY_ENCRYPTION_KEY", None)
    # The command is then the only process with the SQLite file open.
    await database.engine.dispose()

    # A separate process, as an operator runs it: it imports only what the command imports.
    result = await asyncio.to_thread(
        subprocess.run,
        [CUENTY_COMMAND, "keys", "rotate-credentials", "--batch-size", "2"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "re-encrypted 3 account(s) and 3 profile PIN(s); retired 1 old key(s)" in result.stdout
    assert NETFLIX_PASSWORD not in result.stdout + result.stderr
    async with app.state.session_factory() as session:
        keys = {key.id: key for key in (await session.scalars(select(DataKey))).all()}
        stored_accounts = (await session.scalars(select(ServiceAccount))).all()
        pins = (
            await session.scalars(
                select(AccountProfile).where(AccountProfile.pin_ciphertext.is_not(None))
            )
        ).all()
        credentials = await read_credentials(
            session,
            _master_key(app),
            uuid.UUID(accounts[2]["id"]),
            uuid.UUID(accounts[2]["profiles"][0]["id"]),
        )
    (new_key_id,) = [key_id for key_id, key in keys.items() if key.active]
    assert keys[old_key.id].active is False
    assert keys[old_key.id].retired_at is not None
    assert {account.key_id for account in stored_accounts} == {new_key_id}
    assert {key_id_of(account.password_ciphertext) for account in stored_accounts} == {new_key_id}
    assert {profile.key_id for profile in pins} == {new_key_id}
    assert credentials.login == "cuenta2@cuenty.mx"
    assert credentials.password == NETFLIX_PASSWORD
    assert credentials.pin == "0002"


async def test_new_accounts_use_the_rotated_key(
    app: FastAPI,
    client: httpx.AsyncClient,
    operations: dict[str, str],
) -> None:
    from cuenty.inventory.rotation import rotate_credentials

    service_id = await create_service(app)
    await add_account(client, operations, service_id)
    result = await rotate_credentials(app.state.session_factory, _master_key(app))

    added = await add_account(client, operations, service_id, "nueva@cuenty.mx")

    async with app.state.session_factory() as session:
        stored = await session.get(ServiceAccount, uuid.UUID(added["id"]))
        assert stored is not None
        credentials = await read_credentials(session, _master_key(app), stored.id)
    assert stored.key_id == result.new_key_id
    assert credentials.login == "nueva@cuenty.mx"


@pytest.mark.parametrize(
    ("login", "hint"),
    [
        (NETFLIX_LOGIN, "ne•••@cuenty.mx"),
        ("ana@gmail.com", "a•••@gmail.com"),
        ("usuario_spotify", "us•••"),
        ("x", "x•••"),
    ],
)
def test_login_hint_masks(login: str, hint: str) -> None:
    assert mask_login(login) == hint
