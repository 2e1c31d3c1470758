"""Cluster: the node that took each call, and the node that claimed each callback.

Revision ID: 0002_cluster_node
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_cluster_node"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("node", sa.String(length=64), nullable=True))
    with op.batch_alter_table("callbacks") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("claimed_by")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("node")
