"""Job modules of the integrations, imported here because workers load `<package>.tasks` of
top-level packages only.
"""

from cuenty.integrations.chatwoot import tasks as chatwoot_tasks

__all__ = ["chatwoot_tasks"]
