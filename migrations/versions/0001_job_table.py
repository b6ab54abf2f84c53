"""Create the odata_jobs table of asynchronous requests.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "odata_jobs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("principal", sa.Text, nullable=True),
        sa.Column("callback_url", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_status", sa.Integer, nullable=True),
        sa.Column("result_location", sa.Text, nullable=True),
        sa.Column("progress", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_odata_jobs_state", "odata_jobs", ["state"])
    op.create_index("ix_odata_jobs_finished_at", "odata_jobs", ["finished_at"])


def downgrade() -> None:
    op.drop_index("ix_odata_jobs_finished_at", table_name="odata_jobs")
    op.drop_index("ix_odata_jobs_state", table_name="odata_jobs")
    op.drop_table("odata_jobs")
