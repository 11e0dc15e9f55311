"""The compliance officer's privacy pages: the ARCO request queue, consent statistics, the
compliance check and the breach register. Every figure and rule comes from /v1/compliance."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request, Response

from cuenty.console.client import ApiProblem
from cuenty.console.pages.privacy_common import (
    API,
    LABELS,
    cursor_of,
    load_officers,
    names_of,
    privacy_viewer,
)
from cuenty.console.routing import console_router, form_problem
from cuenty.console.templating import render

router = console_router()
# The API's largest page: the page sorts its rows by due date, so a bigger page sorts more.
QUEUE_PAGE_SIZE = 100
INCIDENT_PAGE_SIZE = 50
Text = Annotated[str | None, Query(max_length=64)]
Cursor = Annotated[str | None, Query(max_length=512)]


@router.get("/console/privacidad")
async def request_queue(
    request: Request,
    state: Text = None,
    request_type: Annotated[str | None, Query(alias="type", max_length=64)] = None,
    assigned_to: Annotated[str | None, Query(alias="assignedTo", max_length=64)] = None,
    overdue: Annotated[str | None, Query(max_length=8)] = None,
    due_within_days: Annotated[str | None, Query(alias="dueWithinDays", max_length=8)] = None,
    cursor: Cursor = None,
) -> Response:
    viewer = await privacy_viewer(request)
    filters = {
        "state": state,
        "type": request_type,
        "assignedTo": assigned_to,
        "overdue": "true" if overdue else None,
        "dueWithinDays": due_within_days,
    }
    filters = {key: value for key, value in filters.items() if value}

    officers = await load_officers(viewer.api)
    context: dict[str, Any] = {
        "labels": LABELS,
        "filters": filters,
        "officers": officers,
        "items": [],
        "next_path": None,
        "paged": bool(cursor),
        "names": {},
    }
    try:
        page = await viewer.api.get(
            f"{API}/requests", limit=QUEUE_PAGE_SIZE, cursor=cursor, **filters
        )
    except ApiProblem as problem:
        if problem.status != 422:
            raise
        return form_problem(request, "console/privacy/queue.html", context, problem)

    context["items"] = sorted(page["items"], key=_due_order)
    assignees = [item["assignedTo"] for item in page["items"]]
    context["names"] = await names_of(viewer.api, assignees, officers)
    following = cursor_of(page.get("next"))
    if following:
        context["next_path"] = "/console/privacidad?" + urlencode({**filters, "cursor": following})
    return render(request, "console/privacy/queue.html", context)


@router.get("/console/privacidad/consentimientos")
async def consent_statistics(
    request: Request,
    start_date: Annotated[str | None, Query(alias="startDate", max_length=10)] = None,
    end_date: Annotated[str | None, Query(alias="endDate", max_length=10)] = None,
) -> Response:
    viewer = await privacy_viewer(request)
    period = {"startDate": start_date or "", "endDate": end_date or ""}
    context: dict[str, Any] = {"labels": LABELS, "period": period, "stats": None}
    try:
        context["stats"] = await viewer.api.get(
            f"{API}/consents/stats", startDate=start_date, endDate=end_date
        )
    except ApiProblem as problem:
        if problem.status != 422:
            raise
        return form_problem(request, "console/privacy/consents.html", context, problem)
    return render(request, "console/privacy/consents.html", context)


@router.get("/console/privacidad/revision")
async def compliance_check(request: Request) -> Response:
    viewer = await privacy_viewer(request)
    result = await viewer.api.get(f"{API}/check")
    return render(request, "console/privacy/check.html", {"labels": LABELS, "check": result})


@router.get("/console/privacidad/vulneraciones")
async def incident_register(request: Request, cursor: Cursor = None) -> Response:
    viewer = await privacy_viewer(request)
    page = await viewer.api.get(f"{API}/incidents", limit=INCIDENT_PAGE_SIZE, cursor=cursor)
    following = cursor_of(page.get("next"))
    context = {
        "labels": LABELS,
        "incidents": page["items"],
        "paged": bool(cursor),
        "next_path": "/console/privacidad/vulneraciones?" + urlencode({"cursor": following})
        if following
        else None,
    }
    return render(request, "console/privacy/incidents.html", context)


def _due_order(item: dict[str, Any]) -> tuple[bool, str, str]:
    """Return the sort key: running deadlines first, the earliest first, then finished
    requests by receipt."""
    pending = item.get("pendingDue")
    return (pending is None, str(pending or ""), str(item.get("receivedAt") or ""))
