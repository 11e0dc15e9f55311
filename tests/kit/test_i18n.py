"""Locale negotiation and the completeness of the Spanish catalog."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

import cuenty
from cuenty.kit.i18n import _translations, negotiate_locale, translate

SOURCE = Path(cuenty.__file__).parent


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (None, "es-MX"),
        ("", "es-MX"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("es-MX,es;q=0.9,en;q=0.8", "es-MX"),
        ("es-ES", "es-MX"),
        ("fr-FR,en;q=0.5", "en"),
        ("fr-FR", "es-MX"),
        ("en;q=0.2,es;q=0.8", "es-MX"),
        ("en;q=0", "es-MX"),
        ("en;q=abc,es", "es-MX"),
    ],
)
def test_negotiate_locale(header: str | None, locale: str) -> None:
    assert negotiate_locale(header) == locale


def test_translate_fills_placeholders() -> None:
    assert translate("es-MX", "No resource exists at {path}.", path="/x") == (
        "No existe ningún recurso en /x."
    )


def test_english_returns_message_id() -> None:
    assert translate("en", "Not found") == "Not found"


def _message_ids() -> set[str]:
    """Return the message ids of the Python code and of the console's Jinja templates."""
    template_options = {"trim_blocks": "true", "lstrip_blocks": "true"}
    extracted = extract_from_dir(
        str(SOURCE),
        method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
        options_map={"**/templates/**.html": template_options},
        keywords={"N_": None, "_": None},
    )
    return {message for _file, _line, message, _comments, _context in extracted}


def test_every_message_has_a_spanish_translation() -> None:
    catalog = _translations("es_MX")
    untranslated = sorted(
        message for message in _message_ids() if catalog.gettext(message) == message
    )
    assert untranslated == []


def test_spanish_keeps_every_placeholder() -> None:
    import string

    catalog = _translations("es_MX")
    mismatched = []
    for message in _message_ids():
        names = {field for _, field, _, _ in string.Formatter().parse(message) if field}
        translated = {
            field for _, field, _, _ in string.Formatter().parse(catalog.gettext(message)) if field
        }
        if names != translated:
            mismatched.append(message)
    assert mismatched == []
