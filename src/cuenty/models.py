"""Import of every package's tables, so `Base.metadata` is complete for Alembic and tests."""

from cuenty.compliance import models as compliance_models
from cuenty.identity import models as identity_models
from cuenty.kit import idempotency, locks
from cuenty.kit.db import Base
from cuenty.kit.jobs import models as jobs_models
from cuenty.webhooks import models as webhooks_models

__all__ = [
    "Base",
    "compliance_models",
    "idempotency",
    "identity_models",
    "jobs_models",
    "locks",
    "webhooks_models",
]
