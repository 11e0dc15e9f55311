"""Keyset pagination: `limit` plus an opaque `cursor`, and a `next` link to the next page.

Keyset (not offset) pages stay stable while rows are inserted and cost the same at any depth.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel
from sqlalchemy import Select, Uuid, literal, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import TypeDecorator

from cuenty.kit.errors import BadRequestError
from cuenty.kit.i18n import N_

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

ItemT = TypeVar("ItemT")


class InvalidCursorError(BadRequestError):
    code = "invalid_cursor"
    title = N_("Invalid cursor")
    detail = N_("The cursor parameter is not one this API issued; request the first page again.")


class PageParams(BaseModel):
    limit: int = DEFAULT_PAGE_SIZE
    cursor: str | None = None


def page_params(
    limit: int = Query(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Elementos por página (1 a 100)"
    ),
    cursor: str | None = Query(
        None, max_length=512, description="Cursor opaco del campo `next` de la página anterior"
    ),
) -> PageParams:
    """FastAPI dependency reading `limit` and `cursor` from the query string."""
    return PageParams(limit=limit, cursor=cursor)


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next: str | None = None


def encode_cursor(values: Sequence[Any]) -> str:
    payload = json.dumps([_to_json(value) for value in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, columns: Sequence[InstrumentedAttribute[Any]]) -> list[Any]:
    """Decode a cursor into values typed like the key columns, or raise InvalidCursorError."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise ValueError("cursor has the wrong number of values")
        return [_from_json(value, column) for value, column in zip(raw, columns, strict=True)]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidCursorError() from error


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    *,
    key_columns: Sequence[InstrumentedAttribute[Any]],
    params: PageParams,
    request: Request | None = None,
    descending: bool = False,
) -> tuple[list[Any], str | None]:
    """Run one page of `statement` ordered by the key columns; return rows and the next link.

    The key columns must identify a row uniquely (end them with the primary key).
    """
    key = tuple_(*key_columns)
    if params.cursor:
        values = decode_cursor(params.cursor, key_columns)
        # Bound with each column's own type, so PostgreSQL compares timestamps as timestamps
        # and SQLite gets the same text format it stored.
        after = tuple_(
            *(
                literal(value, type_=column.type)
                for value, column in zip(values, key_columns, strict=True)
            )
        )
        statement = statement.where(key < after if descending else key > after)
    ordering = [column.desc() if descending else column.asc() for column in key_columns]
    statement = statement.order_by(*ordering).limit(params.limit + 1)

    rows = list((await session.scalars(statement)).all())
    if len(rows) <= params.limit:
        return rows, None

    rows = rows[: params.limit]
    last_values = [getattr(rows[-1], column.key) for column in key_columns]
    cursor = encode_cursor(last_values)
    if request is None:
        return rows, cursor
    return rows, str(request.url.include_query_params(cursor=cursor, limit=params.limit))


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _from_json(value: Any, column: InstrumentedAttribute[Any]) -> Any:
    python_type = _python_type(column)
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is uuid.UUID:
        return uuid.UUID(value)
    if python_type is int and not isinstance(value, int):
        raise ValueError("integer key expected")
    return value


def _python_type(column: InstrumentedAttribute[Any]) -> type | None:
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, Uuid):
        return uuid.UUID
    try:
        return column_type.python_type
    except NotImplementedError:
        return None
