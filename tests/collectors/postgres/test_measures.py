"""How the standbys the cluster expects are counted when names differ between sources."""

from __future__ import annotations

from datetime import UTC, datetime

from opsmaturity.collectors.postgres.measures import Harvest, compute, sync_names
from opsmaturity.collectors.postgres.server import Replica, ServerState, Slot

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def values(h: Harvest) -> dict:
    return {m.id: m.value for m in compute(h, NOW)}


def primary(**kw) -> ServerState:
    return ServerState(display_name="db1:5432/postgres", version_num=160004, version="16.4",
                       in_recovery=False, **kw)


def test_a_standby_seen_by_slot_connection_and_itself_counts_once():
    p = primary(replicas=[Replica(name="node2", client="10.0.0.2", state="streaming",
                                  sync_state="sync", lag_bytes=0, replay_lag_seconds=0.0,
                                  pid=7)],
                slots=[Slot(name="slot_a", slot_type="physical", active=True,
                            wal_status="reserved", retained_bytes=0, active_pid=7)],
                synchronous_standby_names="FIRST 1 (node2, node3)")
    s = ServerState(display_name="db2:5432/postgres", version_num=160004, version="16.4",
                    in_recovery=True, receiver_status="streaming", receiver_slot="slot_a",
                    receiver_name="node2", replay_lag_bytes=0, replay_lag_seconds=0.0)
    v = values(Harvest(servers=[p, s]))
    # node2 streams (one standby, seen three ways); node3 is listed as synchronous but absent
    assert v["postgres.standbys_known"] == 2
    assert v["postgres.standbys_streaming"] == 1 and v["postgres.standbys_not_streaming"] == 1
    assert v["postgres.synchronous_standbys"] == 1


def test_backup_tool_receivers_are_not_standbys():
    p = primary(replicas=[Replica(name="barman_receive_wal", client="10.0.0.9",
                                  state="streaming", sync_state="async", lag_bytes=0,
                                  replay_lag_seconds=None, pid=9)])
    v = values(Harvest(servers=[p]))
    assert v["postgres.standbys_known"] == 0
    assert v["postgres.standbys_not_streaming"] is not None  # measured, but not applicable


def test_synchronous_standby_names_forms():
    assert sync_names('FIRST 1 (a, "b-2")') == ["a", "b-2"]
    assert sync_names("ANY 2 (x,y,z)") == ["x", "y", "z"]
    assert sync_names("a, b") == ["a", "b"] and sync_names("*") == [] and sync_names("") == []
