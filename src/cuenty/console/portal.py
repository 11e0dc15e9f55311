"""Pieces shared by the customer portal's pages (`/cuenta`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse

from cuenty.console import portal_labels
from cuenty.console.client import ApiProblem
from cuenty.console.locale import page_locale
from cuenty.console.templating import render
from cuenty.kit.i18n import N_, translate

CHECK_FIELDS = N_("Some fields need a change; the message under each one says what.")
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


def field_errors(problem: ApiProblem, renames: dict[str, str] | None = None) -> dict[str, str]:
    """Return the API's message of each invalid field, keyed by the form field's name.

    `renames` maps an API pointer without its `#/` (`fieldsToUpdate/email`) to the form
    field's name (`email`) where the two differ.
    """
    messages: dict[str, str] = {}
    for pointer, message in problem.field_messages.items():
        key = pointer.removeprefix("#").lstrip("/")
        messages.setdefault((renames or {}).get(key, key), message)
    return messages


def form_error(
    request: Request,
    template: str,
    context: dict[str, Any],
    problem: ApiProblem,
    renames: dict[str, str] | None = None,
    fields: Iterable[str] = (),
) -> HTMLResponse:
    """Show a portal form again with the API's explanation and each field's message.

    When every invalid field is one of the form's `fields`, each message appears under its
    field and a short note heads the form. Otherwise the API's own explanation heads the
    form, followed by the messages that no field of the form displays.
    """
    messages = field_errors(problem, renames)
    shown = set(fields)
    unshown = [message for key, message in messages.items() if key not in shown]
    if messages and not unshown:
        error = translate(page_locale(request), CHECK_FIELDS)
    else:
        error = " ".join([problem.detail, *unshown])
    values = {**context, "error": error, "field_errors": messages}
    return show(request, template, values, status=problem.status if problem.status < 500 else 502)
