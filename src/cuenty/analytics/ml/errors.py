"""Errors of the prediction routes."""

from __future__ import annotations

from cuenty.kit.errors import ServiceUnavailableError
from cuenty.kit.i18n import N_


class ForecastNotComputedError(ServiceUnavailableError):
    code = "forecast_not_computed"
    title = N_("Forecast not computed yet")
    detail = N_(
        "The daily prediction run has not stored a revenue forecast yet; try again after "
        "it runs (03:30 Mexico City time) or run the job analytics.predictions_daily."
    )
