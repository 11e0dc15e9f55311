"""The menus of the console and the portal. Each staff entry names the scope it needs, and the
roles where the API requires more, so the menu lists only what the person's role may open."""

from __future__ import annotations

from dataclasses import dataclass

from cuenty.identity.access import Principal
from cuenty.kit.i18n import N_


@dataclass(frozen=True)
class Entry:
    path: str
    label: str
    scope: str | None = None
    # Empty: any role with the scope. Admins pass every check, as in the API.
    roles: tuple[str, ...] = ()

    def open_to(self, principal: Principal) -> bool:
        if self.roles and not principal.is_admin and principal.role not in self.roles:
            return False
        return self.scope is None or principal.has_scope(self.scope)


STAFF_MENU = (
    # The dashboard API serves only operations and admins, not every analytics:read role.
    Entry("/console/tablero", N_("Dashboard"), "analytics:read", ("operations",)),
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
