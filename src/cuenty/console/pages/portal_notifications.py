"""The portal's notification preferences: the channel and language of our messages, the
marketing consent, and the latest messages sent to the customer.

The API keeps one preferred channel per person (`deliveryChannel` of PATCH /v1/users/me);
messages fall back to the other channels when it fails. With the default consent backend
(CUENTY_NOTIFICATIONS_MARKETING_CONSENT=compliance) offers go out only with the marketing
consent, which this page grants and revokes through the privacy page's forms.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Form, Request, Response

from cuenty.console.client import ApiProblem
from cuenty.console.locale import page_locale
from cuenty.console.pages.portal_privacy import consent_texts, current_notice
from cuenty.console.portal import form_error, page_cursor, show
from cuenty.console.routing import console_router, redirect
from cuenty.console.security import check_csrf
from cuenty.console.session import CUSTOMER, Viewer, require_viewer

router = console_router()
CsrfChecked = Depends(check_csrf)

PATH = "/cuenta/notificaciones"
TEMPLATE = "cuenta/notifications.html"
RECENT_MESSAGES = 10
# The API lists a person's messages oldest first; the page reads at most this many pages of
# the largest size to find the newest.
MAX_LOG_PAGES = 5
LOG_PAGE_SIZE = 100
FIELD_NAMES = {"deliveryChannel": "delivery_channel"}


@router.get(PATH)
async def notifications_page(request: Request) -> Response:
    viewer = await require_viewer(request, CUSTOMER)
    context = await page_context(viewer, page_locale(request))
    context["done"] = request.query_params.get("hecho")
    return show(request, TEMPLATE, context)


@router.post(PATH, dependencies=[CsrfChecked])
async def save_preferences(
    request: Request,
    delivery_channel: Annotated[Literal["whatsapp", "sms", "email"], Form()],
    locale: Annotated[Literal["es-MX", "en"], Form()],
) -> Response:
    viewer = await require_viewer(request, CUSTOMER)
    body = {"deliveryChannel": delivery_channel, "locale": locale}
    try:
        await viewer.api.patch("/v1/users/me", body)
    except ApiProblem as problem:
        if problem.status in (401, 403):
            raise
        context = await page_context(viewer, page_locale(request))
        fields = FIELD_NAMES.values()
        return form_error(request, TEMPLATE, context, problem, FIELD_NAMES, fields)
    return redirect(f"{PATH}?hecho=guardado")


async def page_context(viewer: Viewer, locale: str) -> dict[str, Any]:
    me = await viewer.api.get("/v1/users/me")
    consents = await viewer.api.get("/v1/compliance/consents/me")
    notice = await current_notice(viewer.api)
    return {
        "me": me,
        "marketing": bool(consents["current"].get("marketing")),
        "marketing_text": consent_texts(locale, notice).get("marketing"),
        "messages": await latest_messages(viewer),
    }


async def latest_messages(viewer: Viewer) -> list[dict[str, Any]]:
    """Return the newest messages sent to the customer, newest first.

    NOTE: GET /v1/notifications has no newest-first order. For a person with more than
    MAX_LOG_PAGES * LOG_PAGE_SIZE (500) messages, this returns the newest of the oldest
    500, not the latest messages.
    """
    found: list[dict[str, Any]] = []
    cursor = None
    for _ in range(MAX_LOG_PAGES):
        page = await viewer.api.get("/v1/notifications", limit=LOG_PAGE_SIZE, cursor=cursor)
        found = (found + page["items"])[-RECENT_MESSAGES:]
        cursor = page_cursor(page.get("next"))
        if cursor is None:
            break
    return list(reversed(found))
