"""The store on both databases: what goes in comes out, and final means frozen."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from opsmaturity.app.store import Store, StoreError
from opsmaturity.app.store.workshops import shown_code
from opsmaturity.core.evidence import Coverage, EvidenceSet, Measure
from opsmaturity.core.sources import load_yaml
from opsmaturity.questionnaires import __file__ as _questionnaires
from opsmaturity.scoring.answers import AnswersFile
from opsmaturity.scoring.engine import score

COLLECTED = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
ROOT_EXAMPLES = Path(_questionnaires).parent / "examples"


def _team(store: Store):
    store.create_organisation("Example Logistics AG")
    return store.create_team("Example Logistics AG", "Order fulfilment")


def _evidence() -> EvidenceSet:
    return EvidenceSet(collector="ci", source="repo", collected_at=COLLECTED,
                       coverage=Coverage(ratio=0.75, missing=["jenkins"]),
                       measures=[Measure(id="ci.present", value=True),
                                 Measure(id="ci.rollback_job_defined", value=False)])


def test_organisations_teams_and_assessments(store: Store):
    team = _team(store)
    store.create_team("Example Logistics AG", "Billing")
    store.create_organisation("Other GmbH")
    assert [(o.name, o.teams) for o in store.list_organisations()] == [
        ("Example Logistics AG", 2), ("Other GmbH", 0)]
    assert [t.name for t in store.list_teams("Example Logistics AG")] == [
        "Billing", "Order fulfilment"]
    a = store.create_assessment(team.id, "2026.11.0", on=date(2026, 5, 1), title="Spring")
    assert (a.team, a.organisation, a.state, a.date, a.title) == (
        "Order fulfilment", "Example Logistics AG", "draft", date(2026, 5, 1), "Spring")
    assert store.team("Order fulfilment").id == team.id
    assert [x.id for x in store.list_assessments(team="Order fulfilment")] == [a.id]
    assert store.list_assessments(organisation="Other GmbH") == []


def test_duplicates_and_unknowns_are_clear_errors(store: Store):
    _team(store)
    with pytest.raises(StoreError, match="already exists"):
        store.create_organisation("Example Logistics AG")
    with pytest.raises(StoreError, match="already exists"):
        store.create_team("Example Logistics AG", "Order fulfilment")
    with pytest.raises(StoreError, match="no organisation 'Nope'"):
        store.create_team("Nope", "x")
    with pytest.raises(StoreError, match="no assessment 99"):
        store.assessment(99)
    with pytest.raises(StoreError, match="needs a name"):
        store.create_organisation("  ")
    # the failed writes left the store as it was
    assert len(store.list_teams()) == 1


def test_answers_are_saved_replaced_and_checked(store: Store, catalogue):
    a = store.create_assessment(_team(store).id, catalogue.version)
    anna = store.add_participant(a.id, "dev", "Anna")
    anon = store.add_participant(a.id, "ops")
    assert (anna.label, anon.label, anon.name) == ("P1", "P2", None)
    store.save_answer(anna.id, "deployment_frequency", "from_12_to_29", catalogue=catalogue)
    store.save_answer(anna.id, "deployment_frequency", "from_1_to_3", "changed my mind",
                      catalogue=catalogue)
    store.save_answer(anon.id, "deployment_frequency", "dont_know", catalogue=catalogue)
    with pytest.raises(StoreError, match="'sometimes' is not an option"):
        store.save_answer(anon.id, "deployment_frequency", "sometimes", catalogue=catalogue)
    with pytest.raises(StoreError, match="unknown question id 'nope'"):
        store.save_answer(anon.id, "nope", "yes", catalogue=catalogue)
    with pytest.raises(StoreError, match="role must be one of"):
        store.add_participant(a.id, "ceo")
    got = [(x.participant, x.role, x.question_id, x.value, x.comment)
           for x in store.answers(a.id)]
    assert got == [("P1", "dev", "deployment_frequency", "from_1_to_3", "changed my mind"),
                   ("P2", "ops", "deployment_frequency", "dont_know", None)]
    responses = store.responses(a.id, catalogue)
    assert [r.role for r in responses.respondents] == ["dev", "ops"]
    assert responses.team == "Order fulfilment"


def test_imported_workshop_scores_like_the_file(store: Store, catalogue):
    path = ROOT_EXAMPLES / "workshop.yaml"
    from opsmaturity.scoring.answers import load_answers

    a = store.create_assessment(_team(store).id, catalogue.version, on=date(2026, 11, 19))
    store.import_answers(a.id, AnswersFile.model_validate(load_yaml(path).data))
    store.add_evidence(a.id, _evidence())
    from_store = store.compute(a.id, catalogue)
    from_file = score(catalogue, [_evidence()], load_answers(path, catalogue))
    assert from_store.findings == from_file.findings
    assert from_store.overall == from_file.overall
    assert store.evidence(a.id) == [_evidence()]
    rec = store.assessment(a.id)
    assert (rec.participants, rec.answers, rec.evidence_sets) == (8, 448, 1)


def test_finalised_assessment_is_frozen_and_makes_history(store: Store, catalogue):
    team = _team(store)
    weak, strong = (AnswersFile.model_validate(load_yaml(ROOT_EXAMPLES / f).data)
                    for f in ("weak-team.yaml", "strong-team.yaml"))
    first = store.create_assessment(team.id, catalogue.version, on=date(2026, 5, 1))
    store.import_answers(first.id, weak)
    second = store.create_assessment(team.id, catalogue.version, on=date(2026, 11, 1))
    store.import_answers(second.id, strong)
    draft = store.create_assessment(team.id, catalogue.version, on=date(2026, 12, 1))
    scored = store.finalise(first.id, catalogue)
    store.finalise(second.id, catalogue)

    assert store.snapshot(first.id) == scored
    assert store.assessment(first.id).state == "final"
    p = store.participants(first.id)[0]
    with pytest.raises(StoreError, match="is final"):
        store.save_answer(p.id, "deployment_frequency", "daily")
    with pytest.raises(StoreError, match="is final"):
        store.add_evidence(first.id, _evidence())
    with pytest.raises(StoreError, match="already final"):
        store.finalise(first.id, catalogue)

    points = store.history("Order fulfilment")
    assert [(x.assessment_id, x.date) for x in points] == [
        (first.id, date(2026, 5, 1)), (second.id, date(2026, 11, 1))]
    assert draft.id not in [x.assessment_id for x in points]
    assert points[0].risk_index == scored.overall.risk_index
    assert points[0].risk_index > points[1].risk_index  # the strong team carries less risk
    assert points[0].area_levels == {ar.area_id: ar.level for ar in scored.areas}


def test_snapshot_survives_catalogue_change(store: Store, catalogue, tmp_path):
    """Trends compare like with like: a final assessment keeps the score it was given."""
    a = store.create_assessment(_team(store).id, catalogue.version)
    store.import_answers(a.id, AnswersFile.model_validate(
        load_yaml(ROOT_EXAMPLES / "weak-team.yaml").data))
    frozen = store.finalise(a.id, catalogue)
    changed = catalogue.model_copy(update={"version": "2099.1.0"})
    assert store.compute(a.id, changed) == frozen


def test_workshop_join_codes_and_consensus(store: Store, catalogue):
    a = store.create_assessment(_team(store).id, catalogue.version)
    ws = store.open_workshop(a.id)
    assert len(ws.join_code) == 10 and set(ws.join_code) <= set("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    assert store.open_workshop(a.id).join_code == ws.join_code  # reused while open
    assert store.workshop_by_code(ws.join_code.lower()).assessment_id == a.id
    shown = shown_code(ws.join_code)  # read out as two groups of five
    assert shown == f"{ws.join_code[:5]}-{ws.join_code[5:]}"
    assert store.workshop_by_code(f" {shown.lower()} ").assessment_id == a.id
    store.save_consensus(a.id, "deployment_frequency", "from_1_to_3", "after discussion",
                         catalogue=catalogue)
    store.save_consensus(a.id, "deployment_frequency", "from_4_to_11", catalogue=catalogue)
    assert [(c.question_id, c.value, c.notes) for c in store.consensus(a.id)] == [
        ("deployment_frequency", "from_4_to_11", None)]
    store.close_workshop(a.id)
    assert store.workshop_by_code(ws.join_code).closed_at is not None  # closed, not unknown
    with pytest.raises(StoreError, match="no workshop has this join code"):
        store.workshop_by_code("ABCDE23456" if ws.join_code != "ABCDE23456" else "ABCDE23457")


def test_a_closed_workshop_takes_no_answers_and_reopens_as_it_was(store: Store, catalogue):
    team = _team(store)
    a = store.create_assessment(team.id, catalogue.version)
    ws = store.open_workshop(a.id)
    ann = store.add_participant(a.id, "dev", "Ann")
    store.save_answer(ann.id, "deployment_frequency", "from_1_to_3", catalogue=catalogue)
    store.close_workshop(a.id)
    with pytest.raises(StoreError, match="workshop is closed and takes no more answers"):
        store.save_answer(ann.id, "deployment_frequency", "from_4_to_11", catalogue=catalogue)
    assert [x.value for x in store.answers(a.id)] == ["from_1_to_3"]
    again = store.open_workshop(a.id)  # the same workshop continues: same code, same people
    assert again.join_code == ws.join_code and again.closed_at is None
    store.save_answer(ann.id, "deployment_frequency", "from_4_to_11", catalogue=catalogue)
    assert [p.id for p in store.participants(a.id)] == [ann.id]
    fresh = store.open_workshop(a.id, new_session=True)  # a new session is a choice
    assert fresh.join_code != ws.join_code
    assert store.workshop_by_code(ws.join_code).closed_at is not None
    # an assessment never run as a workshop takes answers (the CLI, imports)
    plain = store.create_assessment(team.id, catalogue.version)
    bob = store.add_participant(plain.id, "ops")
    store.save_answer(bob.id, "deployment_frequency", "from_1_to_3", catalogue=catalogue)


def test_joining_is_idempotent_per_browser_and_removed_participants_count_nowhere(
        store: Store, catalogue):
    a = store.create_assessment(_team(store).id, catalogue.version)
    store.open_workshop(a.id)
    first = store.add_participant(a.id, "dev", join_key="browser-1")
    assert store.add_participant(a.id, "dev", join_key="browser-1") == first  # double-click
    ghost = store.add_participant(a.id, "ops", join_key="browser-2")
    store.save_answer(first.id, "deployment_frequency", "from_1_to_3", catalogue=catalogue)
    store.save_answer(ghost.id, "deployment_frequency", "dont_know", catalogue=catalogue)
    before = store.fingerprint(a.id)
    store.remove_participant(ghost.id)
    assert [p.label for p in store.participants(a.id)] == ["P1"]
    assert [x.participant for x in store.answers(a.id)] == ["P1"]
    assert store.assessment(a.id).participants == 1 and store.assessment(a.id).answers == 1
    assert store.fingerprint(a.id) != before  # cached scores are redone without the ghost
    assert len(store.responses(a.id, catalogue).respondents) == 1
    assert store.participant(ghost.id).removed
    with pytest.raises(StoreError, match="removed"):
        store.save_answer(ghost.id, "deployment_frequency", "from_1_to_3", catalogue=catalogue)
    late = store.add_participant(a.id, "management")
    assert late.label == "P3"  # labels stay as they were given
    assert store.answer_counts(a.id) == {first.id: 1}  # the removed one counts nowhere
    assert store.participant_by_join_key(a.id, "browser-1") == first  # a second tab
    assert store.participant_by_join_key(a.id, "browser-2").removed  # the page says so
    assert store.participant_by_join_key(a.id, "browser-3") is None
    again = store.add_participant(a.id, "ops", join_key="browser-2")  # never resurrected
    assert again.id != ghost.id and not again.removed
    assert store.participant_by_join_key(a.id, "browser-2") == again
    with store.engine.connect() as conn:  # a hash, not what the browser holds
        keys = set(conn.execute(text("SELECT join_key FROM participants")).scalars())
    assert not {"browser-1", "browser-2"} & keys
    with pytest.raises(StoreError, match="at most 1000 characters, this one has 1001"):
        store.save_answer(late.id, "deployment_frequency", "from_1_to_3", "x" * 1001)


def test_blind_voting_agenda_and_timer_live_with_the_workshop(store: Store, catalogue):
    a = store.create_assessment(_team(store).id, catalogue.version)
    with pytest.raises(StoreError, match="no workshop: open one first"):
        store.set_blind(a.id, True)
    store.open_workshop(a.id)
    assert store.set_blind(a.id, True).blind
    store.reveal(a.id, "deployment_frequency")
    ws = store.reveal(a.id, "deployment_frequency")
    assert ws.revealed == ["deployment_frequency"]
    assert store.set_agenda(a.id, {"delivery": 20, "operations": 0}).agenda == {"delivery": 20}
    with pytest.raises(StoreError, match="whole numbers"):
        store.set_agenda(a.id, {"delivery": -1})
    timed = store.start_timer(a.id, "delivery")
    assert timed.timer_area == "delivery" and timed.timer_started_at is not None
    store.close_workshop(a.id)
    kept = store.open_workshop(a.id)
    assert kept.blind and kept.revealed == ["deployment_frequency"] and kept.timer_area
    assert store.start_timer(a.id, None).timer_started_at is None
