"""Chatwoot integration: contact sync, private notes for agents, and replies to customers
asking for their status (service `chatwoot`, routes under /v1/chatwoot).
"""

from cuenty.integrations.chatwoot.summaries import attributes_provider, summary_provider

__all__ = ["attributes_provider", "summary_provider"]
