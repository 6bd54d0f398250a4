"""The postgres collector against real servers: a primary and a streaming standby on
loopback ports, logged into with a role that has only pg_monitor, and pgBackRest taking a
real backup into a local repository. The tests run in file order on one cluster; each puts
the cluster back as it found it, except the promotion, which comes last."""

from __future__ import annotations

import json
import time
from pathlib import Path

from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.collectors import get_collector
from opsmaturity.core.evidence import EvidenceSet

from .cluster import MONITOR_PASSWORD, PgCluster


def collect(**options) -> EvidenceSet:
    collector = get_collector("postgres")
    return collector.collect(collector.config_model(**options))


def values(ev: EvidenceSet) -> dict:
    return {m.id: m.value for m in ev.measures}


def both(c: PgCluster) -> list[str]:
    return [c.primary.monitor_dsn(), c.standby.monitor_dsn()]


def test_streaming_standby_and_real_backup(cluster: PgCluster):
    ev = collect(dsns=both(cluster), pgbackrest_stanza=cluster.stanza,
                 pgbackrest_command=cluster.cmd("pgbackrest",
                                                f"--config={cluster.pgbackrest_conf}"))
    v = values(ev)
    assert ev.coverage.ratio == 1 and not ev.partial, ev.coverage
    assert v["postgres.servers_reached"] == 2 and v["postgres.primaries"] == 1
    assert v["postgres.standbys_known"] == 1
    assert v["postgres.standbys_streaming"] == 1
    assert v["postgres.standbys_not_streaming"] == 0
    seen = ev.measure("postgres.standbys_known").details["standbys"][0]["seen"]
    assert any("pg_stat_replication streaming" in s for s in seen)
    assert any("WAL receiver streaming" in s for s in seen)
    assert v["postgres.replication_slots"] == 1
    assert v["postgres.replication_slots_inactive"] == 0
    assert v["postgres.wal_archiving_enabled"] is True
    assert v["postgres.wal_archive_failing"] is False
    assert v["postgres.last_archived_wal_age_hours"] < 1
    assert v["postgres.backups_total"] == 1 and v["postgres.backups_failed"] == 0
    assert v["postgres.last_backup_age_hours"] < 1
    assert v["postgres.last_full_backup_age_hours"] < 1
    assert v["postgres.wal_archive_continuous"] is True
    assert v["postgres.failovers_last_year"] == 0 and v["postgres.timeline"] == 1
    major = cluster.primary.sql("SHOW server_version")[0][0].split(".")[0]
    assert v["postgres.server_version"].startswith(major + ".")
    assert v["postgres.upgrade_blocking_extensions"] == 0
    assert MONITOR_PASSWORD not in ev.to_json()
    assert "monitor@" not in ev.source and "127.0.0.1" in ev.source


def test_session_is_read_only(cluster: PgCluster):
    """What the collector's login can do: read-only transactions by default."""
    import psycopg

    from opsmaturity.collectors.postgres.server import read_server

    read_server(cluster.primary.monitor_dsn())
    names = [r[0] for r in cluster.primary.sql(
        "SELECT application_name FROM pg_stat_activity")]
    assert "opsmaturity" not in names  # the session was closed
    with psycopg.connect(cluster.primary.monitor_dsn(),
                         options="-c default_transaction_read_only=on") as conn:
        try:
            conn.execute("CREATE TABLE nope (i int)")
            raise AssertionError("a read-only session created a table")
        except psycopg.errors.ReadOnlySqlTransaction:
            pass


def test_lagging_standby_shows_replay_lag(cluster: PgCluster):
    # A transaction the standby replays first: the lag in seconds is counted from it.
    cluster.primary.sql("INSERT INTO t (v) VALUES ('before the pause')")
    deadline = time.monotonic() + 20
    while not cluster.standby.sql("SELECT 1 FROM t WHERE v = 'before the pause'"):
        assert time.monotonic() < deadline, "the standby did not replay"
        time.sleep(0.1)
    cluster.standby.sql("SELECT pg_wal_replay_pause()")
    time.sleep(1.5)
    try:
        cluster.primary.sql("INSERT INTO t (v) SELECT repeat('x', 200) "
                            "FROM generate_series(1, 5000)")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            row = cluster.standby.sql(
                "SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())")
            if row[0][0] > 0:
                break
            time.sleep(0.1)
        ev = collect(dsns=both(cluster))
        v = values(ev)
        assert v["postgres.standbys_streaming"] == 1  # still receiving: lagging, not missing
        assert v["postgres.replay_lag_bytes_max"] > 500_000
        assert v["postgres.replay_lag_seconds_max"] >= 1.5
        seen = ev.measure("postgres.standbys_known").details["standbys"][0]["seen"]
        assert any("replay paused" in s for s in seen)
    finally:
        cluster.standby.sql("SELECT pg_wal_replay_resume()")


def test_stopped_standby_shows_as_missing_with_a_warning(cluster: PgCluster, tmp_path: Path):
    cluster.standby.stop()
    try:
        out = tmp_path / "ev.json"
        primary, standby = both(cluster)
        result = CliRunner().invoke(app, ["collect", "postgres", "--dsn", primary,
                                          "--dsn", standby, "--out", str(out)])
        assert result.exit_code == 0, result.output
        warnings = [ln for ln in result.output.splitlines() if ln.startswith("warning:")]
        assert len(warnings) == 1 and f":{cluster.standby.port}/postgres" in warnings[0]
        assert MONITOR_PASSWORD not in result.output
        text = out.read_text()
        assert MONITOR_PASSWORD not in text
        ev = EvidenceSet.model_validate(json.loads(text))
        v = values(ev)
        assert ev.partial and ev.coverage.ratio == 0.5
        assert v["postgres.servers_unreachable"] == 1
        assert v["postgres.standbys_not_streaming"] == 1
        assert v["postgres.standbys_streaming"] == 0
        assert v["postgres.replication_slots_inactive"] == 1
        missing = ev.measure("postgres.standbys_not_streaming").details["not_streaming"]
        assert missing[0]["name"] == "standby1"
        assert "physical slot inactive" in missing[0]["seen"][0]
    finally:
        cluster.standby.start()
        cluster.wait_streaming()


def test_pgbackrest_info_file_old_backup(cluster: PgCluster, tmp_path: Path):
    """The real `pgbackrest info` output as a file, its backup moved ten days back."""
    raw = json.loads(cluster.pgbackrest("info", "--output=json"))
    for b in raw[0]["backup"]:
        b["timestamp"]["start"] -= 10 * 86400
        b["timestamp"]["stop"] -= 10 * 86400
    info = tmp_path / "info.json"
    info.write_text(json.dumps(raw))
    v = values(collect(pgbackrest_info=info))
    assert 239 < v["postgres.last_backup_age_hours"] < 241
    assert v["postgres.wal_archive_continuous"] is True
    assert v["postgres.servers_reached"] == 0 and v["postgres.standbys_known"] is None


def test_promoted_standby_is_seen_as_a_failover(cluster: PgCluster):
    cluster.standby.sql("SELECT pg_promote(true, 30)")
    ev = collect(dsns=both(cluster))
    v = values(ev)
    assert v["postgres.failovers_last_year"] == 1
    assert v["postgres.days_since_last_failover"] < 1
    assert v["postgres.timeline"] == 2
    switches = ev.measure("postgres.failovers_last_year").details["switches"]
    assert [s["timeline"] for s in switches] == [2]
    assert v["postgres.primaries"] == 2  # the old primary still runs: both accept writes
    assert v["postgres.standbys_not_streaming"] == 1  # its slot on the old primary is idle
