"""Staff page of reconciliation: statement uploads, the automatic run, the review queue with
manual match and unmatch, and customer credits.

The page calls the payments API with the signed-in person's token. The API decides who may
upload or match and checks every field, and the page shows its messages unchanged. The
upload's and the run's reports exist only in the API's response, so those two forms render
the page with the report instead of redirecting.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, File, Form, Request, Response, UploadFile

from cuenty.console.client import ApiProblem, ConsoleApi
from cuenty.console.pages.page_values import cursor_of, path_uuid
from cuenty.console.pages.payment_labels import STATEMENT_BANKS, template_labels
from cuenty.console.routing import console_router, redirect
from cuenty.console.security import check_csrf
from cuenty.console.session import STAFF, Viewer, require_viewer
from cuenty.console.templating import render
from cuenty.kit.i18n import N_, translate

router = console_router()
CsrfChecked = Depends(check_csrf)

PAGE_PATH = "/console/conciliacion"
TEMPLATE = "console/reconciliation/page.html"
SCOPE = "payments:write"
QUEUE_PAGE_SIZE = 20
# Orders offered as candidates: the newest of each payable state, as many as one API page.
CANDIDATE_STATES = ("pending_payment", "expired")
CANDIDATE_PAGE_SIZE = 100
# The API's statement limit (20 MiB), repeated so the page's script can warn before sending a
# larger file. The API still checks every upload, and without JS the page shows its message.
STATEMENT_MAX_BYTES = 20 * 1024 * 1024
INVALID_MATCH_ID = N_("Enter the match id shown after a match, such as 3f1c9d2e-….")


@router.get(PAGE_PATH)
async def reconciliation_page(
    request: Request, cursor: str = "", match: str = "", order: str = "", undone: str = ""
) -> Response:
    viewer = await require_viewer(request, STAFF, SCOPE)
    context = await _page_context(viewer, cursor)
    context["undone"] = undone == "1"
    if match and order:
        context["matched"] = {"match_id": match, "order": await _order_or_none(viewer.api, order)}
        context["values"]["matchId"] = match
    return render(request, TEMPLATE, context)


@router.post(PAGE_PATH + "/estados", dependencies=[CsrfChecked])
async def upload_statement(
    request: Request,
    file: Annotated[UploadFile | None, File()] = None,
    bank: Annotated[str, Form()] = "",
) -> Response:
    """Send the file to the statement import and show its per-file report."""
    viewer = await require_viewer(request, STAFF, SCOPE)
    options: dict[str, Any] = {"data": {"bank": bank} if bank else {}}
    if file is not None:
        content = await file.read()
        kind = file.content_type or "application/octet-stream"
        options["files"] = {"file": (file.filename or "statement", content, kind)}
    try:
        report = await viewer.api.post("/v1/payments/statements", **options)
    except ApiProblem as problem:
        return await _refused(request, viewer, "upload", problem, {"bank": bank})
    context = await _page_context(viewer)
    context["report"] = report
    context["values"]["bank"] = bank
    return render(request, TEMPLATE, context)


@router.post(PAGE_PATH + "/automatica", dependencies=[CsrfChecked])
async def run_matching(request: Request) -> Response:
    """Run the automatic matching now and show how many deposits it matched."""
    viewer = await require_viewer(request, STAFF, SCOPE)
    try:
        run = await viewer.api.post("/v1/payments/reconciliation/auto")
    except ApiProblem as problem:
        return await _refused(request, viewer, "run", problem, {})
    context = await _page_context(viewer)
    context["run"] = run
    return render(request, TEMPLATE, context)


@router.post(PAGE_PATH + "/depositos/{transfer_id}/asociar", dependencies=[CsrfChecked])
async def match_transfer(
    request: Request,
    transfer_id: str,
    order_id: Annotated[str, Form(alias="orderId")] = "",
    other_order_id: Annotated[str, Form(alias="otherOrderId")] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Credit a deposit in review to the chosen order; the API audits who did it and why."""
    viewer = await require_viewer(request, STAFF, SCOPE)
    transfer = path_uuid(request, transfer_id)
    chosen = other_order_id.strip() or order_id.strip()
    body = {"orderId": chosen, "reason": reason.strip()}
    try:
        created = await viewer.api.post(
            f"/v1/payments/reconciliation/transfers/{transfer}/match", body
        )
    except ApiProblem as problem:
        values = {"orderId": order_id, "otherOrderId": other_order_id, "reason": reason}
        return await _refused(request, viewer, f"match:{transfer}", problem, values)
    return redirect(f"{PAGE_PATH}?match={created['id']}&order={created['orderId']}")


