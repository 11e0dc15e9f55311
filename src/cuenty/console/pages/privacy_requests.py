"""One ARCO request for the compliance officer: its facts, its timeline from the audit
trail, the forms of the steps the API offers, and the access export download.

Each form posts to this page's path plus a step name. The page sends the step to the API as
the signed-in officer and shows a rejection with the API's own message.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request, Response
from starlette.datastructures import FormData

from cuenty.console.client import ApiProblem
from cuenty.console.pages.privacy_common import (
    API,
    LABELS,
    load_officers,
    names_of,
    privacy_viewer,
)
from cuenty.console.routing import console_router, file_response, redirect
from cuenty.console.security import check_csrf
from cuenty.console.session import Viewer
from cuenty.console.templating import render
from cuenty.kit.clock import utc_now
from cuenty.kit.errors import NotFoundError
from cuenty.kit.i18n import N_

router = console_router()
CsrfChecked = Depends(check_csrf)
PAGE = "/console/privacidad/solicitudes/{request_id}"
TEMPLATE = "console/privacy/request.html"


@dataclass(frozen=True)
class Step:
    """A step of the API offered as a form: its API path, its form fields and the notice
    shown after it succeeds."""

    api_path: str
    fields: tuple[str, ...]
    done: str


# Form field names are the API's body fields, so its field errors land on the right input.
STEPS = {
    "asignar": Step("assign", ("assigneeId",), N_("The request was assigned.")),
    "verificar-identidad": Step(
        "verify-identity", ("method", "notes"), N_("The titular's identity was recorded.")
    ),
    "pedir-informacion": Step(
        "request-information", ("message",), N_("The request for information was sent.")
    ),
    "ampliar": Step("extend", ("reason",), N_("The deadline was extended.")),
    "responder": Step(
        "answer", ("decision", "answer", "refusalGround"), N_("The answer was recorded.")
    ),
}


@router.get(PAGE)
async def request_page(
    request: Request,
    request_id: uuid.UUID,
    done: Annotated[str | None, Query(alias="hecho", max_length=32)] = None,
) -> Response:
    viewer = await privacy_viewer(request)
    context = await _page_context(viewer, request_id)
    step = STEPS.get(done or "")
    context["done"] = step.done if step else None
    return render(request, TEMPLATE, context)


@router.post(PAGE + "/{step_name}", dependencies=[CsrfChecked])
async def run_step(request: Request, request_id: uuid.UUID, step_name: str) -> Response:
    viewer = await privacy_viewer(request)
    step = STEPS.get(step_name)
    if step is None:
        raise NotFoundError(params={"path": request.url.path, "method": request.method})
    form = await request.form()
    body = _body(step, form)
    try:
        await viewer.api.post(f"{API}/requests/{request_id}/{step.api_path}", body)
    except ApiProblem as problem:
        if problem.status in (401, 404):
            raise
        context = await _page_context(viewer, request_id)
        context.update(
            error=problem.detail,
            field_errors=problem.field_messages,
            failed_step=step_name,
            sent=body,
        )
        return render(request, TEMPLATE, context, status=problem.status)
    return redirect(PAGE.format(request_id=request_id) + f"?hecho={step_name}")


@router.get(PAGE + "/exportacion")
async def download_export(
    request: Request,
    request_id: uuid.UUID,
    export_format: Annotated[Literal["json", "pdf"], Query(alias="formato")] = "json",
) -> Response:
    """Pass the API's export file through; the API checks availability and audits it."""
    viewer = await privacy_viewer(request)
    found = await viewer.api.download(f"{API}/requests/{request_id}/export", format=export_format)
    return file_response(found, f"export.{export_format}")


async def _page_context(viewer: Viewer, request_id: uuid.UUID) -> dict[str, Any]:
    item = await viewer.api.get(f"{API}/requests/{request_id}")
    events = await viewer.api.get(f"{API}/requests/{request_id}/events")
    officers = await load_officers(viewer.api)
    people = [item["userId"], item.get("assignedTo")]
    people += [event["actorUserId"] for event in events]
    return {
        "labels": LABELS,
        "item": item,
        "events": events,
        "officers": officers,
        "names": await names_of(viewer.api, people, officers),
        "requester": await _requester(viewer, item["userId"]),
        "export_available": _export_available(item),
        "me": str(viewer.principal.user_id),
        "sent": {},
    }


async def _requester(viewer: Viewer, user_id: str) -> dict[str, Any] | None:
    """Return the titular's profile, or None when the API does not return it (anonymised)."""
    try:
        return dict(await viewer.api.get(f"/v1/users/{uuid.UUID(user_id)}"))
    except ApiProblem:
        return None


def _export_available(item: dict[str, Any]) -> bool:
    """Offer the download link while the API's export window is open; the API decides."""
    expires = item.get("exportExpiresAt")
    if item.get("requestType") != "access" or not expires:
        return False
    return datetime.fromisoformat(str(expires).replace("Z", "+00:00")) > utc_now()


def _body(step: Step, form: FormData) -> dict[str, str]:
    """Build the API body from the step's form fields, leaving out an empty refusal ground."""
    body: dict[str, str] = {}
    for name in step.fields:
        value = form.get(name)
        text = value.strip() if isinstance(value, str) else ""
        if text or name != "refusalGround":
            body[name] = text
    return body
