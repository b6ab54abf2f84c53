"""Add odata_jobs.lease_until: the lease of a job's holder (its broker message, or its worker).

A worker renews the lease of the job it runs; another may take the job over only once
it lapsed. The index serves the sweep, which looks for queued and running jobs whose
lease lapsed. Jobs of the earlier revision have no lease, which counts as lapsed.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("odata_jobs", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_odata_jobs_state_lease_until", "odata_jobs", ["state", "lease_until"])


def downgrade() -> None:
    op.drop_index("ix_odata_jobs_state_lease_until", table_name="odata_jobs")
    with op.batch_alter_table("odata_jobs") as table:  # SQLite rebuilds the table, others ALTER it
        table.drop_column("lease_until")
