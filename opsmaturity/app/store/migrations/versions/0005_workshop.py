"""Workshops that run themselves: removed and per-browser participants, blind voting,
revealed questions, an agenda with a timer per area.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("removed_at", Time, nullable=True))
        batch.add_column(sa.Column("join_key", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_participants_assessment_join_key",
                                       ["assessment_id", "join_key"])
    with op.batch_alter_table("workshop_sessions") as batch:
        batch.add_column(sa.Column("blind", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("revealed_json", sa.Text, nullable=True))
        batch.add_column(sa.Column("agenda_json", sa.Text, nullable=True))
        batch.add_column(sa.Column("timer_area", sa.String(100), nullable=True))
        batch.add_column(sa.Column("timer_started_at", Time, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workshop_sessions") as batch:
        for column in ("timer_started_at", "timer_area", "agenda_json", "revealed_json",
                       "blind"):
            batch.drop_column(column)
    with op.batch_alter_table("participants") as batch:
        batch.drop_constraint("uq_participants_assessment_join_key", type_="unique")
        batch.drop_column("join_key")
        batch.drop_column("removed_at")
