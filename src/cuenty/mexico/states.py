"""The 32 Mexican federal entities (entidades federativas) and a few well-known cities.

Lookups by INEGI code, ISO 3166-2:MX code and free-text name, for address forms and reports.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TypeVar

_Entry = TypeVar("_Entry")


@dataclass(frozen=True, slots=True)
class State:
    """One federal entity: the 31 states plus Ciudad de México.

    ``aliases`` are lookup keys in the form that ``normalize_place_name`` returns
    (lowercase ASCII, single spaces).
    """

    inegi_code: str
    iso_code: str
    name: str
    official_name: str
    name_ascii: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class City:
    """A well-known city and the federal entity it belongs to."""

    name: str
    state: State


def strip_accents(text: str) -> str:
    """Remove diacritics, so that "Querétaro" becomes "Queretaro"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_place_name(text: str) -> str:
    """Lowercase ``text``, drop accents and punctuation, and collapse whitespace.

    "  Michoacán de  Ocampo." becomes "michoacan de ocampo" and "Q. Roo" becomes "q roo".
    """
    words = re.sub(r"[^0-9a-z]+", " ", strip_accents(text).casefold())
    return " ".join(words.split())


def _state(
    inegi_code: str,
    iso_suffix: str,
    name: str,
    official_name: str | None = None,
    aliases: tuple[str, ...] = (),
) -> State:
    """Build a State, deriving the ASCII name and adding the ISO suffix as an alias."""
    return State(
        inegi_code=inegi_code,
        iso_code=f"MX-{iso_suffix}",
        name=name,
        official_name=official_name or name,
        name_ascii=strip_accents(name),
        aliases=(*aliases, iso_suffix.lower()),
    )


# INEGI's Catálogo Único de Claves de Áreas Geoestadísticas numbers the entities 01 to 32
# in this order. The ISO 3166-2:MX codes are those in force since Distrito Federal (MX-DIF)
# became Ciudad de México (MX-CMX). The aliases include the usual abbreviations.
_STATES: tuple[State, ...] = (
    _state("01", "AGU", "Aguascalientes", aliases=("ags",)),
    _state("02", "BCN", "Baja California", aliases=("bc", "b c")),
    _state("03", "BCS", "Baja California Sur", aliases=("b c s",)),
    _state("04", "CAM", "Campeche", aliases=("camp",)),
    _state("05", "COA", "Coahuila", "Coahuila de Zaragoza", aliases=("coahuila", "coah")),
    _state("06", "COL", "Colima"),
    _state("07", "CHP", "Chiapas", aliases=("chis",)),
    _state("08", "CHH", "Chihuahua", aliases=("chih",)),
    _state(
        "09",
        "CMX",
        "Ciudad de México",
        aliases=(
            "cdmx",
            "cd mx",
            "cd de mexico",
            "df",
            "d f",
            "distrito federal",
            "mexico df",
            "mexico city",
        ),
    ),
    _state("10", "DUR", "Durango", aliases=("dgo",)),
    _state("11", "GUA", "Guanajuato", aliases=("gto",)),
    _state("12", "GRO", "Guerrero"),
    _state("13", "HID", "Hidalgo", aliases=("hgo",)),
    _state("14", "JAL", "Jalisco"),
    _state(
        "15",
        "MEX",
        "Estado de México",
        "México",
        aliases=("mexico", "edomex", "edo mex", "edo de mexico", "estado de mexico", "mex"),
    ),
    _state("16", "MIC", "Michoacán", "Michoacán de Ocampo", aliases=("michoacan", "mich")),
    _state("17", "MOR", "Morelos"),
    _state("18", "NAY", "Nayarit"),
    _state("19", "NLE", "Nuevo León", aliases=("nl", "n l")),
    _state("20", "OAX", "Oaxaca"),
    _state("21", "PUE", "Puebla"),
    _state("22", "QUE", "Querétaro", aliases=("queretaro de arteaga", "qro")),
    _state("23", "ROO", "Quintana Roo", aliases=("qroo", "q roo")),
    _state("24", "SLP", "San Luis Potosí", aliases=("s l p",)),
    _state("25", "SIN", "Sinaloa"),
    _state("26", "SON", "Sonora"),
    _state("27", "TAB", "Tabasco"),
    _state("28", "TAM", "Tamaulipas", aliases=("tamps",)),
    _state("29", "TLA", "Tlaxcala", aliases=("tlax",)),
    _state(
        "30",
        "VER",
        "Veracruz",
        "Veracruz de Ignacio de la Llave",
        aliases=("veracruz", "ver"),
    ),
    _state("31", "YUC", "Yucatán"),
    _state("32", "ZAC", "Zacatecas"),
)

