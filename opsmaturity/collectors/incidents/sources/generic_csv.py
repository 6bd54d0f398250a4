"""Any incident spreadsheet: a CSV plus an optional column-mapping YAML file.

Why: many teams keep incidents in a spreadsheet or a tool we do not read natively. Without
a mapping the columns are expected under the schema's own names (`id`, `title`,
`service`, `team`, `severity`, `opened`, `acknowledged`, `resolved`, `detected_by`,
`responders`, `resolved_by`, `postmortem`, `caused_by_change`, `change`, `tags`,
`refs`); a mapping file names the user's columns instead and says how to read values.
Only `opened` is required; a row without an id gets `<file name>:<line>`.

Mapping file (YAML):

    columns:            # schema field -> your column header (matched ignoring case/spaces)
      id: Ticket
      opened: Start
      resolved: End
      severity: Sev
      detected_by: Found by
    delimiter: ";"      # default: guessed from the header line
    timezone: Europe/Zurich        # zone of times without an offset (default: --naive-timezone)
    time_formats: ["%d.%m.%Y %H:%M"]   # tried after ISO 8601
    list_separator: ";"            # between names in `responders`, `tags`, `refs`
    no_values: [nein, keine]       # words meaning "no" in `postmortem` / `caused_by_change`
    severity_values: {S1: critical, S2: high}      # else the common severity scale
    detected_by_values: {Alert: monitoring, Hotline: customer}  # else the vocabulary
    source_name: csv               # the source family (duplicates merge across families)
    paging: true                   # responders were paged at `opened` (after-hours pages)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from opsmaturity.core.messages import text as _msg
from opsmaturity.core.sources import SourceError, load_yaml
from opsmaturity.core.times import check_zone

from ...base import CollectorError
from ..record import Detection, IncidentRecord, Severity
from .common import (
    Problem,
    RecordError,
    SourceContext,
    detection_from_tags,
    detection_from_title,
    detection_from_word,
    first_detection,
    norm_token,
    parse_time,
    postmortem_from_tags,
    records_from_csv,
    severity_of,
    tri_state,
    unique,
)
from .streams import CsvRow, csv_rows, norm_header

NAME = "csv"
FIELDS: tuple[str, ...] = (
    "id", "title", "service", "team", "severity", "opened", "acknowledged", "resolved",
    "detected_by", "responders", "resolved_by", "postmortem", "caused_by_change", "change",
    "tags", "refs",
)


class Columns(BaseModel):
    """Schema field -> the user's column header."""

    model_config = ConfigDict(extra="forbid")

    id: str = "id"
    title: str = "title"
    service: str = "service"
    team: str = "team"
    severity: str = "severity"
    opened: str = "opened"
    acknowledged: str = "acknowledged"
    resolved: str = "resolved"
    detected_by: str = "detected_by"
    responders: str = "responders"
    resolved_by: str = "resolved_by"
    postmortem: str = "postmortem"
    caused_by_change: str = "caused_by_change"
    change: str = "change"
    tags: str = "tags"
    refs: str = "refs"


