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

from .common import (
    DATE_FORMATS,
    EvidenceOutOpt,
    LangOpt,
    fail,
    measures_note,
    multi_option,
    run_collector,
    utc,
    warn_problems,
    write_evidence,
)


def collect_postgres(
    dsn: Annotated[list[str] | None, multi_option("--dsn", metavar="URL")] = None,
    patroni: Annotated[list[str] | None, multi_option("--patroni", metavar="URL")] = None,
    patroni_file: Annotated[list[Path] | None, multi_option("--patroni-file")] = None,
    pgbackrest_info: Annotated[Path | None, typer.Option("--pgbackrest-info")] = None,
    pgbackrest_stanza: Annotated[str | None, typer.Option("--pgbackrest-stanza")] = None,
    barman: Annotated[list[Path] | None, multi_option("--barman")] = None,
    walg: Annotated[list[Path] | None, multi_option("--walg")] = None,
    as_of: Annotated[datetime | None, typer.Option("--as-of", formats=DATE_FORMATS)] = None,
    timeout: Annotated[float, typer.Option("--timeout")] = 10,
    out: EvidenceOutOpt = Path("evidence-postgres.json"),
    lang: LangOpt = "en",
) -> None:
    """Measure a PostgreSQL cluster's failover, backup and upgrade readiness (read-only)."""
    from pydantic import ValidationError

    from opsmaturity.collectors.postgres.collector import PostgresOptions

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
    warn_problems(evidence)
    write_evidence(out, [evidence], measures_note(evidence))
