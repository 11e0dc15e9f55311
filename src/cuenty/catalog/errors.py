"""Errors of the catalog: unknown or inactive items, deletions refused, bad promotion codes."""

from __future__ import annotations

from cuenty.kit.errors import ConflictError, NotFoundError
from cuenty.kit.i18n import N_


class ServiceNotFoundError(NotFoundError):
    code = "service_not_found"
    title = N_("Service not found")
    detail = N_("No service with the id {id} exists.")


class PlanNotFoundError(NotFoundError):
    code = "plan_not_found"
    title = N_("Plan not found")
    detail = N_("No plan with the id {id} exists.")


class BundleNotFoundError(NotFoundError):
    code = "bundle_not_found"
    title = N_("Bundle not found")
    detail = N_("No bundle with the id {id} exists.")


class PromotionNotFoundError(NotFoundError):
    code = "promotion_not_found"
    title = N_("Promotion not found")
    detail = N_("No promotion with the id {id} exists.")


class NameTakenError(ConflictError):
    code = "name_taken"
    title = N_("Name already in use")
    detail = N_("The name {name} is already in use; choose another name.")


class PromotionCodeTakenError(ConflictError):
    code = "promotion_code_taken"
    title = N_("Promotion code already in use")
    detail = N_("The code {code} already exists; codes are compared without case.")


class InUseError(ConflictError):
    code = "in_use"
    title = N_("Still in use")
    detail = N_(
        "Orders, stock or bundles refer to it, so it cannot be deleted; deactivate it "
        "instead (active false)."
    )
