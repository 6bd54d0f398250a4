"""The recommendations' plan: owner, due date, status and notes per assessment.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.Integer,
                  sa.ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("recommendation_id", sa.String(100), nullable=False),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("due", sa.Date, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("notes", sa.Text, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("assessment_id", "recommendation_id",
                            name="uq_plan_items_assessment_recommendation"),
    )
    op.create_index("ix_plan_items_assessment_id", "plan_items", ["assessment_id"])


def downgrade() -> None:
    op.drop_index("ix_plan_items_assessment_id", table_name="plan_items")
    op.drop_table("plan_items")
