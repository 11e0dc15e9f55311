"""Alembic migrations of the whole database: one linear history for SQLite and PostgreSQL."""
