"""Cluster: the node of each call and callback claim; published knowledge versions.

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
    op.create_table(
        "kb_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_kb_versions_version", "kb_versions", ["version"])


def downgrade() -> None:
    """Revert."""
    op.drop_index("ix_kb_versions_version", table_name="kb_versions")
    op.drop_table("kb_versions")
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("claimed_by")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("node")
