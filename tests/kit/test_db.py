"""Transactions on both databases: a rollback undoes work done inside a savepoint too."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.identity.models import User
from cuenty.kit.db import create_session_factory

pytestmark = pytest.mark.asyncio


async def test_rollback_undoes_a_released_savepoint(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    async with factory() as session:
        async with session.begin_nested():
            session.add(User(email="savepoint@example.com", name="Savepoint"))
        session.add(User(email="after@example.com", name="After"))
        await session.flush()
        await session.rollback()
    async with factory() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0
