"""Message templates: which fields each one needs, which are secret, whether it may wait for
quiet hours, and their rendering from Jinja2 files per locale (es-MX and en).

A template file sets `subject` with `{% set subject %}...{% endset %}`; the rest is the body.
Rendering uses StrictUndefined, so a missing field raises instead of printing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from cuenty.kit.clock import to_mexico_city

TEMPLATE_FOLDER = Path(__file__).parent / "templates"
LOCALES = ("es-MX", "en")
MASK = "••••••"


@dataclass(frozen=True)
class TemplateSpec:
    """A message the platform sends. `fields` must be in the context when it is rendered;
    `secret_fields` go only over a verified channel and are masked in every log.
    """

    name: str
    fields: tuple[str, ...]
    secret_fields: tuple[str, ...] = ()
    # Urgent messages ignore quiet hours and the hourly limit (codes, payments, alerts).
    urgent: bool = False
    # Fields passed, in order, as the body parameters of the approved WhatsApp template.
    whatsapp_parameters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


SPECS: dict[str, TemplateSpec] = {
    spec.name: spec
    for spec in (
        TemplateSpec(
            "payment_instructions",
            (
                "method",
                "reference",
                "clabe",
                "bankName",
                "beneficiary",
                "concept",
                "amount",
                "expiresAt",
            ),
            urgent=True,
            whatsapp_parameters=("amount", "clabe", "reference", "concept", "expiresAt"),
        ),
        TemplateSpec(
            "payment_received",
            ("amount",),
            urgent=True,
            whatsapp_parameters=("amount",),
        ),
        TemplateSpec(
            "credentials_delivered",
            ("serviceName", "planName", "login", "password", "profileName", "pin", "endsAt"),
            secret_fields=("login", "password", "pin"),
            urgent=True,
            whatsapp_parameters=("serviceName", "login", "password", "endsAt"),
        ),
        TemplateSpec(
            "expiry_reminder",
            ("serviceName", "daysLeft", "endsAt"),
            whatsapp_parameters=("serviceName", "daysLeft", "endsAt"),
        ),
        TemplateSpec(
            "renewal_order",
            ("number", "total", "expiresAt"),
            whatsapp_parameters=("number", "total", "expiresAt"),
        ),
        TemplateSpec(
            "one_time_code",
            ("code", "minutes", "codePurpose"),
            secret_fields=("code",),
            urgent=True,
            whatsapp_parameters=("code",),
        ),
        TemplateSpec(
            "arco_request_received",
            ("folio", "requestType", "dueDate"),
            whatsapp_parameters=("folio", "dueDate"),
        ),
        TemplateSpec(
            "arco_request_answered", ("folio", "requestType"), whatsapp_parameters=("folio",)
        ),
        TemplateSpec(
            "security_new_login",
            ("userAgent", "ipAddress", "signedInAt"),
            urgent=True,
            whatsapp_parameters=("signedInAt",),
        ),
        TemplateSpec(
            "security_api_key_created",
            ("prefix",),
            urgent=True,
            whatsapp_parameters=("prefix",),
        ),
        TemplateSpec(
            "order_awaiting_stock",
            ("number", "serviceName", "missing"),
            urgent=True,
            whatsapp_parameters=("number", "serviceName", "missing"),
        ),
        # Urgent: the contact is suppressed `compliance_suppression_notice_hours` (default 1)
        # after the event, so the notice cannot wait for quiet hours to end.
        TemplateSpec(
            "arco_suppression_notice", ("folio",), urgent=True, whatsapp_parameters=("folio",)
        ),
        TemplateSpec(
            "arco_deadline_alert",
            ("requestCount", "overdue", "requests", "unlisted"),
            whatsapp_parameters=("requestCount", "overdue"),
        ),
        TemplateSpec(
            "security_incident_notice",
            (
                "whatHappened",
                "dataInvolved",
                "recommendations",
                "correctiveActions",
                "moreInformation",
            ),
            whatsapp_parameters=("whatHappened", "moreInformation"),
        ),
        TemplateSpec(
            "kpi_alert",
            ("ruleName", "metric", "value", "comparison", "bound", "windowStart", "windowEnd"),
            urgent=True,
            whatsapp_parameters=("ruleName", "value", "bound"),
        ),
        TemplateSpec("webhook_endpoint_disabled", ("url",), whatsapp_parameters=("url",)),
        TemplateSpec("staff_message", ("title", "message"), whatsapp_parameters=("message",)),
    )
}


class UnknownTemplateError(LookupError):
    """Raised for a template name that is not in SPECS."""


def spec_for(name: str) -> TemplateSpec:
    try:
        return SPECS[name]
    except KeyError:
        raise UnknownTemplateError(f"no notification template is named {name!r}") from None


def render(name: str, locale: str, context: dict[str, Any], *, masked: bool = False) -> Rendered:
    """Render a template in a locale (es-MX unless "en"); `masked` hides every secret field."""
    spec = spec_for(name)
    values = mask_secrets(spec, context) if masked else dict(context)
    template = _environment(_locale_folder(locale)).get_template(f"{name}.j2")
    module = template.make_module(values)
    subject = str(getattr(module, "subject", "")).strip()
    return Rendered(subject=subject, body=str(module).strip())


def mask_secrets(spec: TemplateSpec, context: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (MASK if key in spec.secret_fields and value not in (None, "") else value)
        for key, value in context.items()
    }


def whatsapp_parameters(name: str, locale: str, context: dict[str, Any]) -> list[str]:
    """Return the approved WhatsApp template's body parameters, formatted as in the text."""
    spec = spec_for(name)
    folder = _locale_folder(locale)
    return [_format_value(context.get(field), folder) for field in spec.whatsapp_parameters]


