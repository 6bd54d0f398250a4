"""The terminal summary of an Assessment: risk per area, top signs, what to do first.

Words come from cli/texts.yaml (and the report texts for risk levels, statuses and
horizons, so the terminal and the PDF call things alike); numbers are formatted in the
summary's language.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from opsmaturity.reports import fmt
from opsmaturity.reports.texts import Texts
from opsmaturity.reports.texts import texts as report_texts
from opsmaturity.scoring.assessment import Assessment
from opsmaturity.scoring.catalogue import RISK_ORDER, Catalogue, localise

from .texts import cli_texts

_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "green",
          "unknown": "dim"}


def _level(level: str, r: Texts) -> str:
    return f"[{_STYLE[level]}]{escape(r(f'level.{level}'))}[/]"


def print_summary(a: Assessment, cat: Catalogue, console: Console, lang: str = "en",
                  top: int = 5) -> None:
    with fmt.language(lang):
        _print_summary(a, cat, console, lang, top)


def _print_summary(a: Assessment, cat: Catalogue, console: Console, lang: str, top: int) -> None:
    t, r = cli_texts(lang), report_texts(lang)
    who = " / ".join(x for x in (a.organisation, a.team) if x) or t("summary.assessment")
    o = a.overall
    index = "-" if o.risk_index is None else f"{fmt.index(o.risk_index)}/100"
    catalogue = t("summary.catalogue", version=a.catalogue_version)
    console.print(f"[bold]{escape(who)}[/] ({escape(catalogue)})")
    console.print(t("summary.risk_line", level=_level(o.risk_level, r), index=index,
                    confidence=fmt.pct(o.confidence), present=o.signs_present,
                    absent=o.signs_absent, unknown=o.signs_unknown))
    console.print(escape(t("summary.based_on", respondents=a.inputs.respondents,
                           answers=a.inputs.answers, evidence_sets=a.inputs.evidence_sets)))
    for note in a.notes:
        key = f"summary.note.{note}"
        console.print(f"[dim]{escape(t(key) if t.has(key) else note)}[/]")

    def table(title: str, *columns: str) -> Table:
        tab = Table(title=t(title), title_justify="left")
        for col in columns:
            tab.add_column(col if col == "#" else t(f"summary.column.{col}"))
        return tab

    areas = table("summary.areas", "area", "maturity", "risk", "confidence", "signs_known")
    for ar in a.areas:
        areas.add_row(escape(localise(cat.area(ar.area_id).title, lang)),
                      "-" if ar.level is None else f"{ar.level}/5", _level(ar.risk_level, r),
                      fmt.pct(ar.confidence), f"{ar.signs_known}/{ar.signs_total}")
    console.print(areas)

    ranked = sorted((f for f in a.findings if f.risk is not None),
                    key=lambda f: (-RISK_ORDER[f.risk_level], -(f.risk or 0), f.sign_id))
    signs = table("summary.top_signs", "risk", "warning_sign", "status", "likelihood",
                  "confidence", "flags")
    for f in ranked[:top]:
        flags = []
        if f.perception_gap:
            flags.append(r("flag.perception_gap"))
        if f.disagreement:
            flags.append(r("flag.disagreement"))
        signs.add_row(_level(f.risk_level, r), escape(localise(cat.sign(f.sign_id).title, lang)),
                      escape(r(f"status.{f.status}")), fmt.pct(f.likelihood),
                      fmt.pct(f.confidence), escape(", ".join(flags)))
    console.print(signs)

    recs = table("summary.do_first", "#", "measure", "effort", "when", "addresses")
    by_id = {rec.id: rec for rec in cat.all_recommendations()}
    for rec_line in a.recommendations[:top]:
        rec = by_id[rec_line.recommendation_id]
        recs.add_row(str(rec_line.rank), escape(localise(rec.title, lang)), rec_line.effort,
                     escape(r(f"horizon.{rec_line.horizon}.title")),
                     ", ".join(rec_line.sign_ids))
    console.print(recs)
    if a.dora:
        cluster = a.dora.cluster
        line = t("summary.dora", year=a.dora.year,
                 cluster=f"[bold]{escape(r(f'dora.cluster.{cluster}'))}[/]" if cluster else "-")
        if a.dora.missing:
            line += "  " + escape(t("summary.dora_missing", metrics=", ".join(a.dora.missing)))
        console.print(line)
