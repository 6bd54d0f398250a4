"""From what the servers, Patroni and the backup tools said to `postgres.*` measures.

Definitions (docs/postgres-evidence.md):

- a **standby** is anything the cluster expects to replicate: a row of a primary's
  `pg_stat_replication` (WAL receivers of backup tools left out), a physical replication
  slot (joined to its connection by `active_pid`), a name in `synchronous_standby_names`, a
  server given with `--dsn` that is in recovery, or a Patroni replica. It **streams** when
  any of them shows it streaming; else it is not streaming and the details say why (slot
  inactive, listed as synchronous but not connected, WAL receiver stopped, Patroni state);
- lag is the largest over streaming standbys: bytes of WAL not yet replayed, and seconds
  since the last replayed transaction while WAL is waiting to be replayed;
- a failover is a timeline switch: Patroni's `/history` when Patroni was read, else the
  timeline history files (`0000000N.history`) in `pg_wal`, dated by their modification time.
  A restore to a point in time also starts a timeline; the details list every switch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from opsmaturity.core.evidence import Measure
from opsmaturity.core.sources import safe_load

from .backups import BackupReport
from .patroni import PatroniCluster
from .server import ServerState

RECEIVER_NAMES = {"pg_receivewal", "barman_receive_wal", "pg_basebackup", "wal-g"}
STREAMING_PATRONI_STATES = {"streaming", "running"}
YEAR = timedelta(days=365)
NEVER = 1_000_000.0
"""The backup age, in hours, when the tools were read and show no successful backup."""

MEASURES: tuple[str, ...] = (
    "postgres.servers_reached", "postgres.servers_unreachable", "postgres.primaries",
    "postgres.standbys_known", "postgres.standbys_streaming", "postgres.standbys_not_streaming",
    "postgres.synchronous_standbys", "postgres.replay_lag_bytes_max",
    "postgres.replay_lag_seconds_max", "postgres.replication_slots",
    "postgres.replication_slots_inactive", "postgres.replication_slots_wal_lost",
    "postgres.replication_slot_retained_wal_bytes_max", "postgres.wal_archiving_enabled",
    "postgres.wal_archive_failing", "postgres.wal_archive_failures",
    "postgres.last_archived_wal_age_hours", "postgres.backups_total", "postgres.backups_failed",
    "postgres.last_backup_age_hours", "postgres.last_full_backup_age_hours",
    "postgres.wal_archive_continuous", "postgres.failovers_last_year",
    "postgres.days_since_last_failover", "postgres.timeline", "postgres.patroni_paused",
    "postgres.server_version", "postgres.major_version_supported",
    "postgres.days_to_end_of_life", "postgres.minor_releases_behind",
    "postgres.upgrade_blocking_extensions",
)


@dataclass
class Harvest:
    servers: list[ServerState] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    patroni: list[PatroniCluster] = field(default_factory=list)
    backups: BackupReport | None = None
    problems: list[str] = field(default_factory=list)


@cache
def release_data() -> dict[str, Any]:
    path = Path(__file__).with_name("releases.yaml")
    return safe_load(path.read_text(encoding="utf-8"), path)


def _key(name: str) -> str:
    return name.strip().strip('"').lower().replace("-", "_")


def sync_names(setting: str) -> list[str]:
    """Standby names in synchronous_standby_names (`FIRST 1 (a, b)`, `ANY 2 (a,b,c)`, `a, b`)."""
    inner = re.sub(r"^\s*(FIRST|ANY)?\s*\d*\s*\(", "", setting, flags=re.I).rstrip(") ")
    return [n.strip().strip('"') for n in inner.split(",") if n.strip() and n.strip() != "*"]


def _standbys(h: Harvest) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}

    def see(name: str, streaming: bool, why: str, lag_bytes: int | None = None,
            lag_seconds: float | None = None) -> None:
        entry = found.setdefault(_key(name), {"name": name, "streaming": False, "seen": [],
                                              "lag_bytes": None, "lag_seconds": None})
        entry["streaming"] = entry["streaming"] or streaming
        entry["seen"].append(why)
        for k, v in (("lag_bytes", lag_bytes), ("lag_seconds", lag_seconds)):
            if v is not None:
                entry[k] = max(v, entry[k] or 0)

    for s in h.servers:
        by_pid: dict[int, str] = {}
        for r in s.replicas:
            if r.state == "backup" or r.name in RECEIVER_NAMES:
                continue
            name = r.name or r.client or "?"
            if r.pid is not None:
                by_pid[r.pid] = name
            see(name, r.state == "streaming", f"{s.display_name}: pg_stat_replication "
                f"{r.state} ({r.sync_state})", r.lag_bytes, r.replay_lag_seconds)
        for slot in s.slots:
            if slot.slot_type != "physical":
                continue
            if slot.active and slot.active_pid in by_pid:
                continue  # the connection above is this slot's standby
            see(slot.name, slot.active, f"{s.display_name}: physical slot "
                f"{'active' if slot.active else 'inactive'}")
        if not s.in_recovery:
            connected = {_key(r.name) for r in s.replicas if r.state == "streaming"}
            for n in sync_names(s.synchronous_standby_names):
                if _key(n) not in connected:
                    see(n, False, f"{s.display_name}: in synchronous_standby_names, "
                        "not connected")
        else:
            name = s.receiver_name or s.receiver_slot or s.display_name
            status = s.receiver_status or "not running"
            paused = ", replay paused" if s.replay_paused else ""
            see(name, status == "streaming", f"{s.display_name}: WAL receiver {status}{paused}",
                s.replay_lag_bytes, s.replay_lag_seconds)
    for p in h.patroni:
        for m in p.members:
            if m.role in ("leader", "master", "primary", "standby_leader"):
                continue
            see(m.name, m.state in STREAMING_PATRONI_STATES,
                f"patroni {p.endpoint}: {m.role} {m.state}", m.lag_bytes)
    return found


def _m(mid: str, value: Any, unit: str = "", applicable: bool = True, **details: Any) -> Measure:
    return Measure(id=mid, value=value, unit=unit, applicable=applicable, details=details)


def _hours(since: datetime | None, now: datetime) -> float | None:
    return None if since is None else round((now - since).total_seconds() / 3600, 2)


def compute(h: Harvest, now: datetime) -> list[Measure]:
    out: list[Measure] = []
    servers = h.servers
    primaries = [s for s in servers if not s.in_recovery]
    read_db = bool(servers)
    out.append(_m("postgres.servers_reached", len(servers), "servers",
                  servers=[s.display_name for s in servers]))
    out.append(_m("postgres.servers_unreachable", len(h.unreachable), "servers",
                  problems=h.unreachable))
    leaders = {m.name for p in h.patroni for m in p.members
               if m.role in ("leader", "master", "primary")}
    n_primaries = len(primaries) if read_db else (len(leaders) if h.patroni else None)
    out.append(_m("postgres.primaries", n_primaries, "servers",
                  primaries=[s.display_name for s in primaries] or sorted(leaders)))

    topo = read_db or bool(h.patroni)
    standbys = _standbys(h)
    streaming = [e for e in standbys.values() if e["streaming"]]
    missing = [e for e in standbys.values() if not e["streaming"]]
    listing = sorted(({"name": e["name"], "streaming": e["streaming"], "seen": e["seen"]}
                      for e in standbys.values()), key=lambda e: e["name"])
    out.append(_m("postgres.standbys_known", len(standbys) if topo else None, "standbys",
                  standbys=listing))
    out.append(_m("postgres.standbys_streaming", len(streaming) if topo else None, "standbys"))
    out.append(_m("postgres.standbys_not_streaming", len(missing) if topo else None,
                  "standbys", applicable=not topo or bool(standbys),
                  not_streaming=[{"name": e["name"], "seen": e["seen"]} for e in missing]))
    sync = sum(1 for s in primaries for r in s.replicas
               if r.state == "streaming" and r.sync_state in ("sync", "quorum"))
    sync += sum(1 for p in h.patroni for m in p.members if m.role == "sync_standby"
                and not read_db)
    out.append(_m("postgres.synchronous_standbys", sync if topo else None, "standbys",
                  applicable=not topo or bool(standbys)))
    lag_b = [e["lag_bytes"] for e in streaming if e["lag_bytes"] is not None]
    lag_s = [e["lag_seconds"] for e in streaming if e["lag_seconds"] is not None]
    out.append(_m("postgres.replay_lag_bytes_max", max(lag_b) if lag_b else None, "bytes",
                  applicable=not topo or bool(streaming)))
    out.append(_m("postgres.replay_lag_seconds_max",
                  round(max(lag_s), 1) if lag_s else None, "seconds",
                  applicable=not topo or bool(streaming)))

    slots = [(s.display_name, sl) for s in servers for sl in s.slots]
    out.append(_m("postgres.replication_slots", len(slots) if read_db else None, "slots",
                  slots=[{"server": n, "name": sl.name, "type": sl.slot_type,
                          "active": sl.active, "wal_status": sl.wal_status,
                          "retained_bytes": sl.retained_bytes} for n, sl in slots]))
    out.append(_m("postgres.replication_slots_inactive",
                  sum(1 for _, sl in slots if not sl.active) if read_db else None, "slots",
                  applicable=not read_db or bool(slots)))
    out.append(_m("postgres.replication_slots_wal_lost",
                  sum(1 for _, sl in slots if sl.wal_status in ("lost", "unreserved"))
                  if read_db else None, "slots", applicable=not read_db or bool(slots)))
    retained = [sl.retained_bytes for _, sl in slots if sl.retained_bytes is not None]
    out.append(_m("postgres.replication_slot_retained_wal_bytes_max",
                  max(retained) if retained else None, "bytes",
                  applicable=not read_db or bool(slots)))

    archiving = [s for s in primaries if s.archive_mode != "off"]
    out.append(_m("postgres.wal_archiving_enabled",
                  (len(archiving) == len(primaries)) if primaries else None,
                  modes={s.display_name: s.archive_mode for s in primaries}))
    failing = [s.display_name for s in archiving if s.last_failed_time is not None and (
        s.last_archived_time is None or s.last_failed_time > s.last_archived_time)]
    arch_ok = bool(archiving)
    out.append(_m("postgres.wal_archive_failing", bool(failing) if arch_ok else None,
                  applicable=not primaries or arch_ok, failing=failing))
    out.append(_m("postgres.wal_archive_failures",
                  sum(s.failed_count for s in archiving) if arch_ok else None, "failures",
                  applicable=not primaries or arch_ok,
                  note="since the statistics were last reset"))
    ages = [_hours(s.last_archived_time, now) for s in archiving]
    out.append(_m("postgres.last_archived_wal_age_hours",
                  None if not ages or None in ages else max(ages), "hours",
                  applicable=not primaries or arch_ok,
                  last_archived={s.display_name: s.last_archived_time and
                                 s.last_archived_time.isoformat() for s in archiving}))

    out.extend(_backup_measures(h.backups, now))
    out.extend(_failover_measures(h, now))
    out.extend(_upgrade_measures(servers, now.date(), h.backups.majors if h.backups else []))
    return out


def _backup_measures(b: BackupReport | None, now: datetime) -> list[Measure]:
    if b is None:
        return [_m(mid, None) for mid in (
            "postgres.backups_total", "postgres.backups_failed", "postgres.last_backup_age_hours",
            "postgres.last_full_backup_age_hours", "postgres.wal_archive_continuous")]
    good = [x for x in b.backups if x.ok and x.finished is not None]
    last = max((x.finished for x in good), default=None)
    last_full = max((x.finished for x in good if x.kind == "full"), default=None)
    listing = [{"tool": x.tool, "label": x.label, "type": x.kind, "ok": x.ok,
                "finished": x.finished.isoformat() if x.finished else None}
               for x in sorted(b.backups, key=lambda x: (x.finished is None, x.finished))]
    # No successful backup is the worst age there is, not an unknown one: the tool was
    # read. It is written as NEVER hours so an age threshold reads it as too old.
    return [
        _m("postgres.backups_total", len(b.backups), "backups", backups=listing[-50:],
           sources=b.sources, notes=b.notes),
        _m("postgres.backups_failed", sum(1 for x in b.backups if not x.ok), "backups"),
        _m("postgres.last_backup_age_hours", NEVER if last is None else _hours(last, now),
           "hours", last=last.isoformat() if last else None, no_backup=last is None),
        _m("postgres.last_full_backup_age_hours",
           NEVER if last_full is None else _hours(last_full, now), "hours",
           last=last_full.isoformat() if last_full else None, no_backup=last_full is None),
        _m("postgres.wal_archive_continuous",
           all(ok for _, ok, _ in b.continuity) if b.continuity else None,
           checks=[{"source": s, "continuous": ok, "why": why} for s, ok, why in b.continuity]),
    ]


def _failover_measures(h: Harvest, now: datetime) -> list[Measure]:
    switches: dict[int, datetime | None] = {}
    source = None
    if h.patroni:
        source = "patroni /history"
        for p in h.patroni:
            for tl, when, _ in p.switches:
                switches[tl] = when if tl not in switches else min(
                    (w for w in (when, switches[tl]) if w is not None), default=None)
    elif any(s.timeline_switches or s.timeline is not None for s in h.servers):
        source = "timeline history files"
        for s in h.servers:
            for tl, when in s.timeline_switches.items():
                switches[tl] = min(when, switches.get(tl) or when)
    timelines = [s.timeline for s in h.servers if s.timeline is not None] + [
        tl for s in h.servers for tl in s.timeline_switches] + [
        m.timeline for p in h.patroni for m in p.members if isinstance(m.timeline, int)]
    listing = [{"timeline": tl, "at": w.isoformat() if w else None}
               for tl, w in sorted(switches.items())]
    recent = [w for w in switches.values() if w is not None and now - w <= YEAR]
    last = max((w for w in switches.values() if w is not None), default=None)
    return [
        _m("postgres.failovers_last_year", len(recent) if source else None, "switches",
           source=source, switches=listing),
        _m("postgres.days_since_last_failover",
           round((now - last).total_seconds() / 86400, 1) if last else None, "days",
           applicable=source is None or last is not None),
        _m("postgres.timeline", max(timelines) if timelines else None),
        _m("postgres.patroni_paused", any(p.paused for p in h.patroni) if h.patroni else None,
           applicable=True, clusters=[p.endpoint for p in h.patroni if p.paused]),
    ]


def version_parts(version_num: int) -> tuple[str, int]:
    """server_version_num -> (major as PostgreSQL names it, minor): 150018 -> ('15', 18)."""
    if version_num >= 100000:
        return str(version_num // 10000), version_num % 10000
    return f"{version_num // 10000}.{version_num // 100 % 100}", version_num % 100


def _upgrade_measures(servers: list[ServerState], today: date, backed_up: list[str]
                      ) -> list[Measure]:
    data = release_data()
    if not servers and backed_up:
        # The backup tool knows the major version only: its end of life, not the minor.
        major = min(backed_up, key=lambda v: [int(x) for x in v.split(".")])
        info = data["majors"].get(major)
        src = {"source": data["source"], "as_of": str(data["as_of"]),
               "from": "the backup tool's database version (major only)"}
        eol = info["end_of_life"] if info else None
        return [_m("postgres.server_version", major, **src),
                _m("postgres.major_version_supported", today < eol if eol else None,
                   end_of_life=str(eol), **src),
                _m("postgres.days_to_end_of_life", (eol - today).days if eol else None,
                   "days", end_of_life=str(eol), **src),
                _m("postgres.minor_releases_behind", None, "releases"),
                _m("postgres.upgrade_blocking_extensions", None, "extensions")]
    if not servers:
        return [_m(mid, None) for mid in (
            "postgres.server_version", "postgres.major_version_supported",
            "postgres.days_to_end_of_life", "postgres.minor_releases_behind",
            "postgres.upgrade_blocking_extensions")]
    oldest = min(servers, key=lambda s: s.version_num)
    major, minor = version_parts(oldest.version_num)
    info = data["majors"].get(major)
    src = {"source": data["source"], "as_of": str(data["as_of"])}
    versions = {s.display_name: s.version for s in servers}
    contrib = set(data["contrib"])
    blocking = sorted({f"{n} {v}" for s in servers for n, v in s.extensions.items()
                       if n not in contrib})
    if info is None:
        unknown = {"note": f"major version {major} is not in the release data", **src}
        return [_m("postgres.server_version", oldest.version, versions=versions),
                _m("postgres.major_version_supported", None, **unknown),
                _m("postgres.days_to_end_of_life", None, "days", **unknown),
                _m("postgres.minor_releases_behind", None, "releases", **unknown),
                _m("postgres.upgrade_blocking_extensions", len(blocking), "extensions",
                   extensions=blocking)]
    eol: date = info["end_of_life"]
    latest = int(info["latest_minor"])
    return [
        _m("postgres.server_version", oldest.version, versions=versions),
        _m("postgres.major_version_supported", today < eol, end_of_life=str(eol), **src),
        _m("postgres.days_to_end_of_life", (eol - today).days, "days", end_of_life=str(eol),
           **src),
        _m("postgres.minor_releases_behind", max(0, latest - minor), "releases",
           latest=f"{major}.{latest}", **src,
           **({"note": "the server is newer than the release data"} if minor > latest else {})),
        _m("postgres.upgrade_blocking_extensions", len(blocking), "extensions",
           extensions=blocking,
           why="not shipped with PostgreSQL: the new major version needs its own build first"),
    ]
