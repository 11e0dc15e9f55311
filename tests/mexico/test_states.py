"""Tests for cuenty.mexico.states: the 32 entities, their codes, aliases and city lookups."""

from __future__ import annotations

import pytest

from cuenty.mexico.states import (
    CITIES,
    State,
    all_states,
    find_city,
    find_state,
    normalize_place_name,
    resolve_location,
    state_by_inegi_code,
    state_by_iso_code,
)

EXPECTED_INEGI_ORDER = [
    ("01", "MX-AGU", "Aguascalientes"),
    ("02", "MX-BCN", "Baja California"),
    ("03", "MX-BCS", "Baja California Sur"),
    ("04", "MX-CAM", "Campeche"),
    ("05", "MX-COA", "Coahuila de Zaragoza"),
    ("06", "MX-COL", "Colima"),
    ("07", "MX-CHP", "Chiapas"),
    ("08", "MX-CHH", "Chihuahua"),
    ("09", "MX-CMX", "Ciudad de México"),
    ("10", "MX-DUR", "Durango"),
    ("11", "MX-GUA", "Guanajuato"),
    ("12", "MX-GRO", "Guerrero"),
    ("13", "MX-HID", "Hidalgo"),
    ("14", "MX-JAL", "Jalisco"),
    ("15", "MX-MEX", "México"),
    ("16", "MX-MIC", "Michoacán de Ocampo"),
    ("17", "MX-MOR", "Morelos"),
    ("18", "MX-NAY", "Nayarit"),
    ("19", "MX-NLE", "Nuevo León"),
    ("20", "MX-OAX", "Oaxaca"),
    ("21", "MX-PUE", "Puebla"),
    ("22", "MX-QUE", "Querétaro"),
    ("23", "MX-ROO", "Quintana Roo"),
    ("24", "MX-SLP", "San Luis Potosí"),
    ("25", "MX-SIN", "Sinaloa"),
    ("26", "MX-SON", "Sonora"),
    ("27", "MX-TAB", "Tabasco"),
    ("28", "MX-TAM", "Tamaulipas"),
    ("29", "MX-TLA", "Tlaxcala"),
    ("30", "MX-VER", "Veracruz de Ignacio de la Llave"),
    ("31", "MX-YUC", "Yucatán"),
    ("32", "MX-ZAC", "Zacatecas"),
]


def test_all_states_has_32_entities() -> None:
    assert len(all_states()) == 32


def test_inegi_codes_are_unique() -> None:
    codes = [state.inegi_code for state in all_states()]
    assert len(set(codes)) == 32


def test_iso_codes_are_unique() -> None:
    codes = [state.iso_code for state in all_states()]
    assert len(set(codes)) == 32


@pytest.mark.parametrize(("inegi_code", "iso_code", "official_name"), EXPECTED_INEGI_ORDER)
def test_state_table_row(inegi_code: str, iso_code: str, official_name: str) -> None:
    state = all_states()[int(inegi_code) - 1]
    assert state.inegi_code == inegi_code
    assert state.iso_code == iso_code
    assert state.official_name == official_name


@pytest.mark.parametrize("state", all_states(), ids=lambda state: state.iso_code)
def test_lookup_by_iso_code(state: State) -> None:
    assert state_by_iso_code(state.iso_code) is state


@pytest.mark.parametrize("state", all_states(), ids=lambda state: state.iso_code)
def test_lookup_by_lowercase_iso_suffix(state: State) -> None:
    assert state_by_iso_code(state.iso_code[3:].lower()) is state


@pytest.mark.parametrize("state", all_states(), ids=lambda state: state.inegi_code)
def test_lookup_by_inegi_code(state: State) -> None:
    assert state_by_inegi_code(state.inegi_code) is state


@pytest.mark.parametrize("state", all_states(), ids=lambda state: state.name_ascii)
def test_find_state_by_name(state: State) -> None:
    assert find_state(state.name) is state


@pytest.mark.parametrize("state", all_states(), ids=lambda state: state.name_ascii)
def test_find_state_by_official_name(state: State) -> None:
    assert find_state(state.official_name) is state


@pytest.mark.parametrize("state", all_states(), ids=lambda state: state.name_ascii)
def test_find_state_by_ascii_name(state: State) -> None:
    assert find_state(state.name_ascii) is state


@pytest.mark.parametrize("state", all_states(), ids=lambda state: state.name_ascii)
def test_name_ascii_is_ascii(state: State) -> None:
    assert state.name_ascii.isascii()


