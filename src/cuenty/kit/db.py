"""Database engine, sessions and column types shared by every package.

SQLite (aiosqlite) is the embedded default and PostgreSQL (psycopg 3) the production database;
the same models and queries run on both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, event, func
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from cuenty.kit.clock import utc_now

SQLITE_BUSY_TIMEOUT_MS = 5000

# Stable constraint names, so Alembic migrations can alter and drop constraints on both
# databases (SQLite batch mode needs them to recreate tables).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


DERIVED_RELATIONS: set[str] = set()
"""Names of rollups that are plain tables on SQLite and materialized views on PostgreSQL.

Their packages declare them outside `Base.metadata` and add their names here, so schema
comparisons leave them out.
"""


class Base(DeclarativeBase):
    """Declarative base of every table; each package owns the tables it declares."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamp stored in UTC that always comes back timezone-aware.

    SQLite has no time zone type and returns naive values; this is the one place that
    converts them, so the rest of the code only ever sees aware UTC datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column; attach a time zone first")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def created_at_column() -> Mapped[datetime]:
    """Declare a `created_at` column set by the application, with a database default for raw
    inserts."""
    return mapped_column(UTCDateTime, default=utc_now, server_default=func.now())


def updated_at_column() -> Mapped[datetime]:
    """Declare an `updated_at` column that every ORM update refreshes."""
    return mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now, server_default=func.now())


def create_engine(database_url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """Create the async engine, with WAL, foreign keys and a busy timeout on SQLite."""
    url = make_url(database_url)
    options: dict[str, Any] = {"echo": echo, "pool_pre_ping": True, "hide_parameters": True}

    if url.get_backend_name() == "sqlite":
        _ensure_sqlite_folder(url.database)
        engine = create_async_engine(url, **options)
        event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
        event.listen(engine.sync_engine, "savepoint", _begin_before_first_savepoint)
        return engine

    options.update(pool_size=pool_size, max_overflow=pool_size)
    return create_async_engine(url, **options)


def create_read_only_engine(database_url: str, *, pool_size: int = 10) -> AsyncEngine:
    """Create an engine whose connections refuse writes, for reads from a replica.

    PostgreSQL sessions start with `default_transaction_read_only`; SQLite connections set
    `PRAGMA query_only`. A replica refuses writes anyway; this makes the primary refuse them
    too when both URLs name the same database.
    """
    engine = create_engine(database_url, pool_size=pool_size)
    event.listen(engine.sync_engine, "connect", _make_connection_read_only)
    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Open a session whose work commits on success and rolls back on any exception."""
    async with factory() as session, session.begin():
        yield session


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def _ensure_sqlite_folder(database: str | None) -> None:
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while one writer commits; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _make_connection_read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    if "sqlite" in type(dbapi_connection).__module__:
        cursor.execute("PRAGMA query_only=ON")
    else:
        cursor.execute("SET default_transaction_read_only = on")
    cursor.close()
    # psycopg opened a transaction for the SET; a rollback would undo it, a commit keeps it.
    dbapi_connection.commit()


def _begin_before_first_savepoint(connection: Any, _name: str) -> None:
    # The sqlite3 driver opens a transaction by itself only before a write, not before a
    # SAVEPOINT. A SAVEPOINT outside a transaction starts one, and its RELEASE commits it, so
    # a later rollback would not undo the work done inside. Opening the transaction first
    # makes the savepoint nest as it does on PostgreSQL.
    if not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")
