"""The `postgres` collector: a PostgreSQL cluster's readiness for failover, restore and
upgrade, read strictly read-only from the servers, Patroni and the backup tools.

A server that cannot be reached, a Patroni that does not answer or a backup file that
cannot be read is one problem in `coverage.missing` (the CLI prints it as a `warning:`
line), lowers the coverage and leaves the measures that needed it unmeasured; the rest is
measured. Definitions: docs/postgres-evidence.md.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import ClassVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from opsmaturity.core.evidence import Coverage, EvidenceSet
from opsmaturity.core.messages import text as _msg
from opsmaturity.core.privacy import endpoint_only
from opsmaturity.core.sources import SourceError
from opsmaturity.core.times import now_utc

from ..base import CollectorError, Progress, no_progress
from .backups import BackupReport, read_backup_file, read_pgbackrest
from .measures import MEASURES, Harvest, compute
from .patroni import PatroniError, read_patroni, read_patroni_file
from .server import ServerUnreachable, display_name, read_server

PGBACKREST_TIMEOUT_SECONDS = 120


class PostgresOptions(BaseModel):
    """Where the cluster and its backup information are; at least one source."""

    model_config = ConfigDict(extra="forbid")

    dsns: list[str] = Field(default_factory=list, description="servers to read: libpq URLs "
                            "or key=value DSNs, one a line")
    password: SecretStr | None = Field(
        default=None, description="password for every DSN (else the DSN's, PGPASSWORD or "
        "~/.pgpass); used for the connection only, never written")
    patroni: list[str] = Field(default_factory=list, description="Patroni REST API URLs")
    patroni_files: list[Path] = Field(
        default_factory=list, description="recorded Patroni answers: JSON files of "
        '{"cluster": <GET /cluster>, "history": <GET /history>}')
    pgbackrest_info: Path | None = Field(default=None,
                                         description="`pgbackrest info --output=json` output")
    pgbackrest_stanza: str | None = Field(default=None,
                                          description="run `pgbackrest info` for this stanza")
    # A tuple, not a list: the web app's forms offer list options, and the program to run
    # is not for a browser to choose.
    pgbackrest_command: tuple[str, ...] = Field(default=("pgbackrest",))
    barman: list[Path] = Field(default_factory=list)
    walg: list[Path] = Field(default_factory=list)
    timeout_seconds: float = Field(default=10, gt=0)
    as_of: AwareDatetime | None = Field(
        default=None, description="the time ages are measured at (default: now); for outputs "
        "recorded earlier")

    @field_validator("patroni")
    @classmethod
    def _http(cls, values: list[str]) -> list[str]:
        for value in values:
            if not value.startswith(("http://", "https://")):
                raise ValueError(_msg("monitoring.not_http_url",
                                      value=repr(endpoint_only(value))))
        return values


class PostgresCollector:
    """The `postgres` collector (CLI: `opsmaturity collect postgres`)."""

    name: ClassVar[str] = "postgres"
    measures: ClassVar[tuple[str, ...]] = MEASURES
    config_model: ClassVar[type[BaseModel]] = PostgresOptions

    def collect(self, config: BaseModel, progress: Progress = no_progress) -> EvidenceSet:
        try:
            o = (config if isinstance(config, PostgresOptions)
                 else PostgresOptions.model_validate(config.model_dump()))
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            raise CollectorError(_msg("postgres.options", problem=err["msg"])) from None
        if o.pgbackrest_info is not None and o.pgbackrest_stanza:
            raise CollectorError(_msg("postgres.pgbackrest_both"))
        if not (o.dsns or o.patroni or o.patroni_files or o.pgbackrest_info
                or o.pgbackrest_stanza or o.barman or o.walg):
            raise CollectorError(_msg("postgres.no_source"))
        if o.dsns:
            try:
                import psycopg  # noqa: F401 - only to say early that it is missing
            except ImportError:
                raise CollectorError(_msg("postgres.needs_psycopg")) from None
        for path in [o.pgbackrest_info, *o.barman, *o.walg, *o.patroni_files]:
            if path is not None and not path.is_file():
                raise CollectorError(_msg("postgres.no_such_file", path=path))

        now = o.as_of or now_utc()
        h = Harvest()
        sources: list[str] = []
        attempted = 0
        for i, dsn in enumerate(o.dsns):
            attempted += 1
            progress(f"reading {display_name(dsn)}", i / max(1, len(o.dsns)))
            sources.append(f"postgres: {display_name(dsn)}")
            try:
                server = read_server(
                    dsn, o.password.get_secret_value() if o.password else None)
            except ServerUnreachable as exc:
                h.unreachable.append(str(exc))
                continue
            h.servers.append(server)
            h.problems.extend(server.problems)
        for url in o.patroni:
            attempted += 1
            progress("reading Patroni", None)
            sources.append(f"patroni: {endpoint_only(url)}")
            try:
                h.patroni.append(read_patroni(url, o.timeout_seconds))
            except PatroniError as exc:
                h.problems.append(str(exc))
        for path in o.patroni_files:
            attempted += 1
            sources.append(f"patroni: {path}")
            try:
                h.patroni.append(read_patroni_file(path))
            except PatroniError as exc:
                h.problems.append(str(exc))
        backup_inputs = ([("pgbackrest", o.pgbackrest_info)] if o.pgbackrest_info else []) + [
            ("barman", p) for p in o.barman] + [("wal-g", p) for p in o.walg]
        if backup_inputs or o.pgbackrest_stanza:
            report = BackupReport()
            read_any = False
            for tool, path in backup_inputs:
                attempted += 1
                sources.append(f"{tool}: {path}")
                try:
                    read_backup_file(path, tool, report)
                    read_any = True
                except SourceError as exc:
                    h.problems.append(str(exc))
            if o.pgbackrest_stanza:
                attempted += 1
                sources.append(f"pgbackrest: stanza {o.pgbackrest_stanza}")
                try:
                    _run_pgbackrest(o.pgbackrest_command, o.pgbackrest_stanza, report)
                    read_any = True
                except SourceError as exc:
                    h.problems.append(str(exc))
            h.backups = report if read_any else None

        missing = h.unreachable + h.problems
        failed_sources = len(h.unreachable) + sum(
            1 for p in h.problems if not p.endswith("(grant pg_monitor to the role)"))
        ratio = max(0.0, (attempted - failed_sources) / attempted) if attempted else 0.0
        progress("measuring", 0.95)
        measures = compute(h, now)
        return EvidenceSet(collector=self.name, source="; ".join(sources), window=None,
                           collected_at=now, coverage=Coverage(ratio=round(ratio, 3),
                                                               missing=missing),
                           partial=bool(missing), measures=measures)


def _run_pgbackrest(command: tuple[str, ...], stanza: str, report: BackupReport) -> None:
    """`pgbackrest info --output=json --stanza=NAME` (read-only: it only reads the repository)."""
    what = f"pgbackrest info --stanza={stanza}"
    if shutil.which(command[0]) is None:
        raise SourceError(what, None, f"{command[0]} is not installed")
    try:
        done = subprocess.run([*command, "info", "--output=json", f"--stanza={stanza}"],
                              capture_output=True, text=True,
                              timeout=PGBACKREST_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise SourceError(what, None, "no answer within "
                          f"{PGBACKREST_TIMEOUT_SECONDS} s") from None
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise SourceError(what, None, f"exit {done.returncode}: {last}")
    try:
        raw = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise SourceError(what, exc.lineno, f"invalid JSON: {exc.msg}") from None
    report.sources.append(what)
    read_pgbackrest(raw, what, report)


