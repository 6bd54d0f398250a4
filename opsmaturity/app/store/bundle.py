"""One file that carries an assessment between stores: answers, evidence and snapshot.

The content is hashed (SHA-256 over its canonical JSON); import refuses a bundle whose
hash does not match, so a truncated download or a hand edit cannot slip in silently.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from opsmaturity.core.evidence import EvidenceSet
from opsmaturity.core.messages import text as _msg
from opsmaturity.scoring.answers import RawValue
from opsmaturity.scoring.assessment import Assessment as ScoredAssessment

from . import tables as t
from .base import _now
from .db import StoreError
from .records import AssessmentRecord
from .store import Store

FORMAT = "opsmaturity.bundle"
VERSION = 1


class BundleAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question_id: str
    value: RawValue
    comment: str | None = None
    answered_at: datetime


class BundleParticipant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    name: str | None = None
    role: Literal["dev", "ops", "management", "other"]
    answers: list[BundleAnswer] = Field(default_factory=list)


class BundleConsensus(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question_id: str
    value: RawValue
    notes: str | None = None
    decided_at: datetime


class BundleContent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    names_included: bool = Field(
        default=False, description="true only when the facilitator asked for participants' "
        "names; otherwise participants are P1, P2, ... with their role")
    organisation: str
    team: str
    title: str = ""
    date: date
    catalogue_version: str
    state: Literal["draft", "final"]
    finalised_at: datetime | None = None
    participants: list[BundleParticipant] = Field(default_factory=list)
    consensus: list[BundleConsensus] = Field(default_factory=list)
    evidence: list[EvidenceSet] = Field(default_factory=list)
    snapshot: ScoredAssessment | None = None


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def export_bundle(store: Store, assessment_id: int, *, names: bool = False) -> str:
    """The assessment as a bundle. Participants are P1, P2, ... with their role; their
    names only with `names=True` (and the bundle then says `names_included: true`)."""
    content = bundle_content(store, assessment_id, names=names)
    bundle = {"format": FORMAT, "version": VERSION, "sha256": content_hash(content),
              "content": content}
    return json.dumps(bundle, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def bundle_content(store: Store, assessment_id: int, *, names: bool = False
                   ) -> dict[str, Any]:
    """What a bundle of the stored assessment holds (the part its hash covers)."""
    record = store.assessment(assessment_id)
    answers: dict[int, list[BundleAnswer]] = {}
    for a in store.answers(assessment_id):
        answers.setdefault(a.participant_id, []).append(BundleAnswer(
            question_id=a.question_id, value=a.value, comment=a.comment,
            answered_at=a.answered_at))
    content = BundleContent(
        names_included=names, organisation=record.organisation, team=record.team,
        title=record.title,
        date=record.date, catalogue_version=record.catalogue_version, state=record.state,
        finalised_at=record.finalised_at,
        participants=[BundleParticipant(label=p.label, name=p.name if names else None,
                                        role=p.role,
                                        answers=answers.get(p.id, []))
                      for p in store.participants(assessment_id)],
        consensus=[BundleConsensus(**c.model_dump()) for c in store.consensus(assessment_id)],
        evidence=store.evidence(assessment_id), snapshot=store.snapshot(assessment_id),
    ).model_dump(mode="json")
    return content


def read_bundle(path: Path) -> tuple[BundleContent, str]:
    """Parse and verify a bundle file; every problem is a StoreError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StoreError(_msg("bundle.cannot_read", path=path, reason=exc.strerror)) from None
    except UnicodeDecodeError:
        raise StoreError(_msg("bundle.not_text", path=path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = "" if text.rstrip().endswith("}") else " (the file ends early: truncated?)"
        raise StoreError(_msg("bundle.invalid_json", path=path, line=exc.lineno, problem=exc.msg,
                              hint=hint)) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StoreError(_msg("bundle.not_a_bundle", path=path, format=FORMAT))
    if data.get("version") != VERSION:
        raise StoreError(_msg("bundle.version", path=path, version=repr(data.get('version')),
                              supported=VERSION))
    content = data.get("content")
    if not isinstance(content, dict) or not isinstance(data.get("sha256"), str):
        raise StoreError(_msg("bundle.no_content", path=path))
    actual = content_hash(content)
    if actual != data["sha256"]:
        raise StoreError(_msg("bundle.hash", path=path, expected=data['sha256'][:12],
                              actual=actual[:12]))
    try:
        return BundleContent.model_validate(content), actual
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise StoreError(_msg("bundle.content", path=path, where=where,
                              problem=first['msg'])) from None


def import_bundle(store: Store, path: Path) -> AssessmentRecord:
    """Add the bundle's assessment (creating organisation and team as needed), all or nothing."""
    content, digest = read_bundle(path)
    with store._tx(read=True) as s:
        existing = s.query(t.Assessment).filter_by(bundle_sha256=digest).one_or_none()
        if existing is not None:
            raise StoreError(_msg("bundle.already_imported", path=path, id=existing.id))
    same = _same_content(store, content, digest)
    if same is not None:
        raise StoreError(_msg("bundle.same_assessment", path=path, id=same))
    with store._tx() as s:
        existing = s.query(t.Assessment).filter_by(bundle_sha256=digest).one_or_none()
        if existing is not None:
            raise StoreError(_msg("bundle.already_imported", path=path, id=existing.id))
        org = store._get_or_create_org(s, content.organisation)
        team = s.query(t.Team).filter_by(organisation_id=org.id, name=content.team).one_or_none()
        if team is None:
            team = t.Team(organisation_id=org.id, name=content.team, created_at=_now())
            s.add(team)
            s.flush()
        a = t.Assessment(team_id=team.id, title=content.title, date=content.date,
                         catalogue_version=content.catalogue_version, state=content.state,
                         created_at=_now(), finalised_at=content.finalised_at,
                         bundle_sha256=digest)
        s.add(a)
        s.flush()
        for person in sorted(content.participants, key=lambda p: _label_order(p.label)):
            p = t.Participant(assessment_id=a.id, name=person.name, role=person.role,
                              created_at=_now())
            s.add(p)
            s.flush()
            for ans in person.answers:
                s.add(t.Answer(participant_id=p.id, question_id=ans.question_id,
                               value_json=json.dumps(ans.value), comment=ans.comment,
                               answered_at=ans.answered_at))
        for c in content.consensus:
            s.add(t.Consensus(assessment_id=a.id, question_id=c.question_id,
                              value_json=json.dumps(c.value), notes=c.notes,
                              decided_at=c.decided_at))
        for ev in content.evidence:
            s.add(t.EvidenceRow(assessment_id=a.id, collector=ev.collector, source=ev.source,
                                coverage=ev.coverage.ratio, data_json=ev.model_dump_json(),
                                imported_at=_now()))
        if content.snapshot is not None:
            s.add(t.Snapshot(assessment_id=a.id, catalogue_version=content.snapshot
                             .catalogue_version, assessment_json=content.snapshot.to_json(),
                             created_at=_now()))
        new_id = a.id
    return store.assessment(new_id)


def _same_content(store: Store, content: BundleContent, digest: str) -> int | None:
    """The stored assessment whose bundle would be this one (same organisation, team and
    date, and the same content hash), e.g. the one the bundle was exported from."""
    with store._tx(read=True) as s:
        ids = [a.id for a in s.query(t.Assessment).join(t.Team).join(t.Organisation)
               .filter(t.Organisation.name == content.organisation,
                       t.Team.name == content.team, t.Assessment.date == content.date)]
    return next((i for i in ids if content_hash(bundle_content(
        store, i, names=content.names_included)) == digest), None)


def _label_order(label: str) -> int:
    return int(label[1:]) if label[1:].isdigit() else 10**9
