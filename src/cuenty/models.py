"""Import of every package's tables, so `Base.metadata` is complete for Alembic and tests."""

from cuenty.identity import models as identity_models
from cuenty.kit.db import Base

__all__ = ["Base", "identity_models"]
