"""Staff pages of orders: the filtered list, one order's detail, and the staff actions on it.

Every value comes from the orders, payments and users API, called with the signed-in
person's token. The API decides who may read or change what, and the pages show its
messages unchanged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Form, Query, Request, Response

from cuenty.console.client import ApiProblem, ConsoleApi
from cuenty.console.pages.page_values import cursor_of, path_uuid
from cuenty.console.pages.payment_labels import template_labels
from cuenty.console.routing import console_router, form_problem, redirect
from cuenty.console.security import check_csrf
from cuenty.console.session import STAFF, Viewer, require_viewer
from cuenty.console.templating import render

router = console_router()
CsrfChecked = Depends(check_csrf)

LIST_PATH = "/console/pedidos"
LIST_TEMPLATE = "console/orders/list.html"
DETAIL_TEMPLATE = "console/orders/detail.html"
PAGE_SIZE = 25
# Customers offered when a search text matches more than one account.
CUSTOMER_CHOICES = 10
# Notices shown on the detail page after an action, keyed by the `done` query value.
DONE_NOTICES = ("cancelled", "confirmed")


@dataclass(frozen=True)
class OrderFilters:
    """The list's filters as the GET form sends them; names follow the API's parameters."""

    state: str = ""
    payment_state: str = ""
    customer: str = ""
    date_from: str = ""
    date_to: str = ""

    def query(self, **extra: str) -> dict[str, str]:
        """Return the URL parameters of these filters (empty ones left out), plus `extra`."""
        values = {
            "state": self.state,
            "paymentState": self.payment_state,
            "customer": self.customer,
            "from": self.date_from,
            "to": self.date_to,
            **extra,
        }
        return {name: value for name, value in values.items() if value}

    def link(self, **extra: str) -> str:
        query = urlencode(self.query(**extra))
        return f"{LIST_PATH}?{query}" if query else LIST_PATH

    def with_customer(self, user_id: str) -> str:
        """Return the list's address with these filters and one customer's account id."""
        return replace(self, customer=str(user_id)).link()


@dataclass
class CustomerMatch:
    """Result of the customer filter: the account id to filter by, or why there is none."""

    user_id: str | None = None
    choices: list[dict[str, Any]] | None = None
    not_found: bool = False


@router.get(LIST_PATH)
async def order_list(
    request: Request,
    state: str = "",
    payment_state: Annotated[str, Query(alias="paymentState")] = "",
    customer: str = "",
    date_from: Annotated[str, Query(alias="from")] = "",
    date_to: Annotated[str, Query(alias="to")] = "",
    cursor: str = "",
) -> Response:
    viewer = await require_viewer(request, STAFF, "orders:read")
    filters = OrderFilters(
        state=state.strip(),
        payment_state=payment_state.strip(),
        customer=customer.strip(),
        date_from=date_from.strip(),
        date_to=date_to.strip(),
    )
    context: dict[str, Any] = {
        **template_labels(),
        "filters": filters,
        "orders": [],
        "next_link": None,
        "first_link": filters.link() if cursor else None,
        "customer_match": CustomerMatch(),
    }
    try:
        match = await _find_customer(viewer.api, filters.customer)
        context["customer_match"] = match
        if match.user_id is not None or not filters.customer:
            orders, next_cursor = await _order_page(viewer.api, filters, match.user_id, cursor)
            context["orders"] = orders
            if next_cursor:
                context["next_link"] = filters.link(cursor=next_cursor)
    except ApiProblem as problem:
        if problem.status == 401:
            raise
        return form_problem(request, LIST_TEMPLATE, context, problem)
    return render(request, LIST_TEMPLATE, context)


@router.get(LIST_PATH + "/{order_id}")
async def order_detail(request: Request, order_id: str, done: str = "") -> Response:
    viewer = await require_viewer(request, STAFF, "orders:read")
    context = await _detail_context(viewer, path_uuid(request, order_id))
    context["done"] = done if done in DONE_NOTICES else ""
    return render(request, DETAIL_TEMPLATE, context)


@router.post(LIST_PATH + "/{order_id}/cancelar", dependencies=[CsrfChecked])
async def cancel_order(
    request: Request, order_id: str, reason: Annotated[str, Form()] = ""
) -> Response:
    """Cancel an unpaid order through the API, which records the staff member who did it."""
    viewer = await require_viewer(request, STAFF, "orders:read")
    found = path_uuid(request, order_id)
    body = {"reason": reason.strip()} if reason.strip() else {}
    try:
        await viewer.api.post(f"/v1/orders/{found}/cancel", body)
    except ApiProblem as problem:
        return await _action_refused(request, viewer, found, "cancel", reason, problem)
    return redirect(f"{LIST_PATH}/{found}?done=cancelled")


@router.post(LIST_PATH + "/{order_id}/confirmar-pago", dependencies=[CsrfChecked])
async def confirm_payment(
    request: Request, order_id: str, reason: Annotated[str, Form()] = ""
) -> Response:
    """Mark an order paid by a means the reconciliation did not see; the API wants a reason."""
    viewer = await require_viewer(request, STAFF, "orders:read")
    found = path_uuid(request, order_id)
    try:
        await viewer.api.post(f"/v1/orders/{found}/confirm-payment", {"reason": reason.strip()})
    except ApiProblem as problem:
        return await _action_refused(request, viewer, found, "confirm", reason, problem)
    return redirect(f"{LIST_PATH}/{found}?done=confirmed")


async def _action_refused(
    request: Request,
    viewer: Viewer,
    order_id: uuid.UUID,
    action: str,
    reason: str,
    problem: ApiProblem,
) -> Response:
    """Show the order again with the API's message beside the form that failed."""
    if problem.status == 401:
        raise problem
    context = await _detail_context(viewer, order_id)
    context.update(failed_action=action, reason=reason)
    return form_problem(request, DETAIL_TEMPLATE, context, problem)


