"""The demo organisation: built through the real collectors, shaped by maturity."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.app.demo import build_demo, load_demo
from opsmaturity.app.store import Store
from opsmaturity.scoring.catalogue import load_catalogue

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    store = Store.open(f"sqlite:///{tmp / 'store.db'}")
    catalogue = load_catalogue()
    seen: list[float] = []
    teams = build_demo(store, catalogue, tmp / "work", lambda _m, f: seen.append(f), now=NOW)
    yield store, catalogue, teams, seen
    store.close()


def test_six_teams_each_with_history_and_a_live_workshop(built):
    store, _, teams, progress = built
    demo = load_demo()
    assert [t.name for t in teams] == [t.name for t in demo.teams]
    assert progress[-1] == 1.0 and progress == sorted(progress)
    for team in teams:
        listed = store.list_assessments(team=team.name)
        assert [a.state for a in listed] == ["final", "final", "draft"]
        current = store.assessment(team.current_assessment)
        assert current.participants == 12
        roles = [p.role for p in store.participants(current.id)]
        assert roles.count("dev") == 5 and roles.count("management") == 2
        assert store.workshop_by_code(team.join_code).assessment_id == current.id
        collectors = {e.collector for e in store.evidence(current.id)}
        assert {"git", "ci", "incidents", "monitoring"} <= collectors


def _mean_level(a) -> float:
    return sum(x.level for x in a.areas if x.level is not None) / len(a.areas)


def test_maturity_follows_the_teams_order_and_risk_improves_over_time(built):
    store, catalogue, teams, _ = built
    scored = [store.compute(t.current_assessment, catalogue) for t in teams]
    # Teams are listed from least to most mature: their area maturity rises in that order.
    # (The risk index no longer does: risk is likelihood x impact, and the demo's context
    # answers give the Legacy ERP a small business impact and the Warehouse a large one.)
    levels = [_mean_level(a) for a in scored]
    assert levels == sorted(levels) and len(set(levels)) == len(levels)
    assert scored[-1].overall.risk_level == "low"
    assert scored[0].overall.signs_present == len(scored[0].findings)
    for team in teams:
        history = [h.risk_index for h in store.history(team.name)]
        assert len(history) == 2 and history[0] > history[1]


def test_workshops_disagree_like_real_ones(built):
    store, catalogue, teams, _ = built
    scored = store.compute(teams[1].current_assessment, catalogue)
    stats = [q for f in scored.findings for q in f.answers]
    assert any(q.disagreement for q in stats)
    # management sees the team more rosily than its developers do
    gaps = [q.role_medians["management"] - q.role_medians["dev"] for q in stats
            if {"management", "dev"} <= set(q.role_medians)]
    assert sum(gaps) / len(gaps) > 0.1


def test_evidence_reaches_the_findings(built):
    store, catalogue, teams, _ = built
    weakest = store.compute(teams[0].current_assessment, catalogue)
    strongest = store.compute(teams[-1].current_assessment, catalogue)
    assert strongest.dora is not None and strongest.dora.cluster in ("elite", "high")
    known = [p for f in weakest.findings for p in f.probes if p.outcome in ("true", "false")]
    assert len(known) >= 15


def test_legacy_database_cluster_is_seen_from_recorded_outputs(built):
    """The legacy team's standby has been down for days and its last backup is old; the
    platform team's cluster streams, backs up nightly and switched over recently."""
    store, catalogue, teams, _ = built

    def pg(team) -> dict:
        ev = next(e for e in store.evidence(team.current_assessment) if e.collector == "postgres")
        return {m.id: m.value for m in ev.measures}

    legacy, platform = pg(teams[0]), pg(teams[-1])
    assert legacy["postgres.standbys_not_streaming"] == 1
    assert legacy["postgres.last_backup_age_hours"] > 200
    assert legacy["postgres.failovers_last_year"] == 0
    assert legacy["postgres.major_version_supported"] is False  # 12 ended in November 2024
    assert platform["postgres.standbys_not_streaming"] == 0
    assert platform["postgres.last_backup_age_hours"] < 26
    assert platform["postgres.failovers_last_year"] == 1
    weakest = store.compute(teams[0].current_assessment, catalogue)
    recovery = weakest.finding("recovery_depends_on_individuals")
    outcomes = {p.probe_id: p.healthy for p in recovery.probes}
    assert outcomes["standbys_are_streaming"] is False
    assert outcomes["backup_within_policy"] is False
    assert outcomes["failover_exercised_within_a_year"] is False
    strongest = store.compute(teams[-1].current_assessment, catalogue)
    outcomes = {p.probe_id: p.healthy
                for p in strongest.finding("recovery_depends_on_individuals").probes}
    assert outcomes["backup_within_policy"] is True
    assert outcomes["failover_exercised_within_a_year"] is True


def test_demo_command_builds_once_and_rebuilds_on_reset(tmp_path, monkeypatch):
    monkeypatch.setenv("OPSMATURITY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("OPSMATURITY_DATABASE_URL", raising=False)
    runner = CliRunner()
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert "Legacy ERP" in first.stdout and "Platform" in first.stdout
    again = runner.invoke(app, ["demo"])
    assert again.exit_code == 0 and "already in the store" in again.stderr
    reset = runner.invoke(app, ["demo", "--reset"])
    assert reset.exit_code == 0, reset.output
    store = Store.open(f"sqlite:///{tmp_path / 'opsmaturity.db'}")
    assert len(store.list_organisations()) == 1
    assert len(store.list_assessments()) == 18
    store.close()