def test_iso_code_accepts_mixed_case_prefix() -> None:
    assert state_by_iso_code(" mx-jal ").name == "Jalisco"


def test_withdrawn_iso_code_dif_is_cdmx() -> None:
    assert state_by_iso_code("MX-DIF").inegi_code == "09"


def test_unknown_iso_code_is_none() -> None:
    assert state_by_iso_code("MX-XYZ") is None


def test_inegi_code_without_zero_padding() -> None:
    assert state_by_inegi_code("9").name == "Ciudad de México"


@pytest.mark.parametrize("code", ["00", "33", "", "ab", "١٤"])
def test_unknown_inegi_code_is_none(code: str) -> None:
    assert state_by_inegi_code(code) is None


@pytest.mark.parametrize(
    ("text", "inegi_code"),
    [
        ("CDMX", "09"),
        ("DF", "09"),
        ("D.F.", "09"),
        ("Distrito Federal", "09"),
        ("Ciudad de Mexico", "09"),
        ("C.D.M.X.", "09"),
        ("Edomex", "15"),
        ("Edo. Méx.", "15"),
        ("Estado de México", "15"),
        ("México", "15"),
        ("Nuevo Leon", "19"),
        ("N.L.", "19"),
        ("MICHOACÁN", "16"),
        ("michoacan", "16"),
        ("BC", "02"),
        ("BCS", "03"),
        ("Q. Roo", "23"),
        ("QRoo", "23"),
        ("SLP", "24"),
        ("Veracruz", "30"),
        ("Coahuila", "05"),
        ("  jalisco  ", "14"),
        ("Estado de Jalisco", "14"),
        ("MX-YUC", "31"),
    ],
)
def test_find_state_alias(text: str, inegi_code: str) -> None:
    state = find_state(text)
    assert state is not None
    assert state.inegi_code == inegi_code


@pytest.mark.parametrize("text", ["Guadalajara", "Monterrey", "León", "Tijuana", "", "Texas"])
def test_find_state_rejects_non_state(text: str) -> None:
    assert find_state(text) is None


def test_guadalajara_is_not_a_state() -> None:
    assert find_state("Guadalajara") is None


def test_guadalajara_is_city_in_jalisco() -> None:
    city = find_city("Guadalajara")
    assert city is not None
    assert city.state.name == "Jalisco"


def test_puebla_is_state_puebla() -> None:
    assert find_state("Puebla").inegi_code == "21"


def test_puebla_is_also_a_city() -> None:
    assert find_city("Puebla").state.inegi_code == "21"


@pytest.mark.parametrize(
    ("text", "inegi_code"),
    [
        ("Guadalajara", "14"),
        ("Zapopan", "14"),
        ("Monterrey", "19"),
        ("Tijuana", "02"),
        ("Mérida", "31"),
        ("Merida", "31"),
        ("Cancún", "23"),
        ("León", "11"),
        ("Querétaro", "22"),
        ("Toluca", "15"),
        ("Ecatepec", "15"),
        ("Juárez", "08"),
        ("Ciudad Juárez", "08"),
        ("Hermosillo", "26"),
        ("Culiacán", "25"),
        ("Chihuahua", "08"),
        ("Aguascalientes", "01"),
        ("Morelia", "16"),
        ("Oaxaca de Juárez", "20"),
        ("Acapulco", "12"),
        ("Villahermosa", "27"),
        ("Tuxtla Gutiérrez", "07"),
        ("Saltillo", "05"),
        ("Torreón", "05"),
        ("San Luis Potosí", "24"),
        ("Veracruz", "30"),
        ("Xalapa", "30"),
        ("Jalapa", "30"),
    ],
)
def test_find_city_state(text: str, inegi_code: str) -> None:
    city = find_city(text)
    assert city is not None
    assert city.state.inegi_code == inegi_code


def test_find_city_unknown_is_none() -> None:
    assert find_city("Springfield") is None


def test_cities_have_unique_names() -> None:
    names = [normalize_place_name(city.name) for city in CITIES]
    assert len(names) == len(set(names))


def test_resolve_location_city() -> None:
    assert resolve_location("Monterrey").inegi_code == "19"


def test_resolve_location_state() -> None:
    assert resolve_location("Nuevo León").inegi_code == "19"


def test_resolve_location_prefers_state() -> None:
    assert resolve_location("Veracruz").inegi_code == "30"


def test_resolve_location_unknown_is_none() -> None:
    assert resolve_location("Atlantis") is None


def test_normalize_place_name() -> None:
    assert normalize_place_name("  Michoacán de  Ocampo.") == "michoacan de ocampo"
