"""Tables of the job system: the outbox, the state of periodic schedules and the last error of
each failed procrastinate job.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from cuenty.kit.clock import utc_now
from cuenty.kit.db import DERIVED_RELATIONS, Base, UTCDateTime


def include_in_schema_comparison(
    name: str | None, type_: str, parent_names: Mapping[str, str | None]
) -> bool:
    """Alembic `include_name` filter: leave out procrastinate's tables, which come from its
    own schema.sql (applied by migration 0003) and are not in our models, and the rollup
    tables of `DERIVED_RELATIONS`, which exist as tables only on SQLite.
    """
    if type_ != "table" or name is None:
        return True
    return not (name.startswith("procrastinate_") or name in DERIVED_RELATIONS)


# SQLite gives an auto-incrementing id only to a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class EntryKind(StrEnum):
    JOB = "job"
    EVENT = "event"


class JobStatus(StrEnum):
    """States of a job, named as procrastinate names them; `relayed` is an event handed on."""

    TODO = "todo"
    DOING = "doing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    RELAYED = "relayed"


class OutboxEntry(Base):
    """A job (SQLite) or an event (both databases) written in the producer's transaction.

    On PostgreSQL jobs go straight to procrastinate's table in the same transaction, so only
    events pass through here there.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_run_at", "status", "run_at"),
        Index("ix_outbox_ordering_key", "ordering_key"),
        # One waiting job per dedupe key, as procrastinate's queueing lock does.
        Index(
            "uq_outbox_dedupe_key_todo",
            "dedupe_key",
            unique=True,
            sqlite_where=text("status = 'todo'"),
            postgresql_where=text("status = 'todo'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.TODO.value)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    ordering_key: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utc_now, server_default=func.now()
    )
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For a run of a periodic schedule: the cron time it stands for.
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Request that enqueued the job, bound to the job's log lines.
    request_id: Mapped[str | None] = mapped_column(String(128))


class JobScheduleState(Base):
    """Last cron time fired per schedule by the embedded runner (procrastinate keeps its own)."""

    __tablename__ = "job_schedules"

    schedule_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JobError(Base):
    """Last error of a procrastinate job, which procrastinate itself does not store."""

    __tablename__ = "job_errors"

    job_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(120))
    attempt: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
