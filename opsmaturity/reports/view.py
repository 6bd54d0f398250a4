"""What the templates show, worked out once: the report's numbers in reading order.

Templates only lay things out; choosing the top risks, wording the trend, grouping
the roadmap and looking texts up in the catalogue happen here, in plain Python
that tests can call without rendering a PDF.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from opsmaturity.core.evidence import EvidenceSet
from opsmaturity.scoring import dora as dora_tables
from opsmaturity.scoring import quick_check
from opsmaturity.scoring.assessment import Assessment, DoraSummary, Finding, QuestionStats
from opsmaturity.scoring.catalogue import DONT_KNOW, RISK_ORDER, Catalogue, localise

from . import fmt
from .model import (
    HistoryPoint,
    OrganisationReport,
    PlanEntry,
    TeamReport,
    by_severity,
    index_points,
)
from .texts import Texts, texts

TOP = 5
SETTLE_EVIDENCE = 3  # probe lines shown per suspected sign


@dataclass(frozen=True)
class RiskItem:
    sign_id: str
    title: str
    why: str
    level: str
    status: str
    likelihood: str
    confidence: str
    flags: list[str]


@dataclass(frozen=True)
class SettleItem:
    """A suspected sign: the question that settles it and what points to it."""

    sign_id: str
    title: str
    question: str
    evidence: list[str]  # the probes that spoke for the sign, one short line each
    likelihood: str


@dataclass(frozen=True)
class MeasureItem:
    rank: int
    recommendation_id: str
    title: str
    effort: str
    horizon: str
    risk_reduction: str
    first_step: str
    effect: str
    addresses: list[str]
    plan: str | None = None  # "Owner: Anna · due 2027-02-01 · in progress"


@dataclass(frozen=True)
class Trend:
    previous_date: str
    previous: str
    current: str
    direction: str  # better | worse | same
    delta: str


@dataclass(frozen=True)
class QuestionView:
    question_id: str
    text: str
    score: str
    respondents: int
    dont_know: int
    distribution: list[tuple[str, int]]
    role_medians: list[tuple[str, str]]
    disagreement: bool
    spread: str
    comments: list[str]


@dataclass(frozen=True)
class ProbeView:
    probe_id: str
    description: str
    measure: str
    value: str
    rule: str
    outcome: str
    verdict: str  # healthy | unhealthy | undecided
    source: str
    coverage: str
    message: str


@dataclass(frozen=True)
class FindingView:
    sign_id: str
    title: str
    why: str
    status: str
    level: str
    likelihood: str
    from_answers: str
    from_evidence: str
    impact: str
    confidence: str
    gap: str | None
    disagreement: bool
    role_views: list[tuple[str, str]]
    questions: list[QuestionView]
    probes: list[ProbeView]  # those a collector measured
    unmeasured: list[str]  # the probes nobody measured, in words


@dataclass(frozen=True)
class AreaView:
    area_id: str
    title: str
    summary: str
    level: float | None
    level_text: str  # "2.6", as every output prints it
    reached: int | None  # the whole level whose descriptor applies
    level_name: str
    practices: str
    risk: str
    confidence: str
    signs_known: int
    signs_total: int
    findings: list[FindingView]
    disputed: list[QuestionView]  # this area's questions people disagree on, once each


@dataclass(frozen=True)
class DoraView:
    year: int
    cluster: str
    metrics: list[tuple[str, str, str]]  # metric id, label, value
    notes: list[str]
    source: str


@dataclass(frozen=True)
class QuickCheckRow:
    label: str
    basis: str
    score: str
    benchmark: str
    placement: str
    placement_id: str  # above / around / below / none, for the colour


@dataclass(frozen=True)
class QuickCheckView:
    edition: int
    benchmark: str
    rows: list[QuickCheckRow]
    groups: list[QuickCheckRow]
    source: str


@dataclass(frozen=True)
class CoverageView:
    collector: str
    source: str
    window: str
    ratio: str
    partial: bool
    missing: str


@dataclass(frozen=True)
class MeasureRow:
    measure_id: str
    value: str
    applicable: bool


@dataclass(frozen=True)
class EvidenceView:
    collector: str
    source: str
    window: str
    collected_at: str
    coverage: str
    partial: bool
    missing: str
    measures: list[MeasureRow]


@dataclass
class TeamView:
    organisation: str
    team: str
    date: str
    catalogue_version: str
    draft: bool
    level: str
    index: str
    confidence: str
    present: int
    suspected: int
    absent: int
    unknown: int
    total: int
    respondents: int
    roles: str
    answers: int
    evidence_sets: int
    basis: str  # "12 participants with 340 answers and 3 sets of evidence"
    role_gaps: list[str]
    basis_changed: str | None  # the trend compares assessments on different ground
    notes: list[str]
    top_risks: list[RiskItem]
    settle: list[SettleItem]
    first_measures: list[MeasureItem]
    trend: Trend | None
    history: list[tuple[str, str, str]]  # date, index, what it rests on
    areas: list[AreaView]
    findings: list[FindingView]
    roadmap: dict[str, list[MeasureItem]]
    dora: DoraView | None
    quick_check: QuickCheckView | None
    coverage: list[CoverageView]
    evidence: list[EvidenceView]
    suspected_cap: str  # the method's bounds, as the catalogue sets them
    absent_cap: str
    assumed_impact: str
    charts: dict[str, str] = field(default_factory=dict)


# ----------------------------------------------------------------------------- helpers

def ranked_findings(a: Assessment) -> list[Finding]:
    """Known findings, worst first: the order of "top risks" everywhere."""
    return sorted((f for f in a.findings if f.risk is not None),
                  key=lambda f: (-RISK_ORDER[f.risk_level], -(f.risk or 0), f.sign_id))


def top_risks(a: Assessment) -> list[Finding]:
    """Present signs, worst first: suspected ones are questions, not risks."""
    return [f for f in ranked_findings(a) if f.status == "present"]


def note_texts(a: Assessment, cat: Catalogue, t: Texts) -> list[str]:
    """The assessment's notes in words; every output words them here, none shows an id."""
    params = cat.scoring
    failed = [c.condition_id for c in a.conditions if c.holds is False]
    out = []
    for note in a.notes:
        if note == "suspected_signs":
            out.append(t("note.suspected_signs", n=a.overall.signs_suspected,
                         cap=t(f"level.{params.suspected_cap}")))
        elif note == "not_operated" and failed:
            out.extend(t("note.not_operated",
                         condition=localise(cat.condition(c).title, t.lang),
                         n=sum(f.not_applicable_because == c for f in a.findings))
                       for c in failed)
        elif note == "impact_assumed":
            out.append(t("note.impact_assumed", impact=fmt.number(params.assumed_impact)))
        elif t.has(f"note.{note}"):
            out.append(t(f"note.{note}"))
    return out


