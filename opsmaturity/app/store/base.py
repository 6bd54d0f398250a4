"""The store's engine and transactions, and the lookups every concern shares."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Self

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from opsmaturity.core.messages import text as _msg

from . import tables as t
from .db import (
    READ_OPTION,
    StoreError,
    database_url,
    is_read_only,
    make_engine,
    migrate,
    shown_url,
    store_file,
)
from .records import (
    AssessmentRecord,
    OrganisationRecord,
    ParticipantRecord,
    TeamRecord,
    WorkshopRecord,
)
from .scope import Scope


def _now() -> datetime:
    return datetime.now(UTC)



def upsert(s: Session, table: type, values: dict[str, Any], keys: list[str]) -> None:
    """Insert a row, or update its other columns when a row with the same keys exists
    (one statement, so concurrent workshop answers never fail on the unique key)."""
    insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, set_={k: stmt.excluded[k] for k in values if k not in keys})
    s.execute(stmt)


class StoreBase:
    """Engine, sessions and one-transaction-per-call; the lookups by name or id."""

    scope: Scope = Scope.everything()
    """What this store's reads and writes may touch (see scope.py); all by default."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(engine.execution_options(**{READ_OPTION: True}),
                                           expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None) -> Self:
        engine = make_engine(database_url(url))
        migrate(engine)
        return cls(engine)

    @property
    def url(self) -> str:
        return shown_url(self.engine.url.render_as_string(hide_password=False))

    def close(self) -> None:
        self.engine.dispose()

    def scoped(self, scope: Scope) -> Self:
        """The same store (engine, sessions) limited to `scope`: another organisation's ids
        are "not found", lists leave them out."""
        view = copy.copy(self)
        view.scope = scope
        return view

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
            if is_read_only(self.engine) and "readonly" in first:
                raise StoreError(_msg("store.read_only", file=store_file(self.engine))) from None
            raise StoreError(_msg("store.store_at", url=self.url, problem=first)) from None
        except DatabaseError as exc:
            if isinstance(exc, IntegrityError):
                raise
            first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StoreError(_msg("store.damaged", file=store_file(self.engine),
                                  problem=first)) from None

    # lookups -------------------------------------------------------------------------

    def _org(self, s: Session, ref: str | int) -> t.Organisation:
        row = _by_ref(s, t.Organisation, ref, t.Organisation.name)
        if row is None or not self.scope.sees_organisation(row.id):
            raise StoreError(_msg("store.no_organisation", ref=repr(ref)))
        return row

    def _get_or_create_org(self, s: Session, name: str) -> t.Organisation:
        row = s.scalar(select(t.Organisation).where(t.Organisation.name == name))
        if not self.scope.unlimited and (row is None or not self.scope.sees_organisation(row.id)):
            raise StoreError(_msg("store.not_yours", name=repr(name)))
        if row is None:
            row = t.Organisation(name=name, created_at=_now())
            s.add(row)
            s.flush()
        return row

    def _team(self, s: Session, ref: str | int,
              organisation: str | int | None = None) -> t.Team:
        if isinstance(ref, int) or str(ref).isdigit():
            row = s.get(t.Team, int(ref))
            if row is None or not self.scope.sees_organisation(row.organisation_id):
                raise StoreError(_msg("store.no_team_id", ref=ref))
            return row
        query = self._limit_orgs(select(t.Team).where(t.Team.name == str(ref)),
                                 t.Team.organisation_id)
        if organisation is not None:
            query = query.where(t.Team.organisation_id == self._org(s, organisation).id)
        rows = s.scalars(query).all()
        if not rows:
            raise StoreError(_msg("store.no_team", ref=repr(ref)))
        if len(rows) > 1:
            raise StoreError(_msg("store.several_teams", ref=repr(ref)))
        return rows[0]

    def _assessment(self, s: Session, assessment_id: int,
                    for_update: bool = False) -> t.Assessment:
        row = s.get(t.Assessment, assessment_id, with_for_update=for_update or None)
        if row is None or not self.scope.sees_assessment(
                row.id, s.scalar(select(t.Team.organisation_id).where(t.Team.id == row.team_id))):
            raise StoreError(_msg("store.no_assessment", id=assessment_id))
        return row

    def _open_assessment(self, s: Session, assessment_id: int) -> t.Assessment:
        row = self._assessment(s, assessment_id)
        if row.state == "final":
            raise StoreError(_msg("store.final_takes_no_input", id=assessment_id))
        return row

    def _workshop_closed(self, s: Session, assessment_id: int) -> bool:
        """The assessment was run as a workshop and none of its sessions is open now (an
        assessment never run as one takes answers from the CLI and imports)."""
        states = s.scalars(select(t.WorkshopSession.closed_at.is_(None)).where(
            t.WorkshopSession.assessment_id == assessment_id)).all()
        return bool(states) and not any(states)

    def _limit_orgs(self, query, org_column):
        """A query limited to the scope's organisations (a list never shows the others)."""
        if self.scope.organisations is None:
            return query
        return query.where(org_column.in_(self.scope.organisations))

    def _limit_assessments(self, query, org_column, assessment_column):
        """A query of assessments (or their rows) limited to the scope."""
        if self.scope.assessments is not None:
            return query.where(assessment_column.in_(self.scope.assessments))
        return self._limit_orgs(query, org_column)

    def _visible(self, s: Session, assessment_ids: Iterable[int]) -> list[int]:
        """Those of the ids that exist and are in scope, sorted."""
        ids = sorted(set(assessment_ids))
        if not ids:
            return []
        query = select(t.Assessment.id).join(t.Team, t.Assessment.team_id == t.Team.id).where(
            t.Assessment.id.in_(ids))
        return sorted(s.scalars(self._limit_assessments(query, t.Team.organisation_id,
                                                        t.Assessment.id)).all())

    def _org_record(self, s: Session, o: t.Organisation) -> OrganisationRecord:
        teams = s.scalar(select(func.count()).select_from(t.Team).where(
            t.Team.organisation_id == o.id)) or 0
        return OrganisationRecord(id=o.id, name=o.name, created_at=o.created_at, teams=teams)

    def _assessment_record(self, s: Session, a: t.Assessment) -> AssessmentRecord:
        team = s.get(t.Team, a.team_id)
        org = s.get(t.Organisation, team.organisation_id)
        n_participants = s.scalar(select(func.count()).select_from(t.Participant).where(
            t.Participant.assessment_id == a.id, t.Participant.removed_at.is_(None))) or 0
        n_answers = s.scalar(select(func.count()).select_from(t.Answer).join(t.Participant)
                             .where(t.Participant.assessment_id == a.id,
                                    t.Participant.removed_at.is_(None))) or 0
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
                                 name=p.name, role=p.role, created_at=p.created_at,
                                 removed=p.removed_at is not None)


def _by_ref(s: Session, table: type, ref: str | int, name_column) -> object | None:
    if isinstance(ref, int) or str(ref).isdigit():
        row = s.get(table, int(ref))
        if row is not None:
            return row
    return s.scalar(select(table).where(name_column == str(ref)))


def _name(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise StoreError(_msg(f"store.needs_name.{what}"))
    if len(value) > 200:
        raise StoreError(_msg(f"store.name_too_long.{what}"))
    return value


def _team_record(team: t.Team, org: t.Organisation) -> TeamRecord:
    return TeamRecord(id=team.id, organisation_id=org.id, organisation=org.name,
                      name=team.name, created_at=team.created_at)


def _workshop_record(row: t.WorkshopSession) -> WorkshopRecord:
    return WorkshopRecord(id=row.id, assessment_id=row.assessment_id, join_code=row.join_code,
                          opened_at=row.opened_at, closed_at=row.closed_at,
                          blind=bool(row.blind), revealed=json.loads(row.revealed_json or "[]"),
                          agenda=json.loads(row.agenda_json or "{}"),
                          timer_area=row.timer_area, timer_started_at=row.timer_started_at)
