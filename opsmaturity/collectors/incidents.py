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

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from opsmaturity.core import privacy
from opsmaturity.core.evidence import Coverage, EvidenceSet, Measure, Window
from opsmaturity.core.stats import median, p90
from opsmaturity.core.times import now_utc

from .base import CollectorError, Progress, no_progress
from .incident_record import HIGH_SEVERITIES, SEVERITIES, SOURCES, IncidentRecord
from .incident_sources import FINISHERS, FORMATS, READERS, Problem, SourceContext, detect
from .incident_sources.generic_csv import load_mapping

MEASURES: tuple[str, ...] = (
    "incidents.count",
    "incidents.per_week",
    "incidents.high_severity_count",
    "incidents.mtta_minutes_median",
    "incidents.mtta_minutes_p90",
    "incidents.mttr_hours_median",
    "incidents.mttr_hours_p90",
    "incidents.mttr_spread_ratio",
    "incidents.detected_by_monitoring_share",
    "incidents.detected_by_customer_share",
    "incidents.detected_by_staff_share",
    "incidents.detection_known_share",
    "incidents.postmortem_share",
    "incidents.postmortem_share_all",
    "incidents.repeat_count",
    "incidents.repeat_share",
    "incidents.top_responder_share",
    "incidents.top2_responder_share",
    "incidents.mttr_by_responder_ratio",
    "incidents.after_hours_pages_per_person",
    "incidents.after_hours_pages_max_person",
    "incidents.after_hours_page_share",
    "incidents.change_caused_share",
    "incidents.duplicates_merged",
    "incidents.skipped_records",
)
MAX_DETAILS = 50
MAX_MISSING = 100
RESPONDER_MIN_INCIDENTS = 3
COMPARE_LIMIT = 200  # titles compared per incident when looking for repeats or duplicates
Format = Literal["pagerduty", "opsgenie", "jira", "servicenow", "csv"]
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class IncidentsOptions(BaseModel):
    """What to read and how; every default is documented in docs/incident-evidence.md."""

    model_config = ConfigDict(extra="forbid")

    files: list[Path] = Field(min_length=1, description="incident exports (JSON, JSONL, CSV)")
    format: Format | None = Field(default=None, description="None: detect per file")
    mapping: Path | None = Field(default=None, description="column mapping for generic CSV")
    since: datetime | None = Field(default=None, description="window start (incidents opened)")
    until: datetime | None = Field(default=None, description="window end, exclusive")
    show_names: bool = False
    timezone: str = Field(default="UTC", description="the team's zone for business hours")
    naive_timezone: str | None = Field(
        default=None, description="zone of timestamps without offset (default: timezone)"
    )
    business_hours: str = "08:00-18:00"
    business_days: str = "mon-fri"
    time_formats: list[str] = Field(default_factory=list)
    strict: bool = Field(default=False, description="fail on any broken record")
    repeat_days: int = Field(default=30, gt=0)
    title_similarity: float = Field(default=0.5, gt=0, le=1)
    merge_minutes: int = Field(default=15, ge=0)

    @field_validator("timezone", "naive_timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"unknown time zone {value!r} (use an IANA name such as Europe/Zurich)"
                ) from None
        return value

    @field_validator("business_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value)
        ok = m and all(int(m[i]) < 24 for i in (1, 3)) and all(int(m[i]) < 60 for i in (2, 4))
        if not ok or m is None or (int(m[1]), int(m[2])) >= (int(m[3]), int(m[4])):
            raise ValueError(f"business hours must look like 08:00-18:00, got {value!r}")
        return value

    @field_validator("business_days")
    @classmethod
    def _days(cls, value: str) -> str:
        _parse_days(value)
        return value

    @model_validator(mode="after")
    def _window_ordered(self) -> IncidentsOptions:
        since, until = _utc(self.since), _utc(self.until)
        if since and until and since >= until:
            raise ValueError(
                f"--since ({since:%Y-%m-%d}) must be before --until ({until:%Y-%m-%d})"
            )
        return self

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def naive_zone(self) -> ZoneInfo:
        return ZoneInfo(self.naive_timezone or self.timezone)

    def hours(self) -> tuple[time, time]:
        start, end = (part.strip() for part in self.business_hours.split("-"))
        return time.fromisoformat(start.zfill(5)), time.fromisoformat(end.zfill(5))

    def days(self) -> frozenset[int]:
        return _parse_days(self.business_days)


def _parse_days(value: str) -> frozenset[int]:
    """`mon-fri`, `sun-thu`, `mon,wed,fri` -> weekday numbers (Monday 0)."""
    days: set[int] = set()
    for part in value.casefold().replace(" ", "").split(","):
        ends = part.split("-")
        if not part or len(ends) > 2 or any(e[:3] not in _DAYS for e in ends):
            raise ValueError(f"business days must look like mon-fri or mon,tue,wed; got {value!r}")
        first, last = (_DAYS.index(e[:3]) for e in (ends[0], ends[-1]))
        days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    return frozenset(days)


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
            raise CollectorError(f"{path}: no such file")
        if not path.is_file():
            raise CollectorError(f"{path}: not a file")
        try:
            fmt = options.format or detect(path, options.mapping is not None)
        except OSError as exc:
            raise CollectorError(f"{path}: cannot read ({exc.strerror or exc})") from None
        if fmt is None:
            raise CollectorError(
                f"{path}: cannot tell which tool exported this file; give --format "
                f"{'|'.join(FORMATS)}"
            )
        loaded.formats[str(path)] = fmt
        progress(f"reading {path.name} ({fmt})", i / len(options.files))
        try:
            for n, item in enumerate(READERS[fmt](path, ctx), 1):
                if isinstance(item, Problem):
                    loaded.problems.append(item)
                else:
                    loaded.records.append(item)
                if n % 20000 == 0:
                    progress(f"reading {path.name} ({fmt}): {n} records", i / len(options.files))
        except OSError as exc:
            raise CollectorError(f"{path}: cannot read ({exc.strerror or exc})") from None
    for fmt in sorted(set(loaded.formats.values())):
        if fmt in FINISHERS:
            loaded.records, problems = FINISHERS[fmt](loaded.records, ctx)
            loaded.problems.extend(problems)
    return loaded


# --------------------------------------------------------------------------- titles, services

_URL = re.compile(r"\w+://\S+")
_WORD = re.compile(r"[^\W_]+")
_DIGIT = re.compile(r"\d")
STOP_WORDS = frozenset(
    {"the", "a", "an", "of", "on", "in", "at", "for", "to", "is", "are", "and", "or", "with",
     "from", "by"}
)


def title_words(title: str) -> frozenset[str]:
    """The words a title is compared by: lower case, without URLs, numbers, ids and stop words.

    Dropped: pure numbers, words with a digit longer than four characters (ids, hashes, pod
    names such as `checkout-7d9f8`), one-letter words and STOP_WORDS.
    """
    words = _WORD.findall(_URL.sub(" ", title.casefold()) if "://" in title else title.casefold())
    return frozenset(
        w for w in words
        if len(w) > 1 and w not in STOP_WORDS
        and (w.isalpha() or not (w.isdigit() or (len(w) > 4 and _DIGIT.search(w))))
    )


def similar(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
    """Jaccard similarity of the title words at least `threshold` (both titles non-empty)."""
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= threshold


def service_key(service: str | None) -> str | None:
    """A service name compared ignoring case and punctuation (`Payments-API` = `payments api`)."""
    if not service:
        return None
    return " ".join(_WORD.findall(service.casefold())) or None


def _services_compatible(a: str | None, b: str | None) -> bool:
    """Unknown on either side, or the words of one service name contain the other's."""
    ka, kb = service_key(a), service_key(b)
    if ka is None or kb is None:
        return True
    wa, wb = set(ka.split()), set(kb.split())
    return wa <= wb or wb <= wa


# --------------------------------------------------------------------------- merging


@dataclass
class Merged:
    """The incidents after merging, and which records were combined."""

    records: list[IncidentRecord]
    groups: list[list[str]]  # keys of the records combined into one, for drill-down


def merge_duplicates(records: list[IncidentRecord], options: IncidentsOptions) -> Merged:
    """One record per incident: the same id within a tool, a reference from one tool to
    another's id, or (across tools) opened within `merge_minutes` with a similar title
    and a compatible service. Two different ids of the same tool never merge."""
    n = len(records)
    parent = list(range(n))
    families: dict[int, frozenset[str]] = {}  # tool families of merged groups, by root

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def family(root: int) -> frozenset[str]:
        return families.get(root) or frozenset((records[root].source,))

    def union(a: int, b: int, same_id: bool = False) -> None:
        ra, rb = find(a), find(b)
        if ra == rb or (not same_id and family(ra) & family(rb)):
            return
        parent[rb] = ra
        families[ra] = family(ra) | family(rb)
        families.pop(rb, None)

    first_of: dict[str, dict[str, int]] = defaultdict(dict)
    for i, r in enumerate(records):
        first = first_of[r.source].setdefault(r.id, i)
        if first != i:
            union(first, i, same_id=True)
    del first_of
    referenced = {ref.casefold() for r in records for ref in r.refs}
    if referenced:
        by_id: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(records):
            if r.id.casefold() in referenced:
                by_id[r.id.casefold()].append(i)
        for i, r in enumerate(records):
            for ref in r.refs:
                for j in by_id.get(ref.casefold(), ()):
                    if records[j].source != r.source:
                        union(j, i)
    if options.merge_minutes > 0 and len(families_of(records)) > 1:
        horizon = timedelta(minutes=options.merge_minutes)
        order = sorted(range(n), key=lambda i: records[i].opened)
        words: dict[int, frozenset[str]] = {}  # only for records that meet another tool's

        def w(i: int) -> frozenset[str]:
            if i not in words:
                words[i] = title_words(records[i].title)
            return words[i]

        for pos, i in enumerate(order):
            a = records[i]
            for k in range(pos + 1, min(n, pos + 1 + COMPARE_LIMIT)):
                j = order[k]
                b = records[j]
                if b.opened - a.opened > horizon:
                    break
                if (
                    a.source != b.source
                    and _services_compatible(a.service, b.service)
                    and similar(w(i), w(j), options.title_similarity)
                ):
                    union(i, j)
    groups: dict[int, list[int]] = defaultdict(list)  # only groups of two or more
    for i in range(n):
        if (root := find(i)) in families:
            groups[root].append(i)
    out = [r for i, r in enumerate(records) if find(i) not in families]
    merged_groups: list[list[str]] = []
    for members in groups.values():
        combined = combine([records[i] for i in members])
        out.append(combined)
        merged_groups.append(list(combined.merged_from))
    out.sort(key=lambda r: (r.opened, r.source, r.id))
    return Merged(out, merged_groups)


def families_of(records: Iterable[IncidentRecord]) -> set[str]:
    """The tool families present (merging across tools needs two)."""
    return {r.source for r in records}


def _precedence(record: IncidentRecord) -> int:
    return SOURCES.index(record.source) if record.source in SOURCES else len(SOURCES)


def combine(members: list[IncidentRecord]) -> IncidentRecord:
    """Merge records of one incident (rules in docs/incident-evidence.md, "Duplicates")."""
    ordered = sorted(members, key=_precedence)  # stable: file order within a source

    def pick(attr: str) -> Any:
        return next((v for m in ordered if (v := getattr(m, attr))), None)

    known = [m for m in ordered if m.severity != "unknown"]
    severity = min((m.severity for m in known), key=SEVERITIES.index) if known else "unknown"
    detected = sorted(
        (m for m in ordered if m.detected_by != "unknown"), key=lambda m: m.opened
    )
    pages: dict[str, datetime] = {}
    for m in ordered:
        for who, at in m.pages:
            pages[who] = min(at, pages.get(who, at))

    def tri(attr: str, ref: str) -> tuple[str, Any]:
        for state in ("yes", "no"):
            hit = next((m for m in ordered if getattr(m, attr) == state), None)
            if hit:
                return state, getattr(hit, ref)
        return "unknown", None

    postmortem, postmortem_ref = tri("postmortem", "postmortem_ref")
    caused, change = tri("caused_by_change", "change")
    acks = [m.acknowledged for m in ordered if m.acknowledged]
    return ordered[0].replace(
        **{
            "title": pick("title") or "",
            "service": pick("service"),
            "team": pick("team"),
            "severity": severity,
            "priority": pick("priority"),
            "opened": min(m.opened for m in ordered),
            "acknowledged": min(acks) if acks else None,
            "resolved": pick("resolved"),
            "detected_by": detected[0].detected_by if detected else "unknown",
            "detection_rule": detected[0].detection_rule if detected else "no rule matched",
            "responders": tuple(dict.fromkeys(p for m in ordered for p in m.responders)),
            "resolved_by": pick("resolved_by"),
            "pages": tuple(sorted(pages.items(), key=lambda x: (x[1], x[0]))),
            "postmortem": postmortem,
            "postmortem_ref": postmortem_ref,
            "caused_by_change": caused,
            "change": change,
            "refs": tuple(dict.fromkeys(r for m in ordered for r in m.refs)),
            "merged_from": tuple(f"{m.key} ({m.origin})" for m in ordered),
        }
    )


# --------------------------------------------------------------------------- statistics


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(x, digits)


def pseudonym(name: str) -> str:
    """A stable pseudonym for a person (the same name always gives the same pseudonym)."""
    return privacy.pseudonym(name.strip().casefold(), "responder")


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


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
            raise CollectorError(f"incidents: {option_error(exc)}") from None
        loaded = load(options, progress)
        if loaded.problems and (options.strict or not loaded.records):
            first = loaded.problems[0]
            more = len(loaded.problems) - 1
            reason = "--strict" if options.strict else "no incident could be read"
            raise CollectorError(
                f"{first}{f' (and {more} more broken records)' if more else ''} [{reason}]"
            )
        progress("merging duplicates", 0.9)
        merged = merge_duplicates(loaded.records, options)
        evidence = evidence_from(merged, loaded, options)
        progress("incidents measured", 1.0)
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


def evidence_from(merged: Merged, loaded: Loaded, options: IncidentsOptions) -> EvidenceSet:
    """The EvidenceSet of the window: measures, coverage (skipped records, gaps), window."""
    since, until = _utc(options.since), _utc(options.until)
    inside = [
        r for r in merged.records
        if (since is None or r.opened >= since) and (until is None or r.opened < until)
    ]
    start = since or (inside[0].opened if inside else None)
    end = until or (inside[-1].opened if inside else None)
    window = Window(start=start, end=end) if start and end and end >= start else None
    measures = measure(inside, merged, loaded, options, window)
    rows = len(loaded.records) + len(loaded.problems)
    missing = [str(p) for p in loaded.problems[:MAX_MISSING]]
    if len(loaded.problems) > MAX_MISSING:
        missing.append(f"... and {len(loaded.problems) - MAX_MISSING} more skipped records")
    missing.extend(_gaps(inside))
    return EvidenceSet(
        collector="incidents",
        source=", ".join(str(p) for p in options.files),
        window=window,
        collected_at=now_utc(),
        coverage=Coverage(ratio=round(len(loaded.records) / rows, 4) if rows else 0.0,
                          missing=missing),
        partial=bool(loaded.problems),
        measures=measures,
    )


def _gaps(records: list[IncidentRecord]) -> list[str]:
    """What the data cannot tell, so a reader knows why a measure has no value."""
    if not records:
        return ["no incidents in the window"]
    gaps = []
    if not any(r.acknowledged for r in records):
        gaps.append("no acknowledgement times (Jira and ServiceNow record none)")
    if not any(r.pages for r in records):
        gaps.append("no pages (only paging tools and mapped CSV record who was paged)")
    if all(r.detected_by == "unknown" for r in records):
        gaps.append("how incidents were detected is not recorded")
    if all(r.postmortem == "unknown" for r in records):
        gaps.append("post-incident reviews are not recorded")
    if all(r.caused_by_change == "unknown" for r in records):
        gaps.append("whether a change caused an incident is not recorded")
    return gaps


def _top(counter: Counter[str], limit: int = MAX_DETAILS) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:limit])


