"""The store methods the web app leans on, on both databases: bulk reads and fingerprints."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from opsmaturity.app.store import Store, StoreError
from opsmaturity.core.evidence import Coverage, EvidenceSet, Measure


def _evidence() -> EvidenceSet:
    return EvidenceSet(collector="ci", source="repo", collected_at=datetime(2026, 5, 1, tzinfo=UTC),
                       coverage=Coverage(ratio=1.0),
                       measures=[Measure(id="ci.present", value=True)])


def _portfolio(store: Store):
    store.create_organisation("Acme")
    store.create_organisation("Globex")
    a = store.create_team("Acme", "Payments")
    b = store.create_team("Acme", "Billing")
    c = store.create_team("Globex", "Search")
    store.create_team("Globex", "Never assessed")
    return a, b, c


def test_latest_assessments_pick_the_newest_per_team_with_counts(store: Store, catalogue):
    a, b, c = _portfolio(store)
    old = store.create_assessment(a.id, catalogue.version, on=date(2026, 1, 1))
    new = store.create_assessment(a.id, catalogue.version, on=date(2026, 6, 1))
    same_day = store.create_assessment(b.id, catalogue.version, on=date(2026, 6, 1))
    same_day_later = store.create_assessment(b.id, catalogue.version, on=date(2026, 6, 1))
    other = store.create_assessment(c.id, catalogue.version, on=date(2026, 3, 1))
    p = store.add_participant(new.id, "dev")
    store.save_answer(p.id, "infra_defined_as_code", "agree", catalogue=catalogue)
    store.save_answer(p.id, "db_failover_tested", "no", catalogue=catalogue)
    store.add_participant(new.id, "ops")
    store.add_evidence(new.id, _evidence())

    latest = store.latest_assessments()
    assert [(r.organisation, r.team, r.id) for r in latest] == [
        ("Acme", "Billing", same_day_later.id), ("Acme", "Payments", new.id),
        ("Globex", "Search", other.id)]
    assert old.id not in {r.id for r in latest} and same_day.id not in {r.id for r in latest}
    payments = latest[1]
    assert (payments.participants, payments.answers, payments.evidence_sets) == (2, 2, 1)
    # The bulk records equal the one-at-a-time ones.
    assert payments == store.assessment(new.id)
    assert [r.team for r in store.latest_assessments("Globex")] == ["Search"]
    with pytest.raises(StoreError, match="no organisation"):
        store.latest_assessments("Nope")


def test_fingerprint_changes_with_every_scoring_input_and_only_then(store: Store, catalogue):
    team, _, _ = _portfolio(store)
    aid = store.create_assessment(team.id, catalogue.version).id
    seen = [store.fingerprint(aid)]

    def changed() -> bool:
        now = store.fingerprint(aid)
        fresh = now not in seen
        seen.append(now)
        return fresh

    assert not changed()  # asking twice gives the same
    p = store.add_participant(aid, "dev")
    assert changed()
    store.save_answer(p.id, "infra_defined_as_code", "agree", catalogue=catalogue)
    assert changed()
    store.save_answer(p.id, "infra_defined_as_code", "disagree", catalogue=catalogue)
    assert changed()  # a replaced answer counts as new input
    store.add_evidence(aid, _evidence())
    assert changed()
    store.open_workshop(aid)
    store.save_consensus(aid, "infra_defined_as_code", "neutral", catalogue=catalogue)
    assert not changed()  # consensus and workshops are not scoring inputs
    store.finalise(aid, catalogue)
    assert changed()
    assert store.fingerprints([aid, 999_999]) == {aid: seen[-1]}
    with pytest.raises(StoreError, match="no assessment 999999"):
        store.fingerprint(999_999)


def test_snapshots_in_bulk_equal_the_single_ones(store: Store, catalogue):
    team, other, _ = _portfolio(store)
    final = store.create_assessment(team.id, catalogue.version).id
    p = store.add_participant(final, "ops")
    store.save_answer(p.id, "infra_defined_as_code", "agree", catalogue=catalogue)
    store.finalise(final, catalogue)
    draft = store.create_assessment(other.id, catalogue.version).id
    got = store.snapshots([final, draft])
    assert list(got) == [final]
    assert got[final] == store.snapshot(final)
    assert store.snapshots([]) == {}
    texts = store.snapshot_texts([final, draft])
    assert list(texts) == [final] and texts[final] == store.snapshot(final).to_json()


def test_current_workshop_and_participant_lookup(store: Store, catalogue):
    team, _, _ = _portfolio(store)
    aid = store.create_assessment(team.id, catalogue.version).id
    assert store.current_workshop(aid) is None  # looking does not open one
    assert store.current_workshop(aid) is None
    ws = store.open_workshop(aid)
    assert store.current_workshop(aid) == ws
    first = store.add_participant(aid, "dev", name="Ann")
    second = store.add_participant(aid, "management")
    assert store.participant(second.id).label == "P2"
    assert store.participant(first.id) == store.participants(aid)[0]
    store.close_workshop(aid)
    assert store.current_workshop(aid) is None
    with pytest.raises(StoreError, match="no participant 424242"):
        store.participant(424242)
    with pytest.raises(StoreError, match="no assessment 31337"):
        store.current_workshop(31337)


def test_participant_answers_are_that_participants_only(store: Store, catalogue):
    team, _, _ = _portfolio(store)
    aid = store.create_assessment(team.id, catalogue.version).id
    me = store.add_participant(aid, "ops")
    other = store.add_participant(aid, "dev")
    store.save_answer(me.id, "infra_defined_as_code", "agree", "mostly Terraform",
                      catalogue=catalogue)
    store.save_answer(other.id, "infra_defined_as_code", "disagree", catalogue=catalogue)
    mine = store.participant_answers(me.id)
    assert [(a.participant, a.role, a.question_id, a.value, a.comment) for a in mine] == [
        ("P1", "ops", "infra_defined_as_code", "agree", "mostly Terraform")]
    assert mine == [a for a in store.answers(aid) if a.participant_id == me.id]
    assert store.participant_answers(other.id)[0].value == "disagree"


def test_scoring_inputs_in_bulk_score_like_compute(store: Store, catalogue):
    from opsmaturity.core.sources import load_yaml
    from opsmaturity.questionnaires import __file__ as questionnaires
    from opsmaturity.scoring.answers import AnswersFile
    from opsmaturity.scoring.engine import score

    examples = Path(questionnaires).parent / "examples"
    team, other, _ = _portfolio(store)
    workshop = store.create_assessment(team.id, catalogue.version, on=date(2026, 5, 2)).id
    store.import_answers(workshop, AnswersFile.model_validate(
        load_yaml(examples / "workshop.yaml").data))
    store.add_evidence(workshop, _evidence())
    p = store.add_participant(workshop, "other")
    store.save_answer(p.id, "deployment_frequency", 6, "six a month", catalogue=catalogue)
    empty = store.create_assessment(other.id, catalogue.version).id
    got = store.scoring_inputs([workshop, empty, 404], catalogue)
    assert sorted(got) == [workshop, empty]
    for aid in (workshop, empty):
        evidence, responses = got[aid]
        assert evidence == store.evidence(aid)
        assert responses == store.responses(aid, catalogue)
        assert score(catalogue, evidence, responses) == store.compute(aid, catalogue)
    assert store.scoring_inputs([], catalogue) == {}
