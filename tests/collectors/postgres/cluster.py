"""A real primary and streaming standby on loopback ports, and a pgBackRest repository.

Built from the system's binaries like the store tests' server (tests/app/store/pg.py):
initdb, a primary that archives WAL through pgBackRest, `pg_basebackup -R -C -S` for a
standby with its own physical slot. PostgreSQL (and pgBackRest, which insists on owning
the data directory's user) refuse root, so as root both run as the `postgres` user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.app.store.pg import _bindir, _free_port

MONITOR_PASSWORD = "s3cret-monitor-pw"


class Node:
    def __init__(self, cluster: PgCluster, name: str) -> None:
        self.cluster = cluster
        self.name = name
        self.data = cluster.base / name
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None

    def start(self, *settings: str) -> None:
        args = [str(self.cluster.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port),
                "-c", "listen_addresses=127.0.0.1",
                "-c", f"unix_socket_directories={self.cluster.base}",
                "-c", "fsync=off", "-c", f"cluster_name={self.name}"]
        for s in settings:
            args += ["-c", s]
        self.proc = subprocess.Popen(self.cluster.cmd(*args), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.superuser_dsn(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                    raise RuntimeError(f"{self.name} did not start: {err[-2000:]}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def superuser_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def monitor_dsn(self) -> str:
        """The collector's login: a role with pg_monitor only, password in the URL."""
        return f"postgresql://monitor:{MONITOR_PASSWORD}@127.0.0.1:{self.port}/postgres"

    def sql(self, statement: str) -> list[tuple]:
        with psycopg.connect(self.superuser_dsn(), autocommit=True) as conn:
            cur = conn.execute(statement)
            return cur.fetchall() if cur.description else []


class PgCluster:
    """primary + standby; `pgbackrest` runs against the primary with a local repository."""

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.base = Path(tempfile.mkdtemp(prefix="postgres-cluster-"))
        self.as_root = os.geteuid() == 0
        self.primary = Node(self, "primary")
        self.standby = Node(self, "standby1")
        self.stanza = "main"
        self.pgbackrest_conf = self.base / "pgbackrest.conf"

    def cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if self.as_root else list(args)

    def run(self, *args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(self.cmd(*args), capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed: {done.stdout[-1500:]} {done.stderr[-1500:]}")
        return done

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.base, "postgres", "postgres")
        self.pgbackrest_conf.write_text(
            f"[global]\nrepo1-path={self.base}/repo\nlog-path={self.base}/log\n"
            f"lock-path={self.base}/lock\nspool-path={self.base}/spool\n"
            "start-fast=y\nlog-level-console=warn\nlog-level-file=off\narchive-timeout=30\n\n"
            f"[{self.stanza}]\npg1-path={self.primary.data}\npg1-port={self.primary.port}\n"
            f"pg1-socket-path={self.base}\npg1-user=postgres\n")
        if self.as_root:
            shutil.chown(self.pgbackrest_conf, "postgres", "postgres")
        self.run(str(self.bindir / "initdb"), "-D", str(self.primary.data), "-U", "postgres",
                 "--auth=trust", "-E", "UTF8", "--no-sync")
        archive = (f"pgbackrest --config={self.pgbackrest_conf} --stanza={self.stanza} "
                   "archive-push %p")
        self.primary.start("archive_mode=on", f"archive_command={archive}",
                           "wal_level=replica", "max_wal_senders=5")
        self.primary.sql(f"CREATE ROLE monitor LOGIN PASSWORD '{MONITOR_PASSWORD}' "
                         "IN ROLE pg_monitor")
        self.primary.sql("CREATE TABLE t (id serial primary key, v text)")
        self.run(str(self.bindir / "pg_basebackup"), "-h", "127.0.0.1",
                 "-p", str(self.primary.port), "-U", "postgres", "-D", str(self.standby.data),
                 "-R", "-C", "-S", "standby1", "-X", "stream", "--no-sync")
        # The standby must not archive into the primary's stanza.
        self.standby.start("archive_mode=off")
        self.wait_streaming()

    def wait_streaming(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.primary.sql("SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'"):
                return
            time.sleep(0.1)
        raise RuntimeError("standby did not start streaming")

    def pgbackrest(self, *args: str) -> str:
        return self.run("pgbackrest", f"--config={self.pgbackrest_conf}",
                        f"--stanza={self.stanza}", *args).stdout

    def stop(self) -> None:
        self.standby.stop()
        self.primary.stop()
        shutil.rmtree(self.base, ignore_errors=True)
