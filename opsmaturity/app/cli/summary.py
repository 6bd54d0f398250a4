"""The terminal summary of an Assessment: risk per area, top signs, what to settle, what to do.

Its words are data: `summary.yaml` beside this module for the summary's own headings, the
report texts for what the PDF says too (levels, statuses, the notes), so the terminal and
the PDF word a finding the same way.
"""

from __future__ import annotations

from functools import cache

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from opsmaturity.reports import fmt
from opsmaturity.reports.texts import Texts, load_table, texts
from opsmaturity.reports.view import note_texts, ranked_findings, settle_items
from opsmaturity.scoring.assessment import Assessment, Finding
from opsmaturity.scoring.catalogue import Catalogue, localise
from opsmaturity.scoring.quick_check import QuickCheck, Scored

from .output import table_box

_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "green",
          "unknown": "dim"}
_STATUS_STYLE = {"present": "bold", "suspected": "cyan", "absent": "", "unknown": "dim"}


@cache
def _table() -> dict[str, dict[str, str]]:
    return load_table("opsmaturity.app.cli", "summary.yaml")


def summary_texts(lang: str = "en") -> Texts:
    """The summary's own words in `lang` (English where a translation is missing)."""
    return Texts(_table(), lang)


def _level(level: str, r: Texts) -> str:
    return f"[{_STYLE[level]}]{r(f'level.{level}')}[/]"


def _status(status: str, r: Texts) -> str:
    style = _STATUS_STYLE[status]
    word = r(f"status.{status}")
    return f"[{style}]{word}[/]" if style else word


def _columns(table: Table, s: Texts, *names: str) -> Table:
    for name in names:
        table.add_column(s(f"column.{name}"))
    return table


def _headline(a: Assessment, s: Texts, r: Texts) -> list[str]:
    o = a.overall
    who = " / ".join(x for x in (a.organisation, a.team) if x) or s("summary.who_default")
    index = "-" if o.risk_index is None else f"{fmt.index(o.risk_index)}/100"
    return [
        f"[bold]{escape(s('summary.heading', who=who, version=a.catalogue_version))}[/]",
        s("summary.overall", level=_level(o.risk_level, r), index=index,
          confidence=fmt.pct(o.confidence), present=o.signs_present,
          suspected=o.signs_suspected, absent=o.signs_absent, unknown=o.signs_unknown),
        s("summary.based_on", respondents=a.inputs.respondents, answers=a.inputs.answers,
          evidence_sets=a.inputs.evidence_sets),
    ]


def _notes(a: Assessment, cat: Catalogue, s: Texts, r: Texts) -> list[str]:
    lines = note_texts(a, cat, r)
    if "impact_assumed" in a.notes:
        lines.append(s("summary.impact_how"))
    return [f"[dim]{escape(line)}[/]" for line in lines]


def _areas(a: Assessment, cat: Catalogue, s: Texts, r: Texts) -> Table:
    table = _columns(Table(title=s("summary.areas"), title_justify="left"), s,
                     "area", "maturity", "risk", "confidence", "signs_known")
    for ar in a.areas:
        table.add_row(localise(cat.area(ar.area_id).title, r.lang),
                      "-" if ar.level is None else f"{fmt.level(ar.level)}/5",
                      _level(ar.risk_level, r), fmt.pct(ar.confidence),
                      f"{ar.signs_known}/{ar.signs_total}")
    return table


def _flags(f: Finding, r: Texts) -> str:
    flags = [r("flag.perception_gap")] if f.perception_gap else []
    return ", ".join([*flags, *([r("flag.disagreement")] if f.disagreement else [])])


def _signs(a: Assessment, cat: Catalogue, s: Texts, r: Texts, top: int) -> Table:
    table = _columns(Table(title=s("summary.top_signs"), title_justify="left"), s,
                     "risk", "warning_sign", "status", "likelihood", "confidence", "flags")
    for f in [f for f in ranked_findings(a) if f.status != "suspected"][:top]:
        table.add_row(_level(f.risk_level, r), localise(cat.sign(f.sign_id).title, r.lang),
                      _status(f.status, r), fmt.pct(f.likelihood), fmt.pct(f.confidence),
                      _flags(f, r))
    return table


