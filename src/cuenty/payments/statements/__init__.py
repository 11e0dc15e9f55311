"""Bank statement parsers: MT940/MT942, camt.053/camt.054, OFX and Mexican bank CSV exports.

A pure library: `parse(data, filename)` returns a ParsedStatement and touches no database.
The parsers and their libraries (lxml, ofxtools, mt-940, about 17 MiB) load on the first
`parse`, so an API worker that never imports a statement does not carry them.
"""

from __future__ import annotations

from cuenty.payments.statements.model import (
    MAX_STATEMENT_BYTES,
    Direction,
    ParsedStatement,
    RejectedLine,
    StatementFormat,
    StatementFormatError,
    StatementLine,
)


def parse(data: bytes, filename: str | None = None) -> ParsedStatement:
    """Detect the format of a statement file from its content and parse it (see `detect`)."""
    from cuenty.payments.statements.detect import parse as parse_detected

    return parse_detected(data, filename)


__all__ = [
    "MAX_STATEMENT_BYTES",
    "Direction",
    "ParsedStatement",
    "RejectedLine",
    "StatementFormat",
    "StatementFormatError",
    "StatementLine",
    "parse",
]
