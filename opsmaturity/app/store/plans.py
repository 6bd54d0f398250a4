"""The recommendations' plan and answers replaced from an edited workbook."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import delete, select

from opsmaturity.reports.xlsx_read import AnswerRow, PlanRow

from . import tables as t
from .base import StoreBase, _now
from .records import PlanRecord


class PlanStore(StoreBase):
    """Owner, due date and status per recommendation; answers as a workbook has them."""

    def set_plan(self, assessment_id: int, rows: Sequence[PlanRow]) -> None:
        """Replace the assessment's plan with these rows, all or nothing. A final
        assessment takes a plan too: the plan is the follow-up of what was found."""
        with self._tx() as s:
            a = self._assessment(s, assessment_id)
            s.execute(delete(t.PlanItem).where(t.PlanItem.assessment_id == a.id))
            now = _now()
            for r in rows:
                s.add(t.PlanItem(assessment_id=a.id, recommendation_id=r.recommendation_id,
                                 owner=r.owner, due=r.due, status=r.status, notes=r.notes,
                                 updated_at=now))

    def plan(self, assessment_id: int) -> list[PlanRecord]:
        with self._tx(read=True) as s:
            self._assessment(s, assessment_id)
            rows = s.scalars(select(t.PlanItem).where(t.PlanItem.assessment_id == assessment_id)
                             .order_by(t.PlanItem.recommendation_id)).all()
            return [PlanRecord(assessment_id=r.assessment_id,
                               recommendation_id=r.recommendation_id, owner=r.owner, due=r.due,
                               status=r.status, notes=r.notes, updated_at=r.updated_at)
                    for r in rows]

    def replace_answers(self, assessment_id: int, rows: Sequence[AnswerRow]) -> int:
        """Make the assessment's answers exactly these rows, all or nothing.

        Participants are matched by label (P1 is the first participant): a label beyond the
        last one adds a participant; an existing one keeps its name and takes the row's
        role; answers not in the rows are removed. Returns the number of answers saved.
        """
        with self._tx() as s:
            a = self._open_assessment(s, assessment_id)
            people = s.scalars(select(t.Participant).where(
                t.Participant.assessment_id == a.id).order_by(t.Participant.id)).all()
            by_label = {f"P{i}": p for i, p in enumerate(people, 1)}
            wanted = sorted({(r.participant, r.role) for r in rows},
                            key=lambda x: int(x[0][1:]))
            for label, role in wanted:
                if label in by_label:
                    by_label[label].role = role
                    continue
                while f"P{len(by_label) + 1}" != label:  # keep labels in step with order
                    n = len(by_label) + 1
                    filler = t.Participant(assessment_id=a.id, role="other", name=None,
                                           created_at=_now())
                    s.add(filler)
                    s.flush()
                    by_label[f"P{n}"] = filler
                p = t.Participant(assessment_id=a.id, role=role, name=None, created_at=_now())
                s.add(p)
                s.flush()
                by_label[label] = p
            ids = [p.id for p in by_label.values()]
            s.execute(delete(t.Answer).where(t.Answer.participant_id.in_(ids)))
            now = _now()
            for r in rows:
                s.add(t.Answer(participant_id=by_label[r.participant].id,
                               question_id=r.question_id, value_json=json.dumps(r.value),
                               comment=r.comment, answered_at=now))
        return len(rows)
