"""The terminal summary of an Assessment: risk per area, top signs, what to do first."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from opsmaturity.scoring.assessment import Assessment
from opsmaturity.scoring.catalogue import RISK_ORDER, Catalogue, localise

_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "green",
          "unknown": "dim"}

NOTE_TEXT = {
    "no_answers": "No questionnaire answers: the findings rest on evidence alone.",
    "no_evidence": "No evidence from collectors: the findings rest on answers alone.",
    "partial_evidence": "Some evidence is partial; see coverage in the JSON output.",
    "unknown_signs": "Signs marked unknown had neither answers nor evidence: they lower "
                     "confidence, not risk.",
}


def _level(level: str) -> str:
    return f"[{_STYLE[level]}]{level}[/]"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.0f}%"


def print_summary(a: Assessment, cat: Catalogue, console: Console, lang: str = "en",
                  top: int = 5) -> None:
    who = " / ".join(x for x in (a.organisation, a.team) if x) or "assessment"
    o = a.overall
    index = "-" if o.risk_index is None else f"{o.risk_index:.0f}/100"
    console.print(f"[bold]{who}[/] (catalogue {a.catalogue_version})")
    console.print(
        f"Operational risk: {_level(o.risk_level)}  index {index}  confidence "
        f"{_pct(o.confidence)}  signs present {o.signs_present}, absent {o.signs_absent}, "
        f"unknown {o.signs_unknown}"
    )
    console.print(f"Based on {a.inputs.respondents} respondent(s), {a.inputs.answers} answers, "
                  f"{a.inputs.evidence_sets} evidence set(s).")
    for note in a.notes:
        console.print(f"[dim]{NOTE_TEXT.get(note, note)}[/]")

    areas = Table(title="Areas", title_justify="left")
    for col in ("area", "maturity", "risk", "confidence", "signs known"):
        areas.add_column(col)
    for ar in a.areas:
        areas.add_row(localise(cat.area(ar.area_id).title, lang),
                      "-" if ar.level is None else f"{ar.level}/5", _level(ar.risk_level),
                      _pct(ar.confidence), f"{ar.signs_known}/{ar.signs_total}")
    console.print(areas)

    ranked = sorted((f for f in a.findings if f.risk is not None),
                    key=lambda f: (-RISK_ORDER[f.risk_level], -(f.risk or 0), f.sign_id))
    signs = Table(title="Top warning signs", title_justify="left")
    for col in ("risk", "warning sign", "status", "likelihood", "confidence", "flags"):
        signs.add_column(col)
    for f in ranked[:top]:
        flags = []
        if f.perception_gap:
            flags.append("perception gap")
        if f.disagreement:
            flags.append("disagreement")
        signs.add_row(_level(f.risk_level), localise(cat.sign(f.sign_id).title, lang), f.status,
                      _pct(f.likelihood), _pct(f.confidence), ", ".join(flags))
    console.print(signs)

    recs = Table(title="Do first", title_justify="left")
    for col in ("#", "measure", "effort", "when", "addresses"):
        recs.add_column(col)
    by_id = {r.id: r for r in cat.all_recommendations()}
    for r in a.recommendations[:top]:
        rec = by_id[r.recommendation_id]
        recs.add_row(str(r.rank), localise(rec.title, lang), r.effort, r.horizon,
                     ", ".join(r.sign_ids))
    console.print(recs)
    if a.dora:
        console.print(f"DORA ({a.dora.year} clusters): [bold]{a.dora.cluster}[/]"
                      + (f"  missing: {', '.join(a.dora.missing)}" if a.dora.missing else ""))
