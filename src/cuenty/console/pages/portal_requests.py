"""ARCO requests in the portal: file one (access, rectification, cancellation, opposition),
follow it, answer the officer's question, withdraw it and download the access export."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Form, Request, Response

from cuenty.console.client import ApiProblem
from cuenty.console.portal import form_error, show
from cuenty.console.routing import console_router, file_response, redirect
from cuenty.console.security import check_csrf
from cuenty.console.session import CUSTOMER, require_viewer
from cuenty.kit.clock import utc_now

router = console_router()
CsrfChecked = Depends(check_csrf)

BASE = "/cuenta/privacidad/solicitudes"
NEW_TEMPLATE = "cuenta/request_new.html"
RequestType = Literal["access", "rectification", "deletion", "opposition"]
SecondaryPurpose = Literal["marketing", "analytics", "automated_decisions"]
LongText = Annotated[str, Form(max_length=4000)]
# The API's request states: still waiting for the officer's response, and finished.
AWAITING_ANSWER = frozenset(
    {"received", "identity_pending", "info_requested", "in_review", "extended"}
)
FINAL_STATES = frozenset({"completed", "refused", "withdrawn"})
# The form field of each JSON pointer (without `#/`) of the rectification body.
RECTIFICATION_FIELDS = {
    "fieldsToUpdate/name": "name",
    "fieldsToUpdate/email": "email",
    "fieldsToUpdate/phone": "phone",
    "fieldsToUpdate/postalCode": "postal_code",
    "fieldsToUpdate": "fields",
}
OPPOSITION_FIELDS = {"dataTypes": "data_types"}
# The fields each form displays; an error of any other field appears above the form.
FORM_FIELDS = {
    "access": (),
    "rectification": ("fields", "name", "email", "phone", "postal_code", "evidence", "reason"),
    "deletion": ("reason",),
    "opposition": ("data_types", "reason"),
}


@router.get(f"{BASE}/nueva")
async def new_request_page(request: Request, tipo: RequestType | None = None) -> Response:
    await require_viewer(request, CUSTOMER)
    return show(request, NEW_TEMPLATE, {"kind": tipo, "values": {}})


@router.post(f"{BASE}/acceso", dependencies=[CsrfChecked])
async def file_access(request: Request) -> Response:
    return await _file(request, "access", "/v1/compliance/data-access", {}, {})


@router.post(f"{BASE}/rectificacion", dependencies=[CsrfChecked])
async def file_rectification(
    request: Request,
    evidence: LongText = "",
    reason: LongText = "",
    name: Annotated[str, Form(max_length=120)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    phone: Annotated[str, Form(max_length=32)] = "",
    postal_code: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    values = {"name": name, "email": email, "phone": phone, "postal_code": postal_code}
    changes = {
        "name": name.strip(),
        "email": email.strip(),
        "phone": phone.strip(),
        "postalCode": postal_code.strip(),
    }
    body = {
        "fieldsToUpdate": {key: value for key, value in changes.items() if value},
        "evidence": evidence.strip(),
        "reason": reason.strip() or None,
    }
    values |= {"evidence": evidence, "reason": reason}
    return await _file(request, "rectification", "/v1/compliance/data-rectification", body, values)


@router.post(f"{BASE}/cancelacion", dependencies=[CsrfChecked])
async def file_deletion(request: Request, reason: LongText = "") -> Response:
    body = {"reason": reason.strip()}
    return await _file(
        request, "deletion", "/v1/compliance/data-deletion", body, {"reason": reason}
    )


@router.post(f"{BASE}/oposicion", dependencies=[CsrfChecked])
async def file_opposition(
    request: Request,
    reason: LongText = "",
    data_types: Annotated[list[SecondaryPurpose] | None, Form()] = None,
) -> Response:
    body = {"dataTypes": data_types or [], "reason": reason.strip()}
    values = {"reason": reason, "data_types": data_types or []}
    return await _file(request, "opposition", "/v1/compliance/data-opposition", body, values)


@router.get(f"{BASE}/{{request_id}}")
async def request_page(request: Request, request_id: uuid.UUID) -> Response:
    viewer = await require_viewer(request, CUSTOMER)
    found = await viewer.api.get(f"/v1/compliance/requests/{request_id}")
    return show(request, "cuenta/request.html", request_context(found, request))


@router.post(f"{BASE}/{{request_id}}/informacion", dependencies=[CsrfChecked])
async def provide_information(
    request: Request, request_id: uuid.UUID, information: LongText = ""
) -> Response:
    viewer = await require_viewer(request, CUSTOMER)
    path = f"/v1/compliance/requests/{request_id}"
    try:
        await viewer.api.post(f"{path}/information", {"information": information.strip()})
    except ApiProblem as problem:
        if problem.status in (401, 403, 404):
            raise
        found = await viewer.api.get(path)
        context = request_context(found, request) | {"information": information}
        return form_error(request, "cuenta/request.html", context, problem, fields=("information",))
    return redirect(f"{BASE}/{request_id}?hecho=informacion")


@router.post(f"{BASE}/{{request_id}}/retirar", dependencies=[CsrfChecked])
async def withdraw(request: Request, request_id: uuid.UUID) -> Response:
    viewer = await require_viewer(request, CUSTOMER)
    await viewer.api.post(f"/v1/compliance/requests/{request_id}/withdraw")
    return redirect(f"{BASE}/{request_id}?hecho=retirada")


@router.get(f"{BASE}/{{request_id}}/descarga")
async def download_export(
    request: Request, request_id: uuid.UUID, formato: Literal["json", "pdf"] = "pdf"
) -> Response:
    """Pass the API's export through, so the access token never reaches the browser."""
    viewer = await require_viewer(request, CUSTOMER)
    exported = await viewer.api.download(
        f"/v1/compliance/requests/{request_id}/export", format=formato
    )
    return file_response(exported, f"export.{formato}")


def request_context(found: dict[str, Any], request: Request) -> dict[str, Any]:
    expires = found.get("exportExpiresAt")
    return {
        "item": found,
        "awaiting_answer": found["state"] in AWAITING_ANSWER,
        "withdrawable": found["state"] not in FINAL_STATES,
        "export_ready": bool(expires) and _moment(expires) > utc_now(),
        "done": request.query_params.get("hecho"),
    }


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def _file(
    request: Request,
    kind: str,
    path: str,
    body: dict[str, Any],
    values: dict[str, Any],
) -> Response:
    """Send one ARCO request to the API; show its receipt, or the form with its errors."""
    viewer = await require_viewer(request, CUSTOMER)
    try:
        receipt = await viewer.api.post(path, body)
    except ApiProblem as problem:
        if problem.status in (401, 403):
            raise
        renames = RECTIFICATION_FIELDS | OPPOSITION_FIELDS
        context = {"kind": kind, "values": values}
        return form_error(request, NEW_TEMPLATE, context, problem, renames, FORM_FIELDS[kind])
    return redirect(f"{BASE}/{receipt['requestId']}?hecho=recibida")
