"""Labels of the compliance API's codes on the privacy pages: request types and states,
channels, decisions, refusal grounds, consent purposes and audit-trail actions.

The codes are the API's (see `cuenty.compliance.schemas` and docs/en/compliance.md). A code
missing here is shown as the API sent it.
"""

from __future__ import annotations

from cuenty.kit.i18n import N_

REQUEST_TYPES = {
    "access": N_("Access"),
    "rectification": N_("Rectification"),
    "deletion": N_("Cancellation"),
    "opposition": N_("Opposition"),
}

REQUEST_STATES = {
    "received": N_("Received"),
    "identity_pending": N_("Identity pending"),
    "info_requested": N_("Information requested"),
    "in_review": N_("In review"),
    "extended": N_("Extended"),
    "answered": N_("Answered"),
    "executing": N_("Being carried out"),
    "completed": N_("Completed"),
    "refused": N_("Refused"),
    "withdrawn": N_("Withdrawn"),
}

CHANNELS = {
    "web": N_("Website"),
    "app": N_("Mobile app"),
    "email": N_("Email"),
    "whatsapp": N_("WhatsApp message"),
    "phone": N_("Phone"),
    "in_person": N_("In person"),
    "mail": N_("Mail"),
}

DECISIONS = {
    "granted": N_("Granted"),
    "refused": N_("Refused, with its legal ground"),
    "no_data": N_("No data about the titular"),
}

# Refusal grounds of art. 33 of the 2025 law, as the API names them.
REFUSAL_GROUNDS = {
    "not_titular_or_representative": N_("The requester is not the titular or their representative"),
    "no_personal_data_held": N_("No personal data of the titular are held"),
    "third_party_rights": N_("The request would harm a third party's rights"),
    "legal_impediment_or_authority_order": N_(
        "A legal impediment or an authority's order prevents it"
    ),
    "already_carried_out": N_("The request was already carried out"),
    "retention_duty": N_("The data must be kept by law"),
}

IDENTITY_METHODS = {
    "id_document": N_("Titular's official ID reviewed"),
    "id_document_representative": N_("Representative's official ID reviewed"),
    "recent_2fa_login": N_("Recent sign-in with two-factor authentication"),
}
# The methods an officer may record; the API sets recent_2fa_login itself at filing.
OFFICER_IDENTITY_METHODS = {
    code: IDENTITY_METHODS[code] for code in ("id_document", "id_document_representative")
}

PURPOSES = {
    "terms_of_service": N_("Terms of service"),
    "financial_data": N_("Financial data"),
    "marketing": N_("Marketing"),
    "analytics": N_("Analytics"),
    "automated_decisions": N_("Automated decisions"),
}

EVENT_ACTIONS = {
    "arco.received": N_("Request received"),
    "arco.assigned": N_("Assigned"),
    "arco.identity_verified": N_("Identity verified"),
    "arco.info_requested": N_("Information requested from the titular"),
    "arco.info_received": N_("Information received from the titular"),
    "arco.extended": N_("Deadline extended"),
    "arco.access_released": N_("Data export released"),
    "arco.export_downloaded": N_("Data export downloaded"),
    "arco.rectified": N_("Rectification applied"),
    "arco.opposition_granted": N_("Opposition granted"),
    "arco.cancellation_scheduled": N_("Cancellation granted; suppression scheduled"),
    "arco.cancellation_completed": N_("Cancellation completed"),
    "arco.answered_no_data": N_("Answered: no data about the titular"),
    "arco.refused": N_("Refused"),
    "arco.withdrawn": N_("Withdrawn"),
    "personal_data.blocked": N_("Personal data blocked"),
    "personal_data.unblocked": N_("Personal data unblocked"),
    "personal_data.suppressed": N_("Personal data suppressed"),
}

INCIDENT_STATES = {
    "registered": N_("Registered"),
    "assessed": N_("Assessed"),
    "notified": N_("Titulares notified"),
    "closed": N_("Closed"),
}
