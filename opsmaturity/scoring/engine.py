"""Catalogue + evidence + answers -> Assessment. Pure: no clock, no I/O.

Every formula here is written out for consultants in docs/scoring.md; change
one, change the other (tests/scoring/test_docs.py keeps the parameter names in
step). All tunable numbers come from the catalogue's `scoring:` parameters.
"""

from __future__ import annotations

import math
import operator
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Literal

from opsmaturity.core.evidence import EvidenceSet, Measure

from . import dora, quick_check
from .answers import Answer, Responses
from .assessment import (
    AreaResult,
    Assessment,
    ConditionResult,
    CoverageEntry,
    DoraSummary,
    Finding,
    Inputs,
    Overall,
    PerceptionGap,
    ProbeResult,
    QuestionStats,
    RankedRecommendation,
)
from .catalogue import (
    DONT_KNOW,
    RISK_ORDER,
    ROLES,
    Catalogue,
    Condition,
    Probe,
    RiskLevel,
    ScoringParameters,
    WarningSign,
)

_OPS: dict[str, Callable[[object, object], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
    "==": operator.eq, "!=": operator.ne,
}
_DIGITS = 4


def _r(x: float) -> float:
    return round(x, _DIGITS)


def score(
    catalogue: Catalogue,
    evidence: Sequence[EvidenceSet] = (),
    responses: Responses | None = None,
    *,
    dora_year: int = dora.NEWEST_YEAR,
) -> Assessment:
    """Judge every warning sign of the catalogue from the evidence and answers given."""
    params = catalogue.scoring
    responses = responses or Responses()
    by_question: dict[str, list[Answer]] = defaultdict(list)
    for a in responses.answers:
        by_question[a.question_id].append(a)

    stats = {q.id: _question_stats(q.id, by_question.get(q.id, []), params)
             for q in catalogue.questions if q.kind == "practice"}
    sets = sorted(evidence, key=lambda e: (e.collector, e.source))
    probe_results = {p.id: evaluate_probe(p, sets) for p in catalogue.probes}
    conditions = {c.id: _condition(c, probe_results) for c in catalogue.conditions}
    context = _context_answered(catalogue, by_question)

    findings = [
        _finding(catalogue, sign, stats, probe_results, by_question, params,
                 conditions, context)
        for sign in catalogue.signs
    ]
    areas = [_area(area.id, findings, params) for area in catalogue.areas]
    overall = _overall(findings, params)
    recs = _recommendations(catalogue, findings, params)
    notes = _notes(responses, sets, findings)
    return Assessment(
        catalogue_version=catalogue.version,
        organisation=responses.organisation,
        team=responses.team,
        date=responses.date,
        inputs=Inputs(
            respondents=len(responses.respondents),
            roles={r: n for r, n in sorted(Counter(p.role for p in responses.respondents).items())},
            evidence_sets=len(sets),
            answers=sum(1 for a in responses.answers if a.value != DONT_KNOW),
        ),
        findings=findings,
        areas=areas,
        overall=overall,
        recommendations=recs,
        coverage=[
            CoverageEntry(collector=e.collector, source=e.source, ratio=_r(e.coverage.ratio),
                          partial=e.partial, missing=sorted(e.coverage.missing))
            for e in sets
        ],
        dora=_dora(sets, dora.cluster_year(dora_year)),
        quick_check=_quick_check(catalogue, sets, by_question,
                                 quick_check.edition_for(dora_year)),
        conditions=list(conditions.values()),
        notes=notes,
    )


# ----------------------------------------------------------------------------- answers

def _question_stats(question_id: str, answers: list[Answer],
                    params: ScoringParameters) -> QuestionStats:
    known = [a for a in answers if a.score is not None]
    scores = [a.score for a in known if a.score is not None]
    by_role: dict[str, list[float]] = defaultdict(list)
    for a in known:
        by_role[a.role].append(a.score)  # type: ignore[arg-type]
    spread = statistics.pstdev(scores) if len(scores) > 1 else (0.0 if scores else None)
    disagreement = (
        len(scores) >= params.disagreement_min_respondents
        and spread is not None and spread >= params.disagreement_spread
    )
    return QuestionStats(
        question_id=question_id,
        respondents=len(scores),
        dont_know=len(answers) - len(known),
        score=_r(statistics.fmean(scores)) if scores else None,
        spread=_r(spread) if spread is not None else None,
        distribution=dict(sorted(Counter(a.value for a in answers).items())),
        role_medians={r: _r(statistics.median(v)) for r, v in sorted(by_role.items())},
        disagreement=disagreement,
        comments=[f"{a.participant} ({a.role}): {a.comment}" for a in answers if a.comment],
    )


def _weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    pairs = list(pairs)
    total = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / total if total else None


# ----------------------------------------------------------------------------- probes

def _candidates(measure_id: str, sets: Sequence[EvidenceSet]) -> list[tuple[EvidenceSet, Measure]]:
    if measure_id.startswith("*."):
        suffix = measure_id[1:]
        return [(e, m) for e in sets for m in e.measures if m.id.endswith(suffix)]
    return [(e, m) for e in sets for m in e.measures if m.id == measure_id]


def evaluate_probe(probe: Probe, sets: Sequence[EvidenceSet]) -> ProbeResult:
    """Answer a probe true/false from the evidence, or say why it cannot be answered."""
    base = {"probe_id": probe.id, "measure": probe.measure, "op": probe.op,
            "threshold": probe.threshold}
    found = _candidates(probe.measure, sets)
    if not found:
        return ProbeResult(outcome="not_available", healthy=None, **base,
                           message="no collector measured this")
    # Prefer a measured value, then the best-covered source; ties broken by name for determinism.
    found.sort(key=lambda em: (em[1].value is None, -em[0].coverage.ratio,
                               em[0].collector, em[0].source, em[1].id))
    ev, m = found[0]
    where = {"value": m.value, "unit": m.unit, "source": f"{ev.collector}:{ev.source}",
             "coverage": _r(ev.coverage.ratio)}
    if not m.applicable:
        return ProbeResult(outcome="not_applicable", healthy=None, **base, **where)
    if m.value is None:
        return ProbeResult(outcome="not_available", healthy=None, **base, **where,
                           message="measured but no value")
    value = m.value
    if isinstance(probe.threshold, bool) != isinstance(value, bool) or isinstance(value, str) or (
        isinstance(value, float) and math.isnan(value)
    ):
        return ProbeResult(outcome="error", healthy=None, **base, **where,
                           message=f"cannot compare {value!r} with {probe.threshold!r}")
    result = _OPS[probe.op](value, probe.threshold)
    return ProbeResult(outcome="true" if result else "false",
                       healthy=result == probe.healthy_when, **base, **where)


# ----------------------------------------------------------------------------- findings

def _context_answered(catalogue: Catalogue, by_question: dict[str, list[Answer]]) -> bool:
    """Did anyone say how much the business depends on its systems?"""
    return any(a.value != DONT_KNOW for q in catalogue.context_questions()
               for a in by_question.get(q.id, []))


def _impact_factor(catalogue: Catalogue, sign: WarningSign,
                   by_question: dict[str, list[Answer]]) -> float:
    """Product of the mean factors of the context questions answered for the sign's areas."""
    factor = 1.0
    for q in catalogue.context_questions():
        if q.scales_impact_of and not set(q.scales_impact_of) & set(sign.areas):
            continue
        scale = catalogue.scale_of(q)
        picks = [scale.option(a.value) for a in by_question.get(q.id, []) if a.value != DONT_KNOW]
        factors = [o.impact_factor for o in picks if o and o.impact_factor is not None]
        if factors:
            factor *= statistics.fmean(factors)
    return factor


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _contribution(probe: Probe, result: ProbeResult, params: ScoringParameters) -> float:
    """Signed log-odds one decided probe adds to its sign: + for, - against, x coverage."""
    assert probe.strength is not None and result.healthy is not None
    if result.healthy:
        push = -params.strength_log_odds.of(probe.strength.healthy)
    else:
        push = params.strength_log_odds.of(probe.strength.unhealthy)
    return push * (result.coverage if result.coverage is not None else 1.0)


def _unhealthy_strength(probe: Probe) -> str:
    assert probe.strength is not None
    return probe.strength.unhealthy


def _bounded(risk: float, cap: RiskLevel, params: ScoringParameters) -> float:
    """The risk figure kept inside `cap`'s band, so number and level never disagree."""
    thresholds = params.risk_levels
    upper = {"low": thresholds.medium, "medium": thresholds.high,
             "high": thresholds.critical}.get(cap)
    return risk if upper is None else min(risk, upper - 10 ** -_DIGITS)


Support = Literal["answers", "evidence", "weak"]


def _status(likelihood: float, l_answers: float | None, support_e: float,
            evidence_establishes: bool,
            params: ScoringParameters) -> tuple[str, Support | None, RiskLevel | None]:
    """Present needs support (the answers, or moderate/strong evidence); else suspected."""
    if likelihood < params.present_at:
        return "absent", None, params.absent_cap
    if l_answers is not None and l_answers >= params.present_at:
        return "present", "answers", None
    if evidence_establishes and support_e >= params.establish_at:
        return "present", "evidence", None
    if likelihood > params.present_at:
        return "suspected", "weak", params.suspected_cap
    return "absent", None, params.absent_cap  # for and against cancel out: nothing points to it


def _finding(
    catalogue: Catalogue, sign: WarningSign, stats: dict[str, QuestionStats],
    probe_results: dict[str, ProbeResult], by_question: dict[str, list[Answer]],
    params: ScoringParameters, conditions: dict[str, ConditionResult], context_answered: bool,
) -> Finding:
    q_stats = [stats[q] for q in sign.questions]
    weights = {q: catalogue.question(q).weight for q in sign.questions}
    answered = [s for s in q_stats if s.score is not None]
    health_a = _weighted_mean((s.score, weights[s.question_id]) for s in answered)  # type: ignore[misc]
    l_answers = None if health_a is None else 1 - health_a

    condition = conditions.get(sign.applies_when) if sign.applies_when else None
    not_applicable = condition is not None and condition.holds is False
    probes = [probe_results[p] for p in sign.probes]
    if not_applicable:  # the probes speak of operations this repository shows none of
        probes = [r.model_copy(update={"outcome": "not_applicable", "healthy": None,
                                       "message": f"condition {condition.condition_id} "
                                                  "does not hold"})
                  for r in probes]
    decided = [r for r in probes if r.healthy is not None]
    pushes = [_contribution(catalogue.probe(r.probe_id), r, params) for r in decided]
    l_evidence = _sigmoid(sum(pushes)) if any(pushes) else None  # weightless evidence: none
    # Weak probes may suggest a sign but never establish it, however many agree: they
    # tend to read the same thing (four annotation shares of one rule file, say).
    support_e = sum(x for x, r in zip(pushes, decided, strict=True)
                    if x > 0 and _unhealthy_strength(catalogue.probe(r.probe_id)) != "weak")
    strength_e = sum(abs(x) for x in pushes)

    if l_answers is None and strength_e == 0:
        # no answers, and the evidence found carries no weight either way (a probe whose
        # outcome the catalogue rates "none"): nothing is known, not "as likely as not"
        likelihood: float | None = None
    else:
        cap = params.answers_max_log_odds
        prior = 0.0 if l_answers is None else max(-cap, min(cap, _logit(l_answers)))
        likelihood = _sigmoid(prior + sum(pushes))

    impact_basis: Literal["context", "assumed"]
    if context_answered:
        factor = _impact_factor(catalogue, sign, by_question)
        impact, impact_basis = min(5.0, max(1.0, sign.impact * factor)), "context"
    else:  # nobody said how much depends on it: neither the catalogue's worst case nor zero
        factor, impact, impact_basis = 1.0, params.assumed_impact, "assumed"

    support: Support | None = None
    if likelihood is None:
        status, risk, level = "unknown", None, "unknown"
    else:
        status, support, cap_level = _status(likelihood, l_answers, support_e,
                                             sign.not_observable is None, params)
        risk = likelihood * impact / 5
        if cap_level is not None:
            risk = _bounded(risk, cap_level, params)
        level = params.risk_levels.level(risk)

    # Confidence: answer coverage x respondent factor, combined with evidence strength.
    respondents = {a.participant for q in sign.questions for a in by_question.get(q, [])
                   if a.value != DONT_KNOW}
    n = len(respondents)
    conf_a = (len(answered) / len(q_stats)) * (n / (n + params.respondent_saturation))
    conf_e = strength_e / (strength_e + params.evidence_saturation)
    confidence = 1 - (1 - conf_a) * (1 - conf_e)

    gap = None
    if l_answers is not None and l_evidence is not None:
        diff = l_evidence - l_answers
        if abs(diff) >= params.perception_gap:
            gap = PerceptionGap(
                direction="answers_more_optimistic" if diff > 0 else "answers_more_pessimistic",
                likelihood_from_answers=_r(l_answers), likelihood_from_evidence=_r(l_evidence),
                gap=_r(abs(diff)),
            )

    role_l = _role_likelihoods(sign, stats, weights)
    role_gap = max(role_l.values()) - min(role_l.values()) if len(role_l) > 1 else None
    return Finding(
        sign_id=sign.id,
        areas=list(sign.areas),
        status=status,
        support=support,
        likelihood=None if likelihood is None else _r(likelihood),
        likelihood_from_answers=None if l_answers is None else _r(l_answers),
        likelihood_from_evidence=None if l_evidence is None else _r(l_evidence),
        evidence_log_odds=_r(sum(pushes)) if decided else None,
        impact=_r(impact),
        impact_factor=_r(factor),
        impact_basis=impact_basis,
        risk=None if risk is None else _r(risk),
        risk_level=level,
        confidence=_r(confidence),
        answers=q_stats,
        probes=probes,
        not_applicable_because=condition.condition_id if not_applicable and condition else None,
        perception_gap=gap,
        disagreement=any(s.disagreement for s in q_stats)
        or (role_gap is not None and role_gap >= params.perception_gap),
        role_likelihoods=role_l,
        role_gap=None if role_gap is None else _r(role_gap),
    )


def _condition(condition: Condition, results: dict[str, ProbeResult]) -> ConditionResult:
    """Holds when an indicator is true; fails only when the others are false and none was
    read without a value: CI that could not be analysed may be the deploy job that makes a
    repository operated, so it leaves the condition open rather than failed."""
    indicators = [results[p] for p in condition.any_of]
    decided = [r.outcome == "true" for r in indicators if r.outcome in ("true", "false")]
    unread = any(r.outcome == "not_available" and r.source is not None for r in indicators)
    holds = True if any(decided) else (False if decided and not unread else None)
    return ConditionResult(condition_id=condition.id, holds=holds, probes=indicators)


def _role_likelihoods(sign: WarningSign, stats: dict[str, QuestionStats],
                      weights: dict[str, float]) -> dict[str, float]:
    """Each role's view of the sign: 1 - weighted mean of that role's median scores."""
    result: dict[str, float] = {}
    for role in ROLES:
        pairs = [(stats[q].role_medians[role], weights[q]) for q in sign.questions
                 if role in stats[q].role_medians]
        health = _weighted_mean(pairs)
        if health is not None:
            result[role] = _r(1 - health)
    return result


# ----------------------------------------------------------------------------- roll-ups

def _area(area_id: str, findings: list[Finding], params: ScoringParameters) -> AreaResult:
    mine = [f for f in findings if area_id in f.areas]
    known = [f for f in mine if f.likelihood is not None]
    health = _weighted_mean((1 - f.likelihood, f.impact) for f in known)  # type: ignore[operator]
    risk = max((f.risk for f in known if f.risk is not None), default=None)
    return AreaResult(
        area_id=area_id,
        level=None if health is None else round(1 + 4 * health, 1),
        health=None if health is None else _r(health),
        risk=risk,
        risk_level="unknown" if risk is None else params.risk_levels.level(risk),
        confidence=_r(statistics.fmean(f.confidence for f in mine)) if mine else 0.0,
        signs_known=len(known),
        signs_total=len(mine),
    )


def _overall(findings: list[Finding], params: ScoringParameters) -> Overall:
    risks = [f.risk for f in findings if f.risk is not None]
    worst = max(risks, default=None)
    counts = Counter(f.risk_level for f in findings)
    return Overall(
        risk_index=round(100 * statistics.fmean(risks), 1) if risks else None,
        worst_risk=worst,
        risk_level="unknown" if worst is None else params.risk_levels.level(worst),
        confidence=_r(statistics.fmean(f.confidence for f in findings)) if findings else 0.0,
        counts={lv: counts.get(lv, 0) for lv in RISK_ORDER},
        signs_present=sum(f.status == "present" for f in findings),
        signs_suspected=sum(f.status == "suspected" for f in findings),
        signs_absent=sum(f.status == "absent" for f in findings),
        signs_unknown=sum(f.status == "unknown" for f in findings),
    )


def _recommendations(catalogue: Catalogue, findings: list[Finding],
                     params: ScoringParameters) -> list[RankedRecommendation]:
    # Only established signs call for measures: a suspected sign is a question for the
    # workshop, and an absent one is not there (a well-run library was told to "do first"
    # what addressed signs it does not show).
    risk_of = {f.sign_id: f.risk for f in findings
               if f.risk is not None and f.status == "present"}
    scored = []
    for rec in catalogue.all_recommendations():
        signs = catalogue.addressed_signs(rec)
        reduction = sum(risk_of.get(s, 0.0) * rec.reduces for s in signs)
        if reduction <= 0:
            continue
        points = params.effort_points[rec.effort]
        scored.append((rec, signs, _r(reduction), _r(reduction / points)))
    scored.sort(key=lambda t: (-t[3], -t[2], t[0].id))
    n_now, n_next = params.horizon_sizes["now"], params.horizon_sizes["next"]
    ranked = []
    for i, (rec, signs, reduction, priority) in enumerate(scored):
        horizon = "now" if i < n_now else "next" if i < n_now + n_next else "later"
        ranked.append(RankedRecommendation(
            recommendation_id=rec.id, sign_ids=signs, effort=rec.effort,
            risk_reduction=reduction, priority=priority, rank=i + 1, horizon=horizon,
        ))
    return ranked


def _most_chosen(catalogue: Catalogue, answers: list[Answer]) -> str | None:
    """The option most participants chose (ties: the first in scale order), if any."""
    picked = Counter(a.value for a in answers if a.value != DONT_KNOW)
    if not picked:
        return None
    top = max(picked.values())
    order = [o.value for o in catalogue.scale(catalogue.question(answers[0].question_id).scale)
             .options]
    return next(v for v in order if picked.get(v) == top)


def _quick_check(catalogue: Catalogue, sets: Sequence[EvidenceSet],
                 by_question: dict[str, list[Answer]], edition: int | None
                 ) -> quick_check.QuickCheck | None:
    """Measured and answered delivery metrics beside the team's Quick Check benchmark:
    its industry if answered, else its organisation size, else all respondents."""
    if edition is None:
        return None
    measured = {m.id.rsplit(".", 1)[-1]: float(m.value) for e in sets for m in e.measures
                if m.id.rsplit(".", 1)[-1] in quick_check.FROM_MEASURE
                and isinstance(m.value, int | float) and not isinstance(m.value, bool)
                and m.value >= 0}
    answered = quick_check.answers_from_questions({
        q: [a.value for a in by_question.get(q, []) if a.value != DONT_KNOW]
        for q in quick_check.dora_question_ids()})
    if not measured and not answered:
        return None
    kind: quick_check.GroupKind = "industry"
    key = "all"
    for group in ("industry", "organisation_size"):
        q = catalogue.benchmark_question(group)
        chosen = _most_chosen(catalogue, by_question[q.id]) if q and by_question.get(q.id) \
            else None
        if chosen is not None:
            kind, key = group, quick_check.group_key(group, chosen, edition)  # type: ignore[assignment]
            break
    return quick_check.quick_check(answered, kind=kind, key=key, edition=edition,
                                   measured=measured)


def _dora(sets: Sequence[EvidenceSet], year: int) -> DoraSummary | None:
    values = {m.id: m.value for e in sets for m in e.measures
              if m.id.rsplit(".", 1)[-1] in dora.DORA_MEASURES
              and isinstance(m.value, int | float) and not isinstance(m.value, bool)}
    valid, rejected = {}, []
    for measure_id, value in sorted(values.items()):
        try:  # one bad value (a negative rate, say) must not sink the whole assessment
            dora.metrics_from_measures({measure_id: value})
            valid[measure_id] = value
        except ValueError:
            rejected.append(f"{measure_id}={value} is not a valid value and was left out")
    metrics = dora.metrics_from_measures(valid)
    placement = dora.place(metrics, year=year)
    if placement.cluster is None:
        return None
    metric_values = metrics.model_dump(exclude={"details"})
    return DoraSummary(
        year=placement.year, cluster=placement.cluster,
        metrics={k: None if v is None else _r(v) for k, v in sorted(metric_values.items())},
        missing=sorted(placement.missing), notes=[*placement.notes, *rejected],
    )


def _notes(responses: Responses, sets: Sequence[EvidenceSet],
           findings: list[Finding]) -> list[str]:
    """Plain statements about the basis of the assessment (ids, not prose: reports word them)."""
    notes = []
    if not responses.respondents:
        notes.append("no_answers")
    if not sets:
        notes.append("no_evidence")
    if any(e.partial for e in sets):
        notes.append("partial_evidence")
    if any(f.status == "unknown" for f in findings):
        notes.append("unknown_signs")
    if any(f.status == "suspected" for f in findings):
        notes.append("suspected_signs")
    if any(f.not_applicable_because for f in findings):
        notes.append("not_operated")
    if any(f.impact_basis == "assumed" and f.likelihood is not None for f in findings):
        notes.append("impact_assumed")
    return notes
