"""Integrations with outside systems the company runs, such as Chatwoot for support."""
