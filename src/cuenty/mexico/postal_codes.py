"""Mexican postal codes (códigos postales): validation and the federal entity they belong to.

The state comes from the first two digits alone, so no postal-code catalogue is needed.
"""

from __future__ import annotations

import re

from cuenty.mexico.states import State, state_by_inegi_code

_POSTAL_CODE = re.compile(r"[0-9]{5}")

# First two digits of the postal code (inclusive range) and the INEGI code of the entity.
# Correos de México (SEPOMEX) assigns the states their prefixes in alphabetical order of
# their names, after Ciudad de México's 01-16. Prefixes 00, 17, 18 and 19 are not assigned.
# Source opened: https://wikiland.org/fr/Mexican_postal_code, a copy of the Wikipedia
# article "Postal codes in Mexico". An older copy of that article lists 00-16 for
# Ciudad de México, but no postal code starts with 00, so 00 is treated as unassigned.
# NOTE: checked against that article, not against the official SEPOMEX catalogue.
_PREFIX_RANGES: tuple[tuple[int, int, str], ...] = (
    (1, 16, "09"),  # Ciudad de México
    (20, 20, "01"),  # Aguascalientes
    (21, 22, "02"),  # Baja California
    (23, 23, "03"),  # Baja California Sur
    (24, 24, "04"),  # Campeche
    (25, 27, "05"),  # Coahuila
    (28, 28, "06"),  # Colima
    (29, 30, "07"),  # Chiapas
    (31, 33, "08"),  # Chihuahua
    (34, 35, "10"),  # Durango
    (36, 38, "11"),  # Guanajuato
    (39, 41, "12"),  # Guerrero
    (42, 43, "13"),  # Hidalgo
    (44, 49, "14"),  # Jalisco
    (50, 57, "15"),  # México
    (58, 61, "16"),  # Michoacán
    (62, 62, "17"),  # Morelos
    (63, 63, "18"),  # Nayarit
    (64, 67, "19"),  # Nuevo León
    (68, 71, "20"),  # Oaxaca
    (72, 75, "21"),  # Puebla
    (76, 76, "22"),  # Querétaro
    (77, 77, "23"),  # Quintana Roo
    (78, 79, "24"),  # San Luis Potosí
    (80, 82, "25"),  # Sinaloa
    (83, 85, "26"),  # Sonora
    (86, 86, "27"),  # Tabasco
    (87, 89, "28"),  # Tamaulipas
    (90, 90, "29"),  # Tlaxcala
    (91, 96, "30"),  # Veracruz
    (97, 97, "31"),  # Yucatán
    (98, 99, "32"),  # Zacatecas
)


def _build_prefix_table() -> dict[int, State]:
    table: dict[int, State] = {}
    for first, last, inegi_code in _PREFIX_RANGES:
        state = state_by_inegi_code(inegi_code)
        if state is None:
            raise RuntimeError(f"postal prefix table names unknown INEGI code {inegi_code!r}")
        for prefix in range(first, last + 1):
            table[prefix] = state
    return table


_STATE_BY_PREFIX: dict[int, State] = _build_prefix_table()

UNASSIGNED_PREFIXES: frozenset[str] = frozenset(
    f"{prefix:02d}" for prefix in range(100) if prefix not in _STATE_BY_PREFIX
)
"""Two-digit prefixes that SEPOMEX has not assigned to any entity: 00, 17, 18 and 19."""


class InvalidPostalCode(ValueError):
    """Raised when a postal code is not exactly five ASCII digits."""

    def __init__(self, value: str) -> None:
        super().__init__(
            f"invalid postal code {value!r}: a Mexican postal code is exactly 5 digits "
            "(0-9); if a leading zero was lost, add it back, as in '01000'"
        )
        self.value = value


def normalize_postal_code(text: str) -> str:
    """Strip surrounding whitespace and return the five-digit postal code.

    Raises InvalidPostalCode unless what remains is exactly five ASCII digits. Inner spaces
    and a "C.P." label are rejected too, because this module does not guess.
    """
    code = text.strip()
    if _POSTAL_CODE.fullmatch(code) is None:
        raise InvalidPostalCode(text)
    return code


def state_for_postal_code(code: str) -> State | None:
    """Return the federal entity of a postal code, or None for an unassigned prefix.

    Raises InvalidPostalCode for input that ``normalize_postal_code`` rejects. A valid
    result does not prove that SEPOMEX has issued this exact code.
    """
    normalized = normalize_postal_code(code)
    return _STATE_BY_PREFIX.get(int(normalized[:2]))
