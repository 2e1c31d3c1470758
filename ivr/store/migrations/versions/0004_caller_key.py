"""Caller key (HMAC of the number) on calls and callbacks, to recognise a caller who calls again.

Revision ID: 0004_caller_key
Revises: 0003_security
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_caller_key"
down_revision: str | None = "0003_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""
    for table in ("calls", "callbacks"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("caller_key", sa.String(length=64), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_caller_key"), ["caller_key"], unique=False)


def downgrade() -> None:
    """Revert."""
    for table in ("callbacks", "calls"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_caller_key"))
            batch_op.drop_column("caller_key")