def settle_items(a: Assessment, cat: Catalogue, t: Texts) -> list[SettleItem]:
    """The suspected signs, most likely first, each with the question that settles it."""
    items = []
    for f in a.suspected():
        sign = cat.sign(f.sign_id)
        pointing = [t(f"section.settle.probe.{p.outcome}", statement=fmt.first_sentence(
                        localise(cat.probe(p.probe_id).description, t.lang)).rstrip("."))
                    for p in f.probes if p.healthy is False and p.outcome in ("true", "false")]
        items.append(SettleItem(
            sign_id=f.sign_id, title=localise(sign.title, t.lang),
            question=localise(sign.settle, t.lang), evidence=pointing[:SETTLE_EVIDENCE],
            likelihood=fmt.pct(f.likelihood)))
    return items


ROLE_SHOWN_FROM = 3
"""A comment names its author's role only when at least this many people share it."""
_COMMENT = re.compile(r"^(?P<who>\S+) \((?P<role>[^)]*)\): (?P<text>.*)$", re.S)


def comment_text(comment: str, roles: dict[str, int], t: Texts) -> str:
    """"P7 (management): ..." keeps the role only when it does not point at one or two people."""
    m = _COMMENT.match(comment)
    if m is None:
        return comment
    role = m["role"]
    if roles.get(role, 0) >= ROLE_SHOWN_FROM:
        return f"{m['who']} ({t('role.' + role) if t.has('role.' + role) else role}): {m['text']}"
    return f"{m['who']}: {m['text']}"


