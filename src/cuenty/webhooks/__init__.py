"""Outgoing webhooks for integrators: endpoints, signed deliveries (Standard Webhooks), retries
and redelivery (served by the notifications service).
"""
