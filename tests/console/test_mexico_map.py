"""The server-drawn choropleth: every state drawn, the five revenue classes and their legend,
and the distinct fill of states without figures."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import partial

from cuenty.console import formatting
from cuenty.console.mexico_map import (
    CLASS_FILLS,
    NO_DATA_PATTERN,
    ChoroplethMap,
    draw_map,
    revenue_scale,
    state_figures,
)
from cuenty.kit.i18n import translate
from cuenty.mexico.states import all_states

TOP_STATES = [
    {"stateCode": "MX-JAL", "state": "Jalisco", "revenue": Decimal("500.00"), "users": 4},
    {"stateCode": "MX-CMX", "state": "Ciudad de México", "revenue": Decimal("200"), "users": 7},
    {"stateCode": "MX-YUC", "state": "Yucatán", "revenue": Decimal("0"), "users": 1},
    {"stateCode": "unknown", "state": "unknown", "revenue": Decimal("900.00"), "users": 2},
]


def _draw(rows: list[dict[str, object]]) -> ChoroplethMap:
    return draw_map(
        state_figures(rows),
        label="Mapa",
        translate=partial(translate, "es-MX"),
        money=formatting.money,
        number=partial(formatting.number, locale="es-MX"),
    )


def _fill_of(svg: str, code: str) -> str:
    found = re.search(rf'<path d="[^"]*" fill="([^"]*)" data-state="{code}"', svg)
    assert found is not None, f"no path for {code}"
    return found.group(1)


def test_map_draws_every_state() -> None:
    svg = str(_draw(TOP_STATES).svg)
    drawn = re.findall(r'data-state="([^"]+)"', svg)
    assert len(drawn) == 32
    assert set(drawn) == {state.iso_code for state in all_states()}


def test_top_state_gets_darkest_class() -> None:
    svg = str(_draw(TOP_STATES).svg)
    assert _fill_of(svg, "MX-JAL") == CLASS_FILLS[-1]


def test_state_on_a_limit_takes_that_class() -> None:
    svg = str(_draw(TOP_STATES).svg)
    # 200 is the upper limit of the second class (100 to 200).
    assert _fill_of(svg, "MX-CMX") == CLASS_FILLS[1]


def test_zero_revenue_gets_lightest_class() -> None:
    svg = str(_draw(TOP_STATES).svg)
    assert _fill_of(svg, "MX-YUC") == CLASS_FILLS[0]


def test_state_without_figures_is_hatched() -> None:
    svg = str(_draw(TOP_STATES).svg)
    assert _fill_of(svg, "MX-OAX") == f"url(#{NO_DATA_PATTERN})"
    assert f'<pattern id="{NO_DATA_PATTERN}"' in svg


def test_unknown_bucket_is_not_on_the_map() -> None:
    # Its 900 MXN would otherwise set the top limit.
    drawn = _draw(TOP_STATES)
    assert drawn.legend[-1].upper == Decimal("500.00")
    assert "unknown" not in str(drawn.svg)


def test_legend_limits_split_the_top_revenue() -> None:
    legend = _draw(TOP_STATES).legend
    assert [band.upper for band in legend] == [
        Decimal("100.00"),
        Decimal("200.00"),
        Decimal("300.00"),
        Decimal("400.00"),
        Decimal("500.00"),
    ]
    assert [band.lower for band in legend] == [
        None,
        Decimal("100.00"),
        Decimal("200.00"),
        Decimal("300.00"),
        Decimal("400.00"),
    ]
    assert [band.fill for band in legend] == list(CLASS_FILLS)


def test_legend_limits_round_to_cents() -> None:
    scale = revenue_scale([Decimal("144.50")])
    assert scale is not None
    assert scale.limits == (
        Decimal("28.90"),
        Decimal("57.80"),
        Decimal("86.70"),
        Decimal("115.60"),
        Decimal("144.50"),
    )


def test_no_revenue_means_no_legend() -> None:
    drawn = _draw([{"stateCode": "MX-JAL", "revenue": Decimal("-20.00"), "users": 1}])
    assert drawn.legend == ()
    assert _fill_of(str(drawn.svg), "MX-JAL") == CLASS_FILLS[0]


def test_title_gives_state_revenue_and_users() -> None:
    svg = str(_draw(TOP_STATES).svg)
    assert "<title>Jalisco: $500.00 MXN, 4 usuarios</title>" in svg
    assert "<title>Oaxaca: sin datos en este rango</title>" in svg


def test_label_is_escaped_in_markup() -> None:
    drawn = draw_map(
        {},
        label='Mapa "<b>"',
        translate=partial(translate, "es-MX"),
        money=formatting.money,
        number=partial(formatting.number, locale="es-MX"),
    )
    assert 'aria-label="Mapa &#34;&lt;b&gt;&#34;"' in str(drawn.svg)
