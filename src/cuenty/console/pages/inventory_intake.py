"""Adding stock: one account through a form, or many from a CSV file with the API's report
of accepted and rejected rows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, File, Form, Request, Response, UploadFile

from cuenty.console.client import ApiProblem
from cuenty.console.pages.inventory import (
    ACCOUNTS_API,
    INVENTORY_PATH,
    WRITE_SCOPE,
    account_path,
    shown_inline,
    stock_services,
)
from cuenty.console.routing import console_router, redirect
from cuenty.console.security import check_csrf
from cuenty.console.session import STAFF, require_viewer
from cuenty.console.templating import render

router = console_router()
CsrfChecked = Depends(check_csrf)

NEW_ACCOUNT_PATH = INVENTORY_PATH + "/nueva-cuenta"
IMPORT_PATH = INVENTORY_PATH + "/importar"
NEW_ACCOUNT_TEMPLATE = "console/inventario/new_account.html"
IMPORT_TEMPLATE = "console/inventario/import.html"
# Separates a profile's name from its PIN on one line of the profiles box. The CSV import
# uses the same character between list items.
PIN_SEPARATOR = "|"


@router.get(NEW_ACCOUNT_PATH)
async def new_account_form(request: Request) -> Response:
    viewer = await require_viewer(request, STAFF, WRITE_SCOPE)
    context = {"services": await stock_services(viewer), "values": {}}
    return render(request, NEW_ACCOUNT_TEMPLATE, context)


@router.post(NEW_ACCOUNT_PATH, dependencies=[CsrfChecked])
async def add_account(
    request: Request,
    service_id: Annotated[str, Form(alias="serviceId", max_length=64)] = "",
    login: Annotated[str, Form(max_length=300)] = "",
    password: Annotated[str, Form(max_length=300)] = "",
    profile_count: Annotated[str, Form(alias="profileCount", max_length=10)] = "",
    profiles: Annotated[str, Form(max_length=4000)] = "",
    notes: Annotated[str, Form(max_length=600)] = "",
    paid_until: Annotated[str, Form(alias="paidUntil", max_length=20)] = "",
) -> Response:
    viewer = await require_viewer(request, STAFF, WRITE_SCOPE)
    body: dict[str, Any] = {
        "serviceId": service_id,
        "login": login,
        "password": password,
        "notes": notes.strip(),
    }
    count = profile_count.strip()
    if count:
        body["profileCount"] = int(count) if count.isdigit() else count
    if profiles.strip():
        body["profiles"] = profile_lines(profiles)
    if paid_until.strip():
        body["paidUntil"] = paid_until.strip()
    try:
        created = await viewer.api.post(ACCOUNTS_API, body)
    except ApiProblem as problem:
        if not shown_inline(problem):
            raise
        values = {
            "serviceId": service_id,
            "login": login,
            "profileCount": profile_count,
            "profiles": profiles,
            "notes": notes,
            "paidUntil": paid_until,
        }
        context = {
            "services": await stock_services(viewer),
            "values": values,
            "error": problem.detail,
            "field_errors": top_level_errors(problem),
        }
        return render(request, NEW_ACCOUNT_TEMPLATE, context, status=problem.status)
    return redirect(f"{account_path(created['id'])}?aviso=creada")


def profile_lines(text: str) -> list[dict[str, str | None]]:
    """Read one profile per non-blank line, `Name` or `Name | PIN`."""
    profiles: list[dict[str, str | None]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _, pin = line.partition(PIN_SEPARATOR)
        profiles.append({"name": name.strip(), "pin": pin.strip() or None})
    return profiles


def top_level_errors(problem: ApiProblem) -> dict[str, str]:
    """Key each field message by its top-level field: `profiles/2/pin` goes to `profiles`."""
    errors: dict[str, str] = {}
    for pointer, message in problem.field_messages.items():
        errors.setdefault(pointer.split("/", 1)[0], message)
    return errors


@router.get(IMPORT_PATH)
async def import_form(request: Request) -> Response:
    await require_viewer(request, STAFF, WRITE_SCOPE)
    return render(request, IMPORT_TEMPLATE, {"report": None})


@router.post(IMPORT_PATH, dependencies=[CsrfChecked])
async def import_file(
    request: Request,
    file: Annotated[UploadFile | None, File()] = None,
    dry_run: Annotated[bool, Form(alias="dryRun")] = False,
) -> Response:
    viewer = await require_viewer(request, STAFF, WRITE_SCOPE)
    # The body size limit of this path bounds what is read here (see LARGE_BODY_ROUTES).
    content = await file.read() if file is not None else b""
    try:
        report = await viewer.api.post(
            f"{ACCOUNTS_API}/import",
            content=content,
            headers={"Content-Type": "text/csv; charset=utf-8"},
            params={"dryRun": "true"} if dry_run else None,
        )
    except ApiProblem as problem:
        if not shown_inline(problem):
            raise
        context = {
            "report": None,
            "error": problem.detail,
            "file_errors": [str(item.get("message", "")) for item in file_errors(problem)],
            "filename": file.filename if file is not None else "",
        }
        return render(request, IMPORT_TEMPLATE, context, status=problem.status)
    context = {
        "report": report,
        "rejected_rows": rejected_rows(report),
        "filename": file.filename if file is not None else "",
    }
    return render(request, IMPORT_TEMPLATE, context)


def file_errors(problem: ApiProblem) -> list[dict[str, Any]]:
    errors = problem.problem.get("errors")
    return [item for item in errors if isinstance(item, dict)] if isinstance(errors, list) else []


def rejected_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Group the report's errors by row number, in file order: one entry per rejected row
    with every reason the API gave for it."""
    rows: dict[int, list[dict[str, Any]]] = {}
    for error in report.get("errors") or []:
        rows.setdefault(int(error["row"]), []).append(error)
    return [{"row": number, "errors": rows[number]} for number in sorted(rows)]
