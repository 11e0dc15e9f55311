"""Jobs of analytics; each part declares its own next to its code and is imported here, the
one module the job runner looks for in this package."""

from cuenty.analytics.ga4 import tasks as ga4_tasks  # noqa: F401