def _question(cat: Catalogue, s: QuestionStats, t: Texts,
              roles: dict[str, int] | None = None) -> QuestionView:
    q = cat.question(s.question_id)
    scale = cat.scale_of(q)
    lang = t.lang
    labels = {o.value: localise(o.label, lang) for o in scale.options}
    labels[DONT_KNOW] = t("word.dont_know")
    order = [o.value for o in scale.options] + [DONT_KNOW]
    dist = [(labels.get(v, v), s.distribution[v]) for v in order if s.distribution.get(v)]
    return QuestionView(
        question_id=q.id, text=localise(q.text, lang), score=fmt.pct(s.score),
        respondents=s.respondents, dont_know=s.dont_know, distribution=dist,
        role_medians=[(t(f"role.{r}"), fmt.pct(v)) for r, v in s.role_medians.items()],
        disagreement=s.disagreement, spread=fmt.number(s.spread),
        comments=[comment_text(c, roles or {}, t) for c in s.comments],
    )


def _probe_source(source: str | None) -> str:
    """A probe's source without the "collector:" the engine puts in front (the collector
    is named beside it already): "git:https://host/repo.git" -> "https://host/repo.git"."""
    if not source:
        return fmt.DASH
    return fmt.source(re.sub(r"^[a-z][a-z0-9_]*:(?!//)", "", source))


def _finding(cat: Catalogue, f: Finding, t: Texts,
             roles: dict[str, int] | None = None) -> FindingView:
    sign = cat.sign(f.sign_id)
    lang = t.lang
    gap = None
    if f.perception_gap is not None:
        g = f.perception_gap
        gap = t(f"gap.{g.direction}", answers=fmt.pct(g.likelihood_from_answers),
                evidence=fmt.pct(g.likelihood_from_evidence))
    questions = [_question(cat, s, t, roles) for s in f.answers]
    probes = []
    for p in f.probes:
        probe = cat.probe(p.probe_id)
        verdict = "undecided" if p.healthy is None else "healthy" if p.healthy else "unhealthy"
        probes.append(ProbeView(
            probe_id=p.probe_id,
            description=fmt.first_sentence(localise(probe.description, lang)),
            measure=fmt.measure_name(p.measure, t), value=fmt.value(p.value, p.unit, t, p.measure),
            rule="", outcome=t(f"outcome.{p.outcome}"),
            verdict=verdict, source=_probe_source(p.source),
            coverage=fmt.pct(p.coverage),
            message=p.message or "",
        ))
    return FindingView(
        sign_id=f.sign_id, title=localise(sign.title, lang), why=localise(sign.why, lang),
        status=f.status, level=f.risk_level, likelihood=fmt.pct(f.likelihood),
        from_answers=fmt.pct(f.likelihood_from_answers),
        from_evidence=fmt.pct(f.likelihood_from_evidence), impact=fmt.sig(round(f.impact, 1), 2),
        confidence=fmt.pct(f.confidence), gap=gap, disagreement=f.disagreement,
        role_views=[(t(f"role.{r}"), fmt.pct(v)) for r, v in f.role_likelihoods.items()],
        questions=questions,
        probes=[p for p, r in zip(probes, f.probes, strict=True) if r.outcome != "not_available"],
        unmeasured=[fmt.first_sentence(localise(cat.probe(r.probe_id).description, lang))
                    .rstrip(".") for r in f.probes if r.outcome == "not_available"],
    )


def _measures(a: Assessment, cat: Catalogue, t: Texts) -> list[MeasureItem]:
    recs = {r.id: r for r in cat.all_recommendations()}
    lang = t.lang
    return [
        MeasureItem(
            rank=r.rank, recommendation_id=r.recommendation_id,
            title=localise(recs[r.recommendation_id].title, lang), effort=r.effort,
            horizon=r.horizon, risk_reduction=fmt.points(index_points(a, r.risk_reduction)),
            first_step=localise(recs[r.recommendation_id].first_step, lang),
            effect=localise(recs[r.recommendation_id].effect, lang),
            addresses=[localise(cat.sign(s).title, lang) for s in r.sign_ids],
        )
        for r in a.recommendations
    ]


def _plan_line(p: PlanEntry | None, t: Texts) -> str | None:
    if p is None or (p.owner is None and p.due is None and p.status == "open"):
        return None
    parts = [t("plan.owner", owner=p.owner or t("plan.nobody"))]
    if p.due is not None:
        parts.append(t("plan.due", due=fmt.date(p.due)))
    return " · ".join([*parts, t(f"plan.status.{p.status}")])


