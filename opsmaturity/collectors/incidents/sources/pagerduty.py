"""PagerDuty: REST `incidents` (with their `log_entries`), analytics raw incidents, CSV export.

Shapes read:
- REST: `{"incidents": [...]}` pages (or a list of pages, or JSON Lines), `{"incident": {}}`;
  log entries embedded per incident (`"log_entries": [...]`, as a script fetching
  `/incidents/{id}/log_entries` stores them) or as `{"log_entries": [...]}` in the same or
  another file, joined on `incident.id`.
- Analytics: `{"data": [...]}` from `POST /analytics/raw/incidents` (`created_at`,
  `resolved_at`, `seconds_to_first_ack`, `seconds_to_resolve`, `major`, `priority_name`,
  `service_name`, `team_name`, `*_user_names`, `resolved_by_user_name`).
- CSV: the incident export with the analytics column names (or `created_on`/`resolved_on`;
  headers are matched case- and space-insensitively).

Detection (REST with a trigger log entry): a helpdesk integration (Zendesk, Jira Service
Management, ...) -> customer; a person (user agent, `web_trigger`, mobile, Slack, ...) ->
staff; the email channel -> unknown (monitoring and people both send mail); any other
integration or channel (Events API, Nagios, ...) -> monitoring. Analytics and CSV carry no
channel: unknown, unless the title rule matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from opsmaturity.core.messages import text as _msg

from ..record import IncidentRecord
from .common import (
    HELPDESK_TOOLS,
    Problem,
    RecordError,
    SourceContext,
    after,
    build,
    detection_from_title,
    first_detection,
    number,
    parse_time,
    problem,
    records_from_csv,
    severity_of,
    split_list,
    text,
    unique,
)
from .streams import csv_rows, json_records

NAME = "pagerduty"
CONTAINERS = ("incidents", "incident", "data", "log_entries", "log_entry")
HUMAN_CHANNELS = frozenset({
    "web_trigger", "web", "website", "mobile", "sms", "phone", "note", "slack", "chat",
    "msteams", "microsoft_teams", "user",
})
_POSTMORTEM_NOTE = re.compile(
    r"post[- ]?mortem|post[- ]incident review|\bpir\b|retrospective|\brca\b", re.I
)
_STATE = "pagerduty_logs"


@dataclass
class _Log:
    """What an incident's log entries tell: trigger, acknowledgements, resolution, pages."""

    triggers: list[tuple[datetime, Mapping[str, Any]]] = field(default_factory=list)
    acks: list[tuple[datetime, str | None]] = field(default_factory=list)
    resolves: list[tuple[datetime, str | None]] = field(default_factory=list)
    notifies: list[tuple[str, datetime]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read(path: Path, ctx: SourceContext) -> Iterator[IncidentRecord | Problem]:
    """PagerDuty incidents (REST, analytics or CSV); log entries are kept for
    `finish` when they arrive apart from their incidents."""
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        yield from _read_csv(path, ctx)
        return
    logs: dict[str, _Log] = ctx.state.setdefault(_STATE, {})
    for item in json_records(path, CONTAINERS):
        where = f"{path}:{item.line}"
        if item.error:
            yield Problem(where, item.error, fatal=item.fatal)
            continue
        rec = item.value
        if not isinstance(rec, dict):
            yield Problem(where, f"expected an incident object, found {type(rec).__name__}")
            continue
        if item.key in ("log_entries", "log_entry") or str(rec.get("type", "")).endswith(
            "_log_entry"
        ):
            try:
                _add_log_entry(logs, rec, None, ctx)
            except RecordError as exc:
                yield problem(where, rec.get("id"), f"log entry: {exc}")
            continue
        try:
            fields = _analytics(rec, ctx) if _is_flat(rec) else _rest(rec, ctx, logs)
        except RecordError as exc:
            yield problem(where, rec.get("id"), str(exc))
            continue
        yield build(fields, where)


def finish(
    records: list[IncidentRecord], ctx: SourceContext
) -> tuple[list[IncidentRecord], list[Problem]]:
    """Apply log entries that came apart from their incidents (another key or file); an
    incident they make inconsistent is reported and skipped like any broken record."""
    logs: dict[str, _Log] = ctx.state.get(_STATE, {})
    if not logs:
        return records, []
    out: list[IncidentRecord] = []
    problems: list[Problem] = []
    for record in records:
        log = logs.get(record.id) if record.source == NAME else None
        if log is None:
            out.append(record)
            continue
        fields = record.to_dict()
        fields.update(_from_log(log, fields))
        built = build(fields, record.origin)
        if isinstance(built, IncidentRecord):
            out.append(built)
        else:
            problems.append(Problem(built.where, f"{built.why} (with its log entries)"))
    return out, problems


def _is_flat(rec: Mapping[str, Any]) -> bool:
    return any(k in rec for k in ("service_name", "seconds_to_resolve", "priority_name"))


# --------------------------------------------------------------------------- REST


def _rest(rec: Mapping[str, Any], ctx: SourceContext, logs: dict[str, _Log]) -> dict[str, Any]:
    ident = text(rec.get("id")) or text(rec.get("incident_number"))
    if ident is None:
        raise RecordError(_msg("incidents.no_id"))
    opened = parse_time(rec.get("created_at"), ctx, "created_at")
    if opened is None:
        raise RecordError(_msg("incidents.field_missing", field="created_at"))
    title = text(rec.get("title")) or text(rec.get("summary")) or ""
    acks = [
        (parse_time(a.get("at"), ctx, "acknowledgements.at"), text(a.get("acknowledger")))
        for a in rec.get("acknowledgements") or []
        if isinstance(a, dict)
    ]
    assignees = [
        text(a.get("assignee")) for a in rec.get("assignments") or [] if isinstance(a, dict)
    ]
    status = text(rec.get("status"))
    resolved = parse_time(rec.get("resolved_at"), ctx, "resolved_at")
    resolved_by = None
    if status == "resolved":
        if resolved is None:
            resolved = parse_time(rec.get("last_status_change_at"), ctx, "last_status_change_at")
        by = rec.get("last_status_change_by")
        if isinstance(by, dict) and str(by.get("type", "")).startswith("user"):
            resolved_by = text(by)
    priority = text(rec.get("priority"))
    urgency = text(rec.get("urgency"))
    fields: dict[str, Any] = {
        "source": NAME,
        "id": ident,
        "title": title,
        "service": text(rec.get("service")),
        "team": next((t for x in rec.get("teams") or [] if (t := text(x))), None),
        "severity": _severity(priority, urgency, None),
        "priority": priority or (f"urgency {urgency}" if urgency else None),
        "opened": opened,
        "acknowledged": min((at for at, _ in acks if at), default=None),
        "resolved": resolved,
        "responders": unique([*(who for _, who in acks), *assignees, resolved_by]),
        "resolved_by": resolved_by,
        "refs": unique([text(rec.get("incident_key"))]),
    }
    fields["pages"] = tuple((who, opened) for who in fields["responders"])
    detection = first_detection(detection_from_title(title), _reference_detection(rec))
    fields["detected_by"], fields["detection_rule"] = detection
    embedded = rec.get("log_entries")
    log = logs.get(ident)
    if isinstance(embedded, list):
        log = log or _Log()
        for entry in embedded:
            if isinstance(entry, dict):
                _add_log_entry({ident: log}, entry, ident, ctx)
    for note in rec.get("notes") or []:
        if isinstance(note, dict) and (content := text(note.get("content"))):
            log = log or _Log()
            log.notes.append(content[:200])
    if log is not None:
        fields.update(_from_log(log, fields))
    return fields


def _add_log_entry(
    logs: dict[str, _Log], entry: Mapping[str, Any], incident: str | None, ctx: SourceContext
) -> None:
    kind = str(entry.get("type", "")).removesuffix("_reference")
    incident = incident or text((entry.get("incident") or {}).get("id"))
    if incident is None:
        raise RecordError(_msg("incidents.no_join_id"))
    at = parse_time(entry.get("created_at"), ctx, "created_at")
    if at is None:
        raise RecordError(_msg("incidents.field_missing", field="created_at"))
    log = logs.setdefault(incident, _Log())
    agent = entry.get("agent") if isinstance(entry.get("agent"), dict) else {}
    person = text(agent) if str(agent.get("type", "")).startswith("user") else None
    if kind == "trigger_log_entry":  # keep only what detection reads (an email body can be big)
        channel = entry.get("channel") if isinstance(entry.get("channel"), dict) else {}
        compact = {"channel": {"type": channel.get("type")},
                   "agent": {"type": agent.get("type"), "summary": text(agent)}}
        log.triggers.append((at, compact))
    elif kind == "acknowledge_log_entry":
        log.acks.append((at, person))
    elif kind == "resolve_log_entry":
        log.resolves.append((at, person))
    elif kind == "notify_log_entry":
        if who := text(entry.get("user")):
            log.notifies.append((who, at))
    elif kind == "annotate_log_entry":
        channel = entry.get("channel") if isinstance(entry.get("channel"), dict) else {}
        for note in (channel.get("summary"), entry.get("note"), entry.get("content")):
            if text(note) and _POSTMORTEM_NOTE.search(str(note)):
                log.notes.append(str(note)[:200])


def _from_log(log: _Log, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Field updates from an incident's log entries (they are more complete than the
    incident: REST empties `acknowledgements` once an incident is resolved)."""
    update: dict[str, Any] = {}
    acks = sorted(log.acks, key=lambda x: x[0])
    if acks:
        first = acks[0][0]
        current = fields.get("acknowledged")
        update["acknowledged"] = min(first, current) if current else first
    resolved_by = fields.get("resolved_by")
    if log.resolves:
        at, who = max(log.resolves, key=lambda x: x[0])
        if fields.get("resolved") is None:
            update["resolved"] = at
        resolved_by = who or resolved_by
        update["resolved_by"] = resolved_by
    update["responders"] = unique(
        [*fields.get("responders", ()), *(who for _, who in acks), resolved_by]
    )
    if log.notifies:
        first_page: dict[str, datetime] = {}
        for who, at in sorted(log.notifies, key=lambda x: x[1]):
            first_page.setdefault(who, at)
        update["pages"] = tuple(first_page.items())
        update["responders"] = unique([*update["responders"], *first_page])
    else:
        opened = fields["opened"]
        update["pages"] = tuple((who, opened) for who in update["responders"])
    if log.triggers and not str(fields.get("detection_rule", "")).startswith("title"):
        _, trigger = min(log.triggers, key=lambda x: x[0])
        detected = _trigger_detection(trigger)
        if detected:
            update["detected_by"], update["detection_rule"] = detected
    review = next((n for n in log.notes if _POSTMORTEM_NOTE.search(n)), None)
    if review:
        update["postmortem"], update["postmortem_ref"] = "yes", review[:200]
    elif fields.get("postmortem") != "yes":
        update["postmortem"], update["postmortem_ref"] = "no", None
    return update


def _trigger_detection(entry: Mapping[str, Any]) -> tuple[str, str] | None:
    channel = entry.get("channel") if isinstance(entry.get("channel"), dict) else {}
    ctype = str(channel.get("type", "")).casefold()
    agent = entry.get("agent") if isinstance(entry.get("agent"), dict) else {}
    atype = str(agent.get("type", "")).casefold()
    name = text(agent) or ""
    if name and not atype.startswith("user") and HELPDESK_TOOLS.search(name):
        return "customer", f"triggered by the helpdesk integration {name!r}"
    if atype.startswith("user"):
        return "staff", f"triggered by a person (channel {ctype or 'web'})"
    if ctype in HUMAN_CHANNELS:
        return "staff", f"triggered through channel {ctype!r}"
    if ctype == "email" or "email" in atype:
        return None
    if ctype or "integration" in atype:
        return "monitoring", f"triggered through channel {ctype or atype!r}"
    return None


def _reference_detection(rec: Mapping[str, Any]) -> tuple[str, str] | None:
    """Without log entries: the trigger itself if expanded, else its summary text."""
    ref = rec.get("first_trigger_log_entry")
    if not isinstance(ref, dict):
        return None
    if "channel" in ref or "agent" in ref:
        return _trigger_detection(ref)
    summary = (text(ref.get("summary")) or "").casefold()
    if any(w in summary for w in ("website", "web ui", "mobile", "slack", "web app")):
        return "staff", f"first trigger {summary!r}"
    if "email" in summary:
        return None
    if any(w in summary for w in ("api", "integration", "event")):
        return "monitoring", f"first trigger {summary!r}"
    return None


# --------------------------------------------------------------------------- analytics / CSV


def _severity(priority: str | None, urgency: str | None, major: Any) -> str:
    severity = severity_of(priority)
    if severity != "unknown":
        return severity
    if major is True or str(major).casefold() == "true":
        return "high"
    return {"high": "high", "low": "low"}.get((urgency or "").casefold(), "unknown")


def _get(rec: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        value = rec.get(name)
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return value
    return None


def _analytics(rec: Mapping[str, Any], ctx: SourceContext) -> dict[str, Any]:
    ident = text(_get(rec, "id", "incident_id")) or text(_get(rec, "incident_number"))
    if ident is None:
        raise RecordError(_msg("incidents.no_id"))
    opened = parse_time(_get(rec, "created_at", "created_on", "created"), ctx, "created_at")
    if opened is None:
        raise RecordError(_msg("incidents.field_missing", field="created_at"))
    to_ack = number(_get(rec, "seconds_to_first_ack"), "seconds_to_first_ack")
    to_resolve = number(_get(rec, "seconds_to_resolve"), "seconds_to_resolve")
    resolved = parse_time(_get(rec, "resolved_at", "resolved_on", "resolved"), ctx, "resolved_at")
    if resolved is None:
        resolved = after(opened, to_resolve, 1, "seconds_to_resolve")
    priority = text(_get(rec, "priority_name", "priority"))
    urgency = text(_get(rec, "urgency"))
    resolved_by = text(_get(rec, "resolved_by_user_name", "resolved_by"))
    ackers = split_list(_get(rec, "acknowledged_user_names", "acknowledged_by_user_names",
                             "acknowledged_by"))
    assignees = split_list(_get(rec, "assigned_user_names", "assigned_to_user_names",
                                "assigned_to"))
    title = text(_get(rec, "description", "title", "summary")) or ""
    responders = unique([*ackers, *assignees, resolved_by])
    detected, rule = first_detection(detection_from_title(title))
    return {
        "source": NAME,
        "id": ident,
        "title": title,
        "service": text(_get(rec, "service_name", "service")),
        "team": text(_get(rec, "team_name", "team", "teams")),
        "severity": _severity(priority, urgency, rec.get("major")),
        "priority": priority or (f"urgency {urgency}" if urgency else None),
        "opened": opened,
        "acknowledged": after(opened, to_ack, 1, "seconds_to_first_ack"),
        "resolved": resolved,
        "responders": responders,
        "resolved_by": resolved_by,
        "pages": tuple((who, opened) for who in responders),
        "detected_by": detected,
        "detection_rule": rule,
    }


def _read_csv(path: Path, ctx: SourceContext) -> Iterator[IncidentRecord | Problem]:
    yield from records_from_csv(path, csv_rows(path),
                                lambda row: _analytics(row.values, ctx),
                                lambda row: row.get("id", "incident_id"))
