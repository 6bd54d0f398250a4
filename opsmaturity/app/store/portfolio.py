"""What the web app reads in bulk: latest assessments, fingerprints, snapshots, inputs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsmaturity.core.evidence import EvidenceSet
from opsmaturity.core.messages import text as _msg
from opsmaturity.core.sources import SourceError, YamlSource
from opsmaturity.scoring.answers import (
    AnswersFile,
    Responses,
    check_answers,
)
from opsmaturity.scoring.assessment import Assessment as ScoredAssessment
from opsmaturity.scoring.catalogue import Catalogue

from . import tables as t
from .base import StoreBase, _workshop_record
from .db import StoreError
from .records import (
    AnswerRecord,
    AssessmentRecord,
    ParticipantRecord,
    WorkshopRecord,
)


class PortfolioStore(StoreBase):
    """What the web app reads in bulk: latest assessments, fingerprints, snapshots, inputs."""

    # for the web app ---------------------------------------------------------------------
    # Pages rerun on every click, and the portfolio shows hundreds of teams: these answer
    # in a handful of queries what the methods above would answer in several per team.

    def latest_assessments(self, organisation: str | int | None = None
                           ) -> list[AssessmentRecord]:
        """The newest assessment (by date, then id) of every team that has one."""
        with self._tx(read=True) as s:
            query = select(t.Assessment, t.Team, t.Organisation).join(
                t.Team, t.Assessment.team_id == t.Team.id).join(
                t.Organisation, t.Team.organisation_id == t.Organisation.id)
            query = self._limit_assessments(query, t.Team.organisation_id, t.Assessment.id)
            if organisation is not None:
                query = query.where(t.Team.organisation_id == self._org(s, organisation).id)
            latest: dict[int, tuple[t.Assessment, t.Team, t.Organisation]] = {}
            for a, team, org in s.execute(query.order_by(t.Assessment.date, t.Assessment.id)):
                latest[team.id] = (a, team, org)  # ordered: the last one seen is the newest
            counts = _input_counts(s, [a.id for a, _, _ in latest.values()])
            records = [
                AssessmentRecord(
                    id=a.id, team_id=team.id, team=team.name, organisation=org.name,
                    title=a.title, date=a.date, catalogue_version=a.catalogue_version,
                    state=a.state, created_at=a.created_at, finalised_at=a.finalised_at,
                    participants=counts[a.id].participants, answers=counts[a.id].answers,
                    evidence_sets=counts[a.id].evidence_sets)
                for a, team, org in latest.values()]
            return sorted(records, key=lambda r: (r.organisation, r.team))

    def fingerprints(self, assessment_ids: Iterable[int]) -> dict[int, str]:
        """A short hash per assessment of everything its score depends on.

        It changes when a participant joins, an answer is given or replaced, evidence is
        added or the assessment is finalised, so a cached score keyed by it is never stale;
        it costs a few grouped queries however many assessments are asked for. Unknown ids
        are left out, and so are those outside the store's scope.
        """
        with self._tx(read=True) as s:
            ids = self._visible(s, assessment_ids)
            if not ids:
                return {}
            rows = s.execute(select(t.Assessment.id, t.Assessment.state,
                                    t.Assessment.catalogue_version)
                             .where(t.Assessment.id.in_(ids))).all()
            counts = _input_counts(s, [r.id for r in rows])
            snaps = dict(s.execute(select(t.Snapshot.assessment_id, t.Snapshot.id)
                                   .where(t.Snapshot.assessment_id.in_(ids))).all())
        out = {}
        for r in rows:
            parts = (r.id, r.state, r.catalogue_version, snaps.get(r.id), *counts[r.id])
            out[r.id] = hashlib.sha256(repr(parts).encode()).hexdigest()[:20]
        return out

    def fingerprint(self, assessment_id: int) -> str:
        """The fingerprint of one assessment (see `fingerprints`)."""
        found = self.fingerprints([assessment_id])
        if assessment_id not in found:
            raise StoreError(_msg("store.no_assessment", id=assessment_id))
        return found[assessment_id]

    def snapshots(self, assessment_ids: Iterable[int]) -> dict[int, ScoredAssessment]:
        """The frozen results of those assessments that are final, in one query."""
        return {aid: ScoredAssessment.model_validate_json(text)
                for aid, text in self.snapshot_texts(assessment_ids).items()}

    def snapshot_texts(self, assessment_ids: Iterable[int]) -> dict[int, str]:
        """The frozen results as stored (Assessment JSON), for readers that need only part
        of each: parsing a whole one costs far more than reading it."""
        with self._tx(read=True) as s:
            ids = self._visible(s, assessment_ids)
            if not ids:
                return {}
            rows = s.execute(select(t.Snapshot.assessment_id, t.Snapshot.assessment_json)
                             .where(t.Snapshot.assessment_id.in_(ids))).all()
        return dict(rows)

    def current_workshop(self, assessment_id: int) -> WorkshopRecord | None:
        """The open workshop session of an assessment, if any (without opening one)."""
        with self._tx(read=True) as s:
            self._assessment(s, assessment_id)
            row = s.scalar(select(t.WorkshopSession).where(
                t.WorkshopSession.assessment_id == assessment_id,
                t.WorkshopSession.closed_at.is_(None)))
            return None if row is None else _workshop_record(row)

    def participant(self, participant_id: int) -> ParticipantRecord:
        """One participant with its label, e.g. when a participant reloads the page."""
        with self._tx(read=True) as s:
            row = s.get(t.Participant, participant_id)
            if row is None:
                raise StoreError(_msg("store.no_participant", id=participant_id))
            try:
                self._assessment(s, row.assessment_id)
            except StoreError:
                raise StoreError(_msg("store.no_participant", id=participant_id)) from None
            return self._participant_record(s, row)

    def participant_answers(self, participant_id: int) -> list[AnswerRecord]:
        """One participant's answers (their page shows only their own, on every rerun)."""
        me = self.participant(participant_id)
        with self._tx(read=True) as s:
            rows = s.scalars(select(t.Answer).where(t.Answer.participant_id == participant_id)
                             .order_by(t.Answer.question_id)).all()
            return [AnswerRecord(participant_id=me.id, participant=me.label, role=me.role,
                                 question_id=r.question_id, value=json.loads(r.value_json),
                                 comment=r.comment, answered_at=r.answered_at) for r in rows]

    def scoring_inputs(self, assessment_ids: Iterable[int], catalogue: Catalogue
                       ) -> dict[int, tuple[list[EvidenceSet], Responses]]:
        """Evidence and checked answers of many assessments, read in four queries.

        Exactly what `evidence` and `responses` give one at a time (so a score from them
        equals `compute`'s), for pages that score hundreds of draft assessments at once.
        Assessments outside the store's scope are left out.
        """
        with self._tx(read=True) as s:
            ids = self._visible(s, assessment_ids)
            if not ids:
                return {}
            heads = s.execute(
                select(t.Assessment, t.Team.name, t.Organisation.name)
                .join(t.Team, t.Assessment.team_id == t.Team.id)
                .join(t.Organisation, t.Team.organisation_id == t.Organisation.id)
                .where(t.Assessment.id.in_(ids))).all()
            people = s.scalars(select(t.Participant).where(t.Participant.assessment_id.in_(ids),
                                                          t.Participant.removed_at.is_(None))
                               .order_by(t.Participant.id)).all()
            given = s.execute(
                select(t.Answer.participant_id, t.Answer.question_id, t.Answer.value_json,
                       t.Answer.comment)
                .join(t.Participant, t.Answer.participant_id == t.Participant.id)
                .where(t.Participant.assessment_id.in_(ids), t.Participant.removed_at.is_(None))
                .order_by(t.Answer.participant_id, t.Answer.question_id)).all()
            sets = s.execute(select(t.EvidenceRow.assessment_id, t.EvidenceRow.data_json)
                             .where(t.EvidenceRow.assessment_id.in_(ids))
                             .order_by(t.EvidenceRow.id)).all()
        answers: dict[int, dict[str, object]] = {}
        for pid, question_id, value_json, comment in given:
            value = json.loads(value_json)
            answers.setdefault(pid, {})[question_id] = (
                {"value": value, "comment": comment} if comment else value)
        by_assessment: dict[int, list[dict]] = {}
        for p in people:
            by_assessment.setdefault(p.assessment_id, []).append(
                {"name": p.name, "role": p.role, "answers": answers.get(p.id, {})})
        evidence: dict[int, list[EvidenceSet]] = {}
        for aid, data in sets:
            evidence.setdefault(aid, []).append(EvidenceSet.model_validate_json(data))
        out = {}
        for a, team, org in heads:
            meta = {"organisation": org, "team": team, "date": a.date,
                    "catalogue_version": a.catalogue_version}
            out[a.id] = (evidence.get(a.id, []),
                         checked_responses(a.id, meta, by_assessment.get(a.id, []), catalogue))
        return out


