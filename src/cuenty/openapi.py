"""Texts of the OpenAPI document: the API description and one description per tag, in Spanish."""

from __future__ import annotations

API_DESCRIPTION = """
API de **CUENTY**: suscripciones a servicios digitales (streaming y software) para clientes
en México, pagadas por transferencia SPEI o CoDi.

* **Errores**: todas las respuestas de error usan `application/problem+json` (RFC 9457), con
  `title` y `detail` en español; envía `Accept-Language: en` para recibirlos en inglés. El
  campo `code` es estable para programas y `errors` lista cada campo inválido con su puntero
  JSON.
* **Identificador de solicitud**: cada respuesta trae `X-Request-ID`; envíalo tú para
  correlacionar tus registros con los nuestros.
* **Dinero**: montos en pesos mexicanos (MXN) como números con dos decimales.
* **Fechas**: en UTC (ISO 8601); las fechas de negocio son de la Ciudad de México.
""".strip()

OPENAPI_TAGS = [
    {"name": "salud", "description": "Estado del proceso, disponibilidad y métricas."},
    {"name": "auth", "description": "Cuentas, sesiones, 2FA, llaves de API y roles."},
    {"name": "payments", "description": "SPEI, CoDi, notificaciones bancarias y conciliación."},
    {"name": "subscriptions", "description": "Catálogo, pedidos, inventario y suscripciones."},
    {"name": "notifications", "description": "WhatsApp, SMS, correo, push y webhooks."},
    {"name": "analytics", "description": "Eventos, tablero por estado y predicciones."},
    {"name": "chatwoot", "description": "Integración con Chatwoot para soporte."},
    {"name": "compliance", "description": "Derechos ARCO, consentimientos y avisos de privacidad."},
    {"name": "admin", "description": "Consola y administración de trabajos."},
]