_BY_INEGI_CODE: dict[str, State] = {state.inegi_code: state for state in _STATES}
_BY_ISO_SUFFIX: dict[str, State] = {state.iso_code[3:]: state for state in _STATES}

# Codes that ISO 3166-2:MX withdrew but that older data still carries.
_WITHDRAWN_ISO_SUFFIXES: dict[str, str] = {"DIF": "CMX"}


def _build_index(entries: list[tuple[str, _Entry]], kind: str) -> dict[str, _Entry]:
    """Map each normalised key to its entry, raising on a key shared by two entries."""
    index: dict[str, _Entry] = {}
    for key, entry in entries:
        normalized = normalize_place_name(key)
        existing = index.get(normalized)
        if existing is not None and existing != entry:
            raise RuntimeError(f"{kind} lookup key {normalized!r} is ambiguous")
        index[normalized] = entry
    return index


def _state_keys(state: State) -> list[tuple[str, State]]:
    names = (state.name, state.official_name, *state.aliases)
    return [(name, state) for name in names]


_STATE_INDEX = _build_index([key for state in _STATES for key in _state_keys(state)], "state")


def all_states() -> tuple[State, ...]:
    """Return the 32 federal entities in INEGI order (01 Aguascalientes to 32 Zacatecas)."""
    return _STATES


def state_by_inegi_code(code: str) -> State | None:
    """Return the entity with INEGI code ``code`` ("01".."32"; "1" also works), or None."""
    stripped = code.strip()
    if not stripped.isascii() or not stripped.isdigit():
        return None
    return _BY_INEGI_CODE.get(stripped.zfill(2))


def state_by_iso_code(code: str) -> State | None:
    """Return the entity with ISO 3166-2:MX code ``code``, or None.

    Accepts the full code ("MX-JAL") or its suffix ("JAL") in any case. The withdrawn
    code MX-DIF returns Ciudad de México.
    """
    suffix = code.strip().upper()
    if suffix.startswith("MX-"):
        suffix = suffix[3:]
    suffix = _WITHDRAWN_ISO_SUFFIXES.get(suffix, suffix)
    return _BY_ISO_SUFFIX.get(suffix)


def find_state(text: str) -> State | None:
    """Return the entity that ``text`` names, or None when it names no entity.

    Matches common and official names, abbreviations ("CDMX", "DF", "NL", "Edomex") and
    ISO codes, ignoring case, accents, punctuation and spacing. A leading "Estado de" is
    dropped ("Estado de Jalisco"). City names return None unless a city has the same
    name as its state ("Puebla"). Use ``resolve_location`` to accept cities too.
    "México" alone returns Estado de México, as it does in a Mexican address's state field.
    """
    key = normalize_place_name(text)
    if key.startswith("mx "):
        key = key[3:]
    found = _STATE_INDEX.get(key)
    if found is None:
        found = _STATE_INDEX.get(key.replace(" ", ""))
    if found is None:
        for prefix in ("estado de ", "edo de ", "edo "):
            if key.startswith(prefix):
                found = _STATE_INDEX.get(key.removeprefix(prefix))
                break
    return found


