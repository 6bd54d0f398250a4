"""Jira / Jira Service Management: issue JSON (`/rest/api/*/search`) or the CSV export.

JSON: `{"issues": [...]}` pages (or a list of pages, JSON Lines, one issue). The id is `key`;
opened `fields.created`, resolved `fields.resolutiondate` (with offsets); priority
`fields.priority.name` on Jira's scale (Highest/Blocker -> critical, High/Critical -> high,
Medium/Major -> moderate, Low/Lowest/Minor/Trivial -> low); service the first component,
else the project name; responder the assignee (Jira records no resolver: the assignee at
export time is taken as the one who resolved it). Jira has no acknowledgement time and
pages nobody.

CSV: the Issue Navigator export (`Issue key`, `Summary`, `Created`, `Resolved`,
`Priority`, repeated `Labels` and `Component/s` columns, `Assignee`, `Reporter`, ...).
Dates like `15/Jan/24 10:30 AM` carry no zone: they are read in the naive time zone.

Detection: labels, then the title rule; then (JSON) the reporter's `accountType`:
`customer` (a JSM portal customer) -> customer, `app` (an integration) -> monitoring,
`atlassian` (a licensed user) -> staff; (CSV) a custom field named Detected by / Detection /
Source / Channel in the channel vocabulary.

Post-incident review: a linked issue whose type is a post-incident review / postmortem
(JSON), a review column (CSV), or a review label; with links (JSON) or a review column (CSV)
present and none found, "no"; otherwise unknown. Caused by a change: an "is caused by" link
(link type name containing "caus") to an issue of type Change / Change request / Deployment
/ Release (JSON; in CSV any `Inward issue link (Causes)` value, as linked types are not
exported), or a change label; "no" when links are present but none is causal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from opsmaturity.core.messages import text as _msg

from ..record import IncidentRecord, Severity
from .common import (
    Problem,
    RecordError,
    SourceContext,
    build,
    change_from_tags,
    detection_from_tags,
    detection_from_title,
    detection_from_word,
    first_detection,
    parse_time,
    postmortem_from_tags,
    problem,
    records_from_csv,
    severity_of,
    split_list,
    text,
    tri_state,
    unique,
)
from .streams import CsvRow, csv_rows, json_records

NAME = "jira"
CONTAINERS = ("issues", "issue")
JIRA_PRIORITIES: dict[str, Severity] = {
    "highest": "critical", "blocker": "critical", "urgent": "critical",
    "high": "high", "critical": "high",
    "medium": "moderate", "major": "moderate", "normal": "moderate",
    "low": "low", "lowest": "low", "minor": "low", "trivial": "low",
}
_REVIEW_TYPE = re.compile(r"post.?incident review|post.?mortem|\bpir\b|retrospective", re.I)
_CHANGE_TYPE = re.compile(r"\bchange\b|change request|deployment|release", re.I)
_ACCOUNT_TYPES = {
    "customer": ("customer", "reporter is a service-desk customer"),
    "app": ("monitoring", "reporter is an integration (app account)"),
    "atlassian": ("staff", "reporter is a licensed user"),
}
_DETECTION_COLUMNS = (
    "custom_field_detected_by", "custom_field_detection", "custom_field_detection_source",
    "custom_field_source", "custom_field_channel", "custom_field_request_channel",
    "detected_by", "detection",
)


def read(path: Path, ctx: SourceContext) -> Iterator[IncidentRecord | Problem]:
    """Jira issues (JSON or CSV export) as records; a broken issue becomes a problem."""
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        yield from _read_csv(path, ctx)
        return
    for item in json_records(path, CONTAINERS):
        where = f"{path}:{item.line}"
        if item.error:
            yield Problem(where, item.error, fatal=item.fatal)
            continue
        rec = item.value
        if not isinstance(rec, dict) or not isinstance(rec.get("fields"), dict):
            yield problem(where, rec.get("key") if isinstance(rec, dict) else None,
                          "expected an issue object with fields")
            continue
        try:
            fields = _issue(rec, ctx)
        except RecordError as exc:
            yield problem(where, rec.get("key"), str(exc))
            continue
        yield build(fields, where)


def _issue(rec: Mapping[str, Any], ctx: SourceContext) -> dict[str, Any]:
    f = rec["fields"]
    ident = text(rec.get("key")) or text(rec.get("id"))
    if ident is None:
        raise RecordError(_msg("incidents.no_key"))
    opened = parse_time(f.get("created"), ctx, "fields.created")
    if opened is None:
        raise RecordError(_msg("incidents.field_missing", field="fields.created"))
    title = text(f.get("summary")) or ""
    labels = split_list(f.get("labels"))
    priority = text(f.get("priority"))
    assignee = text(f.get("assignee"))
    components = split_list(f.get("components"))
    reporter = f.get("reporter") if isinstance(f.get("reporter"), dict) else {}
    account = _ACCOUNT_TYPES.get(str(reporter.get("accountType", "")).casefold())
    fields: dict[str, Any] = {
        "source": NAME,
        "id": ident,
        "title": title,
        "service": components[0] if components else text(f.get("project")),
        "severity": severity_of(priority, JIRA_PRIORITIES),
        "priority": priority,
        "opened": opened,
        "resolved": parse_time(f.get("resolutiondate"), ctx, "fields.resolutiondate"),
        "responders": unique([assignee]),
        "resolved_by": assignee if f.get("resolutiondate") else None,
    }
    fields["detected_by"], fields["detection_rule"] = first_detection(
        detection_from_tags(labels), detection_from_title(title), account
    )
    links = f.get("issuelinks")
    reviews: list[str] = []
    causes: list[str] = []
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict):
            continue
        for side in ("inwardIssue", "outwardIssue"):
            other = link.get(side)
            if not isinstance(other, dict):
                continue
            other_type = text((other.get("fields") or {}).get("issuetype")) or ""
            if _REVIEW_TYPE.search(other_type):
                reviews.append(text(other.get("key")) or other_type)
            ltype = link.get("type") if isinstance(link.get("type"), dict) else {}
            causal = "caus" in (text(ltype.get("name")) or "").casefold()
            caused_by_other = side == "inwardIssue" and "caused by" in (
                text(ltype.get("inward")) or "is caused by"
            ).casefold()
            if causal and caused_by_other and _CHANGE_TYPE.search(other_type):
                causes.append(text(other.get("key")) or other_type)
    has_links = isinstance(links, list)
    _set_review(fields, postmortem_from_tags(labels), reviews, has_links)
    _set_change(fields, change_from_tags(labels), causes, has_links)
    return fields


def _set_review(fields: dict[str, Any], tag: str | None, reviews: list[str], known: bool) -> None:
    if reviews:
        fields["postmortem"], fields["postmortem_ref"] = "yes", ", ".join(reviews)
    elif tag:
        fields["postmortem"], fields["postmortem_ref"] = "yes", f"label {tag}"
    elif known:
        fields["postmortem"] = "no"


def _set_change(fields: dict[str, Any], tag: str | None, causes: list[str], known: bool) -> None:
    if causes:
        fields["caused_by_change"], fields["change"] = "yes", ", ".join(causes)
    elif tag:
        fields["caused_by_change"] = "yes"
    elif known:
        fields["caused_by_change"] = "no"


# --------------------------------------------------------------------------- CSV


def _read_csv(path: Path, ctx: SourceContext) -> Iterator[IncidentRecord | Problem]:
    yield from records_from_csv(path, csv_rows(path), lambda row: _row(row, ctx),
                                lambda row: row.get("issue_key"))


def _row(row: CsvRow, ctx: SourceContext) -> dict[str, Any]:
    ident = row.get("issue_key", "key", "issue_id")
    if ident is None:
        raise RecordError(_msg("incidents.field_missing", field="Issue key"))
    opened = parse_time(row.get("created"), ctx, "Created")
    if opened is None:
        raise RecordError(_msg("incidents.field_missing", field="Created"))
    resolved = parse_time(row.get("resolved", "resolution_date"), ctx, "Resolved")
    title = row.get("summary") or ""
    labels = [v for label in row.all("labels") for v in label.split()]
    components = row.all("component_s") or row.all("components")
    priority = row.get("priority")
    assignee = row.get("assignee")
    detection_value = next(((c, v) for c in _DETECTION_COLUMNS if (v := row.get(c))), None)
    fields: dict[str, Any] = {
        "source": NAME,
        "id": ident,
        "title": title,
        "service": components[0] if components else row.get("project_name"),
        "severity": severity_of(priority, JIRA_PRIORITIES),
        "priority": priority,
        "opened": opened,
        "resolved": resolved,
        "responders": unique([assignee]),
        "resolved_by": assignee if resolved else None,
    }
    fields["detected_by"], fields["detection_rule"] = first_detection(
        detection_from_tags(labels),
        detection_from_title(title),
        detection_from_word(detection_value[1], detection_value[0]) if detection_value else None,
    )
    review_columns = [
        name for name in row.values
        if re.search(r"post_?mortem|post_incident_review|(^|_)pir($|_)", name)
    ]
    review_values = [v for name in review_columns for v in row.all(name)]
    reviews = [v for v in review_values if tri_state(v)[0] == "yes"]
    _set_review(fields, postmortem_from_tags(labels), reviews, bool(review_columns))
    link_columns = [
        n for n in row.values if n.startswith(("inward_issue_link", "outward_issue_link"))
    ]
    causes = row.all("inward_issue_link_causes")
    _set_change(fields, change_from_tags(labels), causes, bool(link_columns))
    return fields
