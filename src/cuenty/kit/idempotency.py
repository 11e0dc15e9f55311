"""`Idempotency-Key` for POST routes, following the IETF httpapi draft.

A retry with the same key and body gets the first response again. The same key with another
body is 422, and a retry while the first request still runs is 409. Stored responses are
encrypted, because one may contain a secret shown once, and kept 24 hours.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import (
    BigInteger,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    delete,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from cuenty.kit import crypto
from cuenty.kit.clock import utc_now
from cuenty.kit.db import Base, UTCDateTime, transaction
from cuenty.kit.errors import BadRequestError, ConflictError, ProblemError
from cuenty.kit.i18n import N_

HEADER = "Idempotency-Key"
KEY_TTL = timedelta(hours=24)
# A request still "in progress" after this long is presumed dead, and a retry takes over.
IN_PROGRESS_LEASE = timedelta(seconds=60)
ENCRYPTION_PURPOSE = "idempotency-response"
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")

SessionFactory = async_sessionmaker[AsyncSession]


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("principal", "key"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    principal: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    locked_until: Mapped[datetime] = mapped_column(UTCDateTime)


class InvalidIdempotencyKeyError(BadRequestError):
    code = "invalid_idempotency_key"
    title = N_("Invalid Idempotency-Key")
    detail = N_("The Idempotency-Key header must have 1 to 255 visible ASCII characters.")


class IdempotencyKeyReusedError(ProblemError):
    status = 422
    code = "idempotency_key_reused"
    title = N_("Idempotency-Key already used")
    detail = N_(
        "The Idempotency-Key {key} was used for a different request; send a new key for a "
        "new request."
    )


class IdempotentRequestInProgressError(ConflictError):
    code = "idempotent_request_in_progress"
    title = N_("Request already in progress")
    detail = N_(
        "A request with the Idempotency-Key {key} is still being processed; retry in a few seconds."
    )


@dataclass(frozen=True)
class Claim:
    """The right to process a request for a key; `complete` or `abandon` it."""

    record_id: int
    key: str


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: Any

    def to_response(self) -> JSONResponse:
        return JSONResponse(
            self.body, status_code=self.status, headers={"Idempotent-Replayed": "true"}
        )


async def begin(
    factory: SessionFactory,
    *,
    key: str,
    principal: str,
    method: str,
    path: str,
    body: bytes,
    encryption_key: str,
    now: datetime | None = None,
) -> Claim | StoredResponse:
    """Claim the key for this request, or return the response stored for it.

    Raises IdempotencyKeyReusedError (422) for another request under the same key, and
    IdempotentRequestInProgressError (409) while the first one runs. Commits on its own, so
    a concurrent request finds the claim.
    """
    if not _VALID_KEY.match(key):
        raise InvalidIdempotencyKeyError()
    moment = now or utc_now()
    fingerprint = request_hash(body)
    async with transaction(factory) as session:
        await session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.principal == principal,
                IdempotencyRecord.key == key,
                IdempotencyRecord.created_at <= moment - KEY_TTL,
            )
        )
        record_id = await _insert(session, key, principal, method, path, fingerprint, moment)
        if record_id is not None:
            return Claim(record_id, key)
        record = await session.scalar(
            select(IdempotencyRecord)
            .where(IdempotencyRecord.principal == principal, IdempotencyRecord.key == key)
            .with_for_update()
        )
        assert record is not None
        if (record.method, record.path, record.request_hash) != (method, path, fingerprint):
            raise IdempotencyKeyReusedError(params={"key": key})
        if record.status == "completed" and record.response_body is not None:
            plain = crypto.decrypt(encryption_key, ENCRYPTION_PURPOSE, record.response_body)
            return StoredResponse(record.response_status or 200, json.loads(plain))
        if record.locked_until > moment:
            raise IdempotentRequestInProgressError(params={"key": key})
        record.locked_until = moment + IN_PROGRESS_LEASE
        return Claim(record.id, key)


async def complete(
    session: AsyncSession, claim: Claim, *, status: int, body: Any, encryption_key: str
) -> None:
    """Store the response in the caller's transaction, so it commits with the change it reports."""
    sealed = crypto.encrypt(encryption_key, ENCRYPTION_PURPOSE, json.dumps(body).encode())
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == claim.record_id)
        .values(status="completed", response_status=status, response_body=sealed)
    )


async def abandon(factory: SessionFactory, claim: Claim) -> None:
    """Release the key after a failed request, so the client can retry with it."""
    async with transaction(factory) as session:
        await session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.id == claim.record_id, IdempotencyRecord.status == "in_progress"
            )
        )


async def respond_once(
    request: Request,
    session: AsyncSession,
    *,
    key: str | None,
    principal: str,
    status: int,
    action: Callable[[], Awaitable[Any]],
) -> Any:
    """Run `action` under the Idempotency-Key (when sent) and return its JSON-ready body, or
    the stored response of an earlier identical request.
    """
    if key is None:
        return await action()
    settings = request.app.state.settings
    encryption_key = settings.secret("encryption_key")
    claimed = await begin(
        request.app.state.session_factory,
        key=key,
        principal=principal,
        method=request.method,
        path=request.url.path,
        body=await request.body(),
        encryption_key=encryption_key,
    )
    if isinstance(claimed, StoredResponse):
        return claimed.to_response()
    try:
        body = await action()
        await complete(session, claimed, status=status, body=body, encryption_key=encryption_key)
    except BaseException:
        await abandon(request.app.state.session_factory, claimed)
        raise
    return body


async def purge_expired(session: AsyncSession, *, now: datetime) -> int:
    result = await session.execute(
        delete(IdempotencyRecord)
        .where(IdempotencyRecord.created_at <= now - KEY_TTL)
        .returning(IdempotencyRecord.id)
    )
    return len(result.all())


def request_hash(body: bytes) -> str:
    """SHA-256 of the body; JSON is canonicalized first, so key order and spacing do not count."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


async def _insert(
    session: AsyncSession,
    key: str,
    principal: str,
    method: str,
    path: str,
    fingerprint: str,
    moment: datetime,
) -> int | None:
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(IdempotencyRecord)
        .values(
            principal=principal,
            key=key,
            method=method,
            path=path[:255],
            request_hash=fingerprint,
            status="in_progress",
            created_at=moment,
            locked_until=moment + IN_PROGRESS_LEASE,
        )
        .on_conflict_do_nothing(index_elements=["principal", "key"])
        .returning(IdempotencyRecord.id)
    )
    return await session.scalar(statement)