def _durations(records: Iterable[IncidentRecord], end: str, unit: float) -> dict[str, list[float]]:
    """Durations from opened to `end` per severity (and "all"), in the given unit."""
    out: dict[str, list[float]] = defaultdict(list)
    for r in records:
        at = getattr(r, end)
        if at is not None:
            value = (at - r.opened).total_seconds() / unit
            out["all"].append(value)
            out[r.severity].append(value)
    return out


def _by_severity(durations: dict[str, list[float]]) -> dict[str, dict[str, Any]]:
    return {
        sev: {"n": len(durations[sev]), "median": _r(median(durations[sev])),
              "p90": _r(p90(durations[sev]))}
        for sev in SEVERITIES if durations.get(sev)
    }


def measure(
    records: list[IncidentRecord],
    merged: Merged,
    loaded: Loaded,
    options: IncidentsOptions,
    window: Window | None,
) -> list[Measure]:
    """Every `incidents.*` measure over the incidents opened in the window."""
    out: list[Measure] = []
    none = not records
    person = (lambda name: name) if options.show_names else pseudonym

    def add(mid: str, value: Any, unit: str = "", *, ratio: bool = True, **details: Any) -> None:
        applicable = not (none and ratio)
        out.append(Measure(id=mid, value=None if not applicable else value, unit=unit,
                           applicable=applicable, details=details))

    n = len(records)
    severity = Counter(r.severity for r in records)
    services = Counter(r.service or "(unknown)" for r in records)
    per_service: dict[str, Counter[str]] = defaultdict(Counter)
    for r in records:
        per_service[r.service or "(unknown)"][r.severity] += 1
    add("incidents.count", n, "incidents", ratio=False,
        by_severity={s: severity.get(s, 0) for s in SEVERITIES},
        by_service=_top(services),
        by_service_severity={s: dict(per_service[s]) for s in _top(services)},
        by_source=_top(Counter(r.source for r in records)),
        services=len(services),
        open=sum(r.resolved is None for r in records),
        outside_window=len(merged.records) - n,
        formats=loaded.formats)
    weeks = (window.end - window.start).total_seconds() / (7 * 86400) if window else 0
    add("incidents.per_week", _r(n / weeks, 3) if weeks else None, "incidents/week",
        weeks=_r(weeks, 3))
    high = [r for r in records if r.severity in HIGH_SEVERITIES]
    add("incidents.high_severity_count", len(high), "incidents", ratio=False,
        definition="severity critical or high")

    tta = _durations(records, "acknowledged", 60)
    add("incidents.mtta_minutes_median", _r(median(tta["all"])), "minutes",
        n=len(tta["all"]), without_ack=n - len(tta["all"]), by_severity=_by_severity(tta))
    add("incidents.mtta_minutes_p90", _r(p90(tta["all"])), "minutes", n=len(tta["all"]),
        method="nearest rank")
    ttr = _durations(records, "resolved", 3600)
    ttr_median, ttr_p90 = median(ttr["all"]), p90(ttr["all"])
    add("incidents.mttr_hours_median", _r(ttr_median), "hours", n=len(ttr["all"]),
        open=n - len(ttr["all"]), by_severity=_by_severity(ttr))
    add("incidents.mttr_hours_p90", _r(ttr_p90), "hours", n=len(ttr["all"]),
        method="nearest rank")
    add("incidents.mttr_spread_ratio",
        _r(ttr_p90 / ttr_median) if ttr_median and ttr_p90 is not None else None, "ratio",
        median_hours=_r(ttr_median), p90_hours=_r(ttr_p90), n=len(ttr["all"]))

    detected = Counter(r.detected_by for r in records)
    known = n - detected.get("unknown", 0)
    counts = {d: detected.get(d, 0) for d in ("monitoring", "customer", "staff", "unknown")}
    for kind in ("monitoring", "customer", "staff"):
        add(f"incidents.detected_by_{kind}_share", _share(detected.get(kind, 0), known),
            "share", known=known, counts=counts)
    add("incidents.detection_known_share", _share(known, n), "share", counts=counts,
        rules=_top(Counter(r.detection_rule for r in records), 20))

    _reviews(add, high, records)
    _repeats(add, records, merged.records, options)
    _responders(add, records, person)
    _after_hours(add, records, options, person)

    changes = [r for r in records if r.caused_by_change != "unknown"]
    caused = [r for r in changes if r.caused_by_change == "yes"]
    add("incidents.change_caused_share", _share(len(caused), len(changes)), "share",
        known=len(changes), caused=len(caused),
        incidents={r.id: r.change for r in caused[:MAX_DETAILS]})
    add("incidents.duplicates_merged",
        sum(len(g) - 1 for g in merged.groups), "records", ratio=False,
        groups=merged.groups[:MAX_DETAILS])
    add("incidents.skipped_records", len(loaded.problems), "records", ratio=False,
        read=len(loaded.records) + len(loaded.problems),
        first=[str(p) for p in loaded.problems[:20]])
    return out


