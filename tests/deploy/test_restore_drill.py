"""Backup and restore drill of the operations guide.

A scratch PostgreSQL database is migrated and given the demo data with the `cuenty` command,
then dumped with `pg_dump -Fc`. The dump is restored into a second scratch database with
`pg_restore`, and every table must have the same row count. Both databases are dropped."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL, _postgres_error, service_missing
from tests.deploy.support import require_tool

pytestmark = pytest.mark.slow

COMMAND_TIMEOUT_SECONDS = 300


def conninfo(database: str) -> str:
    url = make_url(POSTGRES_URL).set(drivername="postgresql", database=database)
    return url.render_as_string(hide_password=False)


def admin_conninfo() -> str:
    return conninfo(make_url(POSTGRES_URL).database or "postgres")


@pytest.fixture
def scratch_databases() -> Iterator[tuple[str, str]]:
    error = _postgres_error(POSTGRES_URL)
    if error is not None:
        service_missing(f"PostgreSQL is not answering: {error}")
    suffix = uuid.uuid4().hex[:10]
    names = (f"cuenty_drill_source_{suffix}", f"cuenty_drill_restored_{suffix}")
    with psycopg.connect(admin_conninfo(), autocommit=True) as connection:
        for name in names:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield names
    finally:
        with psycopg.connect(admin_conninfo(), autocommit=True) as connection:
            for name in names:
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def cuenty(database: str, *arguments: str) -> None:
    """Run the `cuenty` command of this virtualenv against one scratch database."""
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=database)
    environment = {
        **os.environ,
        "CUENTY_DATABASE_URL": url.render_as_string(hide_password=False),
        "CUENTY_ENVIRONMENT": "development",
        "CUENTY_REDIS_URL": "",
    }
    command = [str(Path(sys.executable).parent / "cuenty"), *arguments]
    result = subprocess.run(
        command,
        env=environment,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )
    assert result.returncode == 0, f"{' '.join(arguments)} failed: {result.stderr}"


def row_counts(database: str) -> dict[str, int]:
    with psycopg.connect(conninfo(database)) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
        counts = {}
        for (table,) in tables:
            query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            counts[table] = connection.execute(query).fetchone()[0]
    return counts


def test_dump_restores_every_row(scratch_databases: tuple[str, str], tmp_path: Path) -> None:
    pg_dump = require_tool("pg_dump")
    pg_restore = require_tool("pg_restore")
    source, restored = scratch_databases
    cuenty(source, "db", "upgrade")
    cuenty(source, "demo", "load")
    dump = tmp_path / "cuenty.dump"

    subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={dump}", conninfo(source)],
        check=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
    )
    subprocess.run(
        [pg_restore, "--no-owner", "--exit-on-error", f"--dbname={conninfo(restored)}", str(dump)],
        check=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
    )

    expected = row_counts(source)
    assert expected["users"] > 0
    assert expected["alembic_version"] == 1
    assert sum(expected.values()) > 20
    assert row_counts(restored) == expected
