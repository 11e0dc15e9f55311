"""Pieces shared by the customer portal's pages (`/cuenta`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from cuenty.console import portal_labels
from cuenty.console.client import ApiProblem
from cuenty.console.routing import form_problem
from cuenty.console.templating import render

# Page size asked of the API's lists; a customer rarely has more, and a "more" link follows.
PAGE_SIZE = 50


def page_cursor(next_link: str | None) -> str | None:
    """Return the cursor of an API page's `next` link, for the portal's own "more" link."""
    if not next_link:
        return None
    found = parse_qs(urlsplit(next_link).query).get("cursor")
    return found[0] if found else None


def show(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """Render a portal page with the names of the API's codes at hand as `labels`."""
    return render(request, template, {"labels": portal_labels, **context}, status=status)


def form_error(
    request: Request,
    template: str,
    context: dict[str, Any],
    problem: ApiProblem,
    renames: dict[str, str] | None = None,
    fields: Iterable[str] = (),
) -> Response:
    """Show a portal form again with the API's explanation and each field's message."""
    return form_problem(
        request,
        template,
        {"labels": portal_labels, **context},
        problem,
        fields=fields,
        renames=renames,
    )
