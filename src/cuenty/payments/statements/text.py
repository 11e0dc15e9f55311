"""Reading helpers shared by the statement formats: text decoding, Mexican amounts and dates,
and the SPEI data (clave de rastreo, referencia numérica, CLABE) written inside descriptions.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from cuenty.kit.clock import MEXICO_CITY
from cuenty.kit.i18n import N_
from cuenty.mexico.clabe import InvalidClabe, validate_clabe
from cuenty.payments.statements.model import StatementFormatError

UTF8_BOM = b"\xef\xbb\xbf"

# "$5,127.17", "-1,000.00", "(250.00)", "5127.17 MXN": thousands separated by commas, cents by a
# point, as Mexican banks print them.
_AMOUNT = re.compile(r"(?P<sign>[-+])?\$?(?P<number>\d{1,3}(?:,\d{3})+|\d+)(?P<cents>\.\d{1,2})?")
_CURRENCY_SUFFIX = re.compile(r"\s*(?:MXN|M\.N\.|MN)$", re.IGNORECASE)
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d%m%Y")

# Labels that Mexican banks put before SPEI data in a description. The clave de rastreo is
# at most 30 alphanumeric characters and the referencia numérica at most 7 digits (SPEI rules).
_TRACKING_KEY = re.compile(
    r"\b(?:CLAVE\s+DE\s+RASTREO|CVE\.?\s*(?:DE\s+)?RASTREO|RASTREO)\s*[:#.]?\s*([A-Z0-9]{1,30})\b"
)
_NUMERIC_REFERENCE = re.compile(
    r"\b(?:REFERENCIA\s+NUMERICA|REF(?:ERENCIA)?\.?(?:\s*NUM(?:ERICA)?\.?)?)\s*[:#.]?\s*(\d{1,7})\b"
)
_EIGHTEEN_DIGITS = re.compile(r"(?<!\d)\d{18}(?!\d)")
_PAYER_NAME = re.compile(
    r"\b(?:ORDENANTE|NOMBRE\s+ORDENANTE|BENEFICIARIO)\s*:\s*([A-Z0-9 .,&'-]+?)"
    r"\s*(?=\s(?:CUENTA|CLAVE|CVE|REF|REFERENCIA|CONCEPTO|RFC|BANCO|INSTITUCION|HORA|FOLIO)\b|$)"
)


class InvalidField(ValueError):
    """Raised by a field reader; the format module turns it into a rejected line."""

    def __init__(self, reason: str, **params: str) -> None:
        super().__init__(reason.format(**params))
        self.reason = reason
        self.params = params


def decode_text(data: bytes) -> str:
    """Decode a text export as UTF-8 (with or without a BOM), falling back to Latin-1.

    Raises StatementFormatError for binary content: Latin-1 decodes any byte, so NUL bytes are
    the test that a file is not text.
    """
    if b"\x00" in data:
        raise StatementFormatError(N_("The file contains binary data, not text."))
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_amount(text: str) -> Decimal:
    """Read an amount such as "$5,127.17", "-1,000.00" or "(250.00)" as a Decimal."""
    cleaned = _CURRENCY_SUFFIX.sub("", text.strip().replace(" ", ""))
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    if negative:
        cleaned = cleaned[1:-1]
    if cleaned.startswith("$-"):
        cleaned = "-$" + cleaned[2:]
    match = _AMOUNT.fullmatch(cleaned)
    if match is None:
        raise InvalidField(
            N_("Invalid amount {value}: expected a number such as $5,127.17."), value=text
        )
    number = match["number"].replace(",", "") + (match["cents"] or "")
    try:
        amount = Decimal(number)
    except InvalidOperation as error:  # unreachable with the pattern above, kept as a guard
        raise InvalidField(
            N_("Invalid amount {value}: expected a number such as $5,127.17."), value=text
        ) from error
    if negative or match["sign"] == "-":
        amount = -amount
    return amount


def parse_optional_amount(text: str) -> Decimal | None:
    """Read an amount column that may be empty or hold a dash for "no movement"."""
    stripped = text.strip()
    if stripped in ("", "-", "$-", "$ -"):
        return None
    return parse_amount(stripped)


def parse_mexican_date(text: str) -> date:
    """Read a dd/mm/yyyy date (also dd-mm-yyyy and ddmmyyyy, which some exports use)."""
    stripped = text.strip().lstrip("'")
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(stripped, fmt).date()
        except ValueError:
            continue
    raise InvalidField(N_("Invalid date {value}: expected dd/mm/yyyy."), value=text)


def mexico_city_date(moment: datetime) -> date:
    """Return the Mexico City calendar date of an instant (a naive value is Mexico City time)."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(MEXICO_CITY).date()


def fold(text: str) -> str:
    """Upper-case a text and strip its accents, keeping one character per character.

    "Clave de Rastreo" becomes "CLAVE DE RASTREO"; keeping the length lets a match found in the
    folded text be cut from the original, accents included.
    """
    return "".join(_fold_character(character) for character in text)


def _fold_character(character: str) -> str:
    base = unicodedata.normalize("NFKD", character)[:1] or character
    upper = base.upper()
    return upper if len(upper) == 1 else base


def find_tracking_key(text: str) -> str | None:
    match = _TRACKING_KEY.search(fold(text))
    return match[1] if match else None


def find_numeric_reference(text: str) -> str | None:
    match = _NUMERIC_REFERENCE.search(fold(text))
    return match[1] if match else None


def find_clabe(text: str) -> str | None:
    """Return the first run of exactly 18 digits that is a valid CLABE."""
    for candidate in _EIGHTEEN_DIGITS.findall(text):
        try:
            return validate_clabe(candidate)
        except InvalidClabe:
            continue
    return None


def find_payer_name(text: str) -> str | None:
    """Return the name after an "ORDENANTE:" label, as written (accents kept)."""
    match = _PAYER_NAME.search(fold(text))
    if match is None:
        return None
    return text[match.start(1) : match.end(1)].strip() or None


def clabe_or_none(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return validate_clabe(value)
    except InvalidClabe:
        return None
