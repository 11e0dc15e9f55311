"""The console's own CSS, JavaScript, fonts and vendored libraries, served from the package
so the pages need no internet access."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.staticfiles import StaticFiles

router = APIRouter(include_in_schema=False)
_files = StaticFiles(packages=[("cuenty.console", "static")])
ONE_DAY_SECONDS = 24 * 3600


@router.get("/console/static/{path:path}")
async def static_file(path: str, request: Request) -> Response:
    response = await _files.get_response(path, request.scope)
    if response.status_code == 200:
        response.headers["cache-control"] = f"public, max-age={ONE_DAY_SECONDS}"
    return response
