"""The jobs and webhooks page: the job queue's counts, longest wait and recent failures with
retry and discard, and the list of webhook endpoints.

The page needs `webhooks:read`. The job queue is shown only when the API lets the signed-in
person read it (today, administrators); otherwise the page shows the API's refusal.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.dates import format_timedelta
from fastapi import Depends, Query, Request, Response

from cuenty.console.client import ApiProblem
from cuenty.console.formatting import babel_locale
from cuenty.console.locale import page_locale
from cuenty.console.pages.inputs import int_in_path, next_cursor, page_notice
from cuenty.console.routing import console_router, redirect
from cuenty.console.security import check_csrf
from cuenty.console.session import STAFF, Viewer, require_viewer
from cuenty.console.templating import render
from cuenty.kit.i18n import N_

router = console_router()
CsrfChecked = Depends(check_csrf)

READ_SCOPE = "webhooks:read"
WRITE_SCOPE = "webhooks:write"
JOBS_PATH = "/console/trabajos"
JOBS_TEMPLATE = "console/trabajos/index.html"
RECENT_FAILURES = 20
# Statuses of API problems with a job action, shown on the page instead of an error page.
ACTION_PROBLEM_STATUSES = frozenset({404, 409})

JOB_STATES = ("todo", "doing", "succeeded", "failed", "cancelled")
JOB_STATE_LABELS = {
    "todo": N_("Waiting"),
    "doing": N_("Running"),
    "succeeded": N_("Succeeded"),
    "failed": N_("Failed"),
    "cancelled": N_("Cancelled"),
}
NOTICES = {
    "reintentado": N_("The job was queued to run again now."),
    "descartado": N_("The job was discarded."),
}


@router.get(JOBS_PATH)
async def jobs_page(
    request: Request, cursor: Annotated[str, Query(max_length=512)] = ""
) -> Response:
    viewer = await require_viewer(request, STAFF, READ_SCOPE)
    context = await _page_context(request, viewer, cursor)
    context["done_message"] = page_notice(request, NOTICES)
    return render(request, JOBS_TEMPLATE, context)


@router.post(JOBS_PATH + "/{job_id}/reintentar", dependencies=[CsrfChecked])
async def retry_job(request: Request, job_id: str) -> Response:
    return await _job_action(request, job_id, "retry", "reintentado")


@router.post(JOBS_PATH + "/{job_id}/descartar", dependencies=[CsrfChecked])
async def discard_job(request: Request, job_id: str) -> Response:
    return await _job_action(request, job_id, "cancel", "descartado")


async def _job_action(request: Request, job_id: str, action: str, notice: str) -> Response:
    """Send a retry or cancel to the API, which decides who may and in which job state."""
    viewer = await require_viewer(request, STAFF, READ_SCOPE)
    number = int_in_path(request, job_id)
    try:
        await viewer.api.post(f"/v1/jobs/{number}/{action}")
    except ApiProblem as problem:
        if problem.status not in ACTION_PROBLEM_STATUSES:
            raise
        context = await _page_context(request, viewer, "")
        context["error"] = problem.detail
        return render(request, JOBS_TEMPLATE, context, status=problem.status)
    return redirect(f"{JOBS_PATH}?aviso={notice}")


async def _page_context(request: Request, viewer: Viewer, cursor: str) -> dict[str, Any]:
    context: dict[str, Any] = {
        "job_states": JOB_STATES,
        "job_state_labels": JOB_STATE_LABELS,
        "jobs": None,
        "jobs_refused": None,
        "first_page": bool(cursor),
    }
    try:
        context["jobs"] = await viewer.api.get("/v1/jobs", failures=RECENT_FAILURES)
    except ApiProblem as problem:
        if problem.status != 403:
            raise
        context["jobs_refused"] = problem.detail
    if context["jobs"] is not None:
        seconds = context["jobs"].get("oldestWaitingSeconds")
        context["longest_wait"] = _duration(seconds, page_locale(request))
    endpoints = await viewer.api.get("/v1/webhooks", cursor=cursor)
    context["endpoints"] = endpoints["items"]
    following = next_cursor(endpoints)
    context["next_page"] = "?" + urlencode({"cursor": following}) if following else None
    return context


def _duration(seconds: Decimal | float | None, locale: str) -> str | None:
    """Format a number of seconds as `3 minutos` or `2 hours`, or return None when no job
    waits."""
    if seconds is None:
        return None
    return format_timedelta(
        timedelta(seconds=float(seconds)),
        threshold=1.5,
        locale=babel_locale(locale),
    )
