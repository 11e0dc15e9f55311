"""The services of the platform: name, port, public path prefixes and the routers each mounts.

`create_app(services=...)` mounts any subset; `cuenty serve --service NAME` runs one alone.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    name: str
    port: int
    prefixes: tuple[str, ...]
    description: str
    # "module:attribute" of each APIRouter the service mounts; imported only when mounted, so
    # a service process never loads another service's code.
    routers: tuple[str, ...] = ()


SERVICES: dict[str, Service] = {
    service.name: service
    for service in (
        Service(
            "auth",
            3001,
            ("/v1/auth", "/v1/users", "/v1/api-keys"),
            "Cuentas, sesiones, 2FA, llaves de API y roles",
            routers=(
                "cuenty.identity.endpoints:auth_router",
                "cuenty.identity.endpoints:users_router",
                "cuenty.identity.endpoints:api_keys_router",
            ),
        ),
        Service(
            "payments",
            3002,
            ("/v1/payments", "/v1/banking"),
            "SPEI, CoDi, notificaciones bancarias y conciliación",
            routers=(
                # Before the payments router, whose /{payment_id} would shadow their paths.
                "cuenty.payments.operations_endpoints:router",
                "cuenty.payments.notifications_in:router",
                "cuenty.payments.cep_endpoints:router",
                "cuenty.payments.banks.endpoints:router",
                "cuenty.payments.endpoints:router",
            ),
        ),
        Service(
            "subscriptions",
            3003,
            ("/v1/catalog", "/v1/orders", "/v1/subscriptions", "/v1/inventory"),
            "Catálogo, pedidos, inventario de cuentas y suscripciones",
            routers=(
                "cuenty.catalog.endpoints:router",
                "cuenty.orders.endpoints:router",
                "cuenty.subscriptions.endpoints:router",
                "cuenty.inventory.endpoints:router",
            ),
        ),
        Service(
            "notifications",
            3004,
            ("/v1/notifications", "/v1/webhooks"),
            "WhatsApp, SMS, correo, push y webhooks salientes",
            routers=(
                "cuenty.notifications.endpoints:router",
                "cuenty.webhooks.endpoints:router",
            ),
        ),
        Service(
            "analytics",
            3005,
            ("/v1/analytics",),
            "Eventos, tablero por estado y predicciones",
            routers=(
                "cuenty.analytics.endpoints:router",
                "cuenty.analytics.rollups.endpoints:router",
                "cuenty.analytics.rollups.alert_endpoints:router",
                "cuenty.analytics.ml.endpoints:router",
            ),
        ),
        Service(
            "chatwoot",
            3006,
            ("/v1/chatwoot",),
            "Integración con Chatwoot para soporte",
            routers=("cuenty.integrations.chatwoot.endpoints:router",),
        ),
        Service(
            "compliance",
            3007,
            ("/v1/compliance",),
            "Derechos ARCO, consentimientos, avisos de privacidad y auditoría (LFPDPPP 2025)",
            routers=(
                "cuenty.compliance.endpoints:requests_router",
                "cuenty.compliance.endpoints:consents_router",
                "cuenty.compliance.endpoints:oversight_router",
            ),
        ),
        Service(
            "admin",
            3008,
            ("/console", "/cuenta", "/v1/jobs"),
            "Consola web y administración de trabajos en segundo plano",
            routers=("cuenty.jobs.endpoints:router", "cuenty.console.routes:router"),
        ),
    )
}


class UnknownServiceError(ValueError):
    """Raised for a service name that is not in SERVICES."""


def select_services(names: list[str] | tuple[str, ...] | None) -> list[Service]:
    """Return the named services in table order; None selects every service."""
    if names is None:
        return list(SERVICES.values())
    unknown = sorted(set(names) - set(SERVICES))
    if unknown:
        raise UnknownServiceError(
            f"unknown service(s) {', '.join(unknown)}; choose from {', '.join(SERVICES)}"
        )
    return [service for service in SERVICES.values() if service.name in names]
