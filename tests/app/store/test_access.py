"""Accounts and scoped reads, on SQLite and PostgreSQL: another organisation's ids are
"not found" exactly like ids that do not exist, and lists leave them out."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from opsmaturity.app.store import Scope, Store, StoreError
from opsmaturity.app.store.accounts import scope_of
from opsmaturity.core.evidence import Coverage, EvidenceSet, Measure
from opsmaturity.scoring.answers import AnswersFile

PASSWORD = "correct horse battery"
MISSING = 999_999
WHEN = datetime(2026, 5, 1, tzinfo=UTC)


def _two_clients(store: Store, catalogue) -> dict[str, int]:
    """Two organisations, each with a team, an assessment (answers, evidence, a workshop)."""
    ids = {}
    for org, team in (("Acme", "Payments"), ("Globex", "Search")):
        store.create_organisation(org)
        t = store.create_team(org, team)
        a = store.create_assessment(t.id, catalogue.version, on=date(2026, 5, 1))
        people = store.import_answers(a.id, AnswersFile.model_validate({
            "participants": [{"name": f"Someone at {org}", "role": "ops",
                              "answers": {"deployment_frequency": "from_1_to_3"}}]}))
        store.add_evidence(a.id, EvidenceSet(collector="git", source=".", collected_at=WHEN,
                                             coverage=Coverage(ratio=1.0),
                                             measures=[Measure(id="git.x", value=1)]))
        store.open_workshop(a.id)
        ids |= {f"{org}_org": store.organisation(org).id, f"{org}_team": t.id,
                f"{org}_a": a.id, f"{org}_p": people[0].id}
    return ids


def test_accounts_keep_only_an_argon2_hash_and_check_it(store: Store):
    assert not store.has_users()
    store.create_organisation("Acme")
    ada = store.add_user("ada", "admin", PASSWORD)
    fran = store.add_user("fran", "facilitator", PASSWORD + "!", ["Acme"])
    assert store.has_users()
    assert (ada.role, ada.organisations, fran.organisations) == ("admin", [], ["Acme"])
    with store.engine.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT password_hash FROM users"))]
        everything = " ".join(str(v) for r in conn.execute(text("SELECT * FROM users"))
                              for v in r)
    assert all(h.startswith("$argon2id$") for h in stored)
    assert PASSWORD not in everything
    assert store.authenticate("ada", PASSWORD) == ada
    assert store.authenticate("ada", "wrong password") is None
    assert store.authenticate("nobody", PASSWORD) is None
    assert store.authenticate("fran", PASSWORD + "!").organisation_ids == [
        store.organisation("Acme").id]
    store.set_password("ada", "another long password")
    assert store.authenticate("ada", PASSWORD) is None
    assert store.authenticate("ada", "another long password") is not None
    store.set_password("ada", None)  # OpenID Connect only: no password logs in
    assert store.authenticate("ada", "") is None
    assert not store.user("ada").has_password
    with pytest.raises(StoreError, match="at least 10"):
        store.add_user("bob", "facilitator", "short")
    with pytest.raises(StoreError, match="already exists"):
        store.add_user("ada", "admin", PASSWORD)
    with pytest.raises(StoreError, match="role must be"):
        store.add_user("eve", "root", PASSWORD)
    store.remove_user("fran")
    assert [u.name for u in store.users()] == ["ada"]
    assert store.authenticate("fran", PASSWORD + "!") is None


def test_a_scoped_store_cannot_manage_accounts(store: Store):
    store.add_user("ada", "admin", PASSWORD)
    scoped = store.scoped(Scope.of_organisations([]))
    for call in (lambda: scoped.add_user("eve", "admin", PASSWORD),
                 lambda: scoped.set_password("ada", PASSWORD), scoped.users,
                 lambda: scoped.remove_user("ada"), lambda: scoped.grant("ada", [])):
        with pytest.raises(StoreError, match="opsmaturity user"):
            call()


def test_a_facilitator_reads_exactly_their_organisations(store: Store, catalogue):
    ids = _two_clients(store, catalogue)
    store.add_user("fran", "facilitator", PASSWORD, ["Acme"])
    fran = store.scoped(scope_of(store.user("fran")))
    assert [o.name for o in fran.list_organisations()] == ["Acme"]
    assert [t.name for t in fran.list_teams()] == ["Payments"]
    assert [a.id for a in fran.list_assessments()] == [ids["Acme_a"]]
    assert [a.id for a in fran.latest_assessments()] == [ids["Acme_a"]]
    both = [ids["Acme_a"], ids["Globex_a"]]
    assert list(fran.fingerprints(both)) == [ids["Acme_a"]]
    assert list(fran.scoring_inputs(both, catalogue)) == [ids["Acme_a"]]
    assert fran.assessment(ids["Acme_a"]).team == "Payments"
    assert fran.participants(ids["Acme_a"])[0].name == "Someone at Acme"
    # everything of Globex answers as if it did not exist (same message as a missing id)
    other, missing = ids["Globex_a"], MISSING
    for what, call in {
        "assessment": lambda a: fran.assessment(a),
        "participants": lambda a: fran.participants(a),
        "answers": lambda a: fran.answers(a),
        "evidence": lambda a: fran.evidence(a),
        "consensus": lambda a: fran.consensus(a),
        "snapshot": lambda a: fran.snapshot(a),
        "current_workshop": lambda a: fran.current_workshop(a),
        "fingerprint": lambda a: fran.fingerprint(a),
        "open_workshop": lambda a: fran.open_workshop(a),
        "close_workshop": lambda a: fran.close_workshop(a),
        "add_evidence": lambda a: fran.add_evidence(a, EvidenceSet(
            collector="git", source=".", collected_at=WHEN, coverage=Coverage(ratio=1.0))),
        "add_participant": lambda a: fran.add_participant(a, "dev"),
        "save_consensus": lambda a: fran.save_consensus(a, "deployment_frequency",
                                                        "from_1_to_3"),
        "finalise": lambda a: fran.finalise(a, catalogue),
    }.items():
        messages = []
        for aid in (other, missing):
            with pytest.raises(StoreError) as caught:
                call(aid)
            messages.append(str(caught.value).replace(str(aid), "ID"))
        assert messages[0] == messages[1], what
    with pytest.raises(StoreError, match="no team with id"):
        fran.team(ids["Globex_team"])
    with pytest.raises(StoreError, match="no team"):
        fran.history(ids["Globex_team"])
    with pytest.raises(StoreError, match="no team 'Search'"):
        fran.team("Search")
    with pytest.raises(StoreError, match="no organisation"):
        fran.list_teams("Globex")
    with pytest.raises(StoreError, match=f"no participant {ids['Globex_p']}"):
        fran.participant(ids["Globex_p"])
    with pytest.raises(StoreError):
        fran.save_answer(ids["Globex_p"], "deployment_frequency", "from_4_to_11")
    with pytest.raises(StoreError, match="not one of yours"):
        fran.ensure_team("Globex", "New team")
    with pytest.raises(StoreError, match="not one of yours"):
        fran.ensure_team("Brand new org", "New team")
    with pytest.raises(StoreError, match="only an admin"):
        fran.create_organisation("Initech")
    assert fran.snapshot_texts(both) == {}  # nothing final, and Globex not even asked
    # nothing of Globex changed through the attempts
    assert store.current_workshop(ids["Globex_a"]) is not None
    assert store.assessment(ids["Globex_a"]).participants == 1
    # a team of their own organisation can be added
    assert fran.ensure_team("Acme", "Billing").organisation == "Acme"
    # the unscoped store (the CLI) and an admin see both
    admin = store.scoped(scope_of(store.add_user("ada", "admin", PASSWORD)))
    assert {a.id for a in admin.latest_assessments()} == set(both)
    assert len(store.list_organisations()) == 2


def test_a_participant_scope_is_one_assessment_and_lists_nothing(store: Store, catalogue):
    ids = _two_clients(store, catalogue)
    me = store.scoped(Scope.of_assessment(ids["Acme_a"]))
    assert me.list_organisations() == [] and me.list_teams() == []
    assert [a.id for a in me.list_assessments()] == [ids["Acme_a"]]
    assert me.assessment(ids["Acme_a"]).id == ids["Acme_a"]
    p = me.add_participant(ids["Acme_a"], "dev")
    me.save_answer(p.id, "deployment_frequency", "from_4_to_11")
    assert [a.value for a in me.participant_answers(p.id)] == ["from_4_to_11"]
    with pytest.raises(StoreError, match="no assessment"):
        me.assessment(ids["Globex_a"])
    with pytest.raises(StoreError, match="no participant"):
        me.participant(ids["Globex_p"])
    with pytest.raises(StoreError):
        me.save_answer(ids["Globex_p"], "deployment_frequency", "from_4_to_11")
    # the join code itself is the permission: found whatever the scope
    code = store.current_workshop(ids["Globex_a"]).join_code
    assert store.scoped(Scope.nothing()).workshop_by_code(code).assessment_id == ids["Globex_a"]


def test_removing_an_organisation_removes_its_grants(store: Store, catalogue):
    ids = _two_clients(store, catalogue)
    store.add_user("fran", "facilitator", PASSWORD, ["Acme", "Globex"])
    store.delete_organisation("Globex")
    assert store.user("fran").organisation_ids == [ids["Acme_org"]]
    assert store.grant("fran", []).organisations == []


def test_a_scoped_store_neither_reads_nor_writes_another_organisations_plan(store: Store,
                                                                           catalogue):
    from opsmaturity.reports.xlsx_read import PlanRow

    ids = _two_clients(store, catalogue)
    row = PlanRow(recommendation_id="runbooks_as_byproduct", owner="Anna", due=None,
                  status="open", notes=None)
    store.set_plan(ids["Globex_a"], [row])
    acme = store.scoped(Scope.of_organisations([ids["Acme_org"]]))
    for call in (lambda: acme.plan(ids["Globex_a"]),
                 lambda: acme.set_plan(ids["Globex_a"], []),
                 lambda: acme.replace_answers(ids["Globex_a"], [])):
        with pytest.raises(StoreError, match="no assessment"):
            call()
    assert [p.owner for p in store.plan(ids["Globex_a"])] == ["Anna"]
    acme.set_plan(ids["Acme_a"], [row])
    assert [p.owner for p in acme.plan(ids["Acme_a"])] == ["Anna"]
