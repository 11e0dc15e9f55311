"""Subscriptions: a customer's access to an account for a period, reminders and renewals."""
