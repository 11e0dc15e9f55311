"""Bank statement parsers: MT940/MT942, camt.053/camt.054, OFX and Mexican bank CSV exports.

A pure library: `parse(data, filename)` returns a ParsedStatement and touches no database.
"""

from cuenty.payments.statements.detect import MAX_STATEMENT_BYTES, parse
from cuenty.payments.statements.model import (
    Direction,
    ParsedStatement,
    RejectedLine,
    StatementFormat,
    StatementFormatError,
    StatementLine,
)

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
