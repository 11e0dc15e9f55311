"""Inventory pages: stock by service with low-stock warnings, the filtered account list, and
an account's detail with its profiles, state changes and credential rotation.

Every rule (which state changes are allowed, what a rotation needs) belongs to the API, and
these pages only show its responses.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Form, Query, Request, Response

from cuenty.console.client import ApiProblem
from cuenty.console.pages.inputs import next_cursor, page_notice, uuid_in_path
from cuenty.console.routing import console_router, form_problem, redirect
from cuenty.console.security import check_csrf
from cuenty.console.session import STAFF, Viewer, require_viewer
from cuenty.console.templating import render
from cuenty.kit.i18n import N_

router = console_router()
CsrfChecked = Depends(check_csrf)

READ_SCOPE = "inventory:read"
WRITE_SCOPE = "inventory:write"
REVEAL_SCOPE = "inventory:reveal"
INVENTORY_PATH = "/console/inventario"
ACCOUNTS_API = "/v1/inventory/accounts"
ACCOUNT_TEMPLATE = "console/inventario/account.html"
ROTATE_TEMPLATE = "console/inventario/rotate.html"
# Statuses of API problems that a page shows beside its form instead of on an error page.
FORM_PROBLEM_STATUSES = frozenset({400, 409, 413, 415, 422})
PIN_FIELD_PREFIX = "pin-"

ACCOUNT_STATES = ("available", "assigned", "maintenance", "blocked", "retired")
# The states staff may request. Only a sale sets `assigned`.
MANUAL_STATES = ("available", "maintenance", "blocked", "retired")
STATE_LABELS = {
    "available": N_("Available"),
    "assigned": N_("Assigned"),
    "maintenance": N_("Maintenance"),
    "blocked": N_("Blocked"),
    "retired": N_("Retired"),
}
NOTICES = {
    "creada": N_("The account was added to the inventory."),
    "estado": N_("The account's state changed."),
    "rotada": N_("The new credentials were saved."),
}


def account_path(account_id: uuid.UUID | str) -> str:
    return f"{INVENTORY_PATH}/cuentas/{account_id}"


def shown_inline(problem: ApiProblem) -> bool:
    """Return True for a problem with the input, which the page shows beside its form."""
    return problem.status in FORM_PROBLEM_STATUSES


async def stock_services(viewer: Viewer) -> list[dict[str, Any]]:
    """Return the catalog services as the stock summary lists them (id, name, counts)."""
    stock = await viewer.api.get("/v1/inventory/stock")
    return list(stock["services"])


@router.get(INVENTORY_PATH)
async def inventory_page(
    request: Request,
    service: Annotated[str, Query(max_length=64)] = "",
    state: Annotated[str, Query(max_length=32)] = "",
    cursor: Annotated[str, Query(max_length=512)] = "",
) -> Response:
    viewer = await require_viewer(request, STAFF, READ_SCOPE)
    stock = await viewer.api.get("/v1/inventory/stock")
    services = stock["services"]
    context: dict[str, Any] = {
        "stock": stock,
        "low_stock": [item for item in services if item["lowStock"]],
        "waiting_total": sum(int(item["waiting"]) for item in services),
        "service_names": {item["serviceId"]: item["serviceName"] for item in services},
        "filters": {"service": service, "state": state},
        "states": ACCOUNT_STATES,
        "state_labels": STATE_LABELS,
        "first_page": bool(cursor),
        "next_page": None,
        "accounts": [],
    }
    try:
        accounts = await viewer.api.get(ACCOUNTS_API, serviceId=service, state=state, cursor=cursor)
    except ApiProblem as problem:
        if not shown_inline(problem):
            raise
        context["error"] = problem.detail
        return render(request, "console/inventario/index.html", context, status=problem.status)
    context["accounts"] = accounts["items"]
    following = next_cursor(accounts)
    if following:
        query = {"service": service, "state": state, "cursor": following}
        context["next_page"] = "?" + urlencode({k: v for k, v in query.items() if v})
    return render(request, "console/inventario/index.html", context)


@router.get(INVENTORY_PATH + "/cuentas/{account_id}")
async def account_page(request: Request, account_id: str) -> Response:
    viewer = await require_viewer(request, STAFF, READ_SCOPE)
    found = uuid_in_path(request, account_id)
    context = await account_context(viewer, found)
    context["done_message"] = page_notice(request, NOTICES)
    return render(request, ACCOUNT_TEMPLATE, context)


@router.post(INVENTORY_PATH + "/cuentas/{account_id}/estado", dependencies=[CsrfChecked])
async def change_state(
    request: Request, account_id: str, state: Annotated[str, Form(max_length=32)] = ""
) -> Response:
    viewer = await require_viewer(request, STAFF, WRITE_SCOPE)
    found = uuid_in_path(request, account_id)
    try:
        await viewer.api.post(f"{ACCOUNTS_API}/{found}/state", {"state": state})
    except ApiProblem as problem:
        if not shown_inline(problem):
            raise
        context = await account_context(viewer, found)
        return form_problem(request, ACCOUNT_TEMPLATE, context, problem)
    return redirect(f"{account_path(found)}?aviso=estado")


@router.get(INVENTORY_PATH + "/cuentas/{account_id}/rotar")
async def rotation_form(request: Request, account_id: str) -> Response:
    viewer = await require_viewer(request, STAFF, WRITE_SCOPE)
    found = uuid_in_path(request, account_id)
    return render(request, ROTATE_TEMPLATE, await account_context(viewer, found))


@router.post(INVENTORY_PATH + "/cuentas/{account_id}/rotar", dependencies=[CsrfChecked])
async def rotate(
    request: Request, account_id: str, password: Annotated[str, Form(max_length=256)] = ""
) -> Response:
    viewer = await require_viewer(request, STAFF, WRITE_SCOPE)
    found = uuid_in_path(request, account_id)
    form = await request.form()
    pins = [
        (name.removeprefix(PIN_FIELD_PREFIX), value.strip())
        for name, value in form.multi_items()
        if name.startswith(PIN_FIELD_PREFIX) and isinstance(value, str) and value.strip()
    ]
    body = {
        "password": password or None,
        "profiles": [{"id": profile_id, "pin": pin} for profile_id, pin in pins],
    }
    try:
        await viewer.api.post(f"{ACCOUNTS_API}/{found}/rotate", body)
    except ApiProblem as problem:
        if not shown_inline(problem):
            raise
        # The new password and PINs are not written back into the form.
        context = await account_context(viewer, found)
        context["error"] = problem.detail
        context["field_errors"] = _rotation_field_errors(problem, [id_ for id_, _ in pins])
        return render(request, ROTATE_TEMPLATE, context, status=problem.status)
    return redirect(f"{account_path(found)}?aviso=rotada")


async def account_context(viewer: Viewer, account_id: uuid.UUID) -> dict[str, Any]:
    """Return what the account pages show: the account, its profiles and its service name."""
    account = await viewer.api.get(f"{ACCOUNTS_API}/{account_id}")
    names = {item["serviceId"]: item["serviceName"] for item in await stock_services(viewer)}
    return {
        "account": account,
        "service_name": names.get(account["serviceId"], account["serviceId"]),
        "manual_states": MANUAL_STATES,
        "state_labels": STATE_LABELS,
        "pin_prefix": PIN_FIELD_PREFIX,
    }


def _rotation_field_errors(problem: ApiProblem, sent_ids: list[str]) -> dict[str, str]:
    """Key the API's field messages by form field: a `profiles/N/...` message goes beside the
    PIN field of the N-th profile the form sent."""
    by_field: dict[str, str] = {}
    for pointer, message in problem.field_messages.items():
        parts = pointer.split("/")
        if len(parts) >= 2 and parts[0] == "profiles" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(sent_ids):
                by_field.setdefault(PIN_FIELD_PREFIX + sent_ids[index], message)
        else:
            by_field.setdefault(pointer, message)
    return by_field
