"""ServiceNow: the `incident` table as Table API JSON or as a list-view CSV export.

JSON: `{"result": [...]}` (or a list, JSON Lines, pages). Every `sysparm_display_value`
mode is read: plain strings (`true` or `false`), reference objects
`{"display_value", "link"}`, and `{"display_value", "value"}` pairs (`all`). Times: in a
pair, `value` is the stored UTC time and is used; a plain string carries no zone and is
read in the naive time zone (export with `sysparm_display_value=all` to be exact).

CSV: column names as field names (`number`, `opened_at`, ...) or as labels (`Number`,
`Opened`, `Configuration item`, `Assignment group`, `Caused by Change`, `Channel`).

Mapping: id `number`; title `short_description`; opened `opened_at`; resolved
`resolved_at` (else `closed_at`); priority `priority` ("1 - Critical" -> critical, 2 high,
3 moderate, 4-5 low); service `cmdb_ci` (else `business_service`); team
`assignment_group`; responders `resolved_by` and `assigned_to`. ServiceNow has no
acknowledgement time and pages nobody.

Detection: the title rule, then `contact_type` in the channel vocabulary (Event / Alert /
Monitoring -> monitoring; Phone, Email, Self-service, Walk-in, Chat, Virtual Agent ->
customer: the caller is a user of the service). Review: a field named like postmortem /
post-incident review / PIR, else `problem_id` (a problem record opened for root-cause
analysis); blank -> no. Caused by a change: `caused_by` (the "Caused by Change"
reference) set -> yes, blank -> no; absent -> unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC
from pathlib import Path
from typing import Any

from opsmaturity.core.messages import text as _msg

from ..record import IncidentRecord
from .common import (
    Problem,
    RecordError,
    SourceContext,
    build,
    detection_from_title,
    detection_from_word,
    first_detection,
    parse_time,
    problem,
    severity_of,
    text,
    tri_state,
    unique,
)
from .streams import CsvProblem, csv_rows, json_records

NAME = "servicenow"
CONTAINERS = ("result", "records")
ALIASES: dict[str, tuple[str, ...]] = {
    "number": ("number",),
    "short_description": ("short_description",),
    "opened_at": ("opened_at", "opened"),
    "resolved_at": ("resolved_at", "resolved"),
    "closed_at": ("closed_at", "closed"),
    "priority": ("priority",),
    "contact_type": ("contact_type", "channel"),
    "cmdb_ci": ("cmdb_ci", "configuration_item"),
    "business_service": ("business_service", "service"),
    "assignment_group": ("assignment_group",),
    "assigned_to": ("assigned_to",),
    "resolved_by": ("resolved_by",),
    "caused_by": ("caused_by", "caused_by_change"),
    "problem_id": ("problem_id", "problem"),
    "correlation_id": ("correlation_id",),
}
_REVIEW_FIELD = re.compile(r"post_?mortem|post_incident|(^|_)pir($|_)")

Getter = Callable[[str], tuple[bool, Any]]


def read(path: Path, ctx: SourceContext) -> Iterator[IncidentRecord | Problem]:
    """ServiceNow incidents (JSON or CSV) as records; a broken one becomes a problem."""
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        for row in csv_rows(path):
            if isinstance(row, CsvProblem):
                yield Problem(f"{path}:{row.line}", row.why, fatal=row.fatal)
                continue
            yield _one(_getter(row.values), list(row.values), f"{path}:{row.line}", ctx)
        return
    for item in json_records(path, CONTAINERS):
        where = f"{path}:{item.line}"
        if item.error:
            yield Problem(where, item.error, fatal=item.fatal)
        elif not isinstance(item.value, dict):
            yield Problem(where, f"expected an incident object, found {type(item.value).__name__}")
        else:
            yield _one(_getter(item.value), list(item.value), where, ctx)


def _getter(rec: Mapping[str, Any]) -> Getter:
    def get(field: str) -> tuple[bool, Any]:
        """(present, value) for a field under any of its names."""
        for name in ALIASES.get(field, (field,)):
            if name in rec:
                return True, rec[name]
        return False, None

    return get


def _one(get: Getter, names: list[str], where: str, ctx: SourceContext) -> IncidentRecord | Problem:
    ident = text(get("number")[1])
    try:
        fields = _fields(get, names, ctx)
    except RecordError as exc:
        return problem(where, ident, str(exc))
    return build(fields, where)


def _time(value: Any, ctx: SourceContext, what: str) -> Any:
    if isinstance(value, dict) and "value" in value and "display_value" in value:
        return parse_time(value["value"], SourceContext(naive_tz=UTC), what)  # stored: UTC
    return parse_time(value, ctx, what)


def _fields(get: Getter, names: list[str], ctx: SourceContext) -> dict[str, Any]:
    ident = text(get("number")[1])
    if ident is None:
        raise RecordError(_msg("incidents.field_missing", field="number"))
    opened = _time(get("opened_at")[1], ctx, "opened_at")
    if opened is None:
        raise RecordError(_msg("incidents.field_missing", field="opened_at"))
    resolved = _time(get("resolved_at")[1], ctx, "resolved_at") or _time(
        get("closed_at")[1], ctx, "closed_at"
    )
    title = text(get("short_description")[1]) or ""
    priority = text(get("priority")[1])
    resolved_by = text(get("resolved_by")[1])
    fields: dict[str, Any] = {
        "source": NAME,
        "id": ident,
        "title": title,
        "service": text(get("cmdb_ci")[1]) or text(get("business_service")[1]),
        "team": text(get("assignment_group")[1]),
        "severity": severity_of(priority),
        "priority": priority,
        "opened": opened,
        "resolved": resolved,
        "responders": unique([resolved_by, text(get("assigned_to")[1])]),
        "resolved_by": resolved_by,
        "refs": unique([text(get("correlation_id")[1])]),
    }
    contact = text(get("contact_type")[1])
    fields["detected_by"], fields["detection_rule"] = first_detection(
        detection_from_title(title), detection_from_word(contact, "contact_type")
    )
    review_field = next((n for n in names if _REVIEW_FIELD.search(n)), None)
    has_problem, problem_id = get("problem_id")
    if review_field is not None:
        _, value = get(review_field)
        fields["postmortem"], ref = tri_state(text(value))
        fields["postmortem_ref"] = ref
    elif has_problem:
        pid = text(problem_id)
        fields["postmortem"] = "yes" if pid else "no"
        fields["postmortem_ref"] = f"problem {pid}" if pid else None
    has_cause, cause = get("caused_by")
    if has_cause:
        change = text(cause)
        fields["caused_by_change"] = "yes" if change else "no"
        fields["change"] = change
    return fields
