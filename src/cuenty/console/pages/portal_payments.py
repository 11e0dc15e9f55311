"""The portal's payments: pending orders with their SPEI instructions, the CoDi QR code, and
the buttons that ask the API for instructions."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import segno
from fastapi import Depends, Request, Response

from cuenty.console.client import ApiProblem, ConsoleApi
from cuenty.console.portal import PAGE_SIZE, show
from cuenty.console.routing import console_router, redirect
from cuenty.console.security import check_csrf
from cuenty.console.session import CUSTOMER, require_viewer
from cuenty.kit.clock import utc_now

router = console_router()
CsrfChecked = Depends(check_csrf)

OPEN_PAYMENT_STATES = frozenset({"pending", "partially_paid"})
RECENT_ORDERS = 10


@router.get("/cuenta/pagos")
async def payments_page(request: Request) -> Response:
    """List the pending orders with their transfer details, then the latest other orders.

    The orders API returns a customer's orders newest first and ignores its state filter
    for customers, so the page splits one page of them by state. An order waits for
    payment only during its payment window, so pending orders are among the newest.
    """
    viewer = await require_viewer(request, CUSTOMER)
    orders = (await viewer.api.get("/v1/orders", limit=PAGE_SIZE))["items"]
    now = utc_now()
    cards = []
    for order in orders:
        if order["state"] == "pending_payment":
            payments = await viewer.api.get("/v1/payments", orderId=order["id"])
            cards.append({"order": order, "live": live_request(payments, now)})
    others = [order for order in orders if order["state"] != "pending_payment"]
    return show(
        request, "cuenta/payments.html", {"pending": cards, "others": others[:RECENT_ORDERS]}
    )


@router.get("/cuenta/pagos/{order_id}")
async def order_page(request: Request, order_id: uuid.UUID) -> Response:
    viewer = await require_viewer(request, CUSTOMER)
    return show(request, "cuenta/payment.html", await order_context(viewer.api, order_id))


@router.post("/cuenta/pagos/{order_id}/spei", dependencies=[CsrfChecked])
async def generate_spei(request: Request, order_id: uuid.UUID) -> Response:
    viewer = await require_viewer(request, CUSTOMER)
    context = await order_context(viewer.api, order_id)
    body = {"orderId": str(order_id), "amount": str(context["balance"])}
    try:
        await viewer.api.post("/v1/payments/spei/generate", body)
    except ApiProblem as problem:
        return _problem(request, context, problem)
    return redirect(f"/cuenta/pagos/{order_id}#instrucciones")


@router.post("/cuenta/pagos/{order_id}/codi", dependencies=[CsrfChecked])
async def generate_codi(request: Request, order_id: uuid.UUID) -> Response:
    """Show the CoDi QR code. The API returns the live CoDi instructions unchanged when the
    order has them, so this button also shows the QR code again after a reload."""
    viewer = await require_viewer(request, CUSTOMER)
    context = await order_context(viewer.api, order_id)
    body = {"orderId": str(order_id), "amount": str(context["balance"])}
    try:
        codi = await viewer.api.post("/v1/payments/codi/generate", body)
    except ApiProblem as problem:
        return _problem(request, context, problem)
    # The CoDi request is new or was refreshed: list the payments again so both agree.
    context = await order_context(viewer.api, order_id)
    context["qr"] = {**codi, "image": qr_image(str(codi["qrCode"]))}
    return show(request, "cuenta/payment.html", context)


async def order_context(api: ConsoleApi, order_id: uuid.UUID) -> dict[str, Any]:
    """Read the order and its payment requests; another customer's order raises a 404."""
    order = await api.get(f"/v1/orders/{order_id}")
    payments = await api.get("/v1/payments", orderId=str(order_id))
    now = utc_now()
    return {
        "order": order,
        "payments": payments,
        "live": live_request(payments, now),
        "live_codi": live_request(payments, now, method="codi"),
        "balance": balance_due(order, payments),
        "payable": order["state"] == "pending_payment" and _before(order["paymentExpiresAt"], now),
    }


def live_request(
    payments: list[dict[str, Any]], now: datetime, method: str | None = None
) -> dict[str, Any] | None:
    """Return the payment request whose details to show: one that still takes a transfer,
    SPEI before CoDi (its window is longer), newest first as the API lists them."""
    open_requests = [
        payment
        for payment in payments
        if payment["state"] in OPEN_PAYMENT_STATES and _before(payment["expiresAt"], now)
    ]
    methods = (method,) if method else ("spei", "codi")
    for wanted in methods:
        for payment in open_requests:
            if payment["method"] == wanted:
                return payment
    return None


def balance_due(order: dict[str, Any], payments: list[dict[str, Any]]) -> Decimal:
    """Return what the order still owes, as its payment requests show it.

    NOTE: the orders API does not return the outstanding balance, so this is the total less
    what the order's payment requests received. A credit made without a payment request
    (a manual match) is missed. The API then rejects the amount, and its message, which
    the page shows, gives the right balance.
    """
    paid = sum((Decimal(payment["amountPaid"]) for payment in payments), Decimal("0"))
    return max(Decimal(order["total"]) - paid, Decimal("0"))


def qr_image(value: str) -> str:
    """Return an image URI for the QR code: the API's data URI as is, or, when the API gives
    only the QR's text, that text drawn as a PNG data URI."""
    if value.startswith("data:image/png;base64,"):
        return value
    return str(segno.make(value, error="m").png_data_uri(scale=6))


def _before(moment: Any, now: datetime) -> bool:
    return datetime.fromisoformat(str(moment).replace("Z", "+00:00")) > now


def _problem(request: Request, context: dict[str, Any], problem: ApiProblem) -> Response:
    if problem.status in (401, 403, 404):
        raise problem
    values = {**context, "error": problem.detail, "field_errors": {}}
    amount_message = problem.field_messages.get("amount")
    if amount_message:
        values["error"] = f"{problem.detail} {amount_message}"
    status = problem.status if problem.status < 500 else 502
    return show(request, "cuenta/payment.html", values, status=status)
