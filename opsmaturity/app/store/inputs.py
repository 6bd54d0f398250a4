"""What an assessment is scored from: participants, their answers, and evidence."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

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

COMMENT_LIMIT = 1000
"""Longest comment an answer keeps (the join page cuts a longer paste and says so)."""


class InputStore(StoreBase):
    """What an assessment is scored from: participants, their answers, and evidence."""

    # participants and answers --------------------------------------------------------

    def add_participant(self, assessment_id: int, role: str, name: str | None = None,
                        join_key: str | None = None) -> ParticipantRecord:
        """A new participant; with a `join_key` (one per browser), joining again with the
        same key (a double-click, a resent form) gives back the participant it made."""
        if role not in ROLES:
            raise StoreError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        for _ in range(2):
            try:
                with self._tx() as s:
                    a = self._open_assessment(s, assessment_id)
                    if join_key:
                        known = s.scalar(select(t.Participant).where(
                            t.Participant.assessment_id == a.id,
                            t.Participant.join_key == join_key))
                        if known is not None:
                            return self._participant_record(s, known)
                    row = t.Participant(assessment_id=a.id, role=role,
                                        name=(name or "").strip() or None, created_at=_now(),
                                        join_key=join_key or None)
                    s.add(row)
                    s.flush()
                    return self._participant_record(s, row)
            except IntegrityError:  # the same key joined at the same moment: take that one
                continue
        raise StoreError("could not add the participant")  # pragma: no cover

    def remove_participant(self, participant_id: int) -> None:
        """Take a participant (a ghost, a test join) out of the workshop: their row and
        answers stay, but count nowhere, and their link takes no more answers."""
        with self._tx() as s:
            p = s.get(t.Participant, participant_id)
            if p is None:
                raise StoreError(f"no participant {participant_id}")
            try:
                self._open_assessment(s, p.assessment_id)
            except StoreError as exc:
                if "final" in str(exc):
                    raise
                raise StoreError(f"no participant {participant_id}") from None
            if p.removed_at is None:
                p.removed_at = _now()

    def participants(self, assessment_id: int) -> list[ParticipantRecord]:
        """Those who count (removed ones left out); labels stay as they were at joining."""
        with self._tx(read=True) as s:
            self._assessment(s, assessment_id)
            rows = s.scalars(select(t.Participant).where(
                t.Participant.assessment_id == assessment_id).order_by(t.Participant.id)).all()
            return [ParticipantRecord(id=p.id, assessment_id=p.assessment_id, label=f"P{i}",
                                      name=p.name, role=p.role, created_at=p.created_at)
                    for i, p in enumerate(rows, 1) if p.removed_at is None]

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
        if comment is not None and len(comment) > COMMENT_LIMIT:
            raise StoreError(f"a comment is at most {COMMENT_LIMIT} characters, this one has "
                             f"{len(comment)}")
        with self._tx() as s:
            p = s.get(t.Participant, participant_id)
            if p is None:
                raise StoreError(f"no participant {participant_id}")
            self._open_assessment(s, p.assessment_id)
            if p.removed_at is not None:
                raise StoreError("this participant was removed from the workshop and takes "
                                 "no more answers")
            if self._workshop_closed(s, p.assessment_id):
                raise StoreError("the workshop is closed and takes no more answers")
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
