"""Forwarding of chosen analytics events to Google Analytics 4 through the Measurement
Protocol: off by default, validated against GA4's limits, never with an email or a phone."""
