"""Organisations and their teams: create, find, list, delete."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from opsmaturity.core.messages import text as _msg

from . import tables as t
from .base import StoreBase, _name, _now, _team_record
from .db import StoreError
from .records import (
    OrganisationRecord,
    TeamRecord,
)


class OrganisationStore(StoreBase):
    """Organisations and their teams: create, find, list, delete."""

    # organisations and teams -------------------------------------------------------

    def create_organisation(self, name: str) -> OrganisationRecord:
        name = _name(name, "organisation")
        if not self.scope.unlimited:
            raise StoreError(_msg("store.admin_adds_organisations"))
        try:
            with self._tx() as s:
                row = t.Organisation(name=name, created_at=_now())
                s.add(row)
                s.flush()
                return OrganisationRecord(id=row.id, name=row.name, created_at=row.created_at)
        except IntegrityError:
            raise StoreError(_msg("store.organisation_exists", name=repr(name))) from None

    def organisation(self, ref: str | int) -> OrganisationRecord:
        with self._tx(read=True) as s:
            return self._org_record(s, self._org(s, ref))

    def list_organisations(self) -> list[OrganisationRecord]:
        with self._tx(read=True) as s:
            rows = s.scalars(self._limit_orgs(select(t.Organisation), t.Organisation.id)
                             .order_by(t.Organisation.name)).all()
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
                                (t.UserOrganisation.organisation_id, [org_id]),
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
            raise StoreError(_msg("store.team_exists", name=repr(name),
                                  organisation=organisation)) from None

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
            query = self._limit_orgs(select(t.Team, t.Organisation).join(t.Organisation),
                                     t.Team.organisation_id)
            if organisation is not None:
                query = query.where(t.Team.organisation_id == self._org(s, organisation).id)
            rows = s.execute(query.order_by(t.Organisation.name, t.Team.name)).all()
            return [_team_record(team, org) for team, org in rows]
