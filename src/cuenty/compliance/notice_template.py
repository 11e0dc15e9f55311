"""The integral, simplified and short privacy notices in Spanish, filled from settings.

Each section of the integral notice is one element that LFPDPPP 2025 art. 15 requires, plus
the revocation method, the transfer clause and the data-protection contact; `missing_elements`
lists the headings a notice lacks.
"""

from __future__ import annotations

import re

from cuenty.compliance.purposes import PURPOSES
from cuenty.config import Settings

# Heading of each required element, as it appears in the integral notice.
REQUIRED_ELEMENTS: dict[str, str] = {
    "controller": "Identidad y domicilio del responsable",
    "data": "Datos personales que tratamos",
    "purposes": "Finalidades del tratamiento",
    "limit_use": "Opciones para limitar el uso o divulgación",
    "arco": "Derechos ARCO",
    "revocation": "Revocación del consentimiento",
    "transfers": "Transferencias",
    "changes": "Cambios al aviso de privacidad",
    "contact": "Contacto de datos personales",
}

PURPOSE_LABELS_ES: dict[str, str] = {
    "terms_of_service": "Prestar las suscripciones contratadas y dar soporte",
    "financial_data": "Procesar datos financieros (CLABE, transferencias SPEI) para cobrar y "
    "reembolsar",
    "marketing": "Enviar ofertas y promociones",
    "analytics": "Medir el uso de la plataforma para mejorarla",
    "automated_decisions": "Estimar la probabilidad de cancelación (decisiones automatizadas) "
    "para ofrecer retención",
}

# The default of a company setting left unset reads "... por configurar (CUENTY_NAME)".
PLACEHOLDER = re.compile(r"\((CUENTY_[A-Z_]+)\)")


def integral(settings: Settings, purposes: list[str]) -> str:
    company = settings.company_legal_name
    contact = _contact(settings)
    primary = [name for name in purposes if PURPOSES[name].primary]
    secondary = [name for name in purposes if not PURPOSES[name].primary]
    sections = [
        (
            "controller",
            f"{company}, con domicilio en {settings.company_address}, es responsable del "
            "tratamiento de sus datos personales.",
        ),
        (
            "data",
            "Identificación y contacto: nombre, correo electrónico, teléfono celular y código "
            "postal. Financieros: CLABE y datos de transferencias SPEI o CoDi (requieren su "
            "consentimiento expreso). Uso del servicio: pedidos, suscripciones, notificaciones "
            "y eventos de uso. No tratamos datos personales sensibles; si algún día lo "
            "hiciéramos, lo marcaríamos como sensible y pediríamos su consentimiento expreso "
            "y por escrito.",
        ),
        (
            "purposes",
            "Finalidades primarias (necesarias para el servicio):\n"
            + _bullets(primary)
            + "\nFinalidades secundarias (requieren su consentimiento; negarlo no afecta el "
            "servicio):\n" + _bullets(secondary),
        ),
        (
            "limit_use",
            "Puede limitar el uso o divulgación de sus datos desde su cuenta (preferencias de "
            "consentimiento) o pidiendo su inscripción en nuestro listado de exclusión a "
            f"{contact}.",
        ),
        (
            "arco",
            "Puede acceder, rectificar, cancelar u oponerse al tratamiento de sus datos "
            "enviando su solicitud desde su cuenta (/v1/compliance) o a "
            f"{contact}, acreditando su identidad o la de su representante. Le entregamos un "
            "acuse con folio; respondemos en un máximo de 20 días hábiles y hacemos efectiva "
            "la respuesta dentro de los 15 días hábiles siguientes. Estos plazos pueden "
            "ampliarse una sola vez por un periodo igual cuando se justifique.",
        ),
        (
            "revocation",
            "Puede revocar su consentimiento en cualquier momento por el mismo medio en que lo "
            "otorgó o escribiendo a "
            f"{contact}. La revocación no tiene efectos retroactivos.",
        ),
        (
            "transfers",
            "No transferimos sus datos a terceros sin su consentimiento, salvo en los casos "
            "que permite la ley (arts. 35 y 36). Los encargados que tratan datos por nuestra "
            "cuenta (por ejemplo, soporte por Chatwoot) lo hacen bajo contrato.",
        ),
        (
            "changes",
            "Le avisaremos de cualquier cambio a este aviso por correo o WhatsApp y en "
            "/v1/compliance/privacy-notice; cada versión anterior sigue disponible.",
        ),
        (
            "contact",
            f"{settings.privacy_officer_name}: {contact}. Autoridad: "
            f"{settings.compliance_authority_name}.",
        ),
    ]
    body = "\n\n".join(f"{REQUIRED_ELEMENTS[key]}\n{text}" for key, text in sections)
    return f"Aviso de privacidad integral de {company}\n\n{body}\n"


def simplified(settings: Settings, purposes: list[str]) -> str:
    company = settings.company_legal_name
    return (
        f"Aviso de privacidad simplificado\n\n{company} trata sus datos personales para:\n"
        + _bullets(purposes)
        + "\n\nLas finalidades secundarias requieren su consentimiento y negarlo no afecta el "
        "servicio. Consulte el aviso integral en /v1/compliance/privacy-notice?type=integral "
        f"o escriba a {_contact(settings)}.\n"
    )


def short(settings: Settings) -> str:
    return (
        f"{settings.company_legal_name} usa sus datos para prestarle el servicio. Aviso "
        "integral: /v1/compliance/privacy-notice?type=integral.\n"
    )


def missing_elements(content: str) -> list[str]:
    """Return the keys of required elements whose heading is absent from an integral notice."""
    return [key for key, heading in REQUIRED_ELEMENTS.items() if heading not in content]


def _contact(settings: Settings) -> str:
    phone = f", {settings.privacy_officer_phone}" if settings.privacy_officer_phone else ""
    return f"{settings.privacy_officer_email}{phone}"


def _bullets(purposes: list[str]) -> str:
    return "\n".join(f"- {PURPOSE_LABELS_ES.get(name, name)}" for name in purposes) or "- Ninguna"