def checked_responses(assessment_id: int, meta: dict, participants: list[dict],
                       catalogue: Catalogue) -> Responses:
    """Stored answers through the same check an answers file gets, so a value today's
    catalogue no longer has is named (assessment, participant, question), not guessed."""
    if not participants:
        return Responses(**meta)
    data = AnswersFile.model_validate({**meta, "participants": participants}).model_dump(
        mode="json", exclude_none=True)
    try:
        return check_answers(YamlSource(path=f"assessment {assessment_id}", data=data), catalogue)
    except SourceError as exc:
        raise StoreError(str(exc)) from None


class _Counts(NamedTuple):
    participants: int
    answers: int
    evidence_sets: int
    last_participant: int | None
    last_answer: str | None
    last_evidence: int | None


def _input_counts(s: Session, ids: list[int]) -> dict[int, _Counts]:
    """Participants, answers and evidence sets per assessment, with the newest of each."""
    if not ids:
        return {}
    people = {r[0]: r[1:] for r in s.execute(
        select(t.Participant.assessment_id, func.count(), func.max(t.Participant.id))
        .where(t.Participant.assessment_id.in_(ids), t.Participant.removed_at.is_(None))
        .group_by(t.Participant.assessment_id))}
    answers = {r[0]: r[1:] for r in s.execute(
        select(t.Participant.assessment_id, func.count(t.Answer.id),
               func.max(t.Answer.answered_at))
        .join(t.Answer, t.Answer.participant_id == t.Participant.id)
        .where(t.Participant.assessment_id.in_(ids), t.Participant.removed_at.is_(None))
        .group_by(t.Participant.assessment_id))}
    evidence = {r[0]: r[1:] for r in s.execute(
        select(t.EvidenceRow.assessment_id, func.count(), func.max(t.EvidenceRow.id))
        .where(t.EvidenceRow.assessment_id.in_(ids)).group_by(t.EvidenceRow.assessment_id))}
    out = {}
    for i in ids:
        n_people, last_person = people.get(i, (0, None))
        n_answers, last_answer = answers.get(i, (0, None))
        n_evidence, last_evidence = evidence.get(i, (0, None))
        out[i] = _Counts(n_people, n_answers, n_evidence, last_person,
                         None if last_answer is None else str(last_answer), last_evidence)
    return out
