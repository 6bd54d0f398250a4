"""Backup tools from real-shaped outputs, Patroni from its documented REST answers served
over HTTP (with the project's retry policy), and the CLI's errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.collectors import get_collector
from opsmaturity.collectors.base import CollectorError
from opsmaturity.core.evidence import EvidenceSet
from opsmaturity.core.times import now_utc

FIXTURES = Path(__file__).parents[2] / "fixtures" / "postgres"


def collect(**options) -> EvidenceSet:
    collector = get_collector("postgres")
    return collector.collect(collector.config_model(**options))


def values(ev: EvidenceSet) -> dict:
    return {m.id: m.value for m in ev.measures}


def hours_since(when: datetime) -> float:
    return (now_utc() - when).total_seconds() / 3600


# ------------------------------------------------------------------------------ backups

def test_barman_list_backups_and_check_text():
    ev = collect(barman=[FIXTURES / "barman-list-backups.txt", FIXTURES / "barman-check.txt"])
    v = values(ev)
    assert v["postgres.backups_total"] == 3 and v["postgres.backups_failed"] == 1
    expected = hours_since(datetime(2026, 12, 3, 1, 12, 45, tzinfo=UTC))
    assert v["postgres.last_backup_age_hours"] == pytest.approx(expected, abs=0.02)
    assert v["postgres.last_full_backup_age_hours"] == v["postgres.last_backup_age_hours"]
    assert v["postgres.wal_archive_continuous"] is False
    checks = ev.measure("postgres.wal_archive_continuous").details["checks"]
    assert {c["source"]: c["continuous"] for c in checks} == {
        "barman check: continuous archiving": False, "barman check: archiver errors": False}
    notes = ev.measure("postgres.backups_total").details["notes"]
    assert any("backup maximum age: FAILED" in n for n in notes)
    assert any("read as UTC" in n for n in notes)
    assert ev.coverage.ratio == 1 and v["postgres.servers_reached"] == 0


def test_barman_json_list_backups():
    v = values(collect(barman=[FIXTURES / "barman-list-backups.json"]))
    assert v["postgres.backups_total"] == 2 and v["postgres.backups_failed"] == 1
    expected = hours_since(datetime(2026, 12, 3, 1, 12, 45, tzinfo=UTC))
    assert v["postgres.last_backup_age_hours"] == pytest.approx(expected, abs=0.02)
    assert v["postgres.wal_archive_continuous"] is None  # list-backups says nothing of WAL


def test_walg_full_and_delta_with_a_wal_gap():
    ev = collect(walg=[FIXTURES / "walg-backup-list.json", FIXTURES / "walg-wal-verify.json"])
    v = values(ev)
    assert v["postgres.backups_total"] == 2
    delta = hours_since(datetime(2026, 11, 30, 2, 1, 41, 771000, tzinfo=UTC))
    full = hours_since(datetime(2026, 11, 29, 2, 5, 11, 318000, tzinfo=UTC))
    assert v["postgres.last_backup_age_hours"] == pytest.approx(delta, abs=0.02)
    assert v["postgres.last_full_backup_age_hours"] == pytest.approx(full, abs=0.02)
    assert v["postgres.wal_archive_continuous"] is False
    checks = ev.measure("postgres.wal_archive_continuous").details["checks"]
    assert [(c["source"], c["continuous"]) for c in checks] == [
        ("wal-g wal-verify integrity", False), ("wal-g wal-verify timeline", True)]


def test_pgbackrest_failed_incremental_and_archive_gap():
    ev = collect(pgbackrest_info=FIXTURES / "pgbackrest-info-gap.json")
    v = values(ev)
    assert v["postgres.backups_total"] == 2 and v["postgres.backups_failed"] == 1
    # the failed incremental does not count: the last good backup is the full one
    full = hours_since(datetime(2026, 11, 19, 1, 3, 10, tzinfo=UTC))
    assert v["postgres.last_backup_age_hours"] == pytest.approx(full, abs=0.02)
    assert v["postgres.wal_archive_continuous"] is False
    why = ev.measure("postgres.wal_archive_continuous").details["checks"][0]["why"]
    assert "000000010000000200000010" in why


def test_backup_tool_without_a_good_backup_reads_as_too_old(tmp_path: Path):
    raw = json.loads((FIXTURES / "pgbackrest-info-gap.json").read_text())
    for b in raw[0]["backup"]:
        b["error"] = True
    path = tmp_path / "info.json"
    path.write_text(json.dumps(raw))
    ev = collect(pgbackrest_info=path)
    m = ev.measure("postgres.last_backup_age_hours")
    assert m.value == 1_000_000 and m.details["no_backup"] is True


def test_unreadable_backup_file_is_a_problem_not_a_crash(tmp_path: Path):
    bad = tmp_path / "list.txt"
    bad.write_text("this is not barman output\n")
    broken = tmp_path / "walg.json"
    broken.write_text('[{"backup_name": "base_1",\n "time": }]')
    ev = collect(barman=[bad], walg=[broken, FIXTURES / "walg-backup-list.json"])
    assert ev.partial and ev.coverage.ratio == pytest.approx(1 / 3, abs=0.001)
    assert any(str(bad) in p and "barman" in p for p in ev.coverage.missing)
    assert any(f"{broken}:2: invalid JSON" in p for p in ev.coverage.missing)
    assert values(ev)["postgres.backups_total"] == 2


# ------------------------------------------------------------------------------ Patroni

def _history(now: datetime) -> list:
    def at(days: float) -> str:
        return (now - timedelta(days=days)).isoformat()
    return [[1, 25623960, "no recovery target specified", at(700)],
            [2, 25624344, "no recovery target specified", at(400), "pg-dc2"],
            [3, 50331856, "no recovery target specified", at(40), "pg-dc1"]]


def test_patroni_cluster_and_history(httpserver: HTTPServer):
    httpserver.expect_request("/cluster").respond_with_json(
        json.loads((FIXTURES / "patroni-cluster.json").read_text()))
    httpserver.expect_request("/history").respond_with_json(_history(now_utc()))
    ev = collect(patroni=[httpserver.url_for("/")])
    v = values(ev)
    assert v["postgres.primaries"] == 1
    assert v["postgres.standbys_known"] == 2 and v["postgres.standbys_streaming"] == 1
    assert v["postgres.standbys_not_streaming"] == 1
    assert ev.measure("postgres.standbys_not_streaming").details["not_streaming"][0][
        "name"] == "pg-dc2-b"
    assert v["postgres.synchronous_standbys"] == 1
    assert v["postgres.replay_lag_bytes_max"] == 0
    assert v["postgres.failovers_last_year"] == 1
    assert v["postgres.days_since_last_failover"] == pytest.approx(40, abs=0.1)
    assert v["postgres.timeline"] == 4
    assert v["postgres.patroni_paused"] is True
    switches = ev.measure("postgres.failovers_last_year").details["switches"]
    assert [s["timeline"] for s in switches] == [2, 3, 4]


def test_patroni_no_switch_in_a_year(httpserver: HTTPServer):
    httpserver.expect_request("/cluster").respond_with_json(
        json.loads((FIXTURES / "patroni-cluster.json").read_text()))
    httpserver.expect_request("/history").respond_with_json(_history(now_utc())[:2])
    v = values(collect(patroni=[httpserver.url_for("/")]))
    assert v["postgres.failovers_last_year"] == 0
    assert v["postgres.days_since_last_failover"] == pytest.approx(400, abs=0.1)


def test_patroni_retries_server_errors_and_rate_limits(httpserver: HTTPServer):
    httpserver.expect_ordered_request("/cluster").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/cluster").respond_with_json(
        json.loads((FIXTURES / "patroni-cluster.json").read_text()))
    httpserver.expect_ordered_request("/history").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "0"})
    httpserver.expect_ordered_request("/history").respond_with_json([])
    ev = collect(patroni=[httpserver.url_for("/")])
    assert not ev.partial
    assert values(ev)["postgres.failovers_last_year"] == 0
    httpserver.check_assertions()


def test_patroni_401_is_one_problem_and_no_credentials(httpserver: HTTPServer):
    httpserver.expect_request("/cluster").respond_with_data("no", status=401)
    url = httpserver.url_for("/").replace("http://", "http://admin:pat-secret@")
    ev = collect(patroni=[url], barman=[FIXTURES / "barman-list-backups.txt"])
    assert ev.partial and ev.coverage.ratio == 0.5
    assert len(ev.coverage.missing) == 1 and "401" in ev.coverage.missing[0]
    assert "pat-secret" not in ev.to_json()
    v = values(ev)
    assert v["postgres.standbys_known"] is None and v["postgres.backups_total"] == 3


# ------------------------------------------------------------------------------ CLI

def test_cli_needs_a_source_and_one_pgbackrest_way(tmp_path: Path):
    runner = CliRunner()
    none = runner.invoke(app, ["collect", "postgres", "--out", str(tmp_path / "e.json")])
    assert none.exit_code == 2 and "no PostgreSQL source given" in none.output
    both = runner.invoke(app, ["collect", "postgres", "--pgbackrest-info",
                               str(FIXTURES / "pgbackrest-info-gap.json"),
                               "--pgbackrest-stanza", "main"])
    assert both.exit_code == 2 and "not both" in both.output
    missing = runner.invoke(app, ["collect", "postgres", "--barman", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    bad_url = runner.invoke(app, ["collect", "postgres", "--patroni", "db1:8008"])
    assert bad_url.exit_code == 2 and "--patroni" in bad_url.output
    assert not (tmp_path / "e.json").exists()


def test_cli_unreachable_dsn_is_one_warning_and_keeps_the_password_out(tmp_path: Path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "e.json"
    result = CliRunner().invoke(app, [
        "collect", "postgres", "--dsn", f"postgresql://ops:hunter2-pw@127.0.0.1:{port}/orders",
        "--walg", str(FIXTURES / "walg-backup-list.json"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    warnings = [ln for ln in result.output.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1 and f"127.0.0.1:{port}/orders: cannot connect" in warnings[0]
    assert "hunter2-pw" not in result.output and "hunter2-pw" not in out.read_text()
    ev = EvidenceSet.model_validate_json(out.read_text())
    assert ev.coverage.ratio == 0.5 and values(ev)["postgres.servers_unreachable"] == 1


def test_collector_rejects_no_source():
    with pytest.raises(CollectorError):
        collect()


def test_patroni_recorded_answers_file(tmp_path: Path):
    recorded = tmp_path / "patroni.json"
    recorded.write_text(json.dumps({
        "cluster": json.loads((FIXTURES / "patroni-cluster.json").read_text()),
        "history": _history(now_utc())[:2]}))
    ev = collect(patroni_files=[recorded])
    v = values(ev)
    assert v["postgres.standbys_not_streaming"] == 1 and v["postgres.failovers_last_year"] == 0
    assert f"patroni: {recorded}" in ev.source
    broken = tmp_path / "broken.json"
    broken.write_text('{"history": []}')
    ev = collect(patroni_files=[broken])
    assert ev.partial and "not recorded Patroni answers" in ev.coverage.missing[0]
