"""The `cuenty` command: schema migrations, demo data and argument checks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from cuenty.catalog.models import CatalogService
from cuenty.cli.main import app
from cuenty.demo_commerce import DEMO_SERVICES
from cuenty.kit.db import create_engine

runner = CliRunner()


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("CUENTY_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("CUENTY_ENVIRONMENT", "development")
    return path


def test_db_upgrade_then_current(sqlite_env: Path) -> None:
    upgraded = runner.invoke(app, ["db", "upgrade"])
    current = runner.invoke(app, ["db", "current"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "up to date" in current.output


def test_db_current_on_empty_database(sqlite_env: Path) -> None:
    result = runner.invoke(app, ["db", "current"])
    assert "current: none" in result.output


def test_demo_load_if_empty_loads_once(sqlite_env: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    first = runner.invoke(app, ["demo", "load", "--if-empty"])
    second = runner.invoke(app, ["demo", "load", "--if-empty"])
    assert "7 user(s) added" in first.output
    assert "nothing loaded" in second.output
    assert "admin@cuenty.mx" in second.output


async def _catalog_size(path: Path, *statements: str) -> int:
    """Run `statements`, then count the catalog's services, on the CLI's database file."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))
        count = await connection.scalar(select(func.count()).select_from(CatalogService))
    await engine.dispose()
    return int(count or 0)


def test_demo_if_empty_adds_catalog_to_older_database(sqlite_env: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    runner.invoke(app, ["demo", "load", "--if-empty"])
    # A database from before the catalog existed: users, but no services or stock.
    emptied = asyncio.run(
        _catalog_size(
            sqlite_env,
            *(
                f"DELETE FROM {table}"
                for table in (
                    "catalog_promotions",
                    "catalog_bundle_plans",
                    "catalog_bundles",
                    "inventory_profiles",
                    "inventory_accounts",
                    "catalog_plans",
                    "catalog_services",
                )
            ),
        )
    )
    runner.invoke(app, ["demo", "load", "--if-empty"])
    assert emptied == 0
    assert asyncio.run(_catalog_size(sqlite_env)) == len(DEMO_SERVICES)


def test_serve_rejects_unknown_service(sqlite_env: Path) -> None:
    result = runner.invoke(app, ["serve", "--service", "billing"])
    assert result.exit_code == 2
    assert "billing" in result.output


def test_serve_rejects_workers_on_sqlite(sqlite_env: Path) -> None:
    result = runner.invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 2


def test_keys_rotate_then_list(sqlite_env: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    rotated = runner.invoke(app, ["keys", "rotate"])
    listed = runner.invoke(app, ["keys", "list"])
    kid = listed.output.split()[0]
    assert rotated.exit_code == 0, rotated.output
    assert listed.output.count("active") == 1, listed.output
    assert f"new signing key {kid};" in rotated.output, rotated.output


def test_dev_outbox_refused_in_production(
    sqlite_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUENTY_ENVIRONMENT", "production")
    for name in ("SECRET_KEY", "ENCRYPTION_KEY", "API_KEY_HMAC_SECRET"):
        monkeypatch.setenv(f"CUENTY_{name}", "z" * 40)
    monkeypatch.setenv("CUENTY_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    result = runner.invoke(app, ["dev", "outbox"])
    assert result.exit_code == 1


def test_demo_password_shown_only_when_it_works(
    sqlite_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner.invoke(app, ["db", "upgrade"])
    runner.invoke(app, ["demo", "load", "--if-empty"])
    monkeypatch.setenv("CUENTY_DEMO_ADMIN_PASSWORD", "Otra-Clave-2025x")
    again = runner.invoke(app, ["demo", "load", "--if-empty"])
    assert "Otra-Clave-2025x" not in again.output
    assert "does not match" in again.output


def test_missing_tables_give_one_line_error(sqlite_env: Path) -> None:
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "cuenty.cli.main", "dev", "outbox"],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "has no CUENTY tables; run `cuenty db upgrade`" in result.stderr
    assert "Traceback" not in result.stderr
