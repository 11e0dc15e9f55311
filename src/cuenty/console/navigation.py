"""The menus of the console and the portal: each staff entry names the scope it needs, so a
person sees only what their role may open."""

from __future__ import annotations

from dataclasses import dataclass

from cuenty.kit.i18n import N_


@dataclass(frozen=True)
class Entry:
    path: str
    label: str
    scope: str | None = None


STAFF_MENU = (
    Entry("/console/tablero", N_("Dashboard"), "analytics:read"),
    Entry("/console/pedidos", N_("Orders and payments"), "orders:read"),
    Entry("/console/conciliacion", N_("Reconciliation"), "payments:write"),
    Entry("/console/inventario", N_("Inventory"), "inventory:read"),
    Entry("/console/privacidad", N_("Privacy"), "compliance:read"),
    Entry("/console/trabajos", N_("Jobs and webhooks"), "webhooks:read"),
)

CUSTOMER_MENU = (
    Entry("/cuenta", N_("My subscriptions")),
    Entry("/cuenta/pagos", N_("Payments")),
    Entry("/cuenta/privacidad", N_("My privacy")),
    Entry("/cuenta/notificaciones", N_("Notifications")),
)

ROLE_LABELS = {
    "customer": N_("Customer"),
    "support": N_("Support"),
    "operations": N_("Operations"),
    "compliance_officer": N_("Compliance officer"),
    "admin": N_("Administrator"),
}
