"""Staff sign-in (password, then the second factor when the account has one) and sign-out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request, Response

from cuenty.console.client import ApiProblem
from cuenty.console.locale import page_locale
from cuenty.console.navigation import STAFF_MENU
from cuenty.console.routing import console_router, form_problem, redirect
from cuenty.console.security import check_csrf
from cuenty.console.session import (
    STAFF,
    api_for,
    current_viewer,
    end_session,
    safe_next,
    start_session,
)
from cuenty.console.templating import render
from cuenty.kit.i18n import N_, translate

router = console_router()
CsrfChecked = Depends(check_csrf)

NOT_STAFF = N_("This console is for CUENTY staff. Customers sign in at /cuenta.")


@router.get("/console")
async def console_home(request: Request) -> Response:
    """Redirect to the first page of the menu the person may open."""
    viewer = await current_viewer(request, STAFF)
    if viewer is None:
        return redirect(STAFF.sign_in_path)
    for entry in STAFF_MENU:
        if entry.open_to(viewer.principal):
            return redirect(entry.path)
    return render(request, "console/no_access.html")


@router.get("/console/entrar")
async def sign_in_form(request: Request, next: str | None = None) -> Response:
    if await current_viewer(request, STAFF) is not None:
        return redirect(safe_next(STAFF, next))
    return render(request, "console/sign_in.html", {"next": next or "", "email": ""})


@router.post("/console/entrar", dependencies=[CsrfChecked])
async def sign_in(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    context: dict[str, Any] = {"next": next, "email": email}
    try:
        result = await api_for(request).post(
            "/v1/auth/login", {"email": email.strip(), "password": password}
        )
    except ApiProblem as problem:
        return form_problem(request, "console/sign_in.html", context, problem)
    if result.get("twoFactorRequired"):
        return render(
            request,
            "console/two_factor.html",
            {"next": next, "challenge_id": str(result["challengeId"]), "sent": False},
        )
    return await _finish(request, result, next)


@router.post("/console/entrar/2fa", dependencies=[CsrfChecked])
async def verify_second_factor(
    request: Request,
    challenge_id: Annotated[str, Form(max_length=64)] = "",
    code: Annotated[str, Form(max_length=32)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    context = {"next": next, "challenge_id": challenge_id, "sent": False}
    try:
        result = await api_for(request).post(
            "/v1/auth/2fa/verify", {"challengeId": challenge_id, "code": code.strip()}
        )
    except ApiProblem as problem:
        return form_problem(request, "console/two_factor.html", context, problem)
    return await _finish(request, result, next)


@router.post("/console/entrar/2fa/enviar", dependencies=[CsrfChecked])
async def send_second_factor(
    request: Request,
    challenge_id: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    context = {"next": next, "challenge_id": challenge_id, "sent": True}
    try:
        await api_for(request).post("/v1/auth/2fa/send", {"challengeId": challenge_id})
    except ApiProblem as problem:
        return form_problem(request, "console/two_factor.html", context, problem)
    return render(request, "console/two_factor.html", context)


@router.post("/console/salir", dependencies=[CsrfChecked])
async def sign_out(request: Request) -> Response:
    await end_session(request, STAFF)
    return redirect(STAFF.sign_in_path)


async def _finish(request: Request, tokens: dict[str, Any], next_path: str) -> Response:
    """Open the console only for staff; a customer's new session is closed at once."""
    start_session(request, STAFF, tokens)
    request.cookies[STAFF.access_cookie] = str(tokens["accessToken"])
    viewer = await current_viewer(request, STAFF)
    if viewer is None:
        await api_for(request, str(tokens["accessToken"])).post("/v1/auth/logout")
        await end_session(request, STAFF)
        return render(
            request,
            "console/sign_in.html",
            {"next": next_path, "email": "", "error": translate(page_locale(request), NOT_STAFF)},
            status=403,
        )
    return redirect(safe_next(STAFF, next_path))
