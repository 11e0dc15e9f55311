"""Values console pages read from their URL or the API's responses: ids in the path, the
cursor of the next page, and the short notice a page shows after a form redirected to it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import Request

from cuenty.kit.errors import NotFoundError

NOTICE_PARAMETER = "aviso"


def uuid_in_path(request: Request, value: str) -> uuid.UUID:
    """Parse an id from the page's path, or raise NotFoundError (a 404 page) when malformed.

    Console routes take ids as text and pass the parsed UUID to the API, so a crafted path
    segment can never change which API path the page calls.
    """
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise NotFoundError(params={"path": request.url.path}) from error


def int_in_path(request: Request, value: str) -> int:
    """Parse a numeric id from the page's path, or raise NotFoundError when it is not one."""
    if not value.isdigit() or len(value) > 18:
        raise NotFoundError(params={"path": request.url.path})
    return int(value)


def next_cursor(page: Mapping[str, Any]) -> str | None:
    """Return the `cursor` of an API page's `next` link, or None on the last page."""
    link = page.get("next")
    if not link:
        return None
    values = parse_qs(urlsplit(str(link)).query).get("cursor")
    return values[0] if values else None


def page_notice(request: Request, notices: Mapping[str, str]) -> str | None:
    """Return the message id of the `?aviso=` key a redirect added, when `notices` has it."""
    key = request.query_params.get(NOTICE_PARAMETER)
    return notices.get(key) if key else None
