"""What every incident source reader shares: the reading context, problems, times, people,
severities and the detection vocabulary.

The rules here are the cross-source half of docs/incident-evidence.md (labels and tags,
title phrases, the channel vocabulary, the severity scale); each source module adds its own.
Keep the two in step.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from opsmaturity.core.messages import text as _msg

from ..record import Detection, IncidentRecord, Severity, TriState, record_fields
from .streams import CsvProblem, CsvRow


@dataclass
class SourceContext:
    """How to read: the zone of naive timestamps, extra time formats, per-run state."""

    naive_tz: tzinfo = UTC
    time_formats: tuple[str, ...] = ()
    state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Problem:
    """A record that was skipped (or a file that stopped), worded for the user."""

    where: str  # file:line
    why: str
    fatal: bool = False  # the rest of the file could not be read

    def __str__(self) -> str:
        return f"{self.where}: {self.why}"


class RecordError(ValueError):
    """A record that cannot be used; the message says which field and why."""


# --------------------------------------------------------------------------- values


def text(value: Any) -> str | None:
    """A display string from a plain value or a reference object; None when blank."""
    if type(value) is str:  # the common case, first
        return value.strip() or None
    if isinstance(value, dict):
        for key in ("display_value", "displayName", "name", "summary", "value", "key", "id"):
            if key in value and not isinstance(value[key], dict | list):
                return text(value[key])
        return None
    if value is None or isinstance(value, list):
        return None
    s = str(value).strip()
    return s or None


def raw_value(value: Any) -> str | None:
    """ServiceNow's stored value when an object carries both (`sysparm_display_value=all`)."""
    if isinstance(value, dict) and "value" in value and "display_value" in value:
        return text(value["value"])
    return text(value)


def split_list(value: Any) -> list[str]:
    """A list from JSON, a JSON-encoded list in a cell, or `;`/`,`/newline-separated text."""
    if value is None:
        return []
    if isinstance(value, list):
        return [s for item in value if (s := text(item))]
    s = str(value).strip()
    if not s:
        return []
    if s.startswith("["):
        try:
            parsed = json.loads(s)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, list):
            return [t for item in parsed if (t := text(item))]
    sep = ";" if ";" in s else ("\n" if "\n" in s else ",")
    return [part.strip() for part in s.split(sep) if part.strip()]


def unique(items: Iterable[str | None]) -> tuple[str, ...]:
    """The non-empty items, first occurrence kept, in order."""
    seen: dict[str, None] = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return tuple(seen)