def _settle(a: Assessment, cat: Catalogue, s: Texts, r: Texts) -> Table:
    table = _columns(Table(title=s("summary.settle"), title_justify="left"), s,
                     "warning_sign", "likelihood", "question")
    for item in settle_items(a, cat, r):
        table.add_row(escape(item.title), item.likelihood, escape(item.question))
    return table


def _recommendations(a: Assessment, cat: Catalogue, s: Texts, r: Texts, top: int) -> Table:
    table = _columns(Table(title=s("summary.do_first"), title_justify="left"), s,
                     "rank", "measure", "effort", "when", "addresses")
    by_id = {r.id: r for r in cat.all_recommendations()}
    for rec in a.recommendations[:top]:
        table.add_row(str(rec.rank), localise(by_id[rec.recommendation_id].title, s.lang),
                      rec.effort,
                      rec.horizon if r.lang == "en" else r(f"horizon.{rec.horizon}.title"),
                      ", ".join(rec.sign_ids))
    return table


def _coverage(a: Assessment, s: Texts, most: int = 5) -> list[str]:
    """What each partial evidence set could not see, so "listed below" is true here too."""
    from opsmaturity.core.messages import localise as in_language

    lines: list[str] = []
    for c in a.coverage:
        if not c.partial:
            continue
        lines.append(s("summary.partial", collector=c.collector, source=c.source,
                       coverage=fmt.pct(c.ratio)))
        lines += [f"  - {in_language(m, s.lang)}" for m in c.missing[:most]]
        if len(c.missing) > most:
            lines.append("  " + s("summary.more", n=len(c.missing) - most))
    return lines


def _quick_check_line(q: QuickCheck, s: Texts) -> str:
    def part(x: Scored | None) -> str:
        if x is None:
            return "-"
        if x.z is None or x.placement is None:
            return f"{fmt.sig(x.score, 2)}/10 ({s('summary.placement.none')})"
        return s("summary.quick_check_score", score=fmt.sig(x.score, 2),
                 placement=s(f"summary.placement.{x.placement}"),
                 z=("+" if x.z > 0 else "") + fmt.sig(x.z, 2))
    return s("summary.quick_check", edition=q.edition, benchmark=q.benchmark_name,
             overall=part(q.overall), throughput=part(q.throughput),
             stability=part(q.stability))


def print_summary(a: Assessment, cat: Catalogue, console: Console, lang: str = "en",
                  top: int = 5) -> None:
    """Headline, notes in words, areas, top signs, the questions to settle, what to do first."""
    with fmt.language(lang):  # numbers in the summary's language (45 %, 2,6 in German)
        _print_summary(a, cat, console, lang, top)


def _print_summary(a: Assessment, cat: Catalogue, console: Console, lang: str,
                   top: int) -> None:
    s, r = summary_texts(lang), texts(lang)
    box = table_box(console)  # boxes on a terminal only; plain with NO_COLOR and in pipes

    def show(table: Table) -> None:
        table.box = box
        console.print(table)

    for line in [*_headline(a, s, r), *_notes(a, cat, s, r)]:
        console.print(line)
    show(_areas(a, cat, s, r))
    show(_signs(a, cat, s, r, top))
    if a.suspected():
        show(_settle(a, cat, s, r))
        console.print(f"[dim]{escape(s('summary.settle_intro'))}[/]")
    if a.recommendations:
        show(_recommendations(a, cat, s, r, top))
    else:
        console.print(escape(s("summary.nothing_first")))
    if coverage := _coverage(a, s):
        console.print(f"[bold]{escape(s('summary.coverage'))}[/]")
        for line in coverage:
            console.print(escape(line), highlight=False)
    if a.quick_check:
        console.print(escape(_quick_check_line(a.quick_check, s)))
    if a.dora:
        missing = s("summary.dora_missing", missing=", ".join(a.dora.missing))
        cluster = a.dora.cluster if r.lang == "en" or not a.dora.cluster else r(
            f"dora.cluster.{a.dora.cluster}")
        console.print(s("summary.dora", year=a.dora.year, cluster=f"[bold]{cluster}[/]")
                      + (f"  {missing}" if a.dora.missing else ""))
