"""Payments: SPEI collection, bank statements and reconciliation of received money."""
