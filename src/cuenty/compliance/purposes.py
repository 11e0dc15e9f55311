"""Purposes (finalidades) for which CUENTY processes personal data.

Primary purposes are needed for the service; secondary ones need consent and refusing them
never ends the service (LFPDPPP 2025, arts. 7-9 on consent).
"""

from __future__ import annotations

from dataclasses import dataclass

from cuenty.kit.i18n import N_


@dataclass(frozen=True)
class Purpose:
    name: str
    primary: bool
    # Financial data need express consent, separate from the terms of service.
    express_required: bool
    description: str


PURPOSES: dict[str, Purpose] = {
    purpose.name: purpose
    for purpose in (
        Purpose("terms_of_service", True, True, N_("Provide the contracted subscriptions.")),
        Purpose(
            "financial_data",
            True,
            True,
            N_("Process payment data (CLABE, SPEI transfers) to collect and refund payments."),
        ),
        Purpose("marketing", False, False, N_("Send offers and promotions.")),
        Purpose("analytics", False, False, N_("Measure use of the platform to improve it.")),
        Purpose(
            "automated_decisions",
            False,
            False,
            N_("Estimate the chance of cancellation (churn scoring) to offer retention."),
        ),
    )
}
SECONDARY_PURPOSES = tuple(name for name, purpose in PURPOSES.items() if not purpose.primary)
