"""The language of a console page: `?lang=`, then the `cuenty_lang` cookie, then the
browser's Accept-Language, then CUENTY_DEFAULT_LOCALE (es-MX)."""

from __future__ import annotations

from fastapi import Request

from cuenty.kit.i18n import SUPPORTED_LOCALES, negotiate_locale

LANGUAGE_COOKIE = "cuenty_lang"
ONE_YEAR_SECONDS = 365 * 24 * 3600


def chosen_language(request: Request) -> str | None:
    """Return the language requested in the query string, when the console supports it."""
    requested = request.query_params.get("lang")
    return requested if requested in SUPPORTED_LOCALES else None


def page_locale(request: Request) -> str:
    requested = chosen_language(request) or request.cookies.get(LANGUAGE_COOKIE)
    if requested in SUPPORTED_LOCALES:
        return str(requested)
    default = getattr(request.app.state, "default_locale", "es-MX")
    return negotiate_locale(request.headers.get("accept-language"), default)
