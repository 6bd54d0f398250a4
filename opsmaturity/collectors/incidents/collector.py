"""Evidence from incident records: how incidents are found, how long they last, who handles
them, whether the team learns from them.

Reads exports of PagerDuty, Opsgenie, Jira / Jira Service Management, ServiceNow and any
spreadsheet (with a column mapping), normalises them to `IncidentRecord`
(`incident_sources/`), merges the same incident seen by several tools, and measures the
window. Every definition (detection rules per source, the p90 method, "similar title",
after hours, the merge rule) is in docs/incident-evidence.md; keep the two in step.

Robustness: a broken record is reported (file:line and why) in coverage.missing and
skipped; the rest is measured, and the skipped share lowers coverage. Files are streamed
record by record, so memory follows the number of incidents, not the size of the export.
People appear as stable pseudonyms (`responder-1a2b...`) unless `show_names`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from pydantic import (
    BaseModel,
    ValidationError,
)

from opsmaturity.core.evidence import EvidenceSet
from opsmaturity.core.messages import text as _msg

from ..base import CollectorError, Progress, no_progress
from .measures import evidence_from
from .merge import merge_duplicates
from .options import MEASURES, IncidentsOptions
from .record import IncidentRecord
from .sources import FINISHERS, FORMATS, READERS, Problem, SourceContext, detect
from .sources.generic_csv import load_mapping

# --------------------------------------------------------------------------- loading


@dataclass
class Loaded:
    """Everything read from the files, before merging."""

    records: list[IncidentRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  # file -> format


def load(options: IncidentsOptions, progress: Progress = no_progress) -> Loaded:
    """Read every file with its reader; broken records become problems, never exceptions."""
    ctx = SourceContext(naive_tz=options.naive_zone(), time_formats=tuple(options.time_formats))
    if options.mapping is not None:
        ctx.state["csv_mapping"] = load_mapping(options.mapping)
    loaded = Loaded()
    for i, path in enumerate(options.files):
        if not path.exists():
            raise CollectorError(f"{path}: {_msg('incidents.no_such_file')}")
        if not path.is_file():
            raise CollectorError(f"{path}: {_msg('incidents.not_a_file')}")
        if _is_blank(path):
            raise CollectorError(f"{path}: {_msg('incidents.empty')}")
        try:
            fmt = options.format or detect(path, options.mapping is not None)
        except OSError as exc:
            raise CollectorError(
                f"{path}: {_msg('source.cannot_read', reason=exc.strerror or exc)}") from None
        if fmt is None:
            raise CollectorError(
                f"{path}: {_msg('incidents.unknown_tool', formats='|'.join(FORMATS))}")
        loaded.formats[str(path)] = fmt
        progress(_msg("progress.reading", what=f"{path.name} ({fmt})"), i / len(options.files))
        try:
            for n, item in enumerate(READERS[fmt](path, ctx), 1):
                if isinstance(item, Problem):
                    loaded.problems.append(item)
                else:
                    loaded.records.append(item)
                if n % 20000 == 0:
                    progress(_msg("progress.records", name=path.name, fmt=fmt, n=n),
                             i / len(options.files))
        except OSError as exc:
            raise CollectorError(
                f"{path}: {_msg('source.cannot_read', reason=exc.strerror or exc)}") from None
    for fmt in sorted(set(loaded.formats.values())):
        if fmt in FINISHERS:
            loaded.records, problems = FINISHERS[fmt](loaded.records, ctx)
            loaded.problems.extend(problems)
    return loaded


def _is_blank(path: Path) -> bool:
    """A 0-byte file, or one holding only white space (and a byte order mark)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False  # said by the reader, with its reason
    return len(head) < 4096 and not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe")


# --------------------------------------------------------------------------- the collector


class IncidentsCollector:
    """The `incidents` collector: incident exports in, `incidents.*` measures out."""

    name: ClassVar[str] = "incidents"
    measures: ClassVar[tuple[str, ...]] = MEASURES
    config_model: ClassVar[type[BaseModel]] = IncidentsOptions

    def collect(self, config: BaseModel, progress: Progress = no_progress) -> EvidenceSet:
        """Read the files, merge duplicates, measure the window."""
        try:
            options = (
                config if isinstance(config, IncidentsOptions)
                else IncidentsOptions.model_validate(config.model_dump())
            )
        except ValidationError as exc:
            raise CollectorError(f"{self.name}: {option_error(exc)}") from None
        loaded = load(options, progress)
        if loaded.problems and (options.strict or not loaded.records):
            first = loaded.problems[0]
            more = len(loaded.problems) - 1
            reason = "--strict" if options.strict else _msg("incidents.none_readable")
            raise CollectorError(_msg("incidents.broken", first=first, n=more, reason=reason)
                                 if more else f"{first} [{reason}]")
        progress(_msg("progress.merging"), 0.9)
        merged = merge_duplicates(loaded.records, options)
        evidence = evidence_from(merged, loaded, options)
        progress(_msg("progress.incidents_measured"), 1.0)
        return evidence


def option_error(exc: ValidationError) -> str:
    """The first option problem, worded for the user (`timezone: unknown time zone ...`)."""
    err = exc.errors(include_url=False)[0]
    loc = ".".join(str(p) for p in err["loc"])
    msg = str(err.get("ctx", {}).get("error") or err["msg"])
    return f"{loc}: {msg}" if loc else msg


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
