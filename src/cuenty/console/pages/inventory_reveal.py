"""Revealing an account's credentials: a confirmation page that requests the reason the
API writes to the audit log, then the credentials, shown once.

The credentials travel only in the body of the POST response, which is marked no-store.
This module never puts them in a URL, a redirect, a cookie or a log line.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request, Response

from cuenty.console.client import ApiProblem
from cuenty.console.pages.inputs import uuid_in_path
from cuenty.console.pages.inventory import (
    ACCOUNTS_API,
    INVENTORY_PATH,
    REVEAL_SCOPE,
    account_context,
    shown_inline,
)
from cuenty.console.routing import console_router
from cuenty.console.security import check_csrf
from cuenty.console.session import STAFF, require_viewer
from cuenty.console.templating import render

router = console_router()
CsrfChecked = Depends(check_csrf)

REVEAL_PATH = INVENTORY_PATH + "/cuentas/{account_id}/revelar"
CONFIRM_TEMPLATE = "console/inventario/reveal_confirm.html"
# The API's length limits of the reason, repeated in the form so the browser checks first.
REASON_MIN_LENGTH = 5
REASON_MAX_LENGTH = 200
NO_STORE_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.get(REVEAL_PATH)
async def confirm_reveal(request: Request, account_id: str) -> Response:
    viewer = await require_viewer(request, STAFF, REVEAL_SCOPE)
    found = uuid_in_path(request, account_id)
    context = await account_context(viewer, found)
    return render(request, CONFIRM_TEMPLATE, {**context, **_reason_bounds(), "reason": ""})


@router.post(REVEAL_PATH, dependencies=[CsrfChecked])
async def reveal(
    request: Request, account_id: str, reason: Annotated[str, Form(max_length=1000)] = ""
) -> Response:
    viewer = await require_viewer(request, STAFF, REVEAL_SCOPE)
    found = uuid_in_path(request, account_id)
    try:
        credentials = await viewer.api.post(
            f"{ACCOUNTS_API}/{found}/reveal", {"reason": reason.strip()}
        )
    except ApiProblem as problem:
        if not shown_inline(problem):
            raise
        context = await account_context(viewer, found)
        context.update(_reason_bounds())
        context.update(reason=reason, error=problem.detail, field_errors=problem.field_messages)
        return render(request, CONFIRM_TEMPLATE, context, status=problem.status)
    context = await account_context(viewer, found)
    context["credentials"] = credentials
    response = render(request, "console/inventario/credentials.html", context)
    response.headers.update(NO_STORE_HEADERS)
    return response


def _reason_bounds() -> dict[str, int]:
    return {"reason_min": REASON_MIN_LENGTH, "reason_max": REASON_MAX_LENGTH}
