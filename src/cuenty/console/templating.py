"""Jinja2 rendering of console pages, one environment per language.

Templates call `_("English text {name}", name=...)`. The text is looked up in the same Babel
catalog as the API's messages (`make messages` extracts it), so Spanish is the default and
English is the original.
"""

from __future__ import annotations

from functools import cache, partial
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from cuenty.console import formatting, navigation
from cuenty.console.static_files import static_url
from cuenty.kit.i18n import translate


@cache
def environment(locale: str) -> Environment:
    env = Environment(
        loader=PackageLoader("cuenty.console", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["_"] = partial(translate, locale)
    env.globals["locale"] = locale
    env.globals["static"] = static_url
    env.globals["staff_menu"] = navigation.STAFF_MENU
    env.globals["customer_menu"] = navigation.CUSTOMER_MENU
    env.globals["role_labels"] = navigation.ROLE_LABELS
    env.filters["money"] = formatting.money
    env.filters["number"] = partial(_with_locale, formatting.number, locale)
    env.filters["percent"] = partial(_with_locale, formatting.percent, locale)
    env.filters["day"] = partial(_with_locale, formatting.day, locale)
    env.filters["moment"] = partial(_with_locale, formatting.moment, locale)
    env.filters["ago"] = partial(_with_locale, formatting.ago, locale)
    return env


def _with_locale(function: Any, locale: str, value: Any, *args: Any) -> str:
    return str(function(value, locale, *args))


def _language_url(request: Request, language: str) -> str:
    """Return this page's address in another language, keeping its filters and page.

    A page that shows a form's result (POST) has no address to load again, so its link leads to the
    start of its area instead.
    """
    if request.method != "GET":
        home = "/cuenta" if request.url.path.startswith("/cuenta") else "/console"
        return f"{home}?{urlencode([('lang', language)])}"
    params = [(key, value) for key, value in request.query_params.multi_items() if key != "lang"]
    return f"{request.url.path}?{urlencode([*params, ('lang', language)])}"


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """Render a page with what every page needs: language, CSRF token, signed-in person."""
    from cuenty.console.locale import page_locale
    from cuenty.console.security import csrf_token

    locale = page_locale(request)
    values = {
        "request": request,
        "csrf_token": csrf_token(request),
        "viewer": getattr(request.state, "console_viewer", None),
        "path": request.url.path,
        "language_url": partial(_language_url, request),
        **(context or {}),
    }
    html = environment(locale).get_template(template).render(values)
    return HTMLResponse(html, status_code=status, headers={"Content-Language": locale})
