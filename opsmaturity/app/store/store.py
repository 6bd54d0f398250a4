"""Organisations -> teams -> assessments -> participants -> answers, evidence, snapshots.

Every public method is one transaction, committed before it returns: an answer given in
a workshop is on disk when `save_answer` returns, whatever happens to the process next.
A finalised assessment is frozen: its computed Assessment is kept as a snapshot, so
trends compare like with like even after the catalogue changes, and it takes no more
answers or evidence.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import NamedTuple

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from opsmaturity.core.evidence import EvidenceSet
from opsmaturity.core.sources import SourceError, YamlSource
from opsmaturity.scoring.answers import (
    AnswerError,
    AnswersFile,
    RawValue,
    Responses,
    check_answer,
    check_answers,
)
from opsmaturity.scoring.assessment import Assessment as ScoredAssessment
from opsmaturity.scoring.catalogue import ROLES, Catalogue
from opsmaturity.scoring.engine import score

from . import tables as t
from .db import READ_OPTION, StoreError, database_url, make_engine, migrate, shown_url
from .records import (
    AnswerRecord,
    AssessmentRecord,
    ConsensusRecord,
    HistoryPoint,
    OrganisationRecord,
    ParticipantRecord,
    TeamRecord,
    WorkshopRecord,
)

JOIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a workshop


def _now() -> datetime:
    return datetime.now(UTC)


class Store:
    """The assessment store. Open with `Store.open()`; it migrates the schema on open."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(engine.execution_options(**{READ_OPTION: True}),
                                           expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        engine = make_engine(database_url(url))
        migrate(engine)
        return cls(engine)

    @property
    def url(self) -> str:
        return shown_url(self.engine.url.render_as_string(hide_password=False))

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _tx(self, read: bool = False) -> Iterator[Session]:
        """One transaction. Reads on SQLite begin DEFERRED (WAL readers never wait for
        writers); writes begin IMMEDIATE so concurrent writers queue instead of failing."""
        sessions = self._read_sessions if read else self._sessions
        try:
            with sessions.begin() as session:
                yield session
        except OperationalError as exc:
            first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StoreError(f"store at {self.url}: {first}") from None

    # organisations and teams -------------------------------------------------------

    def create_organisation(self, name: str) -> OrganisationRecord:
        name = _name(name, "organisation")
        try:
            with self._tx() as s:
                row = t.Organisation(name=name, created_at=_now())
                s.add(row)
                s.flush()
                return OrganisationRecord(id=row.id, name=row.name, created_at=row.created_at)
        except IntegrityError:
            raise StoreError(f"organisation {name!r} already exists") from None

    def organisation(self, ref: str | int) -> OrganisationRecord:
        with self._tx(read=True) as s:
            return self._org_record(s, self._org(s, ref))

    def list_organisations(self) -> list[OrganisationRecord]:
        with self._tx(read=True) as s:
            rows = s.scalars(select(t.Organisation).order_by(t.Organisation.name)).all()
            return [self._org_record(s, o) for o in rows]

    def delete_organisation(self, ref: str | int) -> int:
        """Remove an organisation with everything under it; returns how many assessments."""
        with self._tx() as s:
            org_id = self._org(s, ref).id
            team_ids = s.scalars(select(t.Team.id).where(t.Team.organisation_id == org_id)).all()
            assessment_ids = s.scalars(select(t.Assessment.id).where(
                t.Assessment.team_id.in_(team_ids))).all()
            participant_ids = s.scalars(select(t.Participant.id).where(
                t.Participant.assessment_id.in_(assessment_ids))).all()
            # child first and explicit: does not depend on ON DELETE CASCADE being enforced
            for column, ids in ((t.Answer.participant_id, participant_ids),
                                (t.Participant.assessment_id, assessment_ids),
                                (t.EvidenceRow.assessment_id, assessment_ids),
                                (t.Snapshot.assessment_id, assessment_ids),
                                (t.WorkshopSession.assessment_id, assessment_ids),
                                (t.Consensus.assessment_id, assessment_ids),
                                (t.Assessment.team_id, team_ids),
                                (t.Team.organisation_id, [org_id]),
                                (t.Organisation.id, [org_id])):
                s.execute(delete(column.class_).where(column.in_(ids)))
            return len(assessment_ids)

    def ensure_organisation(self, name: str) -> OrganisationRecord:
        with self._tx() as s:
            return self._org_record(s, self._get_or_create_org(s, _name(name, "organisation")))

    def create_team(self, organisation: str | int, name: str) -> TeamRecord:
        name = _name(name, "team")
        try:
            with self._tx() as s:
                org = self._org(s, organisation)
                row = t.Team(organisation_id=org.id, name=name, created_at=_now())
                s.add(row)
                s.flush()
                return _team_record(row, org)
        except IntegrityError:
            raise StoreError(f"team {name!r} already exists in {organisation}") from None

    def ensure_team(self, organisation: str, name: str) -> TeamRecord:
        with self._tx() as s:
            org = self._get_or_create_org(s, _name(organisation, "organisation"))
            team = s.scalar(select(t.Team).where(t.Team.organisation_id == org.id,
                                                 t.Team.name == _name(name, "team")))
            if team is None:
                team = t.Team(organisation_id=org.id, name=name.strip(), created_at=_now())
                s.add(team)
                s.flush()
            return _team_record(team, org)

    def team(self, ref: str | int, organisation: str | int | None = None) -> TeamRecord:
        with self._tx(read=True) as s:
            team = self._team(s, ref, organisation)
            return _team_record(team, s.get(t.Organisation, team.organisation_id))

    def list_teams(self, organisation: str | int | None = None) -> list[TeamRecord]:
        with self._tx(read=True) as s:
            query = select(t.Team, t.Organisation).join(t.Organisation)
            if organisation is not None:
                query = query.where(t.Team.organisation_id == self._org(s, organisation).id)
            rows = s.execute(query.order_by(t.Organisation.name, t.Team.name)).all()
            return [_team_record(team, org) for team, org in rows]

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
            query = select(t.Assessment).join(t.Team)
            if team is not None:
                query = query.where(t.Assessment.team_id == self._team(s, team, organisation).id)
            elif organisation is not None:
                query = query.where(t.Team.organisation_id == self._org(s, organisation).id)
            rows = s.scalars(query.order_by(t.Assessment.date, t.Assessment.id)).all()
            return [self._assessment_record(s, a) for a in rows]

    def finalise(self, assessment_id: int, catalogue: Catalogue,
                 dora_year: int = 2024) -> ScoredAssessment:
        """Score the assessment, freeze the result as its snapshot, and close it."""
        scored = self.compute(assessment_id, catalogue, dora_year)
        with self._tx() as s:
            row = self._assessment(s, assessment_id, for_update=True)
            if row.state == "final":
                raise StoreError(f"assessment {assessment_id} is already final")
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
                dora_year: int = 2024) -> ScoredAssessment:
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
            insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
            stmt = insert(t.Answer).values(**values)
            stmt = stmt.on_conflict_do_update(
                index_elements=["participant_id", "question_id"],
                set_={k: stmt.excluded[k] for k in ("value_json", "comment", "answered_at")})
            s.execute(stmt)

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
        return _checked_responses(assessment_id, meta, [
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

    # workshops ---------------------------------------------------------------------------

    def open_workshop(self, assessment_id: int) -> WorkshopRecord:
        """A join code for participants; an open session is reused, not duplicated."""
        for _ in range(20):
            try:
                with self._tx() as s:
                    a = self._open_assessment(s, assessment_id)
                    current = s.scalar(select(t.WorkshopSession).where(
                        t.WorkshopSession.assessment_id == a.id,
                        t.WorkshopSession.closed_at.is_(None)))
                    if current is None:
                        code = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(6))
                        current = t.WorkshopSession(assessment_id=a.id, join_code=code,
                                                    opened_at=_now())
                        s.add(current)
                        s.flush()
                    return _workshop_record(current)
            except IntegrityError:  # join code taken: draw again
                continue
        raise StoreError("could not draw a free join code")  # pragma: no cover

    def workshop_by_code(self, code: str) -> WorkshopRecord:
        with self._tx(read=True) as s:
            row = s.scalar(select(t.WorkshopSession).where(
                t.WorkshopSession.join_code == code.strip().upper()))
            if row is None or row.closed_at is not None:
                raise StoreError(f"no open workshop with join code {code.strip()!r}")
            return _workshop_record(row)

    def close_workshop(self, assessment_id: int) -> None:
        with self._tx() as s:
            for ws in s.scalars(select(t.WorkshopSession).where(
                    t.WorkshopSession.assessment_id == assessment_id,
                    t.WorkshopSession.closed_at.is_(None))):
                ws.closed_at = _now()

    def save_consensus(self, assessment_id: int, question_id: str, value: RawValue,
                       notes: str | None = None, catalogue: Catalogue | None = None) -> None:
        if catalogue is not None and value is not None:
            try:
                check_answer(catalogue, question_id, value)
            except AnswerError as exc:
                raise StoreError(str(exc)) from None
        with self._tx() as s:
            self._open_assessment(s, assessment_id)
            values = {"assessment_id": assessment_id, "question_id": question_id,
                      "value_json": json.dumps(value), "notes": (notes or "").strip() or None,
                      "decided_at": _now()}
            insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
            stmt = insert(t.Consensus).values(**values)
            stmt = stmt.on_conflict_do_update(
                index_elements=["assessment_id", "question_id"],
                set_={k: stmt.excluded[k] for k in ("value_json", "notes", "decided_at")})
            s.execute(stmt)

    def consensus(self, assessment_id: int) -> list[ConsensusRecord]:
        with self._tx(read=True) as s:
            rows = s.scalars(select(t.Consensus).where(
                t.Consensus.assessment_id == assessment_id).order_by(t.Consensus.question_id))
            return [ConsensusRecord(question_id=r.question_id,
                                    value=None if r.value_json is None else json.loads(
                                        r.value_json),
                                    notes=r.notes, decided_at=r.decided_at) for r in rows]

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
        are left out.
        """
        ids = sorted(set(assessment_ids))
        if not ids:
            return {}
        with self._tx(read=True) as s:
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
            raise StoreError(f"no assessment {assessment_id} (see `opsmaturity assessment list`)")
        return found[assessment_id]

    def snapshots(self, assessment_ids: Iterable[int]) -> dict[int, ScoredAssessment]:
        """The frozen results of those assessments that are final, in one query."""
        return {aid: ScoredAssessment.model_validate_json(text)
                for aid, text in self.snapshot_texts(assessment_ids).items()}

    def snapshot_texts(self, assessment_ids: Iterable[int]) -> dict[int, str]:
        """The frozen results as stored (Assessment JSON), for readers that need only part
        of each: parsing a whole one costs far more than reading it."""
        ids = sorted(set(assessment_ids))
        if not ids:
            return {}
        with self._tx(read=True) as s:
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
                raise StoreError(f"no participant {participant_id}")
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
        """
        ids = sorted(set(assessment_ids))
        if not ids:
            return {}
        with self._tx(read=True) as s:
            heads = s.execute(
                select(t.Assessment, t.Team.name, t.Organisation.name)
                .join(t.Team, t.Assessment.team_id == t.Team.id)
                .join(t.Organisation, t.Team.organisation_id == t.Organisation.id)
                .where(t.Assessment.id.in_(ids))).all()
            people = s.scalars(select(t.Participant).where(t.Participant.assessment_id.in_(ids))
                               .order_by(t.Participant.id)).all()
            given = s.execute(
                select(t.Answer.participant_id, t.Answer.question_id, t.Answer.value_json,
                       t.Answer.comment)
                .join(t.Participant, t.Answer.participant_id == t.Participant.id)
                .where(t.Participant.assessment_id.in_(ids))
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
                         _checked_responses(a.id, meta, by_assessment.get(a.id, []), catalogue))
        return out

    # lookups -------------------------------------------------------------------------

    def _org(self, s: Session, ref: str | int) -> t.Organisation:
        row = _by_ref(s, t.Organisation, ref, t.Organisation.name)
        if row is None:
            raise StoreError(f"no organisation {ref!r} (see `opsmaturity org list`)")
        return row

    def _get_or_create_org(self, s: Session, name: str) -> t.Organisation:
        row = s.scalar(select(t.Organisation).where(t.Organisation.name == name))
        if row is None:
            row = t.Organisation(name=name, created_at=_now())
            s.add(row)
            s.flush()
        return row

    def _team(self, s: Session, ref: str | int,
              organisation: str | int | None = None) -> t.Team:
        if isinstance(ref, int) or str(ref).isdigit():
            row = s.get(t.Team, int(ref))
            if row is None:
                raise StoreError(f"no team with id {ref}")
            return row
        query = select(t.Team).where(t.Team.name == str(ref))
        if organisation is not None:
            query = query.where(t.Team.organisation_id == self._org(s, organisation).id)
        rows = s.scalars(query).all()
        if not rows:
            raise StoreError(f"no team {ref!r} (see `opsmaturity team list`)")
        if len(rows) > 1:
            raise StoreError(f"several teams are called {ref!r}: give --org or the team id")
        return rows[0]

    def _assessment(self, s: Session, assessment_id: int,
                    for_update: bool = False) -> t.Assessment:
        row = s.get(t.Assessment, assessment_id, with_for_update=for_update or None)
        if row is None:
            raise StoreError(f"no assessment {assessment_id} (see `opsmaturity assessment list`)")
        return row

    def _open_assessment(self, s: Session, assessment_id: int) -> t.Assessment:
        row = self._assessment(s, assessment_id)
        if row.state == "final":
            raise StoreError(f"assessment {assessment_id} is final and takes no more input; "
                             "create a new assessment to assess again")
        return row

    def _org_record(self, s: Session, o: t.Organisation) -> OrganisationRecord:
        teams = s.scalar(select(func.count()).select_from(t.Team).where(
            t.Team.organisation_id == o.id)) or 0
        return OrganisationRecord(id=o.id, name=o.name, created_at=o.created_at, teams=teams)

    def _assessment_record(self, s: Session, a: t.Assessment) -> AssessmentRecord:
        team = s.get(t.Team, a.team_id)
        org = s.get(t.Organisation, team.organisation_id)
        n_participants = s.scalar(select(func.count()).select_from(t.Participant).where(
            t.Participant.assessment_id == a.id)) or 0
        n_answers = s.scalar(select(func.count()).select_from(t.Answer).join(t.Participant)
                             .where(t.Participant.assessment_id == a.id)) or 0
        n_evidence = s.scalar(select(func.count()).select_from(t.EvidenceRow).where(
            t.EvidenceRow.assessment_id == a.id)) or 0
        return AssessmentRecord(
            id=a.id, team_id=team.id, team=team.name, organisation=org.name, title=a.title,
            date=a.date, catalogue_version=a.catalogue_version, state=a.state,
            created_at=a.created_at, finalised_at=a.finalised_at,
            participants=n_participants, answers=n_answers, evidence_sets=n_evidence)

    def _participant_record(self, s: Session, p: t.Participant) -> ParticipantRecord:
        position = s.scalar(select(func.count()).select_from(t.Participant).where(
            t.Participant.assessment_id == p.assessment_id, t.Participant.id <= p.id)) or 1
        return ParticipantRecord(id=p.id, assessment_id=p.assessment_id, label=f"P{position}",
                                 name=p.name, role=p.role, created_at=p.created_at)


def _checked_responses(assessment_id: int, meta: dict, participants: list[dict],
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


def _by_ref(s: Session, table: type, ref: str | int, name_column) -> object | None:
    if isinstance(ref, int) or str(ref).isdigit():
        row = s.get(table, int(ref))
        if row is not None:
            return row
    return s.scalar(select(table).where(name_column == str(ref)))


def _name(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise StoreError(f"a {what} needs a name")
    if len(value) > 200:
        raise StoreError(f"{what} name is longer than 200 characters")
    return value


def _team_record(team: t.Team, org: t.Organisation) -> TeamRecord:
    return TeamRecord(id=team.id, organisation_id=org.id, organisation=org.name,
                      name=team.name, created_at=team.created_at)


def _workshop_record(row: t.WorkshopSession) -> WorkshopRecord:
    return WorkshopRecord(id=row.id, assessment_id=row.assessment_id, join_code=row.join_code,
                          opened_at=row.opened_at, closed_at=row.closed_at)




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
        .where(t.Participant.assessment_id.in_(ids)).group_by(t.Participant.assessment_id))}
    answers = {r[0]: r[1:] for r in s.execute(
        select(t.Participant.assessment_id, func.count(t.Answer.id),
               func.max(t.Answer.answered_at))
        .join(t.Answer, t.Answer.participant_id == t.Participant.id)
        .where(t.Participant.assessment_id.in_(ids)).group_by(t.Participant.assessment_id))}
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
