"""Translations of every text a person reads, from Babel catalogs for es-MX and en.

Message ids are English; the es_MX catalog contains the Spanish text, which is the default.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from io import BytesIO
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DEFAULT_LOCALE = "es-MX"
SUPPORTED_LOCALES = ("es-MX", "en")
CATALOG_DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a message id for extraction by `pybabel extract` without translating it yet."""
    return message


class Label(str):
    """A message id passed as a placeholder value, translated with the message that holds
    it; for words such as state names inside a sentence."""


def negotiate_locale(accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Pick es-MX or en from an Accept-Language header, honouring q-values."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = _parse_quality(params)
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        language = tag.split("-")[0]
        if language == "es":
            return "es-MX"
        if language == "en":
            return "en"
    return default


def translate(locale: str, message: str, **params: Any) -> str:
    """Translate a message id into the locale and fill its `{named}` placeholders."""
    catalog = _translations(_catalog_folder_name(locale))
    text = catalog.gettext(message)
    values = {
        key: catalog.gettext(value) if isinstance(value, Label) else value
        for key, value in params.items()
    }
    # A placeholder without a value prints as "-" rather than failing the error response.
    return text.format_map(_DefaultParams(values))


class _DefaultParams(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "-"


def _parse_quality(params: str) -> float:
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def _catalog_folder_name(locale: str) -> str:
    return "es_MX" if locale.lower().startswith("es") else "en"


@cache
def _translations(folder: str) -> Translations:
    # The .po file is the only committed form of a catalog; it is compiled in memory once per
    # process, so no stale .mo file can disagree with it.
    po_file = resources.files("cuenty.i18n").joinpath(
        "locales", folder, "LC_MESSAGES", f"{CATALOG_DOMAIN}.po"
    )
    with po_file.open("rb") as source:
        catalog = read_po(source, locale=folder)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain=CATALOG_DOMAIN)
