"""One incident seen by several tools becomes one: similar titles, compatible services,
overlapping times; the paging tools' view wins. docs/incident-evidence.md has the rule."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .options import COMPARE_LIMIT, IncidentsOptions
from .record import SEVERITIES, SOURCES, IncidentRecord
from .sources.common import NO_RULE

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
    parent: dict[int, int] = {}  # only records merged into another (most are not)
    families: dict[int, frozenset[str]] = {}  # tool families of merged groups, by root

    def find(i: int) -> int:
        root = i
        while root in parent:
            root = parent[root]
        while i != root:  # path compression
            parent[i], i = root, parent[i]
        return root

    def family(root: int) -> frozenset[str]:
        return families.get(root) or frozenset((records[root].source,))

    def union(a: int, b: int, same_id: bool = False) -> None:
        ra, rb = find(a), find(b)
        if ra == rb or (not same_id and family(ra) & family(rb)):
            return
        parent[rb] = ra
        families[ra] = family(ra) | family(rb)
        families.pop(rb, None)

    # the same id twice within a tool; the first record itself is kept (no int per record)
    first_of: dict[str, dict[str, IncidentRecord]] = defaultdict(dict)
    repeated: list[tuple[IncidentRecord, int]] = []
    for i, r in enumerate(records):
        first = first_of[r.source].setdefault(r.id, r)
        if first is not r:
            repeated.append((first, i))
    del first_of
    if repeated:
        index = {id(first): -1 for first, _ in repeated}
        for i, r in enumerate(records):
            if index.get(id(r)) == -1:
                index[id(r)] = i
        for first, i in repeated:
            union(index[id(first)], i, same_id=True)
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
    # by (opened, source, id): three stable sorts, last key first, so that no key tuple
    # is made per record
    out.sort(key=_id_of)
    out.sort(key=_source_of)
    out.sort(key=_opened_of)
    return Merged(out, merged_groups)


def _id_of(record: IncidentRecord) -> str:
    return record.id


def _source_of(record: IncidentRecord) -> str:
    return record.source


def _opened_of(record: IncidentRecord) -> datetime:
    return record.opened


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
            "detection_rule": detected[0].detection_rule if detected else NO_RULE,
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