def _reviews(add: Any, high: list[IncidentRecord], records: list[IncidentRecord]) -> None:
    def share(group: list[IncidentRecord]) -> tuple[float | None, dict[str, Any]]:
        known = [r for r in group if r.postmortem != "unknown"]
        done = [r for r in known if r.postmortem == "yes"]
        return _share(len(done), len(known)), {
            "incidents": len(group), "known": len(known), "with_review": len(done),
            "without_review": [r.id for r in known if r.postmortem == "no"][:MAX_DETAILS],
        }

    value, details = share(high)
    add("incidents.postmortem_share", value, "share", ratio=bool(high),
        definition="high-severity (critical or high) incidents with a review", **details)
    value, details = share(records)
    add("incidents.postmortem_share_all", value, "share", **details)


def _repeats(
    add: Any, records: list[IncidentRecord], history: list[IncidentRecord],
    options: IncidentsOptions,
) -> None:
    """Incidents in the window that repeat an earlier one (the earlier may lie before it)."""
    horizon = timedelta(days=options.repeat_days)
    counted = {id(r) for r in records}
    by_service: dict[str, list[IncidentRecord]] = defaultdict(list)
    for r in history:  # sorted by opened
        if key := service_key(r.service):
            by_service[key].append(r)
    pairs: list[dict[str, Any]] = []  # the first MAX_DETAILS, for drill-down
    repeats = 0
    for same_service in by_service.values():
        words: dict[int, frozenset[str]] = {}

        def w(i: int, group: list[IncidentRecord] = same_service,
              cache: dict[int, frozenset[str]] = words) -> frozenset[str]:
            if i not in cache:
                cache[i] = title_words(group[i].title)
            return cache[i]

        for i, r in enumerate(same_service):
            if id(r) not in counted:
                continue
            for j in range(i - 1, max(-1, i - 1 - COMPARE_LIMIT), -1):
                prev = same_service[j]
                gap = r.opened - prev.opened
                if gap > horizon:
                    break
                if similar(w(i), w(j), options.title_similarity):
                    repeats += 1
                    if len(pairs) < MAX_DETAILS:
                        pairs.append({"incident": r.id, "repeats": prev.id,
                                      "service": r.service,
                                      "days_apart": _r(gap.total_seconds() / 86400, 2)})
                    break
    add("incidents.repeat_count", repeats, "incidents", ratio=False,
        within_days=options.repeat_days, title_similarity=options.title_similarity,
        pairs=pairs)
    add("incidents.repeat_share", _share(repeats, len(records)), "share",
        repeats=repeats, incidents=len(records))


