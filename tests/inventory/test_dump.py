"""No plaintext credential in a raw copy of the database: the SQLite file (with its WAL)
and a pg_dump of the PostgreSQL database."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import httpx
import psycopg
from fastapi import FastAPI
from psycopg import sql
from sqlalchemy.engine import make_url

from cuenty.models import Base
from tests.conftest import TestDatabase
from tests.inventory.support import create_service

SECRETS = {
    "login": "dumpcheck.login.7731@cuenty.mx",
    "password": "Zapote-Verde-Quetzal-5519",
    "pin": "Qz7391Wk",
    "imported login": "importado.9924@cuenty.mx",
    "imported password": "Mezcal-Azul-Xochitl-3380",
    "imported pin": "Hv5518Tn",
}
# Notes are stored in clear: finding them proves the dump contains the account rows.
VISIBLE_NOTE = "Nota-visible-4471"


async def _store_accounts(app: FastAPI, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    await create_service(app)
    added = await client.post(
        "/v1/inventory/accounts",
        json={
            "serviceId": str(await create_service(app, "Disney+", 4)),
            "login": SECRETS["login"],
            "password": SECRETS["password"],
            "profiles": [{"name": "Sala", "pin": SECRETS["pin"]}],
            "notes": VISIBLE_NOTE,
        },
        headers=headers,
    )
    assert added.status_code == 201, added.text
    content = (
        "service,login,password,profiles,pins\n"
        f"Netflix,{SECRETS['imported login']},{SECRETS['imported password']},Sala,"
        f"{SECRETS['imported pin']}\n"
    ).encode()
    imported = await client.post(
        "/v1/inventory/accounts/import",
        content=content,
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert imported.json()["imported"] == 1, imported.text


def _raw_database(database: TestDatabase) -> bytes:
    url = make_url(database.url)
    if database.dialect == "sqlite":
        path = Path(str(url.database))
        files = [path, path.with_name(path.name + "-wal")]
        return b"".join(file.read_bytes() for file in files if file.exists())
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        return _select_every_row(conninfo)
    completed = subprocess.run(  # noqa: S603 - fixed arguments and our own test database
        [pg_dump, "--no-owner", "--dbname", conninfo],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return completed.stdout


def _select_every_row(conninfo: str) -> bytes:
    """Every row of every table as PostgreSQL's text form (bytea as hex), for machines
    without pg_dump."""
    lines: list[str] = []
    with psycopg.connect(conninfo) as connection:
        for table in Base.metadata.sorted_tables:
            query = sql.SQL("SELECT t::text FROM {} AS t").format(sql.Identifier(table.name))
            lines.extend(row[0] for row in connection.execute(query))
    return "\n".join(lines).encode()


async def test_credentials_unreadable_in_raw_dump(
    app: FastAPI,
    client: httpx.AsyncClient,
    operations: dict[str, str],
    database: TestDatabase,
) -> None:
    await _store_accounts(app, client, operations)
    # Close every connection first: closing a file descriptor of the database in this process
    # would drop SQLite's POSIX locks, and the last close also checkpoints the WAL into the file.
    await database.engine.dispose()

    dumps = {"raw": await asyncio.to_thread(_raw_database, database)}
    if database.dialect == "postgresql":
        conninfo = make_url(database.url).set(drivername="postgresql")
        dumps["select"] = await asyncio.to_thread(
            _select_every_row, conninfo.render_as_string(hide_password=False)
        )

    for kind, dump in dumps.items():
        assert VISIBLE_NOTE.encode() in dump, kind
        for name, value in SECRETS.items():
            assert value.encode() not in dump, f"{name} found in clear ({kind})"
            assert value.encode().hex().encode() not in dump.lower(), f"{name} as hex ({kind})"
