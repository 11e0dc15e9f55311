"""Keyset pages over a real table on SQLite and PostgreSQL, with a `next` link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request

from cuenty.identity.models import User
from cuenty.kit.db import create_session_factory
from cuenty.kit.pagination import InvalidCursorError, PageParams, decode_cursor, paginate

KEY = (User.created_at, User.id)


async def _add_users(engine: AsyncEngine, count: int) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with create_session_factory(engine).begin() as session:
        for index in range(count):
            session.add(
                User(
                    email=f"cliente{index:02d}@example.com",
                    name=f"Cliente {index}",
                    created_at=start + timedelta(minutes=index // 2),
                )
            )


async def _walk(engine: AsyncEngine, limit: int, descending: bool = False) -> list[list[str]]:
    pages, cursor = [], None
    async with create_session_factory(engine)() as session:
        for _ in range(50):
            rows, cursor = await paginate(
                session,
                select(User),
                key_columns=KEY,
                params=PageParams(limit=limit, cursor=cursor),
                descending=descending,
            )
            pages.append([row.email for row in rows])
            if cursor is None:
                break
    return pages


async def test_pages_cover_every_row_once(engine: AsyncEngine) -> None:
    await _add_users(engine, 7)
    pages = await _walk(engine, limit=3)
    emails = [email for page in pages for email in page]
    assert [len(page) for page in pages] == [3, 3, 1]
    assert len(set(emails)) == 7


async def test_descending_pages_start_with_newest(engine: AsyncEngine) -> None:
    await _add_users(engine, 5)
    pages = await _walk(engine, limit=2, descending=True)
    assert pages[0][0] in {"cliente04@example.com"}
    assert sum(len(page) for page in pages) == 5


async def test_exact_multiple_has_no_empty_last_page(engine: AsyncEngine) -> None:
    await _add_users(engine, 4)
    pages = await _walk(engine, limit=2)
    assert [len(page) for page in pages] == [2, 2]


async def test_next_link_keeps_query_and_adds_cursor(engine: AsyncEngine) -> None:
    await _add_users(engine, 3)
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/v1/users",
        "query_string": b"role=customer",
        "headers": [(b"host", b"api.cuenty.test")],
        "scheme": "https",
        "server": ("api.cuenty.test", 443),
    }
    async with create_session_factory(engine)() as session:
        _, link = await paginate(
            session,
            select(User),
            key_columns=KEY,
            params=PageParams(limit=2),
            request=Request(scope),
        )
    assert link is not None
    assert link.startswith("https://api.cuenty.test/v1/users?role=customer&cursor=")
    assert link.endswith("&limit=2")


@pytest.mark.parametrize("cursor", ["not-base64!!", "W10", "WyJ4Il0", "eyJhIjoxfQ"])
def test_foreign_cursor_is_rejected(cursor: str) -> None:
    with pytest.raises(InvalidCursorError):
        decode_cursor(cursor, KEY)
