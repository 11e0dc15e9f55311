"""Every template renders in es-MX and en with the fields it declares, and no other: a
missing field raises instead of printing an empty string, and secret fields can be masked.
"""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import UndefinedError

from cuenty.notifications import templates
from cuenty.notifications.templates import LOCALES, MASK, SPECS

SAMPLE_VALUES: dict[str, Any] = {
    "method": "spei",
    "reference": "1234567",
    "clabe": "646180157000000004",
    "bankName": "STP",
    "beneficiary": "CUENTY S.A. de C.V.",
    "concept": "CUENTY PEDIDO 1042",
    "amount": "299.00",
    "expiresAt": "2026-12-06T18:00:00+00:00",
    "serviceName": "Netflix",
    "planName": "Premium 4 pantallas",
    "login": "cliente1042@cuentas.mx",
    "password": "Ultra-Secreta-99",
    "profileName": "Perfil 3",
    "pin": "4821",
    "endsAt": "2027-01-06T06:00:00+00:00",
    "daysLeft": 3,
    "number": "CTY-1042",
    "total": "299.00",
    "code": "583920",
    "minutes": 10,
    "codePurpose": "login",
    "folio": "ARCO-2026-0007",
    "requestType": "acceso",
    "dueDate": "2027-01-05",
    "userAgent": "Mozilla/5.0 (iPhone)",
    "ipAddress": "201.141.10.7",
    "signedInAt": "2026-12-04T22:10:00+00:00",
    "prefix": "cty_live_AbC1",
    "missing": 2,
    "url": "https://hooks.integrador.mx/cuenty",
    "title": "Aviso",
    "message": "Tu pedido va en camino.",
    "requestCount": 12,
    "overdue": 1,
    "requests": [
        {"folio": "ARCO-2026-0007", "dueDate": "2027-01-05", "businessDaysLeft": 2},
        {"folio": "ARCO-2026-0003", "dueDate": "2026-12-01", "businessDaysLeft": -3},
    ],
    "unlisted": 10,
    "whatHappened": "Un tercero accedió a una copia de respaldo el 1 de diciembre.",
    "dataInvolved": ["nombre", "correo electrónico"],
    "recommendations": "Cambia tu contraseña y desconfía de correos que pidan tus datos.",
    "correctiveActions": "Cerramos el acceso y cambiamos todas las llaves.",
    "moreInformation": "https://cuenty.mx/privacidad/incidentes",
    "ruleName": "Ingresos del día bajos",
    "metric": "revenue",
    "value": 1200.5,
    "comparison": "lt",
    "bound": "5000.0",
    "windowStart": "2026-12-04T06:00:00+00:00",
    "windowEnd": "2026-12-05T06:00:00+00:00",
}


def context_for(name: str) -> dict[str, Any]:
    return {field: SAMPLE_VALUES[field] for field in SPECS[name].fields}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", sorted(SPECS))
def test_template_renders_with_its_fields(name: str, locale: str) -> None:
    rendered = templates.render(name, locale, context_for(name))

    assert rendered.subject
    assert rendered.body
    assert "{{" not in rendered.body


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", sorted(SPECS))
def test_template_rejects_missing_field(name: str, locale: str) -> None:
    context = context_for(name)
    # Optional fields are tested with None; dropping a required one must raise.
    required = [field for field in SPECS[name].fields if field not in ("profileName", "pin")]
    context.pop(required[0])

    with pytest.raises(UndefinedError):
        templates.render(name, locale, context)


def test_credentials_are_masked() -> None:
    rendered = templates.render(
        "credentials_delivered", "es-MX", context_for("credentials_delivered"), masked=True
    )

    assert "Ultra-Secreta-99" not in rendered.body
    assert "cliente1042@cuentas.mx" not in rendered.body
    assert "4821" not in rendered.body
    assert MASK in rendered.body
    assert "Perfil 3" in rendered.body


def test_credentials_without_profile_omit_it() -> None:
    context = context_for("credentials_delivered") | {"profileName": None, "pin": None}

    rendered = templates.render("credentials_delivered", "es-MX", context)

    assert "Perfil" not in rendered.body
    assert "PIN" not in rendered.body


def test_spanish_is_the_default_locale() -> None:
    spanish = templates.render("payment_received", "es-MX", context_for("payment_received"))
    unknown = templates.render("payment_received", "fr", context_for("payment_received"))

    assert unknown == spanish
    assert "Recibimos tu pago" in spanish.subject


def test_money_and_dates_use_mexico_city() -> None:
    rendered = templates.render(
        "payment_instructions", "es-MX", context_for("payment_instructions")
    )

    assert "$299.00 MXN" in rendered.body
    # 18:00 UTC is 12:00 in Mexico City (UTC-6, no daylight saving time since 2022).
    assert "06/12/2026 12:00 (CDMX)" in rendered.body
    assert "646180157000000004" in rendered.body


def test_codi_instructions_omit_clabe() -> None:
    context = context_for("payment_instructions") | {"method": "codi"}

    rendered = templates.render("payment_instructions", "es-MX", context)

    assert "CoDi" in rendered.body
    assert "CLABE:" not in rendered.body


@pytest.mark.parametrize("days", [7, 3, 1, 0])
def test_expiry_reminder_for_each_day(days: int) -> None:
    context = context_for("expiry_reminder") | {"daysLeft": days}

    rendered = templates.render("expiry_reminder", "es-MX", context)

    assert ("hoy" in rendered.subject) == (days == 0)


def test_whatsapp_parameters_follow_spec_order() -> None:
    parameters = templates.whatsapp_parameters(
        "expiry_reminder", "es-MX", context_for("expiry_reminder")
    )

    assert parameters == ["Netflix", "3", "06/01/2027 00:00 (CDMX)"]


def test_unknown_template_raises() -> None:
    with pytest.raises(templates.UnknownTemplateError):
        templates.render("no_such_template", "es-MX", {})