def _risk_item(cat: Catalogue, f: Finding, t: Texts) -> RiskItem:
    flags = ([t("flag.perception_gap")] if f.perception_gap else []) + (
        [t("flag.disagreement")] if f.disagreement else [])
    sign = cat.sign(f.sign_id)
    return RiskItem(
        sign_id=f.sign_id, title=localise(sign.title, t.lang),
        why=fmt.first_sentence(localise(sign.why, t.lang)), level=f.risk_level,
        status=f.status, likelihood=fmt.pct(f.likelihood), confidence=fmt.pct(f.confidence),
        flags=flags,
    )


def trend(previous: HistoryPoint | None, current: float | None) -> Trend | None:
    """Since the last assessment; a change under one point counts as no change."""
    if previous is None or previous.risk_index is None or current is None:
        return None
    before, now = fmt.whole(previous.risk_index), fmt.whole(current)
    delta = now - before  # from the numbers shown, so the sentence adds up
    direction = "same" if delta == 0 else "better" if delta < 0 else "worse"
    return Trend(previous_date=fmt.date(previous.date), previous=str(before),
                 current=str(now), direction=direction, delta=str(abs(delta)))


def _basis_words(respondents: int | None, evidence_sets: int | None, t: Texts) -> str:
    if respondents is None and evidence_sets is None:
        return t("history.unknown_basis")
    people = t.n("count.basis", respondents) if respondents else t("history.no_answers")
    sets = t.n("count.basis_evidence", evidence_sets) if evidence_sets else t(
        "history.no_evidence")
    return f"{people}, {sets}"


def _thin(respondents: int | None, evidence_sets: int | None) -> bool:
    return (respondents or 0) <= 1 and not evidence_sets


def basis_changed(previous: HistoryPoint | None, current: HistoryPoint, t: Texts) -> str | None:
    """Worded when the trend compares a thin assessment (one person, no evidence) with a
    broad one (several people or evidence), either way round."""
    if previous is None or previous.respondents is None:
        return None
    if _thin(previous.respondents, previous.evidence_sets) == _thin(
            current.respondents, current.evidence_sets):
        return None
    return t("history.basis_changed",
             previous=_basis_words(previous.respondents, previous.evidence_sets, t),
             current=_basis_words(current.respondents, current.evidence_sets, t))


ROLE_GAP_RATIO = 0.7  # a role's likelihood at most this share of the others' counts
ROLE_GAP_SHARE = 0.6  # in at least this share of the signs both roles judged


def role_gaps(a: Assessment, t: Texts) -> list[str]:
    """Roles that rate the signs clearly less likely than the others, in words."""
    findings = [f for f in a.findings if len(f.role_likelihoods) >= 2]
    roles = sorted({r for f in findings for r in f.role_likelihoods})
    out = []
    for low in roles:
        ratios = []
        for f in findings:
            mine = f.role_likelihoods.get(low)
            others = [v for r, v in f.role_likelihoods.items() if r != low]
            if mine is None or not others or statistics.fmean(others) <= 0:
                continue
            ratios.append(mine / statistics.fmean(others))
        gapped = [x for x in ratios if x <= ROLE_GAP_RATIO]
        if len(ratios) >= 3 and len(gapped) >= ROLE_GAP_SHARE * len(ratios):
            high = [r for r in roles if r != low]
            names = [t(f"role_plural.{r}") for r in high]
            who = t(f"role_plural.{low}")
            out.append(t("summary.role_gap", low=who[:1].upper() + who[1:],
                         high=_listed(names, t), n=len(gapped), total=len(ratios),
                         ratio=_ratio_words(statistics.fmean(gapped), t)))
    return out


