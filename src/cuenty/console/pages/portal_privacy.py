"""The portal's privacy page: the customer's consents (revoke and grant), their ARCO
requests, and the privacy notice."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Form, Request, Response

from cuenty.console import portal_labels
from cuenty.console.client import ApiProblem, ConsoleApi
from cuenty.console.locale import page_locale
from cuenty.console.portal import show
from cuenty.console.routing import console_router, redirect
from cuenty.console.security import check_csrf
from cuenty.console.session import CUSTOMER, require_viewer
from cuenty.kit.i18n import N_, Label, translate

router = console_router()
CsrfChecked = Depends(check_csrf)

PRIVACY_PATH = "/cuenta/privacidad"
# Pages a consent form may return to.
RETURN_PATHS = (PRIVACY_PATH, "/cuenta/notificaciones")
Purpose = Literal[
    "terms_of_service", "financial_data", "marketing", "analytics", "automated_decisions"
]
NoticeType = Literal["integral", "simplificado", "corto"]
CONSENT_TEXT = N_(
    "I agree to this use of my personal data: {purpose} Privacy notice version {version}."
)
NO_NOTICE = N_("No privacy notice is published yet, so consent cannot be given.")


@router.get(PRIVACY_PATH)
async def privacy_page(request: Request) -> Response:
    viewer = await require_viewer(request, CUSTOMER)
    consents = await viewer.api.get("/v1/compliance/consents/me")
    requests = await viewer.api.get("/v1/compliance/requests/me")
    notice = await current_notice(viewer.api)
    locale = page_locale(request)
    return show(
        request,
        "cuenta/privacy.html",
        {
            "consents": consents,
            "requests": list(reversed(requests)),
            "notice": notice,
            "consent_texts": consent_texts(locale, notice),
            "done": request.query_params.get("hecho"),
        },
    )


@router.post(f"{PRIVACY_PATH}/consentimientos/revocar", dependencies=[CsrfChecked])
async def revoke_consent(
    request: Request,
    purpose: Annotated[Purpose, Form()],
    next: Annotated[str, Form(max_length=100)] = PRIVACY_PATH,
) -> Response:
    viewer = await require_viewer(request, CUSTOMER)
    body = {"consentType": purpose, "source": "web"}
    await viewer.api.post("/v1/compliance/consent/revoke", body)
    return redirect(f"{_return_path(next)}?hecho=revocado")


@router.post(f"{PRIVACY_PATH}/consentimientos/otorgar", dependencies=[CsrfChecked])
async def grant_consent(
    request: Request,
    purpose: Annotated[Purpose, Form()],
    next: Annotated[str, Form(max_length=100)] = PRIVACY_PATH,
) -> Response:
    """Record an express consent under the current notice, with the sentence the page showed
    (the API keeps its SHA-256 as evidence)."""
    viewer = await require_viewer(request, CUSTOMER)
    notice = await current_notice(viewer.api)
    if notice is None:
        raise ApiProblem(404, {"title": translate(page_locale(request), NO_NOTICE)})
    body = {
        "consentType": purpose,
        "consentText": consent_text(page_locale(request), purpose, notice["version"]),
        "version": notice["version"],
        "source": "web",
        "mode": "express",
    }
    await viewer.api.post("/v1/compliance/consent/register", body)
    return redirect(f"{_return_path(next)}?hecho=otorgado")


@router.get(f"{PRIVACY_PATH}/aviso")
async def notice_page(request: Request, tipo: NoticeType = "integral") -> Response:
    viewer = await require_viewer(request, CUSTOMER)
    notice = await viewer.api.get("/v1/compliance/privacy-notice", type=tipo)
    return show(request, "cuenta/notice.html", {"notice": notice})


async def current_notice(api: ConsoleApi) -> dict[str, Any] | None:
    """Return the integral privacy notice in force, or None while none is published."""
    try:
        return dict(await api.get("/v1/compliance/privacy-notice"))
    except ApiProblem as problem:
        if problem.status == 404:
            return None
        raise


def consent_texts(locale: str, notice: dict[str, Any] | None) -> dict[str, str]:
    """Return, for each purpose of the notice, the sentence a customer agrees to."""
    if notice is None:
        return {}
    return {
        purpose: consent_text(locale, purpose, notice["version"])
        for purpose in notice.get("purposes", [])
        if purpose in portal_labels.PURPOSE_DESCRIPTIONS
    }


def consent_text(locale: str, purpose: str, version: str) -> str:
    description = Label(portal_labels.PURPOSE_DESCRIPTIONS[purpose])
    return translate(locale, CONSENT_TEXT, purpose=description, version=version)


def _return_path(asked: str) -> str:
    return asked if asked in RETURN_PATHS else PRIVACY_PATH
