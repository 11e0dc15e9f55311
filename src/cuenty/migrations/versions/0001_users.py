"""Create the users table and, on PostgreSQL, the shared updated_at trigger function.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ROLES = ("customer", "support", "operations", "compliance_officer", "admin")

# Kept in the database on PostgreSQL so updated_at is right even for rows changed by SQL run
# outside the application; on SQLite the ORM's onupdate sets it.
SET_UPDATED_AT_FUNCTION = """
CREATE OR REPLACE FUNCTION cuenty_set_updated_at() RETURNS trigger AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(16), nullable=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("postal_code", sa.String(5), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "email IS NOT NULL OR phone IS NOT NULL", name=op.f("ck_users_email_or_phone")
        ),
        sa.CheckConstraint(
            "role IN (" + ", ".join(f"'{role}'" for role in ROLES) + ")", name=op.f("ck_users_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("phone", name=op.f("uq_users_phone")),
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(SET_UPDATED_AT_FUNCTION)
        op.execute(
            "CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users "
            "FOR EACH ROW EXECUTE FUNCTION cuenty_set_updated_at()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS users_set_updated_at ON users")
        op.execute("DROP FUNCTION IF EXISTS cuenty_set_updated_at()")
    op.drop_table("users")
