"""`opsmaturity collect incidents`: incident exports in, `incidents.*` evidence out.

Broken records are skipped with a `warning: file:line: why` on stderr and counted in the
evidence's coverage; a file that cannot be read at all, an unknown format or bad options
is one `error:` line and exit code 2, and nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .common import (
    DATE_FORMATS,
    EvidenceOutOpt,
    LangOpt,
    ShowNamesOpt,
    err_console,
    fail,
    localised,
    multi_option,
    run_collector,
    say,
    utc,
    write_evidence,
)


class IncidentFormat(StrEnum):
    """The tools `--format` accepts (the collector detects them per file otherwise)."""

    pagerduty = "pagerduty"
    opsgenie = "opsgenie"
    jira = "jira"
    servicenow = "servicenow"
    csv = "csv"


def collect_incidents(
    files: Annotated[list[Path], typer.Argument()],
    fmt: Annotated[IncidentFormat | None, typer.Option("--format", "-f")] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping")] = None,
    out: EvidenceOutOpt = Path("evidence-incidents.json"),
    since: Annotated[datetime | None, typer.Option("--since", formats=DATE_FORMATS)] = None,
    until: Annotated[datetime | None, typer.Option("--until", formats=DATE_FORMATS)] = None,
    show_names: ShowNamesOpt = False,
    timezone: Annotated[str, typer.Option("--timezone")] = "UTC",
    naive_timezone: Annotated[str | None, typer.Option("--naive-timezone")] = None,
    business_hours: Annotated[str, typer.Option("--business-hours")]
    = "08:00-18:00",
    business_days: Annotated[str, typer.Option("--business-days")] = "mon-fri",
    time_format: Annotated[list[str] | None, multi_option(
        "--time-format", metavar="FORMAT")] = None,
    strict: Annotated[bool, typer.Option("--strict")]
    = False,
    lang: LangOpt = "en",
) -> None:
    """Import incidents (PagerDuty, Opsgenie, Jira, ServiceNow, CSV) into evidence JSON."""
    from pydantic import ValidationError

    from opsmaturity.collectors.incidents.collector import option_error
    from opsmaturity.collectors.incidents.options import MAX_MISSING, IncidentsOptions

    options = {
        "files": files, "format": fmt.value if fmt else None, "mapping": mapping,
        "since": utc(since), "until": utc(until), "show_names": show_names,
        "timezone": timezone, "naive_timezone": naive_timezone,
        "business_hours": business_hours, "business_days": business_days,
        "time_formats": time_format or [], "strict": strict,
    }
    try:
        IncidentsOptions.model_validate(options)
    except ValidationError as exc:
        loc = exc.errors(include_url=False)[0]["loc"]
        if not loc:  # a rule across options, worded with their flags already
            raise fail(option_error(exc)) from None
        field = str(loc[0])
        flag = {"files": "FILE", "time_formats": "--time-format"}.get(
            field, "--" + field.replace("_", "-"))
        raise fail(f"{flag}: {option_error(exc).split(': ', 1)[-1]}") from None
    evidence = run_collector("incidents", options, "incidents")
    skipped = evidence.measure("incidents.skipped_records")
    skipped_count = int(skipped.value or 0) if skipped else 0
    shown = min(skipped_count, MAX_MISSING) + (1 if skipped_count > MAX_MISSING else 0)
    from rich.markup import escape

    for line in evidence.coverage.missing[:shown]:
        err_console.print(f"[yellow]{say('warning')}[/] {escape(localised(line))}",
                          highlight=False, soft_wrap=True)
    count = evidence.measure("incidents.count")
    write_evidence(out, [evidence], say("incidents.note", n=count.value if count else 0,
                                        skipped=skipped_count))