class CsvMapping(BaseModel):
    """How to read a generic incident CSV (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    columns: Columns = Field(default_factory=Columns)
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    timezone: str | None = None
    time_formats: list[str] = Field(default_factory=list)
    list_separator: str = Field(default=";", min_length=1)
    severity_values: dict[str, Severity] = Field(default_factory=dict)
    detected_by_values: dict[str, Detection] = Field(default_factory=dict)
    no_values: list[str] = Field(default_factory=list)
    source_name: str = Field(default=NAME, pattern=r"^[a-z][a-z0-9_-]*$")
    paging: bool = True

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return check_zone(value, "use an IANA name")


def load_mapping(path: Path) -> CsvMapping:
    """Read a mapping file; a problem becomes a CollectorError naming file, line and key."""
    try:
        source = load_yaml(path)
    except SourceError as exc:
        message = exc.message if exc.message != "file not found" else "mapping file not found"
        raise CollectorError(str(SourceError(exc.path, exc.line, message))) from None
    try:
        return CsvMapping.model_validate(source.data or {})
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = [str(p) for p in err["loc"]]
        msg = str(err.get("ctx", {}).get("error") or err["msg"])
        line = source.line_for(err["loc"]) if loc else None
        raise CollectorError(
            f"{path}{f':{line}' if line else ''}: {'.'.join(loc) or 'mapping'}: {msg}"
        ) from None


def read(path: Path, ctx: SourceContext) -> Iterator[IncidentRecord | Problem]:
    """Rows of a generic CSV as records, read with the run's mapping (if any)."""
    mapping: CsvMapping = ctx.state.get("csv_mapping") or CsvMapping()
    if mapping.timezone or mapping.time_formats:
        ctx = SourceContext(
            naive_tz=ZoneInfo(mapping.timezone) if mapping.timezone else ctx.naive_tz,
            time_formats=(*mapping.time_formats, *ctx.time_formats),
            state=ctx.state,
        )
    columns = {f: norm_header(getattr(mapping.columns, f)) for f in FIELDS}
    tables = _Tables(
        severity={norm_token(k): v for k, v in mapping.severity_values.items()},
        detection={norm_token(k): v for k, v in mapping.detected_by_values.items()},
    )

    def fields_of(row: CsvRow) -> dict[str, Any]:
        fields = _fields(row, columns, mapping, tables, ctx)
        fields["id"] = fields["id"] or f"{path.name}:{row.line}"
        return fields

    yield from records_from_csv(path, csv_rows(path, mapping.delimiter), fields_of,
                                lambda row: row.get(columns["id"]))


@dataclass(frozen=True)
class _Tables:
    """A mapping's value tables, normalised once per file."""

    severity: dict[str, Severity]
    detection: dict[str, Detection]


def _fields(
    row: CsvRow, columns: dict[str, str], mapping: CsvMapping, tables: _Tables,
    ctx: SourceContext,
) -> dict[str, Any]:
    def get(field: str) -> str | None:
        return row.get(columns[field])

    def items(field: str) -> list[str]:
        value = get(field)
        parts = value.split(mapping.list_separator) if value else []
        return [v.strip() for v in parts if v.strip()]

    no = mapping.no_values
    header = mapping.columns.opened
    opened = parse_time(get("opened"), ctx, header)
    if opened is None:
        if not row.has(columns["opened"]):
            raise RecordError(_msg("incidents.no_opened_column", header=repr(header)))
        raise RecordError(_msg("incidents.column_empty", header=header))
    title = get("title") or ""
    tags = items("tags")
    raw_severity = get("severity")
    severity = tables.severity.get(norm_token(raw_severity or "")) or severity_of(raw_severity)
    responders = unique([*items("responders"), get("resolved_by")])
    fields: dict[str, Any] = {
        "source": mapping.source_name,
        "id": get("id"),
        "title": title,
        "service": get("service"),
        "team": get("team"),
        "severity": severity,
        "priority": raw_severity,
        "opened": opened,
        "acknowledged": parse_time(get("acknowledged"), ctx, mapping.columns.acknowledged),
        "resolved": parse_time(get("resolved"), ctx, mapping.columns.resolved),
        "responders": responders,
        "resolved_by": get("resolved_by"),
        "pages": tuple((who, opened) for who in responders) if mapping.paging else (),
        "refs": tuple(items("refs")),
    }
    fields["detected_by"], fields["detection_rule"] = first_detection(
        _mapped_detection(get("detected_by"), tables, mapping),
        detection_from_tags(tags),
        detection_from_title(title),
        detection_from_word(get("detected_by"), mapping.columns.detected_by),
    )
    if row.has(columns["postmortem"]):
        fields["postmortem"], fields["postmortem_ref"] = tri_state(get("postmortem"), no)
    elif tag := postmortem_from_tags(tags):
        fields["postmortem"], fields["postmortem_ref"] = "yes", f"tag {tag}"
    if row.has(columns["caused_by_change"]):
        state, ref = tri_state(get("caused_by_change"), no)
        fields["caused_by_change"], fields["change"] = state, get("change") or ref
    elif row.has(columns["change"]):
        state, ref = tri_state(get("change"), no)
        fields["caused_by_change"], fields["change"] = state, ref
    return fields


def _mapped_detection(
    value: str | None, tables: _Tables, mapping: CsvMapping
) -> tuple[str, str] | None:
    if not value or not tables.detection:
        return None
    found = tables.detection.get(norm_token(value))
    return (found, f"{mapping.columns.detected_by} {value!r} (mapping)") if found else None

