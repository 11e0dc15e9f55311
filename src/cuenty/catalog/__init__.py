"""Catalog: the digital services sold, their plans, bundles and promotion codes."""
