"""What one PostgreSQL server shows about itself, read strictly read-only.

Every query runs in a read-only transaction (`BEGIN READ ONLY`, with
`default_transaction_read_only` set for the session too) under a statement timeout, and
needs no more than the `pg_monitor` role: `pg_stat_replication`, `pg_stat_wal_receiver`,
`pg_replication_slots`, `pg_stat_archiver`, `pg_ls_waldir()` (timeline history files and
their times), `pg_extension`. Nothing is started, stopped or changed; `pg_upgrade --check`
is never run (it starts and stops a cluster).

The password comes from the DSN or the environment (`PGPASSWORD`, `~/.pgpass`), as libpq
reads it; only `host:port/dbname` (`display_name`) ever leaves this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opsmaturity.core.messages import text as _msg
from opsmaturity.core.times import as_utc

CONNECT_TIMEOUT_SECONDS = 5
STATEMENT_TIMEOUT_MS = 10_000


class ServerUnreachable(Exception):
    """The server could not be reached or refused us; the message names host and reason."""


@dataclass
class Replica:
    """A row of the primary's pg_stat_replication: one connected standby."""

    name: str
    client: str | None
    state: str
    sync_state: str
    lag_bytes: int | None
    replay_lag_seconds: float | None
    pid: int | None = None


@dataclass
class Slot:
    name: str
    slot_type: str
    active: bool
    wal_status: str | None
    retained_bytes: int | None
    active_pid: int | None = None


@dataclass
class ServerState:
    """What one server said about itself (times in UTC)."""

    display_name: str
    version_num: int
    version: str
    in_recovery: bool
    system_identifier: str | None = None
    timeline: int | None = None
    replicas: list[Replica] = field(default_factory=list)
    synchronous_standby_names: str = ""
    slots: list[Slot] = field(default_factory=list)
    archive_mode: str = "off"
    archived_count: int = 0
    failed_count: int = 0
    last_archived_time: datetime | None = None
    last_failed_time: datetime | None = None
    # standby side
    receiver_status: str | None = None
    receiver_slot: str | None = None
    receiver_name: str | None = None
    """The name the primary sees this standby by: the application_name of its connection
    (primary_conninfo, else cluster_name)."""
    replay_paused: bool = False
    replay_lag_bytes: int | None = None
    replay_lag_seconds: float | None = None
    # timeline history files: timeline number -> when the file was written
    timeline_switches: dict[int, datetime] = field(default_factory=dict)
    extensions: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def display_name(dsn: str) -> str:
    """`host:port/dbname` of a DSN (URL or key=value), without user or password."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.Error:  # never echo a DSN libpq cannot parse: it may hold a password
        return "(unparsable DSN)"
    host = str(parts.get("host") or parts.get("hostaddr") or "localhost")
    port = str(parts.get("port") or "5432")
    dbname = str(parts.get("dbname") or parts.get("user") or "")
    return f"{host}:{port}/{dbname}" if dbname else f"{host}:{port}"


def read_server(dsn: str, password: str | None = None) -> ServerState:
    """Read one server; ServerUnreachable when it cannot be reached or logged into. A
    password given here overrides the DSN's."""
    try:
        import psycopg
    except ImportError:
        raise ServerUnreachable(_msg("postgres.psycopg_missing")) from None
    name = display_name(dsn)
    try:
        extra = {"password": password} if password else {}
        conn = psycopg.connect(
            dsn, connect_timeout=CONNECT_TIMEOUT_SECONDS, application_name="opsmaturity",
            **extra,
            options=f"-c default_transaction_read_only=on "
                    f"-c statement_timeout={STATEMENT_TIMEOUT_MS}")
    except psycopg.Error as exc:
        raise ServerUnreachable(_msg("postgres.cannot_connect", server=name,
                                     reason=_first_line(exc, dsn, password))) from None
    try:
        conn.read_only = True
        with conn:
            return _read(conn, name)
    except psycopg.Error as exc:
        raise ServerUnreachable(f"{name}: {_first_line(exc, dsn, password)}") from None
    finally:
        conn.close()


def _first_line(exc: Exception, dsn: str, password: str | None) -> str:
    from opsmaturity.core.privacy import redact

    line = (str(exc).strip().splitlines() or ["unknown error"])[0]
    return redact(line, [dsn, password])


def _one(conn: Any, sql: str, *args: Any) -> Any:
    row = conn.execute(sql, args or None).fetchone()
    return row[0] if row else None


