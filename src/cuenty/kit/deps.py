"""FastAPI dependencies shared by every router: the request's database session.

The request owns the transaction: services never commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.kit.errors import ProblemError


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Yield a session that commits when the route succeeds and rolls back when it fails.

    A ProblemError with `persist_changes` (a wrong code whose attempt must count, a failed
    login that must be audited) commits before the error response is sent.
    """
    async with request.app.state.session_factory() as session:
        try:
            yield session
        except ProblemError as error:
            if error.persist_changes:
                await session.commit()
            else:
                await session.rollback()
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


# "function" scope ends the dependency, and so commits, before the response is sent. With the
# default "request" scope FastAPI would commit after responding, so a client could receive a
# success for a change that then failed to commit, or read the old state right after it.
DbSession = Annotated[AsyncSession, Depends(db_session, scope="function")]
