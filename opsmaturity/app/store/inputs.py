"""What an assessment is scored from: participants, their answers, and evidence."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from opsmaturity.core.evidence import EvidenceSet
from opsmaturity.core.messages import text as _msg
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


def join_key_digest(assessment_id: int, join_key: str) -> str:
    """What the store keeps of a browser's join key: a hash per assessment, so the store
    holds nothing a browser could present, and one browser is not linkable across
    workshops by its column."""
    return hashlib.sha256(f"{assessment_id}:{join_key}".encode()).hexdigest()


class InputStore(StoreBase):
    """What an assessment is scored from: participants, their answers, and evidence."""

    # participants and answers --------------------------------------------------------

    def add_participant(self, assessment_id: int, role: str, name: str | None = None,
                        join_key: str | None = None) -> ParticipantRecord:
        """A new participant; with a `join_key` (one per browser), joining again with the
        same key (a double-click, a resent form, a second tab) gives back the participant it
        made. A removed participant is never given back: their key is let go and the
        browser joins as someone new."""
        if role not in ROLES:
            raise StoreError(_msg("store.role", roles=", ".join(ROLES), role=repr(role)))
        digest = join_key_digest(assessment_id, join_key) if join_key else None
        for _ in range(2):
            try:
                with self._tx() as s:
                    a = self._open_assessment(s, assessment_id)
                    if digest:
                        known = s.scalar(select(t.Participant).where(
                            t.Participant.assessment_id == a.id,
                            t.Participant.join_key == digest))
                        if known is not None and known.removed_at is None:
                            return self._participant_record(s, known)
                        if known is not None:
                            known.join_key = None
                            s.flush()
                    row = t.Participant(assessment_id=a.id, role=role,
                                        name=(name or "").strip() or None, created_at=_now(),
                                        join_key=digest)
                    s.add(row)
                    s.flush()
                    return self._participant_record(s, row)
            except IntegrityError:  # the same key joined at the same moment: take that one
                continue
        raise StoreError(_msg("store.participant_not_added"))  # pragma: no cover

    def participant_by_join_key(self, assessment_id: int,
                                join_key: str) -> ParticipantRecord | None:
        """The participant this browser joined as (removed ones too: the page says so),
        None if it has not joined this assessment."""
        with self._tx(read=True) as s:
            self._assessment(s, assessment_id)
            row = s.scalar(select(t.Participant).where(
                t.Participant.assessment_id == assessment_id,
                t.Participant.join_key == join_key_digest(assessment_id, join_key)))
            return None if row is None else self._participant_record(s, row)

    def remove_participant(self, participant_id: int) -> None:
        """Take a participant (a ghost, a test join) out of the workshop: their row and
        answers stay, but count nowhere, and their link takes no more answers."""
        with self._tx() as s:
            p = s.get(t.Participant, participant_id)
            if p is None:
                raise StoreError(_msg("store.no_participant", id=participant_id))
            try:
                self._open_assessment(s, p.assessment_id)
            except StoreError as exc:
                if "final" in str(exc):
                    raise
                raise StoreError(_msg("store.no_participant", id=participant_id)) from None
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
            raise StoreError(_msg("store.comment_too_long", limit=COMMENT_LIMIT, n=len(comment)))
        with self._tx() as s:
            p = s.get(t.Participant, participant_id)
            if p is None:
                raise StoreError(_msg("store.no_participant", id=participant_id))
            self._open_assessment(s, p.assessment_id)
            if p.removed_at is not None:
                raise StoreError(_msg("store.participant_removed"))
            if self._workshop_closed(s, p.assessment_id):
                raise StoreError(_msg("store.workshop_closed"))
            values = {"participant_id": participant_id, "question_id": question_id,
                      "value_json": json.dumps(value), "comment": comment,
                      "answered_at": _now()}
            upsert(s, t.Answer, values, ["participant_id", "question_id"])

    def answers(self, assessment_id: int) -> list[AnswerRecord]:
        labels = {p.id: p for p in self.participants(assessment_id)}
        with self._tx(read=True) as s:
            # Plain rows, not ORM objects: the live views read every answer every few seconds.
            rows = s.execute(select(t.Answer.participant_id, t.Answer.question_id,
                                    t.Answer.value_json, t.Answer.comment, t.Answer.answered_at)
                             .where(t.Answer.participant_id.in_(labels))
                             .order_by(t.Answer.participant_id, t.Answer.question_id)).all()
            return [AnswerRecord(participant_id=r.participant_id,
                                 participant=labels[r.participant_id].label,
                                 role=labels[r.participant_id].role, question_id=r.question_id,
                                 value=json.loads(r.value_json), comment=r.comment,
                                 answered_at=r.answered_at) for r in rows]

    def answer_counts(self, assessment_id: int) -> dict[int, int]:
        """How many questions each participant who counts has answered (one grouped query:
        the projector asks every few seconds)."""
        with self._tx(read=True) as s:
            self._assessment(s, assessment_id)
            return dict(s.execute(
                select(t.Participant.id, func.count(t.Answer.id))
                .join(t.Answer, t.Answer.participant_id == t.Participant.id)
                .where(t.Participant.assessment_id == assessment_id,
                       t.Participant.removed_at.is_(None))
                .group_by(t.Participant.id)).all())

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