def _read(conn: Any, name: str) -> ServerState:
    import psycopg

    s = ServerState(
        display_name=name,
        version_num=int(_one(conn, "SELECT current_setting('server_version_num')")),
        version=str(_one(conn, "SHOW server_version")).split()[0],
        in_recovery=bool(_one(conn, "SELECT pg_is_in_recovery()")),
    )
    s.synchronous_standby_names = str(_one(conn, "SHOW synchronous_standby_names") or "")
    s.archive_mode = str(_one(conn, "SHOW archive_mode"))

    def optional(label: str, fn: Any) -> None:
        # A view the role may not read (no pg_monitor) is one problem, not a failed run.
        try:
            with conn.transaction():
                fn()
        except psycopg.errors.InsufficientPrivilege:
            s.problems.append(_msg("postgres.not_readable", server=name, what=label))

    def control() -> None:
        row = conn.execute("SELECT system_identifier::text FROM pg_control_system()").fetchone()
        s.system_identifier = row[0] if row else None
        # The last checkpoint's timeline lags behind a promotion (no checkpoint at promote);
        # a primary's current WAL file name starts with the timeline it writes.
        s.timeline = _one(conn, "SELECT timeline_id FROM pg_control_checkpoint()")
        if not s.in_recovery:
            current = _one(conn, "SELECT pg_walfile_name(pg_current_wal_lsn())")
            s.timeline = max(s.timeline or 0, int(current[:8], 16))

    optional("pg_control_system()", control)

    lsn_now = ("pg_last_wal_receive_lsn()" if s.in_recovery else "pg_current_wal_lsn()")

    def replication() -> None:
        rows = conn.execute(
            "SELECT coalesce(application_name, ''), client_addr::text, coalesce(state, ''),"
            " coalesce(sync_state, ''),"
            f" pg_wal_lsn_diff({lsn_now}, replay_lsn)::bigint,"
            " extract(epoch FROM replay_lag)::float8, pid"
            " FROM pg_stat_replication").fetchall()
        s.replicas = [Replica(name=r[0], client=r[1], state=r[2], sync_state=r[3],
                              lag_bytes=r[4], replay_lag_seconds=r[5], pid=r[6])
                      for r in rows]

    optional("pg_stat_replication", replication)

    def slots() -> None:
        rows = conn.execute(
            "SELECT slot_name, slot_type, active, wal_status,"
            f" CASE WHEN restart_lsn IS NULL THEN NULL"
            f" ELSE pg_wal_lsn_diff({lsn_now}, restart_lsn)::bigint END"
            " FROM pg_replication_slots").fetchall()
        s.slots = [Slot(name=r[0], slot_type=r[1], active=bool(r[2]), wal_status=r[3],
                        retained_bytes=r[4]) for r in rows]

    optional("pg_replication_slots", slots)

    def archiver() -> None:
        row = conn.execute("SELECT archived_count, failed_count, last_archived_time,"
                           " last_failed_time FROM pg_stat_archiver").fetchone()
        if row:
            s.archived_count, s.failed_count = int(row[0]), int(row[1])
            s.last_archived_time, s.last_failed_time = as_utc(row[2]), as_utc(row[3])

    optional("pg_stat_archiver", archiver)

    if s.in_recovery:
        def receiver() -> None:
            row = conn.execute("SELECT status, slot_name, conninfo FROM pg_stat_wal_receiver"
                               ).fetchone()
            if row:
                s.receiver_status, s.receiver_slot = row[0], row[1]
                found = re.search(r"application_name=(\S+)", row[2] or "")
                s.receiver_name = found.group(1) if found else None
            s.receiver_name = s.receiver_name or str(_one(conn, "SHOW cluster_name") or "") or None
            row = conn.execute(
                "SELECT pg_is_wal_replay_paused(),"
                " pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint,"
                " CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                " ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8"
                " END").fetchone()
            s.replay_paused = bool(row[0])
            s.replay_lag_bytes = row[1]
            s.replay_lag_seconds = row[2]

        optional("pg_stat_wal_receiver", receiver)

    def history() -> None:
        rows = conn.execute(
            "SELECT name, modification FROM pg_ls_waldir()"
            " WHERE name ~ '^[0-9A-F]{8}\\.history$'").fetchall()
        s.timeline_switches = {int(r[0][:8], 16): as_utc(r[1]) for r in rows}

    optional("pg_ls_waldir()", history)

    rows = conn.execute("SELECT extname, extversion FROM pg_extension").fetchall()
    s.extensions = {r[0]: r[1] for r in rows}
    return s
