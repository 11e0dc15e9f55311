"""Parsing of the ids in page paths and of the cursor in the API's next-page links."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

from fastapi import Request

from cuenty.kit.errors import NotFoundError


def path_uuid(request: Request, text: str) -> uuid.UUID:
    """Parse an id taken from the page's path; a malformed one makes the page not found."""
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFoundError(params={"path": request.url.path}) from None


def cursor_of(next_link: str | None) -> str | None:
    """Return the cursor of the API's `next` link, so a page can link to its own address."""
    if not next_link:
        return None
    values = parse_qs(urlsplit(next_link).query).get("cursor")
    return values[0] if values else None
