"""Mexican personal and tax identifiers: RFC (SAT taxpayer id) and CURP (population registry).

Validation including check digits, on top of ``stdnum.mx.rfc`` and ``stdnum.mx.curp``.
"""

from __future__ import annotations

from enum import StrEnum

from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)
from stdnum.mx import curp as stdnum_curp
from stdnum.mx import rfc as stdnum_rfc

RFC_PERSONA_FISICA_LENGTH = 13
RFC_PERSONA_MORAL_LENGTH = 12
# An RFC of a persona física without the 3-character homoclave. stdnum accepts it, but
# invoices (CFDI) and SPEI need the full RFC, so validate_rfc rejects it.
_RFC_WITHOUT_HOMOCLAVE_LENGTH = 10

# Generic RFCs that SAT defines for invoices to unidentified buyers.
RFC_GENERIC_PUBLIC = "XAXX010101000"
"""Generic RFC for sales to the general public (público en general)."""
RFC_GENERIC_FOREIGN = "XEXX010101000"
"""Generic RFC for foreign residents without a Mexican RFC."""
_GENERIC_RFCS = frozenset({RFC_GENERIC_PUBLIC, RFC_GENERIC_FOREIGN})


class RfcKind(StrEnum):
    """Taxpayer type that an RFC's length shows."""

    PERSONA_FISICA = "persona_fisica"
    PERSONA_MORAL = "persona_moral"


class InvalidRfc(ValueError):
    """Raised when an RFC is malformed, has a wrong check digit or is a disallowed generic RFC."""

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(f"invalid RFC {value!r}: {reason}")
        self.value = value
        self.reason = reason


class InvalidCurp(ValueError):
    """Raised when a CURP is malformed or has a wrong check digit."""

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(f"invalid CURP {value!r}: {reason}")
        self.value = value
        self.reason = reason


def _rfc_failure_reason(error: ValidationError, compact: str) -> str:
    if isinstance(error, InvalidLength):
        return (
            f"an RFC has {RFC_PERSONA_MORAL_LENGTH} characters (persona moral) or "
            f"{RFC_PERSONA_FISICA_LENGTH} (persona física), got {len(compact)}"
        )
    if isinstance(error, InvalidFormat):
        return (
            "expected 3 letters (persona moral) or 4 letters (persona física), "
            "a YYMMDD date and a 3-character homoclave"
        )
    if isinstance(error, InvalidChecksum):
        expected = stdnum_rfc.calc_check_digit(compact[:-1])
        return f"check digit (the last character) is {compact[-1]} but should be {expected}"
    if isinstance(error, InvalidComponent):
        return (
            "the date is not a valid YYMMDD date, the homoclave has characters SAT does "
            "not use, or the name letters are a word that SAT replaces"
        )
    return str(error)


def validate_rfc(text: str, *, allow_generic: bool = False) -> str:
    """Return the RFC in compact uppercase form after checking its format and check digit.

    Spaces, dashes and underscores are removed first. The generic RFCs XAXX010101000 and
    XEXX010101000 are accepted only with ``allow_generic=True`` because they identify no
    taxpayer. An RFC without its homoclave (10 characters) is rejected.
    Raises InvalidRfc naming the value and the rule it broke.
    """
    compact = stdnum_rfc.compact(text)
    if compact in _GENERIC_RFCS:
        if allow_generic:
            return compact
        raise InvalidRfc(
            text, "generic RFCs identify no taxpayer and are accepted only with allow_generic"
        )
    if len(compact) == _RFC_WITHOUT_HOMOCLAVE_LENGTH:
        raise InvalidRfc(text, "the homoclave (the last 3 characters) is missing")

    # stdnum skips the check digit unless asked, and about 1.5% of RFCs in use fail it
    # according to stdnum's documentation. NOTE: such an RFC is rejected here.
    try:
        return stdnum_rfc.validate(compact, validate_check_digits=True)
    except ValidationError as error:
        raise InvalidRfc(text, _rfc_failure_reason(error, compact)) from error


def is_generic_rfc(rfc: str) -> bool:
    """Return whether ``rfc`` is one of SAT's two generic RFCs (after removing separators)."""
    return stdnum_rfc.compact(rfc) in _GENERIC_RFCS


def rfc_kind(rfc: str) -> RfcKind:
    """Return whether a valid RFC belongs to a persona física (13 characters) or moral (12).

    The generic RFCs have 13 characters and so return PERSONA_FISICA. Use
    ``is_generic_rfc`` to tell them apart. Raises InvalidRfc for an invalid RFC.
    """
    compact = validate_rfc(rfc, allow_generic=True)
    if len(compact) == RFC_PERSONA_MORAL_LENGTH:
        return RfcKind.PERSONA_MORAL
    return RfcKind.PERSONA_FISICA


def _curp_failure_reason(error: ValidationError, compact: str) -> str:
    if isinstance(error, InvalidLength):
        return f"a CURP has 18 characters, got {len(compact)}"
    if isinstance(error, InvalidFormat):
        return (
            "expected 4 letters, a YYMMDD birth date, 6 letters, "
            "a letter or digit and a final check digit"
        )
    if isinstance(error, InvalidChecksum):
        expected = stdnum_curp.calc_check_digit(compact)
        return f"check digit (the last character) is {compact[-1]} but should be {expected}"
    if isinstance(error, InvalidComponent):
        return (
            "the birth date is not a valid date, the sex is not H or M, the state code "
            "is unknown, or the name letters are a word that RENAPO replaces"
        )
    return str(error)


def validate_curp(text: str) -> str:
    """Return the CURP in compact uppercase form after checking its format and check digit.

    Spaces, dashes and underscores are removed first. Raises InvalidCurp naming the value
    and the rule it broke.
    """
    compact = stdnum_curp.compact(text)
    try:
        return stdnum_curp.validate(compact, validate_check_digits=True)
    except ValidationError as error:
        raise InvalidCurp(text, _curp_failure_reason(error, compact)) from error
