"""A webhook endpoint's page: its state and events, the delivery history, redelivery, a test
event, and enabling again an endpoint the API disabled after repeated failures."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request, Response

from cuenty.console.client import ApiProblem
from cuenty.console.pages.inputs import next_cursor, page_notice, uuid_in_path
from cuenty.console.pages.jobs import JOBS_PATH, READ_SCOPE, WRITE_SCOPE
from cuenty.console.routing import console_router, redirect
from cuenty.console.security import check_csrf
from cuenty.console.session import STAFF, Viewer, require_viewer
from cuenty.console.templating import render
from cuenty.kit.i18n import N_

router = console_router()
CsrfChecked = Depends(check_csrf)

WEBHOOKS_PATH = JOBS_PATH + "/webhooks"
WEBHOOKS_API = "/v1/webhooks"
ENDPOINT_TEMPLATE = "console/trabajos/webhook.html"
# Statuses of API problems with an action (a conflict, an invalid change), which the
# endpoint's page shows instead of an error page.
ACTION_PROBLEM_STATUSES = frozenset({400, 404, 409, 422})

TRIGGER_LABELS = {
    "automatic": N_("Automatic"),
    "redelivery": N_("Redelivery"),
    "test": N_("Test"),
}
NOTICES = {
    "prueba": N_("A test event was queued; its delivery appears here once the job runs."),
    "reenvio": N_("The message was queued to be sent again with the same webhook-id."),
    "activado": N_("The endpoint is enabled again and receives new events."),
}


def endpoint_path(endpoint_id: uuid.UUID) -> str:
    return f"{WEBHOOKS_PATH}/{endpoint_id}"


@router.get(WEBHOOKS_PATH + "/{endpoint_id}")
async def endpoint_page(
    request: Request, endpoint_id: str, cursor: Annotated[str, Query(max_length=512)] = ""
) -> Response:
    viewer = await require_viewer(request, STAFF, READ_SCOPE)
    found = uuid_in_path(request, endpoint_id)
    context = await _endpoint_context(viewer, found, cursor)
    context["done_message"] = page_notice(request, NOTICES)
    return render(request, ENDPOINT_TEMPLATE, context)


@router.post(WEBHOOKS_PATH + "/{endpoint_id}/prueba", dependencies=[CsrfChecked])
async def send_test(request: Request, endpoint_id: str) -> Response:
    found = uuid_in_path(request, endpoint_id)
    return await _act(request, found, "POST", f"{WEBHOOKS_API}/{found}/test", None, "prueba")


@router.post(WEBHOOKS_PATH + "/{endpoint_id}/activar", dependencies=[CsrfChecked])
async def enable(request: Request, endpoint_id: str) -> Response:
    found = uuid_in_path(request, endpoint_id)
    body = {"enabled": True}
    return await _act(request, found, "PATCH", f"{WEBHOOKS_API}/{found}", body, "activado")


@router.post(
    WEBHOOKS_PATH + "/{endpoint_id}/entregas/{delivery_id}/reenviar",
    dependencies=[CsrfChecked],
)
async def redeliver(request: Request, endpoint_id: str, delivery_id: str) -> Response:
    found = uuid_in_path(request, endpoint_id)
    delivery = uuid_in_path(request, delivery_id)
    path = f"{WEBHOOKS_API}/{found}/deliveries/{delivery}/redeliver"
    return await _act(request, found, "POST", path, None, "reenvio")


async def _act(
    request: Request,
    endpoint_id: uuid.UUID,
    method: str,
    api_path: str,
    body: dict[str, Any] | None,
    notice: str,
) -> Response:
    viewer = await require_viewer(request, STAFF, WRITE_SCOPE)
    try:
        await viewer.api.call(method, api_path, json=body)
    except ApiProblem as problem:
        if problem.status not in ACTION_PROBLEM_STATUSES:
            raise
        context = await _endpoint_context(viewer, endpoint_id, "")
        context["error"] = problem.detail
        return render(request, ENDPOINT_TEMPLATE, context, status=problem.status)
    return redirect(f"{endpoint_path(endpoint_id)}?aviso={notice}")


async def _endpoint_context(viewer: Viewer, endpoint_id: uuid.UUID, cursor: str) -> dict[str, Any]:
    endpoint = await viewer.api.get(f"{WEBHOOKS_API}/{endpoint_id}")
    deliveries = await viewer.api.get(f"{WEBHOOKS_API}/{endpoint_id}/deliveries", cursor=cursor)
    following = next_cursor(deliveries)
    return {
        "endpoint": endpoint,
        "deliveries": deliveries["items"],
        "trigger_labels": TRIGGER_LABELS,
        "first_page": bool(cursor),
        "next_page": "?" + urlencode({"cursor": following}) if following else None,
    }
