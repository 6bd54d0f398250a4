"""Organisations, teams, assessments, participants, answers, evidence, snapshots.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", Time, nullable=False),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organisation_id", sa.Integer,
                  sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.UniqueConstraint("organisation_id", "name", name="uq_teams_org_name"),
    )
    op.create_index("ix_teams_organisation_id", "teams", ["organisation_id"])
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("catalogue_version", sa.String(50), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("finalised_at", Time, nullable=True),
    )
    op.create_index("ix_assessments_team_id", "assessments", ["team_id"])
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.Integer,
                  sa.ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("created_at", Time, nullable=False),
    )
    op.create_index("ix_participants_assessment_id", "participants", ["assessment_id"])
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("participant_id", sa.Integer,
                  sa.ForeignKey("participants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("question_id", sa.String(100), nullable=False),
        sa.Column("value_json", sa.Text, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("answered_at", Time, nullable=False),
        sa.UniqueConstraint("participant_id", "question_id",
                            name="uq_answers_participant_question"),
    )
    op.create_index("ix_answers_participant_id", "answers", ["participant_id"])
    op.create_table(
        "evidence_sets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.Integer,
                  sa.ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("collector", sa.String(100), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("coverage", sa.Float, nullable=False),
        sa.Column("data_json", sa.Text, nullable=False),
        sa.Column("imported_at", Time, nullable=False),
    )
    op.create_index("ix_evidence_sets_assessment_id", "evidence_sets", ["assessment_id"])
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.Integer,
                  sa.ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("catalogue_version", sa.String(50), nullable=False),
        sa.Column("assessment_json", sa.Text, nullable=False),
        sa.Column("created_at", Time, nullable=False),
    )