def _listed(words: list[str], t: Texts) -> str:
    """Words listed as people write them: "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {t('word.and')} {words[-1]}"


def _ratio_words(x: float, t: Texts) -> str:
    return fmt.pct(x)


def _area(cat: Catalogue, a: Assessment, area_id: str, findings: dict[str, FindingView],
          t: Texts) -> AreaView:
    area = cat.area(area_id)
    result = a.area(area_id)
    lang = t.lang
    descriptor = next((d for d in area.levels if d.level == result.reached()), None)
    return AreaView(
        area_id=area_id, title=localise(area.title, lang), summary=localise(area.summary, lang),
        level=result.level, level_text=fmt.level(result.level), reached=result.reached(),
        level_name=localise(descriptor.name, lang) if descriptor else t("level.unknown"),
        practices=localise(descriptor.practices, lang) if descriptor else "",
        risk=result.risk_level, confidence=fmt.pct(result.confidence),
        signs_known=result.signs_known, signs_total=result.signs_total,
        findings=[findings[f.sign_id] for f in a.findings if area_id in f.areas],
        disputed=list({q.question_id: q for f in findings.values() for q in f.questions
                       if q.disagreement and cat.question(q.question_id).area == area_id
                       }.values()),
    )


def _dora(a: Assessment, t: Texts) -> DoraView | None:
    d = a.dora
    if d is None or d.cluster is None:
        return None
    return DoraView(
        year=d.year, cluster=d.cluster,
        metrics=[(m, t(f"dora.metric.{m}"), fmt.dora_value(m, d.metrics.get(m), t))
                 for m in dora_tables.DORA_MEASURES],
        notes=list(d.notes) if t.lang == "en" else _dora_notes(d, t),
        source=dora_tables.cluster_table(d.year).source,
    )


_QC_MEASURE = {v: k for k, v in quick_check.FROM_MEASURE.items()}


def _qc_row(label: str, basis: str, x: quick_check.Scored, t: Texts) -> QuickCheckRow:
    if x.benchmark is None or x.z is None or x.placement is None:
        return QuickCheckRow(label, basis, fmt.sig(x.score, 2), fmt.DASH,
                             t("quick_check.placement.none"), "none")
    z = ("+" if x.z > 0 else "") + fmt.fixed(x.z, 1)
    return QuickCheckRow(label, basis, fmt.sig(x.score, 2),
                         f"{fmt.fixed(x.benchmark.mean, 1)} ± {fmt.fixed(x.benchmark.std, 1)}",
                         t(f"quick_check.placement.{x.placement}", z=z), x.placement)


def _benchmark_name(q: quick_check.QuickCheck, cat: Catalogue, t: Texts) -> str:
    """The comparison group in the report's language: the catalogue's option label."""
    if q.benchmark_key == "all":
        return t(f"quick_check.all.{q.benchmark_kind}")
    question = cat.benchmark_question(q.benchmark_kind)
    value = quick_check.option_for(q.benchmark_kind, q.benchmark_key, q.edition)
    option = cat.scale_of(question).option(value) if question and value else None
    return localise(option.label, t.lang) if option else q.benchmark_name


def quick_check_view(a: Assessment, cat: Catalogue, t: Texts) -> QuickCheckView | None:
    """The Quick Check rows as the PDF and the web app show them."""
    with fmt.language(t.lang):
        return _quick_check(a, cat, t)


def _quick_check(a: Assessment, cat: Catalogue, t: Texts) -> QuickCheckView | None:
    q = a.quick_check
    if q is None:
        return None
    rows = []
    for m in q.metrics:
        measure = _QC_MEASURE[m.metric]
        if m.value is not None:
            basis = t("quick_check.measured", value=fmt.dora_value(measure, m.value, t))
        elif m.band is not None:
            basis = t("quick_check.answered_band", band=fmt.sig(m.band, 2))
        else:
            basis = t("quick_check.answered_rate")
        rows.append(_qc_row(t(f"dora.metric.{measure}"), basis, m, t))
    groups = [_qc_row(t(f"quick_check.group.{name}"), "", x, t)
              for name, x in (("throughput", q.throughput), ("stability", q.stability),
                              ("overall", q.overall)) if x is not None]
    return QuickCheckView(edition=q.edition, benchmark=_benchmark_name(q, cat, t), rows=rows,
                          groups=groups, source=q.source)


def _dora_notes(d: DoraSummary, t: Texts) -> list[str]:
    """The placement's notes in `t`'s language, from the placement itself."""
    metrics = {m: v for m, v in d.metrics.items() if m in dora_tables.DORA_MEASURES}
    placed = dora_tables.place(dora_tables.DoraMetrics(**metrics), d.year)
    name = {m: t(f"dora.metric.{m}") for m in dora_tables.DORA_MEASURES}
    cluster = {c: t(f"dora.cluster.{c}") for c in dora_tables.CLUSTERS}
    notes = []
    if placed.missing and placed.metrics_used:
        notes.append(t("dora_note.missing", metrics=", ".join(name[m] for m in placed.missing),
                       n=len(placed.metrics_used)))
    rework = metrics.get("deployment_rework_rate")
    if rework is not None:
        notes.append(t("dora_note.rework", year=d.year,
                       value=fmt.dora_value("deployment_rework_rate", rework, t)))
    for m, members in placed.per_metric.items():
        value = fmt.dora_value(m, metrics.get(m), t)
        if len(members) > 1:
            notes.append(t("dora_note.shared", year=d.year, metric=name[m], value=value,
                           clusters=", ".join(cluster[c] for c in members)))
        elif not members:
            notes.append(t("dora_note.outside", year=d.year, metric=name[m], value=value))
    tied = [c for c in dora_tables.CLUSTERS if placed.distances.get(c) == placed.distance]
    if len(tied) > 1 and placed.cluster:
        notes.append(t("dora_note.tie", year=d.year, clusters=", ".join(cluster[c] for c in tied),
                       chosen=cluster[placed.cluster]))
    if (d.year == 2024 and "change_fail_rate" in placed.metrics_used
            and placed.cluster in ("high", "medium")):
        notes.append(t("dora_note.cfr_2024"))
    return notes


def _window(e: EvidenceSet) -> str:
    if e.window is None:
        return fmt.DASH
    return f"{fmt.date(e.window.start)} – {fmt.date(e.window.end)}"


def _evidence(sets: Sequence[EvidenceSet], t: Texts) -> list[EvidenceView]:
    return [
        EvidenceView(
            collector=fmt.measure_name(e.collector, t), source=fmt.source(e.source),
            window=_window(e),
            collected_at=fmt.date(e.collected_at), coverage=fmt.pct(e.coverage.ratio),
            partial=e.partial, missing=", ".join(e.coverage.missing),
            measures=[MeasureRow(fmt.measure_name(m.id, t), fmt.value(m.value, m.unit, t, m.id),
                                 m.applicable)
                      for m in e.measures],
        )
        for e in sorted(sets, key=lambda e: (e.collector, e.source))
    ]


# ----------------------------------------------------------------------------- team

def team_view(report: TeamReport, cat: Catalogue, lang: str = "en") -> TeamView:
    """Everything a team report shows, in the order and words it shows it."""
    with fmt.language(lang):
        return _team_view(report, cat, lang)


def _team_view(report: TeamReport, cat: Catalogue, lang: str) -> TeamView:
    t = texts(lang)
    a = report.assessment
    o = a.overall
    roles = dict(a.inputs.roles)
    findings = {f.sign_id: _finding(cat, f, t, roles) for f in a.findings}
    measures = _measures(a, cat, t)
    plans = {p.recommendation_id: p for p in report.plan}
    measures = [replace(m, plan=_plan_line(plans.get(m.recommendation_id), t)) for m in measures]
    roadmap: dict[str, list[MeasureItem]] = {"now": [], "next": [], "later": []}
    for m in measures:
        roadmap[m.horizon].append(m)
    history = [*report.history, report.current_point()]
    windows = {(e.collector, e.source): _window(e) for e in report.evidence}
    return TeamView(
        organisation=report.organisation, team=report.team, date=fmt.date(report.date),
        catalogue_version=report.catalogue_version, draft=report.state == "draft",
        level=o.risk_level, index=fmt.index(o.risk_index), confidence=fmt.pct(o.confidence),
        present=o.signs_present, suspected=o.signs_suspected, absent=o.signs_absent,
        unknown=o.signs_unknown,
        total=len(a.findings), respondents=a.inputs.respondents,
        roles=", ".join(f"{n} {t('role.' + r)}" for r, n in a.inputs.roles.items()),
        answers=a.inputs.answers, evidence_sets=a.inputs.evidence_sets,
        basis=t("summary.confidence_line", confidence=fmt.pct(o.confidence),
                participants=t.n("count.participants", a.inputs.respondents),
                answers=t.n("count.answers", a.inputs.answers),
                evidence=t.n("count.evidence_sets", a.inputs.evidence_sets),
                unknown=o.signs_unknown, total=len(a.findings)),
        role_gaps=role_gaps(a, t),
        basis_changed=basis_changed(report.previous(), report.current_point(), t),
        notes=note_texts(a, cat, t),
        top_risks=[_risk_item(cat, f, t) for f in top_risks(a)[:TOP]],
        settle=settle_items(a, cat, t),
        first_measures=measures[:TOP],
        trend=trend(report.previous(), o.risk_index),
        history=[(fmt.date(p.date), fmt.index(p.risk_index),
                  _basis_words(p.respondents, p.evidence_sets, t)) for p in history],
        areas=[_area(cat, a, area.id, findings, t) for area in cat.areas],
        findings=list(findings.values()),
        roadmap=roadmap,
        dora=_dora(a, t),
        quick_check=_quick_check(a, cat, t),
        coverage=[
            CoverageView(collector=fmt.measure_name(c.collector, t), source=fmt.source(c.source),
                         window=windows.get((c.collector, c.source), fmt.DASH),
                         ratio=fmt.pct(c.ratio), partial=c.partial, missing=", ".join(c.missing))
            for c in a.coverage
        ],
        evidence=_evidence(report.evidence, t),
        suspected_cap=cat.scoring.suspected_cap, absent_cap=cat.scoring.absent_cap,
        assumed_impact=fmt.number(cat.scoring.assumed_impact),
    )


# ----------------------------------------------------------------------------- organisation

@dataclass(frozen=True)
class TeamLine:
    anchor: str
    team: str
    date: str
    level: str
    index: str
    confidence: str
    present: int
    respondents: int
    evidence_sets: int
    areas: list[tuple[str, str, str]]  # area title, level, risk level
    top_risks: list[RiskItem]
    first_measures: list[MeasureItem]
    trend: Trend | None
    judged: int = 0  # signs that could be judged (present, suspected or absent)


@dataclass(frozen=True)
class CommonRisk:
    title: str
    teams_present: int
    worst: str
    mean_risk: str


@dataclass(frozen=True)
class CommonMeasure:
    title: str
    effort: str
    teams: int
    risk_reduction: str


@dataclass
class OrganisationView:
    organisation: str
    date: str
    catalogue_version: str
    draft: bool
    n_teams: int
    level: str
    index: str
    confidence: str
    shares: str  # "2 of 6 teams critical, 3 high, 1 medium"
    teams_by_level: list[tuple[str, int]]
    highest: list[TeamLine]
    common_risks: list[CommonRisk]
    common_measures: list[CommonMeasure]
    better: int
    worse: int
    same: int
    no_history: int
    without_evidence: int
    without_answers: int
    teams: list[TeamLine]
    trend_line: str = ""  # "Since their previous assessment: 5 teams improved and one ..."
    charts: dict[str, str] = field(default_factory=dict)
    heatmaps: list[str] = field(default_factory=list)


def _team_line(i: int, report: TeamReport, cat: Catalogue, t: Texts) -> TeamLine:
    a = report.assessment
    return TeamLine(
        anchor=f"team-{i + 1}", team=report.team, date=fmt.date(report.date),
        level=a.overall.risk_level, index=fmt.index(a.overall.risk_index),
        confidence=fmt.pct(a.overall.confidence), present=a.overall.signs_present,
        respondents=a.inputs.respondents, evidence_sets=a.inputs.evidence_sets,
        areas=[(localise(cat.area(r.area_id).title, t.lang), fmt.level(r.level), r.risk_level)
               for r in a.areas],
        top_risks=[_risk_item(cat, f, t) for f in top_risks(a)[:3]],
        first_measures=_measures(a, cat, t)[:3],
        trend=trend(report.previous(), a.overall.risk_index),
        judged=sum(1 for f in a.findings if f.status != "unknown"),
    )


LEVELS_WORST_FIRST = ("critical", "high", "medium", "low", "unknown")


def organisation_level(reports: Sequence[TeamReport]) -> str:
    """The organisation's level: its riskiest team's, so no team at risk is averaged away."""
    known = [r.assessment.overall.risk_level for r in reports
             if r.assessment.overall.risk_level != "unknown"]
    return max(known, key=RISK_ORDER.__getitem__, default="unknown")


def level_shares(reports: Sequence[TeamReport], t: Texts) -> str:
    """How many teams are at each level, worst first: "2 of 6 teams critical, 3 high"."""
    counts = Counter(r.assessment.overall.risk_level for r in reports)
    parts = [(lv, counts[lv]) for lv in LEVELS_WORST_FIRST if counts[lv]]
    return ", ".join(
        t("summary.org_share_first" if i == 0 else "summary.org_share_more", n=n,
          total=len(reports), level=t(f"level.{lv}"))
        for i, (lv, n) in enumerate(parts))


def organisation_view(report: OrganisationReport, cat: Catalogue,
                      lang: str = "en") -> OrganisationView:
    """The organisation's picture: teams side by side, most severe first."""
    with fmt.language(lang):
        return _organisation_view(report, cat, lang)


