"""The dashboard's choropleth of Mexico, drawn on the server as inline SVG.

Shapes come from `@svg-maps/mexico` 2.0.0 (CC BY 4.0), converted to
`static/vendor/svg-maps-mexico/mexico.json` by `tools/vendor_assets.py`. Its location ids are
the lowercase ISO 3166-2:MX suffixes (`jal` for MX-JAL). Each state is one `<path>` filled by
a five-class sequential scale of net revenue. The classes split 0 to the top state's revenue
into equal intervals. States without figures in the range get a hatched fill. Colours are
SVG `fill` attributes because the console's CSP forbids `style` attributes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from typing import Any

from markupsafe import Markup, escape

from cuenty.kit.i18n import N_
from cuenty.mexico.states import state_by_iso_code

MAP_DATA = ("cuenty.console", "static/vendor/svg-maps-mexico/mexico.json")
# Blues from light to dark, around the console's brand colour #0b5cad.
CLASS_FILLS = ("#dbe8f6", "#a9c8ea", "#6fa3d8", "#2f73bd", "#0b4a8c")
NO_DATA_PATTERN = "map-no-data"
CENT = Decimal("0.01")

STATE_TITLE = N_("{state}: {revenue}, {users} users")
NO_DATA_TITLE = N_("{state}: no data in this range")

Translate = Callable[..., str]


@dataclass(frozen=True)
class StateShape:
    code: str
    name: str
    path: str


@dataclass(frozen=True)
class StateFigures:
    """A state's figures from the dashboard API's `topStates`."""

    code: str
    revenue: Decimal
    users: int


@dataclass(frozen=True)
class RevenueScale:
    """Upper limits of the five revenue classes, from lightest to darkest."""

    limits: tuple[Decimal, ...]

    def class_of(self, revenue: Decimal) -> int:
        """Return the class index (0 is the lightest) of a revenue. Zero or less is class 0."""
        for index, limit in enumerate(self.limits):
            if revenue <= limit:
                return index
        return len(self.limits) - 1


@dataclass(frozen=True)
class LegendClass:
    fill: str
    lower: Decimal | None
    upper: Decimal


@dataclass(frozen=True)
class ChoroplethMap:
    svg: Markup
    legend: tuple[LegendClass, ...]
    no_data_fill: str


@cache
def state_shapes() -> tuple[str, tuple[StateShape, ...]]:
    """Return the map's view box and the 32 states' shapes with their ISO codes."""
    package, name = MAP_DATA
    data = json.loads(resources.files(package).joinpath(name).read_text(encoding="utf-8"))
    shapes = []
    for location in data["locations"]:
        code = f"MX-{location['id'].upper()}"
        state = state_by_iso_code(code)
        shapes.append(StateShape(code, state.name if state else location["name"], location["path"]))
    return data["viewBox"], tuple(shapes)


def revenue_scale(revenues: Iterable[Decimal]) -> RevenueScale | None:
    """Split 0 to the maximum revenue into equal classes, or return None when no state
    earned money."""
    top = max(revenues, default=Decimal(0))
    if top <= 0:
        return None
    count = len(CLASS_FILLS)
    limits = [
        (top * step / count).quantize(CENT, rounding=ROUND_HALF_UP) for step in range(1, count)
    ]
    return RevenueScale((*limits, top))


def state_figures(top_states: Iterable[dict[str, Any]]) -> dict[str, StateFigures]:
    """Index the API's `topStates` rows by ISO code, leaving out the `unknown` bucket."""
    figures = {}
    for row in top_states:
        code = str(row["stateCode"])
        if code.startswith("MX-"):
            revenue = Decimal(row["revenue"]).quantize(CENT)
            figures[code] = StateFigures(code, revenue, int(row["users"]))
    return figures


def draw_map(
    figures: dict[str, StateFigures],
    *,
    label: str,
    translate: Translate,
    money: Callable[[Decimal], str],
    number: Callable[[int], str],
) -> ChoroplethMap:
    """Draw every state, filled by its revenue class, with its figures in a `<title>`."""
    view_box, shapes = state_shapes()
    scale = revenue_scale(item.revenue for item in figures.values())
    paths = []
    for shape in shapes:
        found = figures.get(shape.code)
        if found is None:
            fill = f"url(#{NO_DATA_PATTERN})"
            title = translate(NO_DATA_TITLE, state=shape.name)
            revenue = ""
        else:
            fill = CLASS_FILLS[scale.class_of(found.revenue)] if scale else CLASS_FILLS[0]
            title = translate(
                STATE_TITLE,
                state=shape.name,
                revenue=money(found.revenue),
                users=number(found.users),
            )
            revenue = str(found.revenue)
        paths.append(
            Markup(
                '<path d="{}" fill="{}" data-state="{}" data-revenue="{}"><title>{}</title></path>'
            ).format(shape.path, fill, shape.code, revenue, title)
        )
    svg = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="{}" role="img" aria-label="{}">{}{}</svg>'
    ).format(view_box, label, _no_data_pattern(), Markup("").join(paths))
    return ChoroplethMap(svg, _legend(scale), f"url(#{NO_DATA_PATTERN})")


def _legend(scale: RevenueScale | None) -> tuple[LegendClass, ...]:
    if scale is None:
        return ()
    lowers: list[Decimal | None] = [None, *scale.limits[:-1]]
    return tuple(
        LegendClass(fill, lower, upper)
        for fill, lower, upper in zip(CLASS_FILLS, lowers, scale.limits, strict=True)
    )


def _no_data_pattern() -> Markup:
    """Diagonal hatching, so a state without figures differs from the lightest class by more
    than its colour."""
    return Markup(
        '<defs><pattern id="{}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f3f5f8"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#8a96a3" stroke-width="2"/></pattern></defs>'
    ).format(escape(NO_DATA_PATTERN))
