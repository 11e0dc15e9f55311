"""The access export: every registered category's data about the titular, as JSON and as a
readable Spanish PDF."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance import registry
from cuenty.config import Settings

if TYPE_CHECKING:
    from fpdf import FPDF

SECTION_TITLES_ES = {
    "identity": "Perfil, sesiones y eventos de seguridad",
    "compliance": "Consentimientos, solicitudes ARCO y bitácora",
    "orders": "Pedidos",
    "payments": "Pagos",
    "subscriptions": "Suscripciones",
    "notifications": "Notificaciones",
    "analytics": "Eventos de analítica",
}
PDF_FONT = "Helvetica"


async def collect(
    session: AsyncSession, user_id: uuid.UUID, generated_at: datetime
) -> dict[str, Any]:
    """Return the export document: one key per registered category."""
    data = {
        category.name: await category.source.export(session, user_id)
        for category in registry.categories()
    }
    return {
        "userId": str(user_id),
        "generatedAt": generated_at.isoformat(),
        "categories": sorted(data),
        "data": data,
    }


def render_pdf(document: dict[str, Any], settings: Settings, folio: str) -> bytes:
    # fpdf2 and Pillow add about 20 MiB to an API worker (bench/worker_rss.py), so they load
    # only when a PDF is made.
    from fpdf import FPDF

    pdf = FPDF(format="Letter")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(PDF_FONT, "B", 14)
    _write(pdf, f"Sus datos personales en {settings.company_legal_name}", height=8)
    pdf.set_font(PDF_FONT, size=9)
    _write(pdf, f"Solicitud de acceso {folio}. Generado el {document['generatedAt']} (UTC).")
    for name in document["categories"]:
        pdf.ln(3)
        pdf.set_font(PDF_FONT, "B", 11)
        _write(pdf, SECTION_TITLES_ES.get(name, name.capitalize()), height=6)
        pdf.set_font(PDF_FONT, size=8)
        for line in _lines(document["data"][name]):
            _write(pdf, line)
    pdf.ln(3)
    pdf.set_font(PDF_FONT, "I", 8)
    _write(
        pdf,
        f"Dudas: {settings.privacy_officer_email}. Autoridad: "
        f"{settings.compliance_authority_name}.",
    )
    return bytes(pdf.output())


def render_report_pdf(report: dict[str, Any]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="Letter")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(PDF_FONT, "B", 14)
    _write(pdf, f"Informe de protección de datos personales para {report['authority']}", 8)
    pdf.set_font(PDF_FONT, size=9)
    period = report["period"]
    _write(pdf, f"Responsable: {report['controller']}.")
    _write(pdf, f"Periodo: {period['startDate']} a {period['endDate']}.")
    for line in _lines(report["sections"]):
        _write(pdf, line)
    return bytes(pdf.output())


def _lines(value: Any, indent: str = "") -> list[str]:
    """Flatten nested data into indented "key: value" lines."""
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{indent}{key}:")
                lines.extend(_lines(item, indent + "    "))
            else:
                lines.append(f"{indent}{key}: {_scalar(item)}")
        return lines
    if isinstance(value, list):
        if not value:
            return [f"{indent}(sin registros)"]
        lines = []
        for number, item in enumerate(value, start=1):
            lines.append(f"{indent}#{number}")
            lines.extend(_lines(item, indent + "    "))
        return lines
    return [f"{indent}{_scalar(value)}"]


def _scalar(value: Any) -> str:
    if value is None or value == {} or value == []:
        return "-"
    if isinstance(value, bool):
        return "sí" if value else "no"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _write(pdf: FPDF, text: str, height: float = 4.5) -> None:
    # The core PDF fonts cover Latin-1, which includes Spanish; other characters become "?".
    safe = text.encode("latin-1", "replace").decode("latin-1")
    pdf.multi_cell(0, height, safe, new_x="LMARGIN", new_y="NEXT")
