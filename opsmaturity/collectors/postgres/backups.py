"""Backups as the backup tools report them: pgBackRest, Barman and WAL-G.

Each reader turns one tool's output into `Backup` records plus, where the tool says so,
whether the WAL archive is continuous (every segment from the oldest backup's start to the
newest archived one is there, so point-in-time recovery works across the whole range):

- pgBackRest `info --output=json` (a file, or run with `--stanza`): backups with type
  full/diff/incr, `error` flag and start/stop times; per stanza the archive range
  (`archive[].min/max`) and the status code (0 = ok). Continuity: status ok, and the
  archive range of the current database reaches back to the oldest backup's first WAL.
- Barman: `barman list-backups` (text, or `-f json`), `barman check` (text: `continuous
  archiving`, `archiver errors`, `backup maximum age`). Barman takes full backups only
  (rsync incremental or not); a backup whose status is not DONE is failed.
- WAL-G: `backup-list --detail --json` (full, or delta when the name has `_D_`), and
  `wal-verify integrity timeline --json` for continuity.

Times without an offset (Barman's text output) are read as UTC, and the details say so.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opsmaturity.core.messages import text as _msg
from opsmaturity.core.sources import SourceError
from opsmaturity.core.times import from_epoch, parse_loose


@dataclass
class Backup:
    tool: str
    label: str
    kind: str  # full | diff | incr | delta
    ok: bool
    finished: datetime | None


@dataclass
class BackupReport:
    """What the backup tools reported, together."""

    backups: list[Backup] = field(default_factory=list)
    continuity: list[tuple[str, bool, str]] = field(default_factory=list)
    """(tool and source, continuous?, why) per source that says something about WAL."""
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    majors: list[str] = field(default_factory=list)
    """PostgreSQL major versions the tool backs up (pgBackRest `db[].version`)."""


# ------------------------------------------------------------------------------ pgBackRest

def read_pgbackrest(raw: Any, name: str, report: BackupReport) -> None:
    if not isinstance(raw, list):
        raise SourceError(name, None, _msg("postgres.pgbackrest_not_list"))
    for stanza in raw:
        if not isinstance(stanza, dict) or "backup" not in stanza:
            raise SourceError(name, None, _msg("postgres.pgbackrest_no_backup"))
        sname = str(stanza.get("name", "?"))
        backups = stanza.get("backup") or []
        for b in backups:
            stop = (b.get("timestamp") or {}).get("stop")
            report.backups.append(Backup(
                tool="pgbackrest", label=f"{sname}/{b.get('label', '?')}",
                kind=str(b.get("type", "full")), ok=not b.get("error", False),
                finished=from_epoch(stop) if stop is not None else None))
        status = stanza.get("status") or {}
        code = status.get("code")
        report.majors += [str(d["version"]) for d in stanza.get("db") or []
                          if isinstance(d, dict) and d.get("version")][-1:]
        db_ids = [d.get("id") for d in stanza.get("db") or [] if d.get("current", True)]
        current_db = max((i for i in db_ids if i is not None), default=None)
        archives = [a for a in stanza.get("archive") or []
                    if current_db is None or (a.get("database") or {}).get("id") == current_db]
        if not backups:
            continue
        if code not in (0, None):
            report.continuity.append((f"pgbackrest {sname}", False,
                                      f"stanza status {code}: {status.get('message', '')}"))
            continue
        oldest_start = min((str((b.get("archive") or {}).get("start") or "")
                            for b in backups), default="")
        amin = min((str(a.get("min") or "") for a in archives), default="")
        amax = max((str(a.get("max") or "") for a in archives), default="")
        if not amin or not amax:
            report.continuity.append((f"pgbackrest {sname}", False, "no archived WAL"))
        elif oldest_start and _segment_key(amin) > _segment_key(oldest_start):
            report.continuity.append((
                f"pgbackrest {sname}", False,
                f"archive starts at {amin}, after the oldest backup's first WAL {oldest_start}"))
        else:
            report.continuity.append((f"pgbackrest {sname}", True, f"archive {amin}..{amax}"))


def _segment_key(segment: str) -> tuple[str, str]:
    # 24 hex digits: timeline (8), then log and segment (16); compare the position in WAL,
    # so an archive that continues on a later timeline still reaches back far enough.
    return (segment[8:], segment[:8])


# ------------------------------------------------------------------------------ Barman

_BARMAN_LINE = re.compile(
    r"^(?P<server>\S+)\s+(?P<id>\d{8}T\d{6})(?:\s+'[^']*')?\s+-\s+(?P<rest>.*)$")
_BARMAN_TIME = "%a %b %d %H:%M:%S %Y"


def read_barman_text(text: str, name: str, report: BackupReport) -> None:
    """`barman list-backups` and/or `barman check` output (both may be in one file)."""
    found = False
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        m = _BARMAN_LINE.match(stripped)
        if m:
            found = True
            rest = m.group("rest")
            first = rest.split(" - ")[0].strip()
            status_word = first.upper()
            if status_word in ("FAILED", "STARTED", "WAITING_FOR_WALS", "EMPTY", "SYNCING"):
                ok, finished = status_word == "WAITING_FOR_WALS", None
            else:
                try:
                    finished = datetime.strptime(" ".join(first.split()), _BARMAN_TIME
                                                 ).replace(tzinfo=UTC)
                except ValueError:
                    raise SourceError(name, lineno, _msg("postgres.backup_time", value=repr(first))
                                      ) from None
                ok = True
            report.backups.append(Backup(tool="barman", label=f"{m.group('server')}/"
                                         f"{m.group('id')}", kind="full", ok=ok,
                                         finished=finished))
            continue
        key, sep, value = stripped.partition(":")
        key = key.strip().lower()
        if sep and key in ("continuous archiving", "archiver errors", "wal archive"):
            found = True
            good = value.strip().upper().startswith("OK")
            report.continuity.append((f"barman check: {key}", good, value.strip()))
        elif sep and key in ("backup maximum age", "failed backups",
                             "minimum redundancy requirements"):
            found = True
            report.notes.append(f"barman check: {key}: {value.strip()}")
    if not found:
        raise SourceError(name, None, _msg("postgres.not_barman"))
    if any(b.tool == "barman" for b in report.backups):
        report.notes.append(_msg("postgres.barman_utc"))


def read_barman_json(raw: dict[str, Any], name: str, report: BackupReport) -> None:
    """`barman -f json list-backups`: {server: [{backup_id, status, end_time_timestamp}]}"""
    for server, backups in raw.items():
        if not isinstance(backups, list):
            raise SourceError(name, None, _msg("postgres.not_barman_json", server=server))
        for b in backups:
            end = b.get("end_time_timestamp")
            finished = from_epoch(end) if end not in (None, "") else None
            status = str(b.get("status", "DONE")).upper()
            report.backups.append(Backup(
                tool="barman", label=f"{server}/{b.get('backup_id', '?')}", kind="full",
                ok=status in ("DONE", "WAITING_FOR_WALS"), finished=finished))


# ------------------------------------------------------------------------------ WAL-G

def read_walg(raw: Any, name: str, report: BackupReport) -> None:
    if isinstance(raw, dict) and ("integrity" in raw or "timeline" in raw):
        for check in ("integrity", "timeline"):
            part = raw.get(check)
            if isinstance(part, dict):
                status = str(part.get("status", "")).upper()
                report.continuity.append((f"wal-g wal-verify {check}", status == "OK",
                                          status or "no status"))
        return
    if not isinstance(raw, list) or (raw and not all(
            isinstance(b, dict) and "backup_name" in b for b in raw)):
        raise SourceError(name, None, _msg("postgres.not_walg"))
    for b in raw:
        bname = str(b["backup_name"])
        finished = parse_loose(b.get("finish_time") or b.get("time"))
        report.backups.append(Backup(tool="wal-g", label=bname,
                                     kind="delta" if "_D_" in bname else "full", ok=True,
                                     finished=finished))


# ------------------------------------------------------------------------------ files

def read_backup_file(path: Path, tool: str, report: BackupReport) -> None:
    """One tool's output file into the report; SourceError names the file (and line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(path, None, _msg("source.file_not_found")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(path, None, _msg("source.cannot_read", reason=exc)) from None
    if tool == "barman" and not text.lstrip().startswith("{"):
        read_barman_text(text, str(path), report)
        report.sources.append(f"{tool}: {path}")
        return
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(path, exc.lineno, _msg("source.invalid_json", problem=exc.msg)) from None
    # Read into a scratch report first: a file that turns out malformed halfway adds nothing.
    scratch = BackupReport()
    reader = {"pgbackrest": read_pgbackrest, "barman": read_barman_json}.get(tool, read_walg)
    try:
        reader(raw, str(path), scratch)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError, OverflowError):
        names = {"pgbackrest": "pgBackRest `info --output=json`",
                 "barman": "`barman -f json list-backups`",
                 "wal-g": "WAL-G `backup-list --detail --json` or `wal-verify --json`"}
        raise SourceError(path, None, _msg("postgres.unexpected_shape",
                                           tool=names.get(tool, tool))) from None
    report.backups += scratch.backups
    report.continuity += scratch.continuity
    report.notes += scratch.notes
    report.majors += scratch.majors
    report.sources.append(f"{tool}: {path}")
