"""An exported bundle moves an assessment between stores; damage is refused."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from opsmaturity.app.store import Store, StoreError, export_bundle, import_bundle
from opsmaturity.app.store.bundle import content_hash
from opsmaturity.core.evidence import Coverage, EvidenceSet, Measure
from opsmaturity.core.sources import load_yaml
from opsmaturity.questionnaires import __file__ as _questionnaires
from opsmaturity.scoring.answers import AnswersFile

WORKSHOP = Path(_questionnaires).parent / "examples" / "workshop.yaml"
EVIDENCE = EvidenceSet(collector="git", source="payments.git", coverage=Coverage(ratio=0.5),
                       collected_at=datetime(2026, 11, 1, tzinfo=UTC),
                       measures=[Measure(id="git.commits_total", value=1234, unit="commits",
                                         details={"by_month": {"2026-10": 200}})])


@pytest.fixture
def finalised(tmp_path, catalogue) -> tuple[Store, int]:
    store = Store.open(f"sqlite:///{tmp_path / 'source.db'}")
    store.create_organisation("Example Logistics AG")
    team = store.create_team("Example Logistics AG", "Order fulfilment")
    a = store.create_assessment(team.id, catalogue.version, on=date(2026, 11, 19), title="Q4")
    store.import_answers(a.id, AnswersFile.model_validate(load_yaml(WORKSHOP).data))
    store.add_evidence(a.id, EVIDENCE)
    store.open_workshop(a.id)
    store.save_consensus(a.id, "deployment_frequency", "from_4_to_11", "agreed in the room")
    store.finalise(a.id, catalogue)
    yield store, a.id
    store.close()


def test_round_trip_into_another_database(finalised, store, tmp_path):
    source, aid = finalised
    path = tmp_path / "bundle.json"
    path.write_text(export_bundle(source, aid, names=True))

    rec = import_bundle(store, path)
    assert (rec.organisation, rec.team, rec.title, rec.state, rec.date) == (
        "Example Logistics AG", "Order fulfilment", "Q4", "final", date(2026, 11, 19))
    strip = [(a.participant, a.role, a.question_id, a.value, a.comment, a.answered_at)
             for a in source.answers(aid)]
    assert [(a.participant, a.role, a.question_id, a.value, a.comment, a.answered_at)
            for a in store.answers(rec.id)] == strip
    assert [p.name for p in store.participants(rec.id)] == [
        p.name for p in source.participants(aid)]
    assert store.evidence(rec.id) == [EVIDENCE]
    assert store.snapshot(rec.id) == source.snapshot(aid)
    assert [(c.question_id, c.value, c.notes) for c in store.consensus(rec.id)] == [
        ("deployment_frequency", "from_4_to_11", "agreed in the room")]
    assert [h.risk_index for h in store.history("Order fulfilment")] == [
        source.snapshot(aid).overall.risk_index]
    # the same bundle twice would duplicate the assessment: refused
    with pytest.raises(StoreError, match=f"already imported as assessment {rec.id}"):
        import_bundle(store, path)


def test_names_stay_in_the_store_unless_asked_for(finalised, store, tmp_path):
    source, aid = finalised
    names = {p.name for p in source.participants(aid)} - {None}
    assert names  # the workshop example names some participants
    plain = export_bundle(source, aid)
    content = json.loads(plain)["content"]
    assert content["names_included"] is False
    assert [(p["label"], p["name"]) for p in content["participants"]] == [
        (p.label, None) for p in source.participants(aid)]
    assert not any(name in plain for name in names)
    named = json.loads(export_bundle(source, aid, names=True))["content"]
    assert named["names_included"] is True
    assert {p["name"] for p in named["participants"]} - {None} == names
    path = tmp_path / "plain.json"
    path.write_text(plain)
    rec = import_bundle(store, path)  # imports as anonymous participants, labels kept
    assert [(p.label, p.name) for p in store.participants(rec.id)] == [
        (p.label, None) for p in source.participants(aid)]


def test_export_is_deterministic(finalised):
    source, aid = finalised
    assert export_bundle(source, aid) == export_bundle(source, aid)


def _bundle(finalised, tmp_path) -> tuple[Path, dict]:
    source, aid = finalised
    path = tmp_path / "bundle.json"
    text = export_bundle(source, aid)
    path.write_text(text)
    return path, json.loads(text)


def test_tampered_bundle_is_refused(finalised, tmp_path):
    path, data = _bundle(finalised, tmp_path)
    data["content"]["snapshot"]["overall"]["risk_index"] = 1.0  # make the picture rosier
    path.write_text(json.dumps(data))
    target = Store.open(f"sqlite:///{tmp_path / 'target.db'}")
    with pytest.raises(StoreError, match=r"content hash does not match.*refusing"):
        import_bundle(target, path)
    assert target.list_assessments() == []  # nothing half-imported


def test_truncated_bundle_is_refused(finalised, tmp_path):
    path, _ = _bundle(finalised, tmp_path)
    path.write_text(path.read_text()[:5000])
    target = Store.open(f"sqlite:///{tmp_path / 'target.db'}")
    with pytest.raises(StoreError, match=r"bundle.json:\d+: not valid JSON.*truncated"):
        import_bundle(target, path)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(format="something-else"), "not an opsmaturity bundle"),
    (lambda d: d.update(version=7), "bundle version 7 is not supported"),
    (lambda d: d.pop("sha256"), "no content or no sha256"),
])
def test_wrong_kind_of_file_is_refused(finalised, tmp_path, change, message):
    path, data = _bundle(finalised, tmp_path)
    change(data)
    path.write_text(json.dumps(data))
    with pytest.raises(StoreError, match=message):
        import_bundle(finalised[0], path)


def test_invalid_content_with_a_matching_hash_names_the_field(finalised, tmp_path):
    path, data = _bundle(finalised, tmp_path)
    data["content"]["participants"][0]["role"] = "ceo"
    data["sha256"] = content_hash(data["content"])
    path.write_text(json.dumps(data))
    with pytest.raises(StoreError, match=r"content\.participants\.0\.role"):
        import_bundle(finalised[0], path)