def _organisation_view(report: OrganisationReport, cat: Catalogue, lang: str) -> OrganisationView:
    t = texts(lang)
    ordered = by_severity(report.teams)
    teams = [_team_line(i, r, cat, t) for i, r in enumerate(ordered)]
    indexes = [r.assessment.overall.risk_index for r in ordered
               if r.assessment.overall.risk_index is not None]
    mean_index = statistics.fmean(indexes) if indexes else None
    levels = Counter(r.assessment.overall.risk_level for r in ordered)

    risks: dict[str, list[Finding]] = defaultdict(list)
    reductions: dict[str, list[float]] = defaultdict(list)
    for r in report.teams:
        for f in r.assessment.findings:
            if f.risk is not None:
                risks[f.sign_id].append(f)
        for rec in r.assessment.recommendations:
            reductions[rec.recommendation_id].append(index_points(r.assessment,
                                                                  rec.risk_reduction))
    common = sorted(((sid, fs) for sid, fs in risks.items()
                     if any(f.status == "present" for f in fs)), key=lambda kv: (
        -sum(f.status == "present" for f in kv[1]),
        -statistics.fmean(f.risk or 0 for f in kv[1]), kv[0]))
    recs = {x.id: x for x in cat.all_recommendations()}
    # most teams helped first, then the mean points per team: a mean, not a sum that
    # grows with the number of teams
    measures = sorted(reductions.items(),
                      key=lambda kv: (-len(kv[1]), -statistics.fmean(kv[1]), kv[0]))
    trends = [x.trend for x in teams]
    return OrganisationView(
        organisation=report.organisation, date=fmt.date(report.date),
        catalogue_version=", ".join(sorted({r.catalogue_version for r in report.teams})),
        draft=report.state == "draft" or any(r.state == "draft" for r in ordered),
        n_teams=len(teams), level=organisation_level(ordered), index=fmt.index(mean_index),
        shares=level_shares(ordered, t),
        confidence=fmt.pct(statistics.fmean(r.assessment.overall.confidence
                                            for r in report.teams)),
        teams_by_level=[(lv, levels[lv]) for lv in LEVELS_WORST_FIRST if levels[lv]],
        highest=teams[:TOP],
        common_risks=[
            CommonRisk(title=localise(cat.sign(sid).title, lang),
                       teams_present=sum(f.status == "present" for f in fs),
                       worst=max((f.risk_level for f in fs), key=RISK_ORDER.__getitem__),
                       mean_risk=fmt.points(100 * statistics.fmean(f.risk or 0 for f in fs)))
            for sid, fs in common[:TOP]
        ],
        common_measures=[
            CommonMeasure(title=localise(recs[rid].title, lang), effort=recs[rid].effort,
                          teams=len(vals),
                          risk_reduction=fmt.points(statistics.fmean(vals)))
            for rid, vals in measures[:TOP]
        ],
        better=sum(1 for x in trends if x and x.direction == "better"),
        worse=sum(1 for x in trends if x and x.direction == "worse"),
        same=sum(1 for x in trends if x and x.direction == "same"),
        no_history=sum(1 for x in trends if x is None),
        without_evidence=sum(1 for r in ordered if r.assessment.inputs.evidence_sets == 0),
        without_answers=sum(1 for r in ordered if r.assessment.inputs.respondents == 0),
        teams=teams,
        trend_line=_org_trend(trends, t),
    )


def _org_trend(trends: Sequence[Trend | None], t: Texts) -> str:
    """How the teams moved since their previous assessment, naming only what happened."""
    counts = {"better": sum(1 for x in trends if x and x.direction == "better"),
              "worse": sum(1 for x in trends if x and x.direction == "worse"),
              "same": sum(1 for x in trends if x and x.direction == "same"),
              "none": sum(1 for x in trends if x is None)}
    parts = [t(f"summary.org_trend_part.{k}", teams=t.n("count.teams", n))
             for k, n in counts.items() if n]
    return t("summary.org_trend", parts=_listed(parts, t))
