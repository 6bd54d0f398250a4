"""What the store hands out: plain pydantic records, never live ORM objects.

The CLI and the web app read these; they can be cached, pickled and compared freely.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from opsmaturity.scoring.answers import RawValue

State = Literal["draft", "final"]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class OrganisationRecord(_Record):
    id: int
    name: str
    created_at: datetime
    teams: int = 0


class TeamRecord(_Record):
    id: int
    organisation_id: int
    organisation: str
    name: str
    created_at: datetime


class AssessmentRecord(_Record):
    id: int
    team_id: int
    team: str
    organisation: str
    title: str
    date: date
    catalogue_version: str
    state: State
    created_at: datetime
    finalised_at: datetime | None
    participants: int = 0
    answers: int = 0
    evidence_sets: int = 0


class ParticipantRecord(_Record):
    id: int
    assessment_id: int
    label: str
    name: str | None
    role: str
    created_at: datetime
    removed: bool = False


class AnswerRecord(_Record):
    participant_id: int
    participant: str
    role: str
    question_id: str
    value: RawValue
    comment: str | None
    answered_at: datetime


class ConsensusRecord(_Record):
    question_id: str
    value: RawValue
    notes: str | None
    decided_at: datetime


class WorkshopRecord(_Record):
    id: int
    assessment_id: int
    join_code: str
    opened_at: datetime
    closed_at: datetime | None
    blind: bool = False
    revealed: list[str] = []
    agenda: dict[str, int] = {}
    """Minutes planned per area, in the order of the catalogue's areas."""
    timer_area: str | None = None
    timer_started_at: datetime | None = None


class HistoryPoint(_Record):
    assessment_id: int
    date: date
    catalogue_version: str
    risk_index: float | None
    risk_level: str
    area_levels: dict[str, float | None]


class PlanRecord(_Record):
    assessment_id: int
    recommendation_id: str
    owner: str | None
    due: date | None
    status: str
    notes: str | None
    updated_at: datetime


class UserRecord(_Record):
    """An account, without its password hash (that never leaves accounts.py)."""

    id: int
    name: str
    role: str
    organisations: list[str]
    organisation_ids: list[int]
    has_password: bool
    created_at: datetime