def _responders(add: Any, records: list[IncidentRecord], person: Any) -> None:
    handled = Counter(h for r in records if (h := r.handler))
    total = sum(handled.values())
    top = [count for _, count in handled.most_common(2)]
    shown = Counter({person(k): v for k, v in handled.items()})
    add("incidents.top_responder_share", _share(top[0], total) if top else None, "share",
        with_handler=total, people=len(handled), handled_by=_top(shown, 20))
    add("incidents.top2_responder_share", _share(sum(top), total) if top else None, "share",
        with_handler=total, people=len(handled))
    hours: dict[str, list[float]] = defaultdict(list)
    for r in records:
        if r.handler and r.resolved:
            hours[r.handler].append((r.resolved - r.opened).total_seconds() / 3600)
    medians = {
        person(h): _r(median(v)) for h, v in hours.items() if len(v) >= RESPONDER_MIN_INCIDENTS
    }
    positive = [m for m in medians.values() if m is not None]
    ratio = (
        _r(max(positive) / min(positive))
        if len(positive) >= 2 and min(positive) > 0 else None
    )
    add("incidents.mttr_by_responder_ratio", ratio, "ratio",
        min_incidents=RESPONDER_MIN_INCIDENTS,
        median_hours_by_handler=dict(sorted(medians.items())))


def _after_hours(
    add: Any, records: list[IncidentRecord], options: IncidentsOptions, person: Any
) -> None:
    zone, (start, end), days = options.zone(), options.hours(), options.days()
    pages: Counter[str] = Counter()
    after: Counter[str] = Counter()
    for r in records:
        for who, at in r.pages:
            local = at.astimezone(zone)
            pages[who] += 1
            if local.weekday() not in days or not (start <= local.time() < end):
                after[who] += 1
    people = len(pages)
    total_after = sum(after.values())
    rule = {"timezone": options.timezone, "business_hours": options.business_hours,
            "business_days": options.business_days}
    add("incidents.after_hours_pages_per_person",
        _r(total_after / people, 3) if people else None, "pages/person",
        people=people, after_hours_pages=total_after, **rule,
        by_person={person(k): {"pages": v, "after_hours": after.get(k, 0)}
                   for k, v in sorted(pages.items(), key=lambda kv: -after.get(kv[0], 0))[:20]})
    add("incidents.after_hours_pages_max_person", max(after.values(), default=0) if people
        else None, "pages", **rule)
    add("incidents.after_hours_page_share", _share(total_after, sum(pages.values())), "share",
        pages=sum(pages.values()), after_hours_pages=total_after, **rule)
