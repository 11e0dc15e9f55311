"""A page address that does not exist under `/console` or `/cuenta` gets an HTML 404, with the
menu, rather than the API's problem JSON. Mounted last, after every real page."""

from __future__ import annotations

from fastapi import Request, Response

from cuenty.console.routing import console_router
from cuenty.kit.errors import NotFoundError

router = console_router()


@router.get("/console/{rest:path}")
@router.get("/cuenta/{rest:path}")
async def missing_page(request: Request, rest: str) -> Response:
    raise NotFoundError(params={"path": request.url.path})
