"""Import of every package's tables, so `Base.metadata` is complete for Alembic and tests."""

from cuenty.identity import models as identity_models
from cuenty.integrations.chatwoot import models as chatwoot_models
from cuenty.kit import idempotency, locks
from cuenty.kit.db import Base
from cuenty.kit.jobs import models as jobs_models
from cuenty.notifications import models as notifications_models
from cuenty.webhooks import models as webhooks_models

__all__ = [
    "Base",
    "chatwoot_models",
    "idempotency",
    "identity_models",
    "jobs_models",
    "locks",
    "notifications_models",
    "webhooks_models",
]
