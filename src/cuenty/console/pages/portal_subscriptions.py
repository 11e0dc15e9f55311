"""The portal's start page: the customer's subscriptions, their access, renewal and
cancellation of auto-renewal."""

from __future__ import annotations

import uuid

from fastapi import Depends, Request, Response

from cuenty.console.portal import PAGE_SIZE, page_cursor, show
from cuenty.console.routing import console_router, redirect
from cuenty.console.security import check_csrf
from cuenty.console.session import CUSTOMER, require_viewer

router = console_router()
CsrfChecked = Depends(check_csrf)

# States in which the subscriptions API accepts a renewal, so the page offers the button
# only there. The API still decides.
RENEWABLE_STATES = frozenset({"active", "expiring", "cancelled"})
# States from which the API moves a subscription to "cancelled" (auto-renew off).
CANCELLABLE_STATES = frozenset({"active", "expiring", "paused"})
# At this many days left or fewer, the end date is marked as near.
NEAR_END_DAYS = 5


@router.get("/cuenta")
async def subscriptions_page(request: Request, cursor: str | None = None) -> Response:
    viewer = await require_viewer(request, CUSTOMER)
    page = await viewer.api.get("/v1/subscriptions", limit=PAGE_SIZE, cursor=cursor)
    return show(
        request,
        "cuenta/subscriptions.html",
        {
            "subscriptions": page["items"],
            "more_cursor": page_cursor(page.get("next")),
            "renewable": RENEWABLE_STATES,
            "cancellable": CANCELLABLE_STATES,
            "near_end_days": NEAR_END_DAYS,
            "cancelled": request.query_params.get("cancelado") == "1",
        },
    )


@router.post("/cuenta/suscripciones/{subscription_id}/renovar", dependencies=[CsrfChecked])
async def renew(request: Request, subscription_id: uuid.UUID) -> Response:
    """Ask the API for the renewal order (a new one, or the one already open) and show how
    to pay it."""
    viewer = await require_viewer(request, CUSTOMER)
    order = await viewer.api.post(f"/v1/subscriptions/{subscription_id}/renew")
    return redirect(f"/cuenta/pagos/{order['id']}")


@router.post("/cuenta/suscripciones/{subscription_id}/cancelar", dependencies=[CsrfChecked])
async def cancel_auto_renewal(request: Request, subscription_id: uuid.UUID) -> Response:
    viewer = await require_viewer(request, CUSTOMER)
    await viewer.api.post(f"/v1/subscriptions/{subscription_id}/cancel")
    return redirect("/cuenta?cancelado=1")