def _locale_folder(locale: str) -> str:
    return "en" if locale.lower().startswith("en") else "es-MX"


@cache
def _environment(folder: str) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATE_FOLDER / folder),
        undefined=StrictUndefined,
        # Plain-text messages (WhatsApp, SMS, text email): nothing is HTML-escaped.
        autoescape=False,  # noqa: S701
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["money"] = format_money
    environment.filters["when"] = lambda value: _format_moment(value, folder)
    environment.filters["day"] = lambda value: _format_day(value, folder)
    return environment


def format_money(value: Any) -> str:
    """Format an amount in pesos as `$1,299.00 MXN`; never goes through float."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"${amount:,.2f} MXN"


def format_metric(metric: str, value: Any) -> str:
    """Format a KPI value: revenue as money, the conversion rate as a percentage, the other
    metrics (counts) as whole numbers."""
    if value is None:
        return "-"
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if metric == "revenue":
        return format_money(number)
    if metric == "conversion_rate":
        return f"{number * 100:.2f}%"
    # Forecast bounds of a count are fractional, so they are rounded to the nearest unit.
    return f"{number.quantize(Decimal(1)):,}"


def _format_moment(value: Any, folder: str) -> str:
    moment = _parse_datetime(value)
    if moment is None:
        return str(value)
    local = to_mexico_city(moment)
    pattern = "%d/%m/%Y %H:%M" if folder == "es-MX" else "%Y-%m-%d %H:%M"
    return local.strftime(pattern) + " (CDMX)"


def _format_day(value: Any, folder: str) -> str:
    if isinstance(value, datetime):
        value = to_mexico_city(value).date()
    if isinstance(value, str):
        moment = _parse_datetime(value)
        value = to_mexico_city(moment).date() if moment else _parse_date(value)
    if not isinstance(value, date):
        return str(value)
    return value.strftime("%d/%m/%Y" if folder == "es-MX" else "%Y-%m-%d")


def _format_value(value: Any, folder: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, str) and _parse_datetime(value) is not None and "T" in value:
        return _format_moment(value, folder)
    return str(value)


def _parse_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else None
    if isinstance(value, str) and "T" in value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else None
    return None


def _parse_date(value: str) -> date | str:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return value
