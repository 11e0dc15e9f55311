"""Writing jobs and events in the caller's own transaction, so they commit or roll back with
the change that caused them.

SQLite: both become `outbox` rows. PostgreSQL: a job is deferred into procrastinate's table on
the session's own connection, and an event becomes an `outbox` row that a worker relays.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

import structlog
from procrastinate import App, PsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import insert
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.kit.clock import ensure_utc, utc_now
from cuenty.kit.jobs import wakeup
from cuenty.kit.jobs.models import EntryKind, JobStatus, OutboxEntry
from cuenty.kit.jobs.registry import check_name
from cuenty.kit.redaction import is_secret_key

MAX_PAYLOAD_BYTES = 64 * 1024


class InvalidPayloadError(ValueError):
    """Raised for a payload that is not a small JSON object of ids and plain values."""


async def enqueue(
    session: AsyncSession,
    name: str,
    payload: Mapping[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    ordering_key: str | None = None,
    now: Callable[[], datetime] = utc_now,
) -> int | None:
    """Add a job for the handler `name` to the caller's transaction; return its id.

    `dedupe_key`: while a job with that key is waiting, another is not added and None is
    returned. `ordering_key`: jobs sharing it run one at a time in the order they were added,
    and a job waiting for a retry holds back the ones after it.
    """
    check_name(name)
    body = normalize_payload(payload)
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        return await _defer_postgres(session, name, body, run_at, dedupe_key, ordering_key)
    job_id = await insert_outbox_job(
        session,
        name,
        body,
        run_at=run_at or now(),
        created_at=now(),
        dedupe_key=dedupe_key,
        ordering_key=ordering_key,
    )
    await wakeup.wake_after_commit(session)
    return job_id


async def publish(
    session: AsyncSession,
    event_type: str,
    data: Mapping[str, Any] | None = None,
    *,
    now: Callable[[], datetime] = utc_now,
) -> str:
    """Record an event in the caller's transaction; every subscriber of its type runs once.

    Returns the event id (`evt_...`), stable across retries, which webhooks send as
    `webhook-id`.
    """
    return (await publish_many(session, [(event_type, data)], now=now))[0]


async def publish_many(
    session: AsyncSession,
    events: Sequence[tuple[str, Mapping[str, Any] | None]],
    *,
    now: Callable[[], datetime] = utc_now,
) -> list[str]:
    """Record several events, in order, with one write; return their ids."""
    moment = now()
    rows: list[dict[str, Any]] = []
    for event_type, data in events:
        check_name(event_type)
        rows.append(
            {
                "kind": EntryKind.EVENT.value,
                "name": event_type,
                "payload": {"id": f"evt_{uuid.uuid4().hex}", "data": normalize_payload(data)},
                "status": JobStatus.TODO.value,
                "attempts": 0,
                "request_id": current_request_id(),
                "run_at": moment,
                "created_at": moment,
            }
        )
    # A bulk INSERT: one statement for the batch, no ORM objects to track.
    await session.execute(insert(OutboxEntry), rows)
    await wakeup.wake_after_commit(session)
    return [row["payload"]["id"] for row in rows]


async def enqueue_many(
    session: AsyncSession,
    name: str,
    items: Sequence[tuple[Mapping[str, Any], str | None]],
    *,
    now: Callable[[], datetime] = utc_now,
) -> None:
    """Add one job of handler `name` per (payload, dedupe_key), with one write when possible.

    Same guarantees as `enqueue` for each item: a key already waiting skips its job.
    """
    check_name(name)
    bodies = [(normalize_payload(payload), key) for payload, key in items]
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        moment = now()
        for body, key in bodies:
            await insert_outbox_job(
                session, name, body, run_at=moment, created_at=moment, dedupe_key=key
            )
        await wakeup.wake_after_commit(session)
        return
    try:
        async with session.begin_nested():
            await session.connection()
            await _batch_defer_postgres(session, name, bodies)
    except AlreadyEnqueued:
        for body, key in bodies:
            await _defer_postgres(session, name, body, None, key, None)


async def _batch_defer_postgres(
    session: AsyncSession, name: str, bodies: Sequence[tuple[dict[str, Any], str | None]]
) -> None:
    raw = (await (await session.connection()).get_raw_connection()).driver_connection
    request_id = current_request_id()
    new_jobs = []
    manager = None
    for body, key in bodies:
        deferrer = _deferral_app().configure_task(name, queueing_lock=key, connection=raw)
        manager = deferrer.job_manager
        new_jobs.append(deferrer.make_new_job(payload=body, request_id=request_id))
    if manager is not None:
        await manager.batch_defer_jobs_async(new_jobs, connection=raw)


def normalize_payload(payload: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return the payload as plain JSON values (UUIDs, dates and Decimals become strings).

    Payloads carry ids, never secrets: a key that names a secret (password, token, ...) is
    rejected, because job rows are stored in clear and shown to operators.
    """
    if payload is None:
        return {}
    if not isinstance(payload, Mapping):
        raise InvalidPayloadError(f"a job payload must be a mapping, got {type(payload).__name__}")
    try:
        text = json.dumps(payload, default=_json_default, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidPayloadError(f"the job payload is not JSON-serializable: {error}") from error
    if len(text.encode()) > MAX_PAYLOAD_BYTES:
        raise InvalidPayloadError(
            f"the job payload exceeds {MAX_PAYLOAD_BYTES} bytes; pass ids and load the rest"
        )
    normalized: dict[str, Any] = json.loads(text)
    _reject_secret_keys(normalized)
    return normalized


async def insert_outbox_job(
    session: AsyncSession,
    name: str,
    body: dict[str, Any],
    *,
    run_at: datetime,
    created_at: datetime,
    dedupe_key: str | None = None,
    ordering_key: str | None = None,
    scheduled_for: datetime | None = None,
) -> int | None:
    """Insert a job row for the embedded runner; None when `dedupe_key` is already waiting."""
    values = {
        "kind": EntryKind.JOB.value,
        "name": name,
        "payload": body,
        "status": JobStatus.TODO.value,
        "dedupe_key": dedupe_key,
        "ordering_key": ordering_key,
        "attempts": 0,
        "run_at": ensure_utc(run_at),
        "created_at": created_at,
        "scheduled_for": scheduled_for,
        "request_id": current_request_id(),
    }
    statement = sqlite.insert(OutboxEntry).values(**values)
    if dedupe_key is not None:
        statement = statement.on_conflict_do_nothing(
            index_elements=["dedupe_key"], index_where=OutboxEntry.status == JobStatus.TODO.value
        )
    return await session.scalar(statement.returning(OutboxEntry.id))


async def _defer_postgres(
    session: AsyncSession,
    name: str,
    body: dict[str, Any],
    run_at: datetime | None,
    dedupe_key: str | None,
    ordering_key: str | None,
) -> int | None:
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    deferrer = _deferral_app().configure_task(
        name,
        lock=ordering_key,
        queueing_lock=dedupe_key,
        schedule_at=ensure_utc(run_at) if run_at else None,
        connection=raw,
    )
    arguments = {"payload": body, "request_id": current_request_id()}
    if dedupe_key is None:
        return await deferrer.defer_async(**arguments)
    # A duplicate key fails the INSERT, which would abort the whole transaction without the
    # savepoint.
    try:
        async with session.begin_nested():
            # SQLAlchemy emits the SAVEPOINT when the nested transaction first uses the
            # connection, and a defer on the raw connection does not count as a use.
            await session.connection()
            return await deferrer.defer_async(**arguments)
    except AlreadyEnqueued:
        return None


def current_request_id() -> str | None:
    """Return the request id bound to the log context, so the job's lines carry it too."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value else None


@cache
def _deferral_app() -> App:
    # Deferring on a connection the caller passes never opens this connector's pool.
    return App(connector=PsycopgConnector())


def _json_default(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON-serializable")


def _reject_secret_keys(value: Any, path: str = "") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if is_secret_key(key):
                raise InvalidPayloadError(
                    f"job payload key {path + key!r} names a secret; pass an id and load the "
                    "secret in the handler"
                )
            _reject_secret_keys(item, f"{path}{key}.")
    elif isinstance(value, list):
        for item in value:
            _reject_secret_keys(item, path)
