"""Errors of the dashboard and KPI alerts; titles and details are message ids translated per
request."""

from __future__ import annotations

from cuenty.kit.errors import NotFoundError, ValidationFailedError
from cuenty.kit.i18n import N_
from cuenty.kit.validation import FieldError

RULES = {
    "ends_before_start": N_("Must be on or after {other}."),
    "range_too_long": N_("The range from startDate to endDate must span at most {days} days."),
    "threshold_required": N_("A threshold is required unless comparison is outside_forecast."),
    "threshold_not_allowed": N_("Leave threshold out when comparison is outside_forecast."),
    "whole_days": N_("Forecast rules need a window of whole days (a multiple of 24 hours)."),
    "unknown_users": N_("These user ids are not active staff: {ids}."),
}


class KpiRuleNotFoundError(NotFoundError):
    code = "kpi_rule_not_found"
    title = N_("KPI rule not found")
    detail = N_("No KPI alert rule with that id exists.")


def query_rejected(parameter: str, rule: str, **params: str) -> ValidationFailedError:
    error = FieldError(
        code=rule, message=RULES[rule], location="query", parameter=parameter, params=params
    )
    return ValidationFailedError(params={"count": 1}, errors=[error])


def body_rejected(pointer: str, rule: str, **params: str) -> ValidationFailedError:
    error = FieldError(code=rule, message=RULES[rule], pointer=f"#{pointer}", params=params)
    return ValidationFailedError(params={"count": 1}, errors=[error])
