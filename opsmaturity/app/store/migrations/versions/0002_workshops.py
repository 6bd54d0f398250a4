"""Workshop sessions with join codes, facilitator consensus, and imported-bundle hashes.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("bundle_sha256", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_assessments_bundle_sha256", ["bundle_sha256"])
    op.create_table(
        "workshop_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.Integer,
                  sa.ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("join_code", sa.String(12), nullable=False, unique=True),
        sa.Column("opened_at", Time, nullable=False),
        sa.Column("closed_at", Time, nullable=True),
    )
    op.create_index("ix_workshop_sessions_assessment_id", "workshop_sessions",
                    ["assessment_id"])
    op.create_table(
        "consensus",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.Integer,
                  sa.ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("question_id", sa.String(100), nullable=False),
        sa.Column("value_json", sa.Text, nullable=True),
        sa.Column("notes", sa.Text, nullable=True),
        sa.Column("decided_at", Time, nullable=False),
        sa.UniqueConstraint("assessment_id", "question_id",
                            name="uq_consensus_assessment_question"),
    )
    op.create_index("ix_consensus_assessment_id", "consensus", ["assessment_id"])
