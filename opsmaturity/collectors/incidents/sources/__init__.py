"""Incident sources: one reader per tool, each normalising to `IncidentRecord`.

A reader is `read(path, ctx) -> Iterator[IncidentRecord | Problem]`: it streams its file
and reports a broken record (file:line and why) instead of stopping. A source that joins
records across files (PagerDuty log entries) also has `finish(records, ctx)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from opsmaturity.core.sources import file_encoding

from ..record import IncidentRecord
from . import generic_csv, jira, opsgenie, pagerduty, servicenow
from .common import Problem, SourceContext
from .streams import csv_header

Reader = Callable[[Path, SourceContext], Iterator[IncidentRecord | Problem]]
Finisher = Callable[
    [list[IncidentRecord], SourceContext], tuple[list[IncidentRecord], list[Problem]]
]

FORMATS: tuple[str, ...] = ("pagerduty", "opsgenie", "jira", "servicenow", "csv")
READERS: dict[str, Reader] = {
    "pagerduty": pagerduty.read,
    "opsgenie": opsgenie.read,
    "jira": jira.read,
    "servicenow": servicenow.read,
    "csv": generic_csv.read,
}
FINISHERS: dict[str, Finisher] = {"pagerduty": pagerduty.finish}

_JSON_SIGNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("jira", re.compile(r'"(issuetype|resolutiondate)"\s*:|"issues"\s*:\s*\[')),
    ("servicenow", re.compile(r'"(opened_at|sys_id|contact_type|cmdb_ci)"\s*:')),
    ("opsgenie", re.compile(r'"(tinyId|createdAt|impactStartDate|ackTime)"\s*:')),
    ("pagerduty", re.compile(
        r'"(incident_number|first_trigger_log_entry|log_entries|seconds_to_first_ack|'
        r'seconds_to_resolve|escalation_policy|urgency)"\s*:')),
)


def detect(path: Path, mapping_given: bool = False) -> str | None:
    """Which tool wrote this file, from its first 64 KiB (None when it cannot be told)."""
    with open(path, encoding=file_encoding(path), errors="replace") as f:
        head = f.read(1 << 16)
    if head.lstrip()[:1] in ("{", "["):
        return next((name for name, sign in _JSON_SIGNS if sign.search(head)), None)
    header = set(csv_header(path))
    if "issue_key" in header:
        return "jira"
    if "number" in header and header & {"opened_at", "opened"}:
        return "servicenow"
    if header & {"created_at", "created_on"} and header & {
        "incident_number", "seconds_to_first_ack", "seconds_to_resolve", "urgency",
        "escalation_policy_name",
    }:
        return "pagerduty"
    if mapping_given or "opened" in header:
        return "csv"
    return None


__all__ = ["FINISHERS", "FORMATS", "READERS", "Problem", "SourceContext", "detect"]
