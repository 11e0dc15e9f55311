"""Words the dashboard shows for the analytics API's codes: churn factors, model statuses,
KPI metrics and comparisons, service health. A code missing here is shown as the API sent it."""

from __future__ import annotations

from cuenty.kit.i18n import N_

# Features of the churn model (docs/en/predictions.md lists their meaning).
CHURN_FACTORS = {
    "daysSinceLastSession": N_("Days since the last session"),
    "sessionsLast30Days": N_("Sessions in the last 30 days"),
    "avgTimeOnSite": N_("Average session length (seconds)"),
    "conversions": N_("Payments recorded"),
    "paymentsReturned": N_("Returned payments"),
    "remindersIgnored": N_("Expiry reminders ignored"),
    "otherSubscriptions": N_("Other subscriptions"),
    "tenureDays": N_("Days as a customer"),
    "renewalsSoFar": N_("Renewals so far"),
    "lateRenewals": N_("Late renewals"),
    "daysToPayLastRenewal": N_("Days to pay the last renewal"),
    "planPrice": N_("Plan price"),
    "periodDays": N_("Plan length (days)"),
}

CHURN_MODEL_STATUS = {
    "trained": N_("Scores from the trained classifier."),
    "cohort_fallback": N_(
        "Too little renewal history for the classifier: scores come from the cohort model."
    ),
    "not_enough_data": N_("Not enough history to score subscriptions yet."),
    "not_computed": N_("The daily prediction run has not run yet."),
}

KPI_METRICS = {
    "revenue": N_("Net revenue"),
    "payments": N_("Payments"),
    "signups": N_("Signups"),
    "visits": N_("Visits"),
    "activations": N_("Activations"),
    "conversion_rate": N_("Payments per visit"),
}

KPI_COMPARISONS = {
    "gt": N_("above {threshold}"),
    "gte": N_("at or above {threshold}"),
    "lt": N_("below {threshold}"),
    "lte": N_("at or below {threshold}"),
    "outside_forecast": N_("outside the forecast's 95 % interval"),
}

KPI_EVALUATIONS = {
    "fired": N_("Fired"),
    "suppressed": N_("Fired again during its cooldown (not sent)"),
    "ok": N_("Within its limit"),
    "insufficient_history": N_("Not enough history"),
    "no_data": N_("No data"),
}

HEALTH_STATUS = {
    "up": N_("Up"),
    "degraded": N_("Degraded"),
    "down": N_("Down"),
}
# The console.css badge class of each health status.
HEALTH_BADGE = {"up": "ok", "degraded": "soon", "down": "overdue"}

FORECAST_METHODS = {
    "ets_seasonal": N_("ETS with a 12-month season"),
    "ets": N_("ETS with a damped trend"),
    "drift": N_("Random walk with drift"),
    "renewals_only": N_("Expected renewals only (less than 2 months of history)"),
}
