"""What an assessment is scored from: participants, their answers, and evidence."""

from __future__ import annotations

import json

from sqlalchemy import select

from opsmaturity.core.evidence import EvidenceSet
from opsmaturity.scoring.answers import (
    AnswerError,
    AnswersFile,
    RawValue,
    Responses,
    check_answer,
)
from opsmaturity.scoring.catalogue import ROLES, Catalogue

from . import tables as t
from .base import StoreBase, _now, upsert
from .db import StoreError
from .portfolio import checked_responses
from .records import (
    AnswerRecord,
    ParticipantRecord,
)


class InputStore(StoreBase):
    """What an assessment is scored from: participants, their answers, and evidence."""

    # participants and answers --------------------------------------------------------

    def add_participant(self, assessment_id: int, role: str,
                        name: str | None = None) -> ParticipantRecord:
        if role not in ROLES:
            raise StoreError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        with self._tx() as s:
            a = self._open_assessment(s, assessment_id)
            row = t.Participant(assessment_id=a.id, role=role,
                                name=(name or "").strip() or None, created_at=_now())
            s.add(row)
            s.flush()
            return self._participant_record(s, row)

    def participants(self, assessment_id: int) -> list[ParticipantRecord]:
        with self._tx(read=True) as s:
            self._assessment(s, assessment_id)
            rows = s.scalars(select(t.Participant).where(
                t.Participant.assessment_id == assessment_id).order_by(t.Participant.id)).all()
            return [ParticipantRecord(id=p.id, assessment_id=p.assessment_id, label=f"P{i}",
                                      name=p.name, role=p.role, created_at=p.created_at)
                    for i, p in enumerate(rows, 1)]

    def save_answer(self, participant_id: int, question_id: str, value: RawValue,
                    comment: str | None = None, catalogue: Catalogue | None = None) -> None:
        """Save (or replace) one answer, committed on return.

        With a catalogue, the answer is checked first, so a bad value is refused here rather
        than discovered when the assessment is scored.
        """
        if catalogue is not None:
            try:
                check_answer(catalogue, question_id, value, comment)
            except AnswerError as exc:
                raise StoreError(str(exc)) from None
        comment = (comment or "").strip() or None
        with self._tx() as s:
            p = s.get(t.Participant, participant_id)
            if p is None:
                raise StoreError(f"no participant {participant_id}")
            self._open_assessment(s, p.assessment_id)
            values = {"participant_id": participant_id, "question_id": question_id,
                      "value_json": json.dumps(value), "comment": comment,
                      "answered_at": _now()}
            upsert(s, t.Answer, values, ["participant_id", "question_id"])

    def answers(self, assessment_id: int) -> list[AnswerRecord]:
        labels = {p.id: p for p in self.participants(assessment_id)}
        with self._tx(read=True) as s:
            rows = s.scalars(select(t.Answer).where(t.Answer.participant_id.in_(labels))
                             .order_by(t.Answer.participant_id, t.Answer.question_id)).all()
            return [AnswerRecord(participant_id=r.participant_id,
                                 participant=labels[r.participant_id].label,
                                 role=labels[r.participant_id].role, question_id=r.question_id,
                                 value=json.loads(r.value_json), comment=r.comment,
                                 answered_at=r.answered_at) for r in rows]

    def import_answers(self, assessment_id: int, answers: AnswersFile) -> list[ParticipantRecord]:
        """Add every participant of an answers file, all or nothing."""
        with self._tx() as s:
            a = self._open_assessment(s, assessment_id)
            for person in answers.participants:
                p = t.Participant(assessment_id=a.id, role=person.role,
                                  name=(person.name or "").strip() or None, created_at=_now())
                s.add(p)
                s.flush()
                for question_id, raw in person.answers.items():
                    value, comment = (raw.value, raw.comment) if hasattr(raw, "value") else (
                        raw, None)
                    s.add(t.Answer(participant_id=p.id, question_id=question_id,
                                   value_json=json.dumps(value), comment=comment,
                                   answered_at=_now()))
        return self.participants(assessment_id)

    def responses(self, assessment_id: int, catalogue: Catalogue) -> Responses:
        """The stored answers, checked against the catalogue, as the scoring engine reads them
        (the same check an answers file gets, so a stale value is named, not guessed)."""
        record = self.assessment(assessment_id)
        people = self.participants(assessment_id)
        given: dict[int, dict] = {p.id: {} for p in people}
        for ans in self.answers(assessment_id):
            given[ans.participant_id][ans.question_id] = (
                {"value": ans.value, "comment": ans.comment} if ans.comment else ans.value)
        meta = {"organisation": record.organisation, "team": record.team, "date": record.date,
                "catalogue_version": record.catalogue_version}
        return checked_responses(assessment_id, meta, [
            {"name": p.name, "role": p.role, "answers": given[p.id]} for p in people], catalogue)

    # evidence --------------------------------------------------------------------------

    def add_evidence(self, assessment_id: int, evidence: EvidenceSet) -> int:
        with self._tx() as s:
            a = self._open_assessment(s, assessment_id)
            row = t.EvidenceRow(assessment_id=a.id, collector=evidence.collector,
                                source=evidence.source, coverage=evidence.coverage.ratio,
                                data_json=evidence.model_dump_json(), imported_at=_now())
            s.add(row)
            s.flush()
            return row.id

    def evidence(self, assessment_id: int) -> list[EvidenceSet]:
        with self._tx(read=True) as s:
            self._assessment(s, assessment_id)
            rows = s.scalars(select(t.EvidenceRow).where(
                t.EvidenceRow.assessment_id == assessment_id).order_by(t.EvidenceRow.id)).all()
            return [EvidenceSet.model_validate_json(r.data_json) for r in rows]
