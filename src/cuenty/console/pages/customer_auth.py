"""Customer sign-in to the portal with a one-time code sent to their phone, and sign-out."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Form, Request, Response

from cuenty.console.client import ApiProblem
from cuenty.console.locale import page_locale
from cuenty.console.routing import console_router, form_problem, redirect
from cuenty.console.security import check_csrf
from cuenty.console.session import (
    CUSTOMER,
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

STAFF_ACCOUNT = N_("Staff accounts sign in at /console.")


@router.get("/cuenta/entrar")
async def phone_form(request: Request, next: str | None = None) -> Response:
    if await current_viewer(request, CUSTOMER) is not None:
        return redirect(safe_next(CUSTOMER, next))
    return render(request, "cuenta/sign_in.html", {"next": next or "", "phone": ""})


@router.post("/cuenta/entrar", dependencies=[CsrfChecked])
async def send_code(
    request: Request,
    phone: Annotated[str, Form(max_length=32)] = "",
    channel: Annotated[Literal["whatsapp", "sms"], Form()] = "whatsapp",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    context: dict[str, Any] = {"next": next, "phone": phone, "channel": channel}
    try:
        sent = await api_for(request).post(
            "/v1/auth/otp/send", {"phone": phone.strip(), "channel": channel}
        )
    except ApiProblem as problem:
        return form_problem(request, "cuenta/sign_in.html", context, problem)
    return render(request, "cuenta/code.html", {**context, "sent": sent})


@router.post("/cuenta/entrar/codigo", dependencies=[CsrfChecked])
async def verify_code(
    request: Request,
    phone: Annotated[str, Form(max_length=32)] = "",
    code: Annotated[str, Form(max_length=12)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    context: dict[str, Any] = {"next": next, "phone": phone, "sent": None}
    try:
        tokens = await api_for(request).post(
            "/v1/auth/otp/verify", {"phone": phone.strip(), "code": code.strip()}
        )
    except ApiProblem as problem:
        return form_problem(request, "cuenta/code.html", context, problem)
    start_session(request, CUSTOMER, tokens)
    request.cookies[CUSTOMER.access_cookie] = str(tokens["accessToken"])
    if await current_viewer(request, CUSTOMER) is None:
        await api_for(request, str(tokens["accessToken"])).post("/v1/auth/logout")
        await end_session(request, CUSTOMER)
        error = translate(page_locale(request), STAFF_ACCOUNT)
        return render(request, "cuenta/sign_in.html", {**context, "error": error}, status=403)
    return redirect(safe_next(CUSTOMER, next))


@router.post("/cuenta/salir", dependencies=[CsrfChecked])
async def sign_out(request: Request) -> Response:
    await end_session(request, CUSTOMER)
    return redirect(CUSTOMER.sign_in_path)
