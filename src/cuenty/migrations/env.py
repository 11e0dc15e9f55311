"""Alembic environment: runs on a connection handed in by `cuenty.kit.migrate`, or on its own
engine when the `alembic` command is used directly.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from cuenty.config import get_settings
from cuenty.kit.db import create_engine
from cuenty.kit.jobs.models import include_in_schema_comparison
from cuenty.models import Base

config = context.config
target_metadata = Base.metadata


def run_with_connection(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most constraints; batch mode recreates the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_in_schema_comparison,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine() -> None:
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = create_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(run_with_connection)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run against a database")

provided = config.attributes.get("connection")
if provided is not None:
    run_with_connection(provided)
else:
    asyncio.run(run_with_own_engine())
