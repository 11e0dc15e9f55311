"""PostgreSQL-only protections: change triggers on users and consents, and row-level
security checked with a role that does not own the tables."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from cuenty.compliance import tasks, trail
from cuenty.compliance.models import DataChange
from tests.compliance.helpers import customer, publish_notice, staff
from tests.conftest import TestDatabase

BASE = "/v1/compliance"


@pytest.fixture(autouse=True)
def _postgres_only(database: TestDatabase) -> None:
    if database.dialect != "postgresql":
        pytest.skip("triggers and row-level security exist only on PostgreSQL")


async def _seed(client: httpx.AsyncClient, app: FastAPI) -> tuple[uuid.UUID, uuid.UUID]:
    ana_id, ana = await customer(client, "ana@example.com")
    luis_id, luis = await customer(client, "luis@example.com")
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer)
    for headers in (ana, luis):
        await client.post(
            f"{BASE}/consent/register",
            json={"consentType": "marketing", "consentText": "Acepto", "version": "1.0.0"},
            headers=headers,
        )
        await client.post(f"{BASE}/data-access", json={}, headers=headers)
    return ana_id, luis_id


async def test_trigger_logs_user_update(client: httpx.AsyncClient, app: FastAPI) -> None:
    ana_id, _luis = await _seed(client, app)
    async with app.state.session_factory() as session, session.begin():
        await session.execute(text("UPDATE users SET name = 'Otra' WHERE id = :id"), {"id": ana_id})
    async with app.state.session_factory() as session:
        change = await session.scalar(
            select(DataChange)
            .where(DataChange.row_id == str(ana_id), DataChange.operation == "UPDATE")
            .order_by(DataChange.id.desc())
            .limit(1)
        )
    assert change is not None
    assert change.changed_columns is not None
    assert "name" in change.changed_columns


async def test_trigger_logs_consent_tampering(client: httpx.AsyncClient, app: FastAPI) -> None:
    await _seed(client, app)
    async with app.state.session_factory() as session, session.begin():
        await session.execute(text("DELETE FROM consent_logs"))
    async with app.state.session_factory() as session:
        deleted = list(
            await session.scalars(
                select(DataChange).where(
                    DataChange.table_name == "consent_logs", DataChange.operation == "DELETE"
                )
            )
        )
    assert len(deleted) == 2


async def test_changes_are_chained(client: httpx.AsyncClient, app: FastAPI) -> None:
    await _seed(client, app)
    key = app.state.settings.secret("secret_key")
    async with app.state.session_factory() as session, session.begin():
        copied = await tasks.chain_data_changes(session, key)
    async with app.state.session_factory() as session:
        breaks = await trail.verify(session, key)
    assert copied >= 2
    assert breaks == []


@pytest.mark.parametrize("table", ["consent_logs", "data_requests", "api_keys"])
async def test_non_owner_role_sees_only_own_rows(
    client: httpx.AsyncClient, app: FastAPI, table: str
) -> None:
    ana_id, luis_id = await _seed(client, app)
    if table == "api_keys":
        await _add_api_keys(app, [ana_id, luis_id])
    role = f"cuenty_probe_{uuid.uuid4().hex[:8]}"
    async with app.state.session_factory() as session, session.begin():
        await session.execute(text(f"CREATE ROLE {role} NOLOGIN"))
        await session.execute(text(f"GRANT SELECT ON {table} TO {role}"))
    try:
        async with app.state.session_factory() as session, session.begin():
            total = await session.scalar(text(f"SELECT count(*) FROM {table}"))
            await session.execute(text(f"SET LOCAL ROLE {role}"))
            anonymous = await session.scalar(text(f"SELECT count(*) FROM {table}"))
            await session.execute(
                text("SELECT set_config('cuenty.user_id', :id, true)"), {"id": str(ana_id)}
            )
            owners = set(await session.scalars(text(f"SELECT user_id FROM {table}")))
        assert total == 2
        assert anonymous == 0
        assert owners == {ana_id}
    finally:
        async with app.state.session_factory() as session, session.begin():
            await session.execute(text(f"REVOKE ALL ON {table} FROM {role}"))
            await session.execute(text(f"DROP ROLE {role}"))


async def _add_api_keys(app: FastAPI, owners: list[uuid.UUID]) -> None:
    from cuenty.identity.models import ApiKey

    async with app.state.session_factory() as session, session.begin():
        for number, owner in enumerate(owners):
            session.add(
                ApiKey(
                    user_id=owner,
                    name="prueba",
                    prefix=f"cty_test_{number}",
                    key_hash=f"{number:064d}",
                    scopes=[],
                )
            )
