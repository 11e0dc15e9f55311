"""Routes of console pages: HTML errors instead of problem JSON, sign-in redirects, cookies.

Every console router is built with `console_router()`. Its routes turn a ProblemError or an
API problem into an error page in the page's language. They send a visitor who is not signed
in to the sign-in form, and attach the cookies the page set to whatever response it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import Any

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from cuenty.console.client import ApiProblem
from cuenty.console.locale import LANGUAGE_COOKIE, ONE_YEAR_SECONDS, chosen_language, page_locale
from cuenty.console.security import pending_cookies
from cuenty.console.session import CUSTOMER, STAFF, SignInRequired, current_viewer
from cuenty.console.templating import render
from cuenty.kit.errors import ProblemError
from cuenty.kit.i18n import N_, translate

CHECK_FIELDS = N_("Some fields need a change; the message under each one says what.")
INVALID_ADDRESS_TITLE = N_("This address is not valid")
INVALID_ADDRESS = N_("The page address or the form has a value the console cannot read.")

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class ConsoleRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except SignInRequired as needed:
                response = RedirectResponse(needed.location, status_code=303)
            except ApiProblem as problem:
                response = _api_problem_page(request, problem)
            except ProblemError as error:
                await _load_viewer(request)
                response = _error_page(
                    request, error.status, error.title, error.detail_message, error.params
                )
            except RequestValidationError:
                # A console URL or form the page's own parameters reject (a malformed id):
                # an HTML page, as for every other error a person can meet.
                await _load_viewer(request)
                response = _error_page(request, 422, INVALID_ADDRESS_TITLE, INVALID_ADDRESS, {})
            language = chosen_language(request)
            if language is not None:
                pending_cookies(request).set(
                    LANGUAGE_COOKIE, language, path="/", max_age=ONE_YEAR_SECONDS
                )
            cookies = getattr(request.state, "console_cookies", None)
            if cookies is not None:
                cookies.apply(response)
            return response

        return console_handler


def console_router() -> APIRouter:
    return APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def redirect(location: str) -> RedirectResponse:
    """After a form: 303 See Other, so reloading the next page does not send the form again."""
    return RedirectResponse(location, status_code=303)


async def _load_viewer(request: Request) -> None:
    """Find who is signed in, for the menu of an error raised before the page looked."""
    area = CUSTOMER if request.url.path.startswith(CUSTOMER.path) else STAFF
    await current_viewer(request, area)


def _api_problem_page(request: Request, problem: ApiProblem) -> Response:
    if problem.status == 401:
        area = CUSTOMER if request.url.path.startswith(CUSTOMER.path) else STAFF
        return RedirectResponse(SignInRequired(area, request.url.path).location, status_code=303)
    return render(
        request,
        "shared/error.html",
        {
            "status": problem.status,
            "title": str(problem.problem.get("title") or ""),
            "detail": problem.detail,
        },
        status=problem.status if problem.status < 500 else 502,
    )


def _error_page(
    request: Request, status: int, title: str, detail: str, params: dict[str, Any]
) -> Response:
    locale = page_locale(request)
    return render(
        request,
        "shared/error.html",
        {
            "status": status,
            "title": translate(locale, title),
            "detail": translate(locale, detail, **params),
        },
        status=status,
    )


def form_problem(
    request: Request,
    template: str,
    context: dict[str, Any],
    problem: ApiProblem,
    *,
    fields: Iterable[str] = (),
    renames: dict[str, str] | None = None,
) -> Response:
    """Show the form again with the API's explanation and the message of each broken field.

    `renames` maps an API field (`fieldsToUpdate/email`) to the form's name for it (`email`).
    When every broken field is one of the form's `fields`, each message shows under its field
    and a short note heads the form. Otherwise the messages that no field shows head the form,
    so none is lost. The API's generic 422 text, written for programs, is never shown.
    """
    messages = {
        (renames or {}).get(key, key): message for key, message in problem.field_messages.items()
    }
    unshown = [message for key, message in messages.items() if key not in set(fields)]
    if messages and not unshown:
        error = translate(page_locale(request), CHECK_FIELDS)
    elif messages:
        error = " ".join(unshown)
    else:
        error = problem.detail
    return render(
        request,
        template,
        {**context, "error": error, "field_errors": messages},
        status=problem.status if problem.status < 500 else 502,
    )


def file_response(found: httpx.Response, fallback_name: str) -> Response:
    """Pass a file the API returned (an export) on to the browser, never kept by caches, so
    the person's token stays on the server."""
    headers = {
        "Cache-Control": "no-store",
        "Content-Disposition": found.headers.get(
            "content-disposition", f'attachment; filename="{fallback_name}"'
        ),
    }
    media_type = found.headers.get("content-type", "application/octet-stream")
    return Response(found.content, media_type=media_type, headers=headers)
