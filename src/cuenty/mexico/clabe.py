"""CLABE (Clave Bancaria Estandarizada), the 18-digit account number that SPEI transfers use.

Validation, bank lookup and construction of new CLABEs, on top of the ``clabe`` package.
"""

from __future__ import annotations

import re

import clabe as clabe_package

# Layout: 3-digit bank code (ABM code), 3-digit plaza code, 11-digit account number and
# one control digit. The control digit makes the weighted sum of all 18 digits a multiple
# of 10, with the weights 3, 7, 1 repeated over the first 17 digits and each product
# taken mod 10. ``clabe.compute_control_digit`` implements that rule.
CLABE_LENGTH = 18
BANK_CODE_LENGTH = 3
_BODY_LENGTH = CLABE_LENGTH - 1

# Spaces and dashes that people put between the groups of digits.
_SEPARATORS = re.compile(r"[\s\-]+")
_ASCII_DIGITS = re.compile(r"[0-9]+")


class InvalidClabe(ValueError):
    """Raised when a CLABE breaks a rule. ``rule`` names it: "format", "bank" or "control_digit"."""

    def __init__(self, value: str, rule: str, reason: str) -> None:
        super().__init__(f"invalid CLABE {value!r}: {reason}")
        self.value = value
        self.rule = rule


class UnknownBankCode(InvalidClabe):
    """Raised when the first three digits are not a bank code that the ``clabe`` package lists."""

    def __init__(self, value: str, code: str) -> None:
        super().__init__(
            value,
            "bank",
            f"bank code {code!r} (the first 3 digits) belongs to no bank "
            f"known to the clabe package {clabe_package.__version__}",
        )
        self.code = code


def _is_known_bank_code(code: str) -> bool:
    return code in clabe_package.BANKS


def validate_clabe(text: str) -> str:
    """Return the 18 digits of a valid CLABE.

    Spaces and dashes between digit groups are removed first. Raises InvalidClabe when the
    result is not 18 ASCII digits, UnknownBankCode when the bank code is not known, and
    InvalidClabe with the expected digit when the control digit is wrong.
    """
    digits = _SEPARATORS.sub("", text)
    if digits and _ASCII_DIGITS.fullmatch(digits) is None:
        raise InvalidClabe(text, "format", "a CLABE contains only the digits 0-9")
    if len(digits) != CLABE_LENGTH:
        reason = f"a CLABE is exactly {CLABE_LENGTH} digits, got {len(digits)}"
        raise InvalidClabe(text, "format", reason)

    code = digits[:BANK_CODE_LENGTH]
    if not _is_known_bank_code(code):
        raise UnknownBankCode(text, code)

    expected = clabe_package.compute_control_digit(digits[:_BODY_LENGTH])
    if digits[-1] != expected:
        raise InvalidClabe(
            text,
            "control_digit",
            f"control digit (the last digit) is {digits[-1]} but should be {expected}; "
            "check the number for a typing error",
        )
    return digits


def bank_code(clabe: str) -> str:
    """Return the 3-digit bank code of a CLABE, after validating it with ``validate_clabe``."""
    return validate_clabe(clabe)[:BANK_CODE_LENGTH]


def bank_name(clabe_or_bank_code: str) -> str:
    """Return the bank's short name (such as "BBVA Mexico") for a CLABE or a 3-digit bank code.

    A full CLABE is validated first. Raises UnknownBankCode for an unknown 3-digit code and
    InvalidClabe for any other input.
    """
    text = clabe_or_bank_code.strip()
    if len(text) == BANK_CODE_LENGTH and _ASCII_DIGITS.fullmatch(text) is not None:
        code = text
    else:
        code = bank_code(text)
    if not _is_known_bank_code(code):
        raise UnknownBankCode(clabe_or_bank_code, code)
    return clabe_package.get_bank_name(code)


def build_clabe(prefix: str, sequence: int, *, sequence_digits: int) -> str:
    """Build a CLABE from a fixed prefix and a sequence number, adding the control digit.

    The sequence is zero-padded to ``sequence_digits``, and the prefix and the sequence must
    add up to 17 digits. For STP collection accounts the prefix is "646180" plus the
    4-digit company prefix, followed by a 7-digit sequence. Raises ValueError when the
    lengths do not add up or the sequence does not fit, and UnknownBankCode when the
    prefix starts with an unknown bank code.
    """
    if _ASCII_DIGITS.fullmatch(prefix) is None:
        raise ValueError(f"CLABE prefix {prefix!r} must contain only digits 0-9")
    if sequence_digits < 1:
        raise ValueError(f"sequence_digits must be at least 1, got {sequence_digits}")
    if len(prefix) < BANK_CODE_LENGTH:
        raise ValueError(f"CLABE prefix {prefix!r} must start with the 3-digit bank code")
    if len(prefix) + sequence_digits != _BODY_LENGTH:
        raise ValueError(
            f"CLABE prefix {prefix!r} ({len(prefix)} digits) plus {sequence_digits} sequence "
            f"digits must make {_BODY_LENGTH} digits"
        )
    if not 0 <= sequence < 10**sequence_digits:
        raise ValueError(
            f"sequence {sequence} does not fit in {sequence_digits} digits "
            f"(allowed: 0 to {10**sequence_digits - 1})"
        )
    if not _is_known_bank_code(prefix[:BANK_CODE_LENGTH]):
        raise UnknownBankCode(prefix, prefix[:BANK_CODE_LENGTH])

    body = f"{prefix}{sequence:0{sequence_digits}d}"
    return body + clabe_package.compute_control_digit(body)


def mask_clabe(clabe: str) -> str:
    """Replace all but the last 4 characters with "*", for logs and receipts.

    Works on any text, valid or not. Text of 4 characters or fewer is masked completely.
    """
    if len(clabe) <= 4:
        return "*" * len(clabe)
    return "*" * (len(clabe) - 4) + clabe[-4:]
