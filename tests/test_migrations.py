"""Migrations build the schema the models declare, on SQLite and PostgreSQL, and undo it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.kit import migrate
from cuenty.kit.db import create_engine
from cuenty.kit.jobs.models import include_in_schema_comparison
from cuenty.models import Base
from tests.conftest import (
    POSTGRES_URL,
    TestDatabase,
    _admin_conninfo,
    _postgres_error,
    service_missing,
)


def _schema_differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "include_name": include_in_schema_comparison},
    )
    return list(compare_metadata(context, Base.metadata))


async def test_database_is_at_head(database: TestDatabase) -> None:
    assert await migrate.current_revision(database.engine) == migrate.head_revision()


async def test_migrated_schema_matches_models(database: TestDatabase) -> None:
    async with database.engine.connect() as connection:
        differences = await connection.run_sync(_schema_differences)
    assert differences == []


@pytest.fixture
async def scratch_postgres() -> AsyncIterator[AsyncEngine]:
    """An empty PostgreSQL database of its own, for tests that migrate up and down."""
    error = _postgres_error(POSTGRES_URL)
    if error is not None:
        service_missing(f"PostgreSQL is not answering: {error}")
    name = f"cuenty_scratch_{uuid.uuid4().hex[:12]}"
    admin = _admin_conninfo(POSTGRES_URL)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    engine = create_engine(make_url(POSTGRES_URL).set(database=name).render_as_string(False))
    try:
        yield engine
    finally:
        await engine.dispose()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_postgres_downgrade_to_base_removes_everything(scratch_postgres: AsyncEngine) -> None:
    await migrate.upgrade(scratch_postgres)
    await migrate.downgrade(scratch_postgres, "base")

    assert await _table_names(scratch_postgres) == {"alembic_version"}
    async with scratch_postgres.connect() as connection:
        functions = await connection.scalar(
            text("SELECT count(*) FROM pg_proc WHERE proname = 'cuenty_set_updated_at'")
        )
    assert functions == 0


async def test_postgres_upgrade_after_downgrade(scratch_postgres: AsyncEngine) -> None:
    await migrate.upgrade(scratch_postgres)
    await migrate.downgrade(scratch_postgres, "base")
    await migrate.upgrade(scratch_postgres)
    assert "users" in await _table_names(scratch_postgres)


async def test_postgres_trigger_sets_updated_at(scratch_postgres: AsyncEngine) -> None:
    await migrate.upgrade(scratch_postgres)
    async with scratch_postgres.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO users (id, email, name, role, is_active, updated_at) VALUES "
                "(gen_random_uuid(), 'a@example.com', 'A', 'customer', true, '2000-01-01')"
            )
        )
        await connection.execute(text("UPDATE users SET name = 'B'"))
        year = await connection.scalar(text("SELECT extract(year FROM updated_at) FROM users"))
    assert year > 2000


async def test_sqlite_upgrade_from_empty(tmp_path: object) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/fresh.db")
    try:
        await migrate.upgrade(engine)
        assert "users" in await _table_names(engine)
    finally:
        await engine.dispose()
