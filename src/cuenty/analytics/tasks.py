"""Jobs of analytics; each part declares its own next to its code and is imported here, the
one module the job runner looks for in this package."""

from cuenty.analytics import platform_jobs  # noqa: F401  (events: business events, consent)
from cuenty.analytics.ga4 import tasks as ga4_tasks  # noqa: F401
from cuenty.analytics.ml import tasks as ml_tasks  # noqa: F401
from cuenty.analytics.rollups import tasks as rollup_tasks  # noqa: F401