async def _detail_context(viewer: Viewer, order_id: uuid.UUID) -> dict[str, Any]:
    api = viewer.api
    order = await api.get(f"/v1/orders/{order_id}")
    payments = await api.get("/v1/payments", orderId=str(order_id))
    customer = await _user_or_none(api, order["userId"])
    return {
        **template_labels(),
        "order": order,
        "payments": payments,
        "customer": customer,
        "actor_names": await _actor_names(api, order.get("history") or [], customer),
        "can_cancel": viewer.can("orders:write"),
        "can_confirm": viewer.can("payments:write"),
        "failed_action": "",
        "reason": "",
        "done": "",
    }


async def _order_page(
    api: ConsoleApi, filters: OrderFilters, user_id: str | None, cursor: str
) -> tuple[list[dict[str, Any]], str | None]:
    """Return one page of the filtered orders and the cursor of the next page, if any."""
    page = await api.get(
        "/v1/orders",
        state=filters.state,
        paymentState=filters.payment_state,
        userId=user_id,
        limit=PAGE_SIZE,
        cursor=cursor,
        **{"from": filters.date_from, "to": filters.date_to},
    )
    return page["items"], cursor_of(page.get("next"))


async def _find_customer(api: ConsoleApi, text: str) -> CustomerMatch:
    """Turn the customer filter into an account id: an id as typed, or the one account whose
    name, email or phone the users API matches."""
    if not text:
        return CustomerMatch()
    try:
        return CustomerMatch(user_id=str(uuid.UUID(text)))
    except ValueError:
        pass
    found = await api.get("/v1/users", q=text, limit=CUSTOMER_CHOICES)
    accounts = found["items"]
    if len(accounts) == 1:
        return CustomerMatch(user_id=str(accounts[0]["id"]))
    if not accounts:
        return CustomerMatch(not_found=True)
    return CustomerMatch(choices=accounts)


async def _user_or_none(api: ConsoleApi, user_id: str) -> dict[str, Any] | None:
    """Return the account, or None when the role may not read accounts or it is gone."""
    try:
        user: dict[str, Any] = await api.get(f"/v1/users/{user_id}")
    except ApiProblem as problem:
        if problem.status in (403, 404):
            return None
        raise
    return user


async def _actor_names(
    api: ConsoleApi, history: list[dict[str, Any]], customer: dict[str, Any] | None
) -> dict[str, str]:
    """Return the name of each person in the order's history, keyed by account id."""
    names: dict[str, str] = {}
    if customer is not None:
        names[str(customer["id"])] = str(customer["name"])
    for step in history:
        actor_id = step.get("actorId")
        if actor_id and str(actor_id) not in names:
            person = await _user_or_none(api, str(actor_id))
            names[str(actor_id)] = str(person["name"]) if person else ""
    return names
