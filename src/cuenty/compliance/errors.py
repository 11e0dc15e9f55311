"""Errors of the compliance API, each a problem response with a stable code."""

from __future__ import annotations

from cuenty.kit.errors import ConflictError, ForbiddenError, NotFoundError, ProblemError
from cuenty.kit.i18n import N_


class DataRequestNotFoundError(NotFoundError):
    code = "data_request_not_found"
    title = N_("Privacy request not found")
    detail = N_("No privacy request with id {id} exists for this account.")


class InvalidRequestStateError(ConflictError):
    code = "invalid_request_state"
    title = N_("Action not allowed in this state")
    detail = N_("The request {folio} is {state}; {action} is not allowed in that state.")


class IdentityNotVerifiedError(ConflictError):
    code = "identity_not_verified"
    title = N_("Identity not verified")
    detail = N_(
        "The titular's identity must be verified before this step: sign in again with "
        "two-factor authentication, or have the compliance officer review an ID document."
    )


class ExtensionUsedError(ConflictError):
    code = "extension_already_used"
    title = N_("Extension already used")
    detail = N_("The request {folio} was already extended once; the law allows one extension.")


class DeadlinePassedError(ConflictError):
    code = "deadline_passed"
    title = N_("Deadline already passed")
    detail = N_("An extension must be notified before the deadline {due}; it has passed.")


class InfoAlreadyRequestedError(ConflictError):
    code = "info_already_requested"
    title = N_("Information already requested")
    detail = N_("Missing information can be requested only once per request.")


class ExportUnavailableError(NotFoundError):
    code = "export_unavailable"
    title = N_("Export not available")
    detail = N_(
        "The data export of request {folio} is not available: it is released once identity "
        "is verified and can be downloaded for a limited time."
    )


class RefusalGroundRequiredError(ProblemError):
    status = 422
    code = "refusal_ground_required"
    title = N_("Legal ground required")
    detail = N_("A refusal must cite its legal ground in refusalGround.")


class UnknownNoticeVersionError(ProblemError):
    status = 422
    code = "unknown_notice_version"
    title = N_("Unknown privacy notice version")
    detail = N_("No privacy notice version {version} is published; publish it or use another.")


class PurposeNotInNoticeError(ProblemError):
    status = 422
    code = "purpose_not_in_notice"
    title = N_("Purpose not in the privacy notice")
    detail = N_("The privacy notice version {version} does not list the purpose {purpose}.")


class ExpressConsentRequiredError(ProblemError):
    status = 422
    code = "express_consent_required"
    title = N_("Express consent required")
    detail = N_("Consent for {purpose} must be express; tacit consent is not accepted.")


class NoticeNotFoundError(NotFoundError):
    code = "privacy_notice_not_found"
    title = N_("Privacy notice not found")
    detail = N_("No {type} privacy notice with version {version} is published.")


class NoticeVersionExistsError(ConflictError):
    code = "privacy_notice_exists"
    title = N_("Privacy notice version already published")
    detail = N_("The {type} notice version {version} is already published; publish a new version.")


class IncidentNotFoundError(NotFoundError):
    code = "incident_not_found"
    title = N_("Security incident not found")
    detail = N_("No security incident with id {id} exists.")


class InvalidDateRangeError(ProblemError):
    status = 422
    code = "invalid_date_range"
    title = N_("Invalid date range")
    detail = N_("endDate must be on or after startDate.")


class TitularOnlyError(ForbiddenError):
    code = "titular_only"
    title = N_("Only the titular may do this")
    detail = N_(
        "Only the titular may perform {action} on request {folio}. The compliance officer "
        "may do it only for a request filed by a representative with a recorded "
        "representation document."
    )


class ConsentTitularOnlyError(ForbiddenError):
    code = "titular_only"
    title = N_("Only the titular may do this")
    detail = N_("Only the titular may give consent for their own data.")


class NoticePlaceholderError(ProblemError):
    status = 422
    code = "privacy_notice_placeholder"
    title = N_("Company settings missing")
    detail = N_(
        "The notice would show unset settings ({settings}); the operator sets them in the "
        "server's environment and restarts it before the notice is published."
    )
