"""The console's own CSS, JavaScript, fonts and vendored libraries, served from the package
so the pages need no internet access.

Pages link each file as `{{ static('css/console.css') }}`, which adds a hash of its content
(`?v=...`): browsers may keep a versioned file for a year, and a deploy that changes a file
changes its address, so no one runs yesterday's script.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request, Response
from starlette.staticfiles import StaticFiles

router = APIRouter(include_in_schema=False)
_files = StaticFiles(packages=[("cuenty.console", "static")])
ONE_HOUR_SECONDS = 3600
ONE_YEAR_SECONDS = 365 * 24 * 3600
STATIC_FOLDER = Path(__file__).parent / "static"


@cache
def static_url(path: str) -> str:
    """Return the address of a static file with the hash of its content."""
    digest = hashlib.sha256((STATIC_FOLDER / path).read_bytes()).hexdigest()[:12]
    return f"/console/static/{path}?v={digest}"


@router.get("/console/static/{path:path}")
async def static_file(path: str, request: Request) -> Response:
    response = await _files.get_response(path, request.scope)
    if response.status_code == 200:
        versioned = "v" in request.query_params
        age = ONE_YEAR_SECONDS if versioned else ONE_HOUR_SECONDS
        response.headers["cache-control"] = f"public, max-age={age}" + (
            ", immutable" if versioned else ""
        )
    return response