@router.post(PAGE_PATH + "/deshacer", dependencies=[CsrfChecked])
async def unmatch(
    request: Request,
    match_id: Annotated[str, Form(alias="matchId")] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Undo a match of an order still unpaid; the API puts the deposit back in review."""
    viewer = await require_viewer(request, STAFF, SCOPE)
    values = {"matchId": match_id, "reason": reason}
    try:
        match = uuid.UUID(match_id.strip())
    except ValueError:
        message = translate(viewer.api.locale, INVALID_MATCH_ID)
        errors = {"error": message, "field_errors": {"matchId": message}}
        return await _show_refusal(request, viewer, "unmatch", values, errors, status=422)
    try:
        await viewer.api.post(
            f"/v1/payments/reconciliation/matches/{match}/unmatch", {"reason": reason.strip()}
        )
    except ApiProblem as problem:
        return await _refused(request, viewer, "unmatch", problem, values)
    return redirect(f"{PAGE_PATH}?undone=1")


async def _refused(
    request: Request,
    viewer: Viewer,
    form: str,
    problem: ApiProblem,
    values: dict[str, str],
) -> Response:
    """Show the page again with the API's message beside the form it refused."""
    if problem.status == 401:
        raise problem
    errors = {"error": problem.detail, "field_errors": problem.field_messages}
    status = problem.status if problem.status < 500 else 502
    return await _show_refusal(request, viewer, form, values, errors, status=status)


async def _show_refusal(
    request: Request,
    viewer: Viewer,
    form: str,
    values: dict[str, str],
    errors: dict[str, Any],
    *,
    status: int,
) -> Response:
    context = await _page_context(viewer)
    context["values"].update(values)
    context.update(failed=form, **errors)
    return render(request, TEMPLATE, context, status=status)


async def _page_context(viewer: Viewer, cursor: str = "") -> dict[str, Any]:
    api = viewer.api
    queue = await api.get(
        "/v1/payments/reconciliation/unmatched", limit=QUEUE_PAGE_SIZE, cursor=cursor
    )
    transfers = queue["items"]
    next_cursor = cursor_of(queue.get("next"))
    waiting = await _payable_orders(api) if transfers else []
    return {
        **template_labels(),
        "transfers": transfers,
        "candidates": {
            str(transfer["id"]): _same_amount(waiting, transfer["amount"]) for transfer in transfers
        },
        "next_link": f"{PAGE_PATH}?cursor={next_cursor}" if next_cursor else None,
        "first_link": PAGE_PATH if cursor else None,
        "credits": await api.get("/v1/payments/credits"),
        "banks": STATEMENT_BANKS,
        "max_bytes": STATEMENT_MAX_BYTES,
        "values": {},
        "failed": "",
        "report": None,
        "run": None,
        "matched": None,
        "undone": False,
    }


async def _payable_orders(api: ConsoleApi) -> list[dict[str, Any]]:
    """Return the newest orders that may still take a payment, from the orders API."""
    found: list[dict[str, Any]] = []
    for state in CANDIDATE_STATES:
        page = await api.get("/v1/orders", state=state, limit=CANDIDATE_PAGE_SIZE)
        found.extend(page["items"])
    return found


def _same_amount(orders: list[dict[str, Any]], amount: Any) -> list[dict[str, Any]]:
    """Return the orders whose total equals the deposit's amount.

    NOTE: this compares with the order's total, not with what it still owes after a partial
    payment, because the orders API does not return the balance. The match API checks it.
    """
    deposit = Decimal(str(amount))
    return [order for order in orders if Decimal(str(order["total"])) == deposit]


async def _order_or_none(api: ConsoleApi, order_id: str) -> dict[str, Any] | None:
    try:
        order: dict[str, Any] = await api.get(f"/v1/orders/{uuid.UUID(order_id)}")
    except ValueError:
        return None
    except ApiProblem as problem:
        if problem.status in (404, 422):
            return None
        raise
    return order
