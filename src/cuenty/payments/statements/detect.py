"""Format detection from a file's content, and the `parse` entry point that dispatches on it.

The filename is used only to name the file in an error; the bytes decide the format.
"""

from __future__ import annotations

from cuenty.kit.i18n import N_
from cuenty.payments.statements import banorte, bbva, santander
from cuenty.payments.statements.bank_csv import find_layout, parse_bank_csv
from cuenty.payments.statements.camt import camt_format, parse_camt, read_xml
from cuenty.payments.statements.model import (
    MAX_STATEMENT_BYTES,
    ParsedStatement,
    StatementFormatError,
)
from cuenty.payments.statements.ofx import looks_like_ofx, parse_ofx
from cuenty.payments.statements.swift import looks_like_swift, parse_swift
from cuenty.payments.statements.text import UTF8_BOM, decode_text

BANK_LAYOUTS = (banorte.LAYOUT, santander.LAYOUT, bbva.LAYOUT)
SUPPORTED = "MT940, MT942, camt.053, camt.054, OFX, BBVA México, Santander, Banorte CSV"


def parse(data: bytes, filename: str | None = None) -> ParsedStatement:
    """Detect the format of a statement file from its content and parse it.

    Raises StatementFormatError for an empty, oversized, unknown, truncated or corrupt file.
    A bad line inside a readable file becomes a RejectedLine instead.
    """
    try:
        return _parse(data)
    except StatementFormatError as error:
        error.extra.setdefault("filename", filename)
        raise


def _parse(data: bytes) -> ParsedStatement:
    if not data.strip():
        raise StatementFormatError(N_("The file is empty."))
    if len(data) > MAX_STATEMENT_BYTES:
        raise StatementFormatError(
            N_("The file is larger than the limit of {limit} MiB."),
            params={"limit": MAX_STATEMENT_BYTES // (1024 * 1024)},
        )
    if looks_like_ofx(data[:4096]):
        return parse_ofx(data)
    if data.lstrip(UTF8_BOM + b" \t\r\n").startswith(b"<"):
        root = read_xml(data)
        fmt = camt_format(root)
        if fmt is None:
            raise StatementFormatError(
                N_(
                    "The XML document is not a camt.053 or camt.054 statement (namespace "
                    "{namespace})."
                ),
                params={"namespace": root.nsmap.get(root.prefix) or "none"},
            )
        return parse_camt(root, fmt)
    text = decode_text(data)
    swift = looks_like_swift(text)
    if swift is not None:
        return parse_swift(data, swift)
    match = find_layout(text, BANK_LAYOUTS)
    if match is not None:
        return parse_bank_csv(text, match)
    raise StatementFormatError(
        N_("The file format is not recognised; supported formats: {formats}."),
        params={"formats": SUPPORTED},
    )
