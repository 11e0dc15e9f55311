"""The operations dashboard, `/console/tablero`: the analytics API's figures as charts.

The page reads `GET /v1/analytics/dashboard` for the chosen range, the churn and revenue
predictions, and the KPI alert rules and firings. A part whose call returns 403 (a role the
API does not allow) or 5xx (for example a forecast not computed yet) is shown as unavailable
with the API's message, and the rest of the page still renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Annotated, Any

import structlog
from babel.dates import format_timedelta
from fastapi import Query, Request, Response

from cuenty.console import dashboard_charts as charts
from cuenty.console import dashboard_labels as labels
from cuenty.console import formatting
from cuenty.console.client import ApiProblem, ConsoleApi
from cuenty.console.locale import page_locale
from cuenty.console.mexico_map import draw_map, state_figures
from cuenty.console.routing import console_router
from cuenty.console.session import STAFF, require_viewer
from cuenty.console.templating import render
from cuenty.kit.clock import business_date, utc_now
from cuenty.kit.i18n import N_, translate

router = console_router()
log = structlog.get_logger(__name__)

TEMPLATE = "console/dashboard/page.html"
DASHBOARD = "/v1/analytics/dashboard"
CHURN = "/v1/analytics/predictions/churn"
REVENUE = "/v1/analytics/predictions/revenue"
RULES = "/v1/analytics/alerts/rules"
FIRINGS = "/v1/analytics/alerts/firings"
QUICK_RANGE_DAYS = (7, 30, 90)
FORECAST_MONTHS = 6
CHURN_ROWS = 10
FIRINGS_SHOWN = 10
MAP_LABEL = N_("Map of Mexico: net revenue by state")
# The range form's fields, named as the API's query parameters, and their labels.
RANGE_FIELDS = {"startDate": N_("From"), "endDate": N_("To")}


@dataclass(frozen=True)
class Part:
    """One panel's API response, or the API's message when the panel is unavailable."""

    data: Any = None
    problem: str | None = None
    forbidden: bool = False

    @property
    def available(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class QuickRange:
    days: int
    start: date
    end: date


async def fetch_part(api: ConsoleApi, path: str, **params: Any) -> Part:
    """GET `path` from the API. A 403 or 5xx response becomes an unavailable part."""
    try:
        return Part(await api.get(path, **params))
    except ApiProblem as problem:
        if problem.status == 403:
            return Part(problem=problem.detail, forbidden=True)
        if problem.status < 500:
            raise
        # 503 is expected until the first prediction run stores a forecast.
        report = log.info if problem.status == 503 else log.warning
        report(
            "console.dashboard_part_unavailable",
            path=path,
            status=problem.status,
            code=problem.problem.get("code"),
        )
        return Part(problem=problem.detail)


def quick_ranges(now: datetime) -> list[QuickRange]:
    """Return the last 7, 30 and 90 days ending today in Mexico City, the ranges the
    dashboard API precomputes."""
    today = business_date(now)
    return [QuickRange(days, today - timedelta(days=days - 1), today) for days in QUICK_RANGE_DAYS]


async def forecast_part(api: ConsoleApi) -> Part:
    """Read the cumulative revenue forecast for 1 to FORECAST_MONTHS months ahead.

    The API returns one horizon per call and only reads the stored forecast, so the calls
    are cheap. When a later month fails, the months read so far are shown.
    """
    months = []
    for month in range(1, FORECAST_MONTHS + 1):
        part = await fetch_part(api, REVENUE, horizon=f"{month}m")
        if not part.available:
            return part if not months else Part(months)
        months.append(part.data)
    return Part(months)


@router.get("/console/tablero")
async def dashboard_page(
    request: Request,
    start_date: Annotated[str | None, Query(alias="startDate")] = None,
    end_date: Annotated[str | None, Query(alias="endDate")] = None,
) -> Response:
    viewer = await require_viewer(request, STAFF, "analytics:read")
    now = utc_now()
    context: dict[str, Any] = {
        "chosen": {"startDate": start_date or "", "endDate": end_date or ""},
        "quick_ranges": quick_ranges(now),
    }
    try:
        figures = await fetch_part(viewer.api, DASHBOARD, startDate=start_date, endDate=end_date)
    except ApiProblem as problem:
        if problem.status != 422:
            raise
        return _range_problem(request, context, problem)
    if figures.available:
        context["chosen"] = {
            "startDate": figures.data["startDate"],
            "endDate": figures.data["endDate"],
        }
    context["figures"] = figures
    context["churn"] = await fetch_part(viewer.api, CHURN, limit=CHURN_ROWS)
    context["forecast"] = await forecast_part(viewer.api)
    context["rules"] = await fetch_part(viewer.api, RULES)
    context["firings"] = await fetch_part(viewer.api, FIRINGS, limit=FIRINGS_SHOWN)
    context.update(_pictures(context, page_locale(request)))
    return render(request, TEMPLATE, context)


def _range_problem(request: Request, context: dict[str, Any], problem: ApiProblem) -> Response:
    """Show the range form with the API's message for each rejected date.

    The notice repeats those messages after the field's label, so it names what to fix
    instead of the API's general count of invalid fields.
    """
    locale = page_locale(request)
    fields = problem.field_messages
    lines = [
        f"{translate(locale, RANGE_FIELDS[name])}: {message}"
        for name, message in fields.items()
        if name in RANGE_FIELDS
    ]
    values = {
        **context,
        "figures": None,
        "error": " ".join(lines) if lines else problem.detail,
        "field_errors": fields,
    }
    return render(request, TEMPLATE, values, status=problem.status)


def _pictures(context: dict[str, Any], locale: str) -> dict[str, Any]:
    """Build the chart data blocks and the map from the parts that are available."""
    say = partial(translate, locale)
    pictures: dict[str, Any] = {
        "labels": labels,
        "rules_by_id": _rules_by_id(context["rules"]),
        "metric_text": partial(metric_text, locale=locale),
        "duration": partial(duration_text, locale=locale),
    }
    figures: Part = context["figures"]
    if figures.available:
        body = figures.data
        steps = charts.funnel_steps(body["funnelSummary"], locale, say)
        pictures["funnel_steps"] = steps
        pictures["unknown_state"] = next(
            (row for row in body["topStates"] if not str(row["stateCode"]).startswith("MX-")),
            None,
        )
        pictures["map"] = draw_map(
            state_figures(body["topStates"]),
            label=say(MAP_LABEL),
            translate=say,
            money=formatting.money,
            number=partial(formatting.number, locale=locale),
        )
        pictures["charts"] = {
            "revenue": charts.revenue_chart(body.get("revenueByDay") or [], locale, say),
            "journeys": charts.journeys_chart(body["conversionFunnel"], locale, say),
            "funnel": charts.funnel_chart(steps),
            "services": charts.services_chart(body["revenueByService"], say),
        }
    forecast: Part = context["forecast"]
    if forecast.available:
        rows = charts.forecast_rows(forecast.data, say)
        pictures["forecast_rows"] = rows
        pictures.setdefault("charts", {})["forecast"] = charts.forecast_chart(rows, say)
    return pictures


def _rules_by_id(rules: Part) -> dict[str, dict[str, Any]]:
    if not rules.available:
        return {}
    return {str(rule["id"]): rule for rule in rules.data}


def metric_text(metric: str, value: Decimal | float | int | None, locale: str) -> str:
    """Format a KPI value as its metric is measured: money, a rate or a count."""
    if value is None:
        return ""
    if metric == "revenue":
        return formatting.money(value)
    if metric == "conversion_rate":
        return formatting.percent(value, locale)
    return formatting.number(value, locale, 2 if Decimal(value) % 1 else 0)


def duration_text(seconds: Decimal | float, locale: str) -> str:
    """Format a median time to convert in its largest unit: `40 minutos`, `2 días`."""
    return format_timedelta(
        timedelta(seconds=float(seconds)), locale=formatting.babel_locale(locale)
    )
