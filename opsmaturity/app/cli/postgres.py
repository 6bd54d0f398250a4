"""`opsmaturity collect postgres`: readiness evidence from a PostgreSQL cluster (servers,
Patroni, pgBackRest / Barman / WAL-G), strictly read-only.

A server that cannot be reached, a Patroni that does not answer or a backup file that
cannot be read is one `warning:` line and lowers coverage; the rest is measured and the
evidence is written (exit 0). Only input the user must fix first (no source, a file that
does not exist, a malformed URL) exits 2. Passwords come from the DSN or the environment
(`PGPASSWORD`, `~/.pgpass`) and are never written.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from opsmaturity.collectors.postgres.collector import PostgresOptions
from opsmaturity.core.files import write_atomic

from .common import DATE_FORMATS, err_console, evidence_json, fail, run_collector, utc

MAX_WARNINGS = 20


def collect_postgres(
    dsn: Annotated[list[str] | None, typer.Option(
        "--dsn", help="A server to read (libpq URL or key=value DSN; a role with pg_monitor "
        "is enough); repeatable: give the primary and the standbys.")] = None,
    patroni: Annotated[list[str] | None, typer.Option(
        "--patroni", help="Patroni REST API URL (reads /cluster and /history); "
        "repeatable.")] = None,
    patroni_file: Annotated[list[Path] | None, typer.Option(
        "--patroni-file", help='Recorded Patroni answers: JSON {"cluster": <GET /cluster>, '
        '"history": <GET /history>}; repeatable.')] = None,
    pgbackrest_info: Annotated[Path | None, typer.Option(
        "--pgbackrest-info", help="Output of `pgbackrest info --output=json`.")] = None,
    pgbackrest_stanza: Annotated[str | None, typer.Option(
        "--pgbackrest-stanza", help="Run `pgbackrest info --output=json` for this "
        "stanza.")] = None,
    barman: Annotated[list[Path] | None, typer.Option(
        "--barman", help="Output of `barman list-backups` (text or -f json) or `barman "
        "check`; repeatable.")] = None,
    walg: Annotated[list[Path] | None, typer.Option(
        "--walg", help="Output of WAL-G `backup-list --detail --json` or `wal-verify "
        "integrity timeline --json`; repeatable.")] = None,
    as_of: Annotated[datetime | None, typer.Option(
        "--as-of", formats=DATE_FORMATS, help="Measure ages at this time (UTC unless an "
        "offset is given) instead of now: for outputs recorded earlier.")] = None,
    timeout: Annotated[float, typer.Option(
        "--timeout", help="Seconds to wait for each HTTP answer (Patroni).")] = 10,
    out: Annotated[Path, typer.Option("--out", "-o", help="Evidence JSON to write.")]
    = Path("evidence-postgres.json"),
) -> None:
    """Measure a PostgreSQL cluster's failover, backup and upgrade readiness (read-only)."""
    try:
        options = PostgresOptions(
            dsns=dsn or [], patroni=patroni or [], patroni_files=patroni_file or [],
            pgbackrest_info=pgbackrest_info,
            pgbackrest_stanza=pgbackrest_stanza, barman=barman or [], walg=walg or [],
            timeout_seconds=timeout, as_of=utc(as_of))
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = str(err["loc"][0]) if err["loc"] else ""
        option = {"timeout_seconds": "--timeout"}.get(field, "--" + field.replace("_", "-"))
        raise fail(f"{option}: {err['msg'].removeprefix('Value error, ')}") from None
    evidence = run_collector("postgres", options.model_dump(), "postgres")
    missing = evidence.coverage.missing
    for problem in missing[:MAX_WARNINGS]:
        err_console.print(f"[yellow]warning:[/] {problem}", highlight=False, soft_wrap=True)
    if len(missing) > MAX_WARNINGS:
        err_console.print(f"[yellow]warning:[/] ... and {len(missing) - MAX_WARNINGS} more "
                          "(see coverage.missing in the evidence)", highlight=False,
                          soft_wrap=True)
    write_atomic(out, evidence_json([evidence]))
    state = (f"partial, coverage {evidence.coverage.ratio:.0%}" if evidence.partial
             else "complete")
    err_console.print(f"wrote {out} ({len(evidence.measures)} measures, {state})",
                      highlight=False, soft_wrap=True)