# The capital of each state plus other large or well-known cities. The first name of each
# entry is the common name, the rest are other spellings and official names.
_CITY_TABLE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("01", ("Aguascalientes",)),
    ("02", ("Mexicali",)),
    ("02", ("Tijuana",)),
    ("02", ("Ensenada",)),
    ("03", ("La Paz",)),
    ("03", ("Los Cabos", "Cabo San Lucas")),
    ("04", ("Campeche", "San Francisco de Campeche")),
    ("05", ("Saltillo",)),
    ("05", ("Torreón",)),
    ("06", ("Colima",)),
    ("06", ("Manzanillo",)),
    ("07", ("Tuxtla Gutiérrez", "Tuxtla")),
    ("08", ("Chihuahua",)),
    ("08", ("Ciudad Juárez", "Juárez", "Cd Juárez")),
    ("09", ("Ciudad de México", "CDMX", "Mexico City")),
    ("10", ("Durango", "Victoria de Durango")),
    ("11", ("León", "León de los Aldama")),
    ("11", ("Guanajuato",)),
    ("11", ("Irapuato",)),
    ("11", ("Celaya",)),
    ("12", ("Acapulco", "Acapulco de Juárez")),
    ("12", ("Chilpancingo", "Chilpancingo de los Bravo")),
    ("13", ("Pachuca", "Pachuca de Soto")),
    ("14", ("Guadalajara", "GDL")),
    ("14", ("Zapopan",)),
    ("14", ("Tlaquepaque", "San Pedro Tlaquepaque")),
    ("14", ("Puerto Vallarta",)),
    ("15", ("Toluca", "Toluca de Lerdo")),
    ("15", ("Ecatepec", "Ecatepec de Morelos")),
    ("15", ("Nezahualcóyotl", "Ciudad Nezahualcóyotl", "Neza")),
    ("15", ("Naucalpan", "Naucalpan de Juárez")),
    ("16", ("Morelia",)),
    ("17", ("Cuernavaca",)),
    ("18", ("Tepic",)),
    ("19", ("Monterrey", "MTY")),
    ("19", ("San Pedro Garza García",)),
    ("20", ("Oaxaca de Juárez", "Oaxaca")),
    ("21", ("Puebla", "Puebla de Zaragoza", "Heroica Puebla de Zaragoza")),
    ("22", ("Querétaro", "Santiago de Querétaro")),
    ("23", ("Cancún",)),
    ("23", ("Chetumal",)),
    ("23", ("Playa del Carmen",)),
    ("24", ("San Luis Potosí",)),
    ("25", ("Culiacán", "Culiacán Rosales")),
    ("25", ("Mazatlán",)),
    ("26", ("Hermosillo",)),
    ("27", ("Villahermosa",)),
    ("28", ("Ciudad Victoria",)),
    ("28", ("Reynosa",)),
    ("28", ("Tampico",)),
    ("29", ("Tlaxcala", "Tlaxcala de Xicohténcatl")),
    ("30", ("Xalapa", "Jalapa", "Xalapa-Enríquez")),
    ("30", ("Veracruz", "Heroica Veracruz")),
    ("31", ("Mérida",)),
    ("32", ("Zacatecas",)),
)

CITIES: tuple[City, ...] = tuple(
    City(name=names[0], state=_BY_INEGI_CODE[code]) for code, names in _CITY_TABLE
)

_CITY_INDEX = _build_index(
    [(name, city) for city, (_, names) in zip(CITIES, _CITY_TABLE, strict=True) for name in names],
    "city",
)


def find_city(text: str) -> City | None:
    """Return the city in ``CITIES`` that ``text`` names, or None.

    Matching ignores case, accents, punctuation and spacing, as ``find_state`` does.
    """
    return _CITY_INDEX.get(normalize_place_name(text))


def resolve_location(text: str) -> State | None:
    """Return the entity that ``text`` names, either directly or through a city in ``CITIES``.

    Entity names win over city names, so "Puebla" and "Veracruz" give the entity of the same
    name. Returns None when ``text`` names neither.
    """
    state = find_state(text)
    if state is not None:
        return state
    city = find_city(text)
    return city.state if city is not None else None
