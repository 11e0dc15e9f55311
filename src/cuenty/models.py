"""Import of every package's tables, so `Base.metadata` is complete for Alembic and tests."""

from cuenty import heartbeat
from cuenty.analytics import models as analytics_models
from cuenty.analytics.ga4 import models as ga4_models
from cuenty.analytics.ml import models as analytics_ml_models
from cuenty.analytics.rollups import models as rollup_models
from cuenty.catalog import models as catalog_models
from cuenty.compliance import models as compliance_models
from cuenty.identity import models as identity_models
from cuenty.integrations.chatwoot import models as chatwoot_models
from cuenty.inventory import models as inventory_models
from cuenty.kit import idempotency, locks
from cuenty.kit.db import Base
from cuenty.kit.jobs import models as jobs_models
from cuenty.notifications import models as notifications_models
from cuenty.orders import models as orders_models
from cuenty.payments import models as payments_models
from cuenty.subscriptions import models as subscriptions_models
from cuenty.webhooks import models as webhooks_models

__all__ = [
    "Base",
    "analytics_ml_models",
    "analytics_models",
    "catalog_models",
    "chatwoot_models",
    "compliance_models",
    "ga4_models",
    "heartbeat",
    "idempotency",
    "identity_models",
    "inventory_models",
    "jobs_models",
    "locks",
    "notifications_models",
    "orders_models",
    "payments_models",
    "rollup_models",
    "subscriptions_models",
    "webhooks_models",
]