def number(value: Any, what: str) -> float | None:
    """A number from JSON or a CSV cell; blank is None, anything else a RecordError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise RecordError(f"{what}: {_msg('incidents.expected_number', value=repr(value))}")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise RecordError(
            f"{what}: {_msg('incidents.expected_number', value=repr(value))}") from None
    if not math.isfinite(result):
        raise RecordError(f"{what}: {_msg('incidents.expected_number', value=repr(value))}")
    return result


# --------------------------------------------------------------------------- times

_FALLBACK_FORMATS = (
    "%d/%b/%y %I:%M %p",  # Jira CSV export default: 15/Jan/24 10:30 AM
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%d/%b/%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y/%m/%d %H:%M:%S",
)


def parse_time(value: Any, ctx: SourceContext, what: str) -> datetime | None:
    """A UTC time from ISO 8601 (offset, `Z` or naive) or a known export format.

    Naive times are read in `ctx.naive_tz` (the documented assumption for exports that
    drop the offset: Jira CSV, ServiceNow display values, spreadsheets).
    """
    s = text(value)
    if s is None:
        return None
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(s)
    except ValueError:
        for fmt in (*ctx.time_formats, *_FALLBACK_FORMATS):
            try:
                parsed = datetime.strptime(s, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        raise RecordError(f"{what}: {_msg('incidents.bad_time', value=repr(s))}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ctx.naive_tz)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise RecordError(f"{what}: {_msg('incidents.time_range', value=repr(s))}") from None


def after(start: datetime, amount: float | None, unit_seconds: float, what: str) -> datetime | None:
    """start + amount (seconds, milliseconds...) as a time; None when amount is missing."""
    if amount is None:
        return None
    if amount < 0:
        raise RecordError(f"{what}: {_msg('incidents.negative_duration', amount=f'{amount:g}')}")
    try:
        return start + timedelta(seconds=amount * unit_seconds)
    except OverflowError:
        raise RecordError(
            f"{what}: {_msg('incidents.duration_range', amount=f'{amount:g}')}") from None


# --------------------------------------------------------------------------- severity

_NUMBERED = re.compile(r"^(?:p|sev|s|priority|severity)?[\s_-]*([0-5])\b", re.I)
_BY_NUMBER: dict[str, Severity] = {
    "0": "critical", "1": "critical", "2": "high", "3": "moderate", "4": "low", "5": "low",
}
_BY_WORD: dict[str, Severity] = {
    "critical": "critical", "blocker": "critical", "highest": "critical",
    "urgent": "critical", "emergency": "critical", "major": "high", "high": "high",
    "medium": "moderate", "moderate": "moderate", "normal": "moderate",
    "low": "low", "lowest": "low", "minor": "low", "trivial": "low", "planning": "low",
    "info": "low", "informational": "low",
}


def severity_of(value: str | None, words: Mapping[str, Severity] | None = None) -> Severity:
    """Map a priority/severity text onto critical/high/moderate/low (unknown otherwise).

    A leading number wins (`P1`, `SEV-2`, `1 - Critical`); then the first word, looked up
    in `words` (a source's own scale) or the common table.
    """
    if not value:
        return "unknown"
    s = value.strip()
    if m := _NUMBERED.match(s):
        return _BY_NUMBER[m.group(1)]
    table = words or _BY_WORD
    for word in re.findall(r"[a-z]+", s.casefold()):
        if word in table:
            return table[word]
    return "unknown"


# --------------------------------------------------------------------------- detection


def norm_token(value: str) -> str:
    """Labels and values compared ignoring case, spaces and underscores."""
    return re.sub(r"[\s_]+", "-", value.strip().casefold())


CUSTOMER_TAGS = frozenset({
    "customer-reported", "reported-by-customer", "detected-by-customer", "customer-found",
    "found-by-customer", "user-reported", "reported-by-user", "detected-by-user",
})
MONITORING_TAGS = frozenset({
    "detected-by-monitoring", "monitoring-detected", "detected-by-alert", "alert-detected",
})
STAFF_TAGS = frozenset({
    "detected-by-staff", "staff-reported", "reported-by-staff", "detected-internally",
    "internally-reported", "detected-by-team",
})
POSTMORTEM_TAGS = frozenset({
    "postmortem", "post-mortem", "postmortem-done", "post-incident-review", "pir", "pir-done",
    "rca-done",
})
CHANGE_TAGS = frozenset({"caused-by-change", "change-related", "caused-by-deployment"})

_TITLE_CUSTOMER = re.compile(
    r"\b(customer|client|user)s?[- ]report(ed|s)?\b|\breported by (an? |the |our )?"
    r"(customer|client|user)s?\b|\bcustomer complaints?\b",
    re.I,
)

CHANNEL_WORDS: dict[str, Detection] = {
    # monitoring: an automated signal opened it
    "monitoring": "monitoring", "monitor": "monitoring", "alert": "monitoring",
    "alerting": "monitoring", "event": "monitoring", "events": "monitoring",
    "integration": "monitoring", "automated": "monitoring", "automatic": "monitoring",
    "system": "monitoring", "api": "monitoring",
    # customer: a user of the service reported it (in ITSM, callers are the service's users)
    "customer": "customer", "client": "customer", "user": "customer", "end-user": "customer",
    "caller": "customer", "self-service": "customer", "portal": "customer", "phone": "customer",
    "email": "customer", "e-mail": "customer", "walk-in": "customer", "chat": "customer",
    "virtual-agent": "customer", "service-desk": "customer", "helpdesk": "customer",
    "support": "customer", "support-ticket": "customer",
    # staff: someone in the organisation noticed it
    "staff": "staff", "internal": "staff", "employee": "staff", "team": "staff",
    "engineer": "staff", "operator": "staff", "developer": "staff", "ops": "staff",
}

HELPDESK_TOOLS = re.compile(
    r"jira.?service|service.?desk|zendesk|freshdesk|freshservice|servicenow|intercom|"
    r"salesforce|help.?scout|kayako|front\b|hubspot",
    re.I,
)


def detection_from_tags(tags: Iterable[str]) -> tuple[Detection, str] | None:
    """Rule 1: an explicit label says who detected it."""
    for tag in tags:
        t = norm_token(tag)
        if t in CUSTOMER_TAGS:
            return "customer", _msg("incidents.rule.label", tag=repr(tag))
        if t in MONITORING_TAGS:
            return "monitoring", _msg("incidents.rule.label", tag=repr(tag))
        if t in STAFF_TAGS:
            return "staff", _msg("incidents.rule.label", tag=repr(tag))
    return None


def detection_from_title(title: str | None) -> tuple[Detection, str] | None:
    """Rule 2: the title says a customer or user reported it."""
    if title and (m := _TITLE_CUSTOMER.search(title)):
        return "customer", _msg("incidents.rule.title", text=repr(m.group(0)))
    return None


def detection_from_word(value: str | None, what: str) -> tuple[Detection, str] | None:
    """The channel vocabulary: `Self-service` -> customer, `Event` -> monitoring, ..."""
    if not value:
        return None
    word = CHANNEL_WORDS.get(norm_token(value))
    return (word, f"{what} {value!r}") if word else None  # a field and its value: no words


NO_RULE = _msg("incidents.rule.none")


def first_detection(
    *candidates: tuple[Detection, str] | None,
) -> tuple[Detection, str]:
    """The first rule that matched, else unknown."""
    for candidate in candidates:
        if candidate is not None:
            return candidate
    return "unknown", NO_RULE


def postmortem_from_tags(tags: Iterable[str]) -> str | None:
    """A label saying a post-incident review was done."""
    return next((t for t in tags if norm_token(t) in POSTMORTEM_TAGS), None)


def change_from_tags(tags: Iterable[str]) -> str | None:
    """A label saying a change caused the incident."""
    return next((t for t in tags if norm_token(t) in CHANGE_TAGS), None)


_NO = frozenset({"", "no", "n", "false", "0", "none", "n/a", "na", "-", "unknown", "?"})
_YES = frozenset({"yes", "y", "true", "1", "x", "done"})


def tri_state(value: str | None, no: Iterable[str] = ()) -> tuple[TriState, str | None]:
    """A yes/no/reference cell: blank or `no` -> no; `yes` -> yes; anything else -> yes, ref.

    `no` adds words that mean no (a mapping's `no_values`, e.g. German `nein`).
    """
    if value is None:
        return "no", None
    v = value.strip()
    if v.casefold() in {w.casefold() for w in no}:
        return "no", None
    if v.casefold() in _NO:
        return ("unknown", None) if v.casefold() in {"unknown", "?"} else ("no", None)
    if v.casefold() in _YES:
        return "yes", None
    return "yes", v


# --------------------------------------------------------------------------- records


_SHARED = ("source", "service", "team", "priority", "detection_rule", "resolved_by", "title")


def _intern(value: Any) -> Any:
    return sys.intern(value) if type(value) is str else value


def build(fields: dict[str, Any], where: str) -> IncidentRecord | Problem:
    """An IncidentRecord, or a Problem naming the record and the first thing wrong with it.

    Values that repeat across thousands of incidents (services, teams, people, rules, the
    titles alerting tools give) are interned, so a large export holds each of them once.
    """
    for name in _SHARED:
        if name in fields:
            fields[name] = _intern(fields[name])
    if fields.get("responders"):
        fields["responders"] = tuple(_intern(p) for p in fields["responders"])
    if fields.get("pages"):
        fields["pages"] = tuple((_intern(p), at) for p, at in fields["pages"])
    try:
        return IncidentRecord(**record_fields({**fields, "origin": where}))
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = ".".join(str(p) for p in err["loc"])
        msg = str(err.get("ctx", {}).get("error") or err["msg"])
        ident = fields.get("id")
        label = f"{_msg('incidents.incident', id=ident)}: " if ident else ""
        return Problem(where, f"{label}{loc + ': ' if loc else ''}{msg}")


def problem(where: str, ident: Any, why: str) -> Problem:
    """A Problem that names the incident when its id is known."""
    label = f"{_msg('incidents.incident', id=ident)}: " if text(ident) else ""
    return Problem(where, f"{label}{why}")


def records_from_csv(path: Path, rows: Iterable[CsvRow | CsvProblem],
                     fields_of: Callable[[CsvRow], dict[str, Any]],
                     id_of: Callable[[CsvRow], Any]) -> Iterator[IncidentRecord | Problem]:
    """CSV rows as incident records; a broken row or record becomes a Problem at path:line,
    and reading goes on with the next row."""
    for row in rows:
        if isinstance(row, CsvProblem):
            yield Problem(f"{path}:{row.line}", row.why, fatal=row.fatal)
            continue
        where = f"{path}:{row.line}"
        try:
            fields = fields_of(row)
        except RecordError as exc:
            yield problem(where, id_of(row), str(exc))
            continue
        yield build(fields, where)
