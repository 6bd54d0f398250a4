"""The incident measures: detection, time to acknowledge and resolve, reviews, repeats,
responders and after-hours pages, with the records behind each number in its details."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from opsmaturity.core import privacy
from opsmaturity.core.evidence import Coverage, EvidenceSet, Measure, Window
from opsmaturity.core.messages import text as _msg
from opsmaturity.core.stats import median, p90
from opsmaturity.core.times import as_utc, now_utc

from .merge import Merged, service_key, similar, title_words
from .options import (
    COMPARE_LIMIT,
    MAX_DETAILS,
    MAX_MISSING,
    RESPONDER_MIN_INCIDENTS,
    IncidentsOptions,
)
from .record import HIGH_SEVERITIES, SEVERITIES, IncidentRecord

# --------------------------------------------------------------------------- statistics

if TYPE_CHECKING:
    from .collector import Loaded


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(x, digits)


def pseudonym(name: str) -> str:
    """A stable pseudonym for a person (the same name always gives the same pseudonym)."""
    return privacy.pseudonym(name.strip().casefold(), "responder")


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def evidence_from(merged: Merged, loaded: Loaded, options: IncidentsOptions) -> EvidenceSet:
    """The EvidenceSet of the window: measures, coverage (skipped records, gaps), window."""
    since, until = as_utc(options.since), as_utc(options.until)
    inside = [r for r in merged.records if in_window(r, since, until)]
    start = since or (inside[0].opened if inside else None)
    end = until or (inside[-1].opened if inside else None)
    window = Window(start=start, end=end) if start and end and end >= start else None
    measures = measure(inside, merged, loaded, options, window)
    rows = len(loaded.records) + len(loaded.problems)
    missing = [str(p) for p in loaded.problems[:MAX_MISSING]]
    if len(loaded.problems) > MAX_MISSING:
        missing.append(_msg("incidents.more_skipped", n=len(loaded.problems) - MAX_MISSING))
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


def in_window(record: IncidentRecord, since: datetime | None, until: datetime | None) -> bool:
    """Opened in [since, until); an open end is no limit."""
    return (since is None or record.opened >= since) and (until is None or record.opened < until)


def _gaps(records: list[IncidentRecord]) -> list[str]:
    """What the data cannot tell, so a reader knows why a measure has no value."""
    if not records:
        return [_msg("incidents.none_in_window")]
    gaps = []
    if not any(r.acknowledged for r in records):
        gaps.append(_msg("incidents.no_acknowledgements"))
    if not any(r.pages for r in records):
        gaps.append(_msg("incidents.no_pages"))
    if all(r.detected_by == "unknown" for r in records):
        gaps.append(_msg("incidents.no_detection"))
    if all(r.postmortem == "unknown" for r in records):
        gaps.append(_msg("incidents.no_reviews"))
    if all(r.caused_by_change == "unknown" for r in records):
        gaps.append(_msg("incidents.no_cause"))
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
    del tta  # a year of incidents: one set of durations at a time
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
    since, until = as_utc(options.since), as_utc(options.until)  # `records` are those inside
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
            if not in_window(r, since, until):
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
