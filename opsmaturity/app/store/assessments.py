"""Assessments of a team: create, list, finalise (snapshot), compute, history."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from opsmaturity.core.messages import text as _msg
from opsmaturity.scoring.assessment import Assessment as ScoredAssessment
from opsmaturity.scoring.catalogue import Catalogue
from opsmaturity.scoring.dora import NEWEST_YEAR
from opsmaturity.scoring.engine import score

from . import tables as t
from .base import StoreBase, _now
from .db import StoreError
from .records import (
    AssessmentRecord,
    HistoryPoint,
)


class AssessmentStore(StoreBase):
    """Assessments of a team: create, list, finalise (snapshot), compute, history."""

    # assessments -------------------------------------------------------------------

    def create_assessment(self, team_id: int, catalogue_version: str, *,
                          on: date | None = None, title: str = "") -> AssessmentRecord:
        with self._tx() as s:
            team = self._team(s, team_id)
            row = t.Assessment(team_id=team.id, title=title.strip(), date=on or _now().date(),
                               catalogue_version=catalogue_version, state="draft",
                               created_at=_now())
            s.add(row)
            s.flush()
            return self._assessment_record(s, row)

    def assessment(self, assessment_id: int) -> AssessmentRecord:
        with self._tx(read=True) as s:
            return self._assessment_record(s, self._assessment(s, assessment_id))

    def list_assessments(self, team: str | int | None = None,
                         organisation: str | int | None = None) -> list[AssessmentRecord]:
        with self._tx(read=True) as s:
            query = self._limit_assessments(select(t.Assessment).join(t.Team),
                                            t.Team.organisation_id, t.Assessment.id)
            if team is not None:
                query = query.where(t.Assessment.team_id == self._team(s, team, organisation).id)
            elif organisation is not None:
                query = query.where(t.Team.organisation_id == self._org(s, organisation).id)
            rows = s.scalars(query.order_by(t.Assessment.date, t.Assessment.id)).all()
            return [self._assessment_record(s, a) for a in rows]

    def finalise(self, assessment_id: int, catalogue: Catalogue,
                 dora_year: int = NEWEST_YEAR) -> ScoredAssessment:
        """Score the assessment, freeze the result as its snapshot, and close it."""
        scored = self.compute(assessment_id, catalogue, dora_year)
        with self._tx() as s:
            row = self._assessment(s, assessment_id, for_update=True)
            if row.state == "final":
                raise StoreError(_msg("store.already_final", id=assessment_id))
            row.state = "final"
            row.finalised_at = _now()
            s.add(t.Snapshot(assessment_id=row.id, catalogue_version=catalogue.version,
                             assessment_json=scored.to_json(), created_at=_now()))
            for ws in s.scalars(select(t.WorkshopSession).where(
                    t.WorkshopSession.assessment_id == row.id,
                    t.WorkshopSession.closed_at.is_(None))):
                ws.closed_at = _now()
        return scored

    def snapshot(self, assessment_id: int) -> ScoredAssessment | None:
        with self._tx(read=True) as s:
            self._assessment(s, assessment_id)
            row = s.scalar(select(t.Snapshot).where(t.Snapshot.assessment_id == assessment_id))
            return None if row is None else ScoredAssessment.model_validate_json(
                row.assessment_json)

    def compute(self, assessment_id: int, catalogue: Catalogue,
                dora_year: int = NEWEST_YEAR) -> ScoredAssessment:
        """The snapshot of a final assessment; a fresh score of a draft one."""
        frozen = self.snapshot(assessment_id)
        if frozen is not None:
            return frozen
        return score(catalogue, self.evidence(assessment_id),
                     self.responses(assessment_id, catalogue), dora_year=dora_year)

    def history(self, team: str | int, organisation: str | int | None = None
                ) -> list[HistoryPoint]:
        """Finalised assessments of a team, oldest first, from their snapshots."""
        with self._tx(read=True) as s:
            team_row = self._team(s, team, organisation)
            rows = s.execute(
                select(t.Assessment, t.Snapshot).join(t.Snapshot)
                .where(t.Assessment.team_id == team_row.id)
                .order_by(t.Assessment.date, t.Assessment.id)).all()
            points = []
            for a, snap in rows:
                scored = ScoredAssessment.model_validate_json(snap.assessment_json)
                points.append(HistoryPoint(
                    assessment_id=a.id, date=a.date, catalogue_version=snap.catalogue_version,
                    risk_index=scored.overall.risk_index, risk_level=scored.overall.risk_level,
                    area_levels={ar.area_id: ar.level for ar in scored.areas}))
            return points
