"""The data blocks the dashboard's charts are drawn from, built from the analytics API's responses.

Each chart gets a JSON object that `static/js/dashboard.js` turns into ECharts options. It
has translated series names, category labels formatted for the page's language, values as
JSON numbers and, for the funnel, the text written beside each bar. Floats are fine for
drawing, because every label a person reads is formatted here from the API's Decimals.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from cuenty.console import formatting
from cuenty.kit.i18n import N_

Translate = Callable[..., str]

FUNNEL_STEPS = (
    ("visits", N_("Visits")),
    ("signups", N_("Signups")),
    ("payments", N_("Payments")),
    ("activations", N_("Activations")),
)
FIRST_STEP_LABEL = N_("People: {count}")
STEP_LABEL = N_("{count} · {rate} of the previous step")
STEP_LABEL_NO_RATE = N_("{count} · no rate: the previous step is 0")
NO_SERVICE = N_("No service")
NET_REVENUE = N_("Net revenue")
GROSS_REVENUE = N_("Gross revenue")
FORECAST_MONTH = N_("Month {number}")
EXPECTED = N_("Expected revenue")
INTERVAL_80 = N_("80 % interval")
INTERVAL_95 = N_("95 % interval")


def plot_number(value: Any) -> float | int | None:
    """Return a JSON number for drawing. Labels people read are formatted separately."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return float(value)


def revenue_chart(days: list[dict[str, Any]], locale: str, translate: Translate) -> dict[str, Any]:
    """Line chart of net revenue per day of the range (`revenueByDay`)."""
    return {
        "kind": "line",
        "format": "money",
        "categories": [formatting.day(row["date"], locale) for row in days],
        "series": [
            {
                "name": translate(NET_REVENUE),
                "values": [plot_number(row["revenue"]) for row in days],
            }
        ],
    }


def journeys_chart(days: list[dict[str, Any]], locale: str, translate: Translate) -> dict[str, Any]:
    """Line chart of the funnel's steps per day of first visit (`conversionFunnel`)."""
    return {
        "kind": "line",
        "format": "number",
        "categories": [formatting.day(row["date"], locale) for row in days],
        "series": [
            {"name": translate(label), "values": [int(row[key]) for row in days]}
            for key, label in FUNNEL_STEPS
        ],
    }


def funnel_steps(
    summary: dict[str, Any], locale: str, translate: Translate
) -> list[dict[str, Any]]:
    """Return the funnel's steps with their counts, rates and the text beside each bar."""
    from_previous = summary.get("conversionFromPrevious") or {}
    from_visit = summary.get("conversionFromVisit") or {}
    medians = summary.get("medianSecondsToConvert") or {}
    steps = []
    for key, label in FUNNEL_STEPS:
        count = int(summary.get(key) or 0)
        rate = from_previous.get(key)
        shown_count = formatting.number(count, locale)
        if key == "visits":
            text = translate(FIRST_STEP_LABEL, count=shown_count)
        elif rate is None:
            text = translate(STEP_LABEL_NO_RATE, count=shown_count)
        else:
            text = translate(STEP_LABEL, count=shown_count, rate=formatting.percent(rate, locale))
        steps.append(
            {
                "key": key,
                "name": translate(label),
                "count": count,
                "fromPrevious": plot_number(rate),
                "fromVisit": plot_number(from_visit.get(key)),
                "medianSeconds": plot_number(medians.get(key)),
                "label": text,
            }
        )
    return steps


def funnel_chart(steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": "funnel",
        "format": "number",
        "categories": [step["name"] for step in steps],
        "values": [step["count"] for step in steps],
        "labels": [step["label"] for step in steps],
    }


def service_name(row: dict[str, Any], translate: Translate) -> str:
    return str(row.get("serviceName") or translate(NO_SERVICE))


def services_chart(rows: list[dict[str, Any]], translate: Translate) -> dict[str, Any]:
    """Bar chart of net and gross revenue per service, largest net revenue first."""
    return {
        "kind": "bar",
        "format": "money",
        "categories": [service_name(row, translate) for row in rows],
        "series": [
            {
                "name": translate(NET_REVENUE),
                "values": [plot_number(row["revenue"]) for row in rows],
            },
            {
                "name": translate(GROSS_REVENUE),
                "values": [plot_number(row["grossRevenue"]) for row in rows],
            },
        ],
    }


def forecast_rows(months: list[dict[str, Any]], translate: Translate) -> list[dict[str, Any]]:
    """Return one row per horizon month: cumulative expected revenue and its intervals."""
    return [
        {
            "label": translate(FORECAST_MONTH, number=index),
            "predicted": Decimal(answer["predictedRevenue"]),
            "interval80": [Decimal(value) for value in answer["interval80"]],
            "interval95": [Decimal(value) for value in answer["interval95"]],
        }
        for index, answer in enumerate(months, start=1)
    ]


def forecast_chart(rows: list[dict[str, Any]], translate: Translate) -> dict[str, Any]:
    """Line of the expected cumulative revenue inside its 80 % and 95 % bands."""
    return {
        "kind": "band",
        "format": "money",
        "categories": [row["label"] for row in rows],
        "names": {
            "predicted": translate(EXPECTED),
            "interval80": translate(INTERVAL_80),
            "interval95": translate(INTERVAL_95),
        },
        "predicted": [plot_number(row["predicted"]) for row in rows],
        "interval80": [[plot_number(value) for value in row["interval80"]] for row in rows],
        "interval95": [[plot_number(value) for value in row["interval95"]] for row in rows],
    }
