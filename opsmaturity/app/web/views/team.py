"""Team: maturity per area, every warning sign, and the answers and evidence behind each."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from opsmaturity.app.web import access, state, widgets
from opsmaturity.app.web.live import option_value
from opsmaturity.app.web.state import R, T
from opsmaturity.core.evidence import EvidenceSet, Measure
from opsmaturity.reports import charts, fmt
from opsmaturity.reports.model import check_against_catalogue
from opsmaturity.reports.view import note_texts, quick_check_view, settle_items
from opsmaturity.scoring.assessment import Assessment, Finding, ProbeResult, QuestionStats
from opsmaturity.scoring.catalogue import DONT_KNOW, RISK_ORDER, Catalogue, localise

TAB_KEY = widgets.TEAM_TAB_KEY


def ranked(a: Assessment) -> list[Finding]:
    """Worst first; unknown signs last (they are not low, just not known)."""
    return sorted(a.findings, key=lambda f: (f.risk is None, -RISK_ORDER[f.risk_level],
                                             -(f.risk or 0.0), f.sign_id))


def _findings_table(a: Assessment, cat: Catalogue) -> pd.DataFrame:
    t, r, lang = T(), R(), state.lang()
    rows = []
    for f in ranked(a):
        gap = f.perception_gap
        rows.append({
            r("label.warning_sign"): localise(cat.sign(f.sign_id).title, lang),
            r("label.status"): r(f"status.{f.status}"),
            r("label.likelihood"): fmt.pct(f.likelihood),
            r("label.risk_level"): r(f"level.{f.risk_level}"),
            r("label.confidence"): fmt.pct(f.confidence),
            r("label.from_answers"): fmt.pct(f.likelihood_from_answers),
            r("label.from_evidence"): fmt.pct(f.likelihood_from_evidence),
            r("flag.perception_gap"): "" if gap is None else t(f"team.gap_short.{gap.direction}"),
            r("flag.disagreement"): t("word.yes") if f.disagreement else "",
        })
    return pd.DataFrame(rows)


def _answers(f: Finding, cat: Catalogue) -> None:
    t, r = T(), R()
    if not f.answers or not any(s.respondents or s.dont_know for s in f.answers):
        st.info(t("team.no_answers"))
    for s in f.answers:
        _question(s, cat)
    if f.role_likelihoods:
        st.caption(r("label.role_views"))
        st.dataframe(pd.DataFrame([{"role": r(f"role.{k}"), r("label.likelihood"): fmt.pct(v)}
                                   for k, v in f.role_likelihoods.items()]), hide_index=True)


def _question(s: QuestionStats, cat: Catalogue) -> None:
    r, lang = R(), state.lang()
    q = cat.question(s.question_id)
    with st.container(border=True):
        st.markdown(f"**{localise(q.text, lang)}**")
        st.caption(f"{r('label.respondents')}: {s.respondents} · {r('label.dont_know')}: "
                   f"{s.dont_know} · {r('label.team_score')}: {fmt.pct(s.score)} · "
                   f"{r('label.spread')}: {fmt.number(s.spread)}")
        if s.disagreement:
            st.warning(T()("team.disagreement"), icon=":material/forum:")
        scale = cat.scale_of(q)
        names = {o.value: localise(o.label, lang) for o in scale.options}
        names[DONT_KNOW] = r("label.dont_know")
        counts: dict[str, int] = {}
        for value, n in s.distribution.items():
            key = option_value(cat, q.id, value)
            counts[key] = counts.get(key, 0) + n
        dist = [{r("label.answers"): names[v], r("label.respondents"): counts[v]}
                for v in names if counts.get(v)]  # in the scale's order
        medians = {r(f"role.{k}"): fmt.pct(v) for k, v in s.role_medians.items()}
        left, right = st.columns(2)
        if dist:
            left.dataframe(pd.DataFrame(dist), hide_index=True)
        if medians:
            right.caption(r("label.by_role"))
            right.dataframe(pd.DataFrame([medians]), hide_index=True)
        for comment in s.comments:
            st.text(comment)  # user text: shown as text, never as Markdown or HTML


def _probes(f: Finding, cat: Catalogue) -> None:
    t, r, lang = T(), R(), state.lang()
    if not f.probes:
        st.info(t("team.no_probes"))
        return
    for p in f.probes:
        verdict = "" if p.healthy is None else t(
            "team.probe_healthy" if p.healthy else "team.probe_unhealthy")
        description = localise(cat.probe(p.probe_id).description, lang)
        with st.container(border=True):
            st.markdown(f"**{fmt.first_sentence(description)}**")
            st.caption(" · ".join(x for x in (
                f"{r('label.outcome')}: {r(f'outcome.{p.outcome}')}", verdict,
                f"{r('label.value')}: {fmt.number(p.value, p.unit)}",
                f"{r('label.rule')}: {p.measure} {p.op} {_threshold(p)}",
                f"{r('label.source')}: {p.source}" if p.source else "",
                f"{r('label.coverage')}: {fmt.pct(p.coverage)}" if p.coverage is not None
                else "") if x))


def _threshold(p: ProbeResult) -> str:
    if isinstance(p.threshold, bool):
        return "true" if p.threshold else "false"
    return fmt.number(p.threshold)


def measure_for(p: ProbeResult, sets: list[EvidenceSet]) -> tuple[EvidenceSet, Measure] | None:
    """The measure a probe was judged on (the engine names its source as collector:source)."""
    for e in sets:
        if f"{e.collector}:{e.source}" != p.source:
            continue
        for m in e.measures:
            if m.id == p.measure or (p.measure.startswith("*.") and m.id.endswith(p.measure[1:])):
                return e, m
    return None


def _measures(f: Finding, sets: list[EvidenceSet]) -> None:
    t = T()
    measured = [p for p in f.probes if p.outcome != "not_available"]
    if not measured:
        return
    st.markdown(f"**{t('team.measures')}**")
    st.caption(t("team.measures_intro"))
    for p in measured:
        found = measure_for(p, sets)
        if found is None:
            st.caption(t("team.no_measure", measure=p.measure))
            continue
        e, m = found
        with st.expander(f"{m.id} = {fmt.number(m.value, m.unit)} · {e.collector}"):
            st.text(f"{e.collector}: {e.source}")
            _details(m.details)


# Details whose keys are our words, kept in English in the evidence (an incident's detection
# rule, core/messages.yaml): said in the page's language.
WORDED_DETAILS = ("rules",)


def _details(details: dict[str, Any]) -> None:
    """Raw numbers: tables where they are lists of records, JSON otherwise (never HTML)."""
    from opsmaturity.core.messages import localise as localise_message

    plain = {}
    for key, value in details.items():
        if key in WORDED_DETAILS and isinstance(value, dict):
            value = {localise_message(str(k), state.lang()): v for k, v in value.items()}
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            st.caption(key)
            st.dataframe(pd.DataFrame(value), hide_index=True)
        else:
            plain[key] = value
    if plain:
        st.json(plain, expanded=True)


def _drill(a: Assessment, cat: Catalogue, sets: list[EvidenceSet]) -> None:
    t, r, lang = T(), R(), state.lang()
    findings = {f.sign_id: f for f in ranked(a)}
    sign_id = st.selectbox(
        t("team.drill"), list(findings), key="team-sign",
        format_func=lambda s: f"{localise(cat.sign(s).title, lang)} "
                              f"({r('level.' + findings[s].risk_level)})")
    f = findings[sign_id]
    st.caption(localise(cat.sign(sign_id).why, lang))
    cols = st.columns(6)
    cols[0].metric(r("label.status"), r(f"status.{f.status}"))
    cols[1].metric(r("label.risk_level"), r(f"level.{f.risk_level}"))
    cols[2].metric(r("label.likelihood"), fmt.pct(f.likelihood))
    cols[3].metric(r("label.from_answers"), fmt.pct(f.likelihood_from_answers))
    cols[4].metric(r("label.from_evidence"), fmt.pct(f.likelihood_from_evidence))
    cols[5].metric(r("label.confidence"), fmt.pct(f.confidence))
    if f.perception_gap is not None:
        g = f.perception_gap
        st.warning(t(f"team.gap.{g.direction}", answers=fmt.pct(g.likelihood_from_answers),
                     evidence=fmt.pct(g.likelihood_from_evidence)), icon=":material/compare:")
    if f.role_gap is not None and f.role_gap >= cat.scoring.perception_gap:
        st.warning(t("team.role_gap", gap=fmt.pct(f.role_gap)), icon=":material/groups:")
    left, right = st.columns(2)
    with left:
        st.subheader(t("team.answers_side"))
        _answers(f, cat)
    with right:
        st.subheader(t("team.evidence_side"))
        _probes(f, cat)
        _measures(f, sets)


def _notes(a: Assessment, cat: Catalogue) -> None:
    """The assessment's notes in the words the PDF uses (never a note id)."""
    lines = note_texts(a, cat, R())
    if lines:
        with st.expander(T()("team.notes"), expanded="impact_assumed" in a.notes
                         or "not_operated" in a.notes):
            for line in lines:
                st.caption(line)


def _settle(a: Assessment, cat: Catalogue) -> None:
    """Suspected signs as questions for the workshop, most likely first."""
    t, r = T(), R()
    items = settle_items(a, cat, r)
    if not items:
        return
    st.subheader(t("team.settle"))
    st.caption(t("team.settle_intro"))
    for item in items:
        with st.container(border=True):
            st.markdown(f"**{widgets.md_escape(item.title)}** · {r('status.suspected')}")
            st.markdown(f"{widgets.md_escape(item.question)}")
            st.caption(" · ".join([t("team.settle_likelihood", likelihood=item.likelihood),
                                   *map(widgets.md_escape, item.evidence)]))


def _quick_check(a: Assessment, cat: Catalogue) -> None:
    """The Quick Check view, the same rows as the PDF's DORA page."""
    r = R()
    q = quick_check_view(a, cat, r)
    if q is None:
        return
    st.subheader(r("quick_check.title", edition=q.edition))
    st.caption(r("quick_check.intro"))
    st.markdown(f"**{widgets.md_escape(r('quick_check.benchmark', name=q.benchmark))}**")
    columns = ("metric", "basis", "score", "benchmark", "placement")
    st.dataframe(pd.DataFrame([
        dict(zip((r(f"quick_check.column.{c}") for c in columns),
                 (row.label, row.basis, row.score, row.benchmark, row.placement), strict=True))
        for row in q.rows + q.groups]), hide_index=True, key="team-quick-check")
    st.caption(f"{r('quick_check.source')}: {q.source}")


def plan_rows(a: Assessment, cat: Catalogue, plan: list) -> list[dict[str, Any]]:
    """The ranked measures with owner, due date and status (from `plan import`)."""
    t, r = T(), R()
    lang = state.lang()
    recs = {x.id: x for x in cat.all_recommendations()}
    by_id = {p.recommendation_id: p for p in plan}
    rows = []
    for rec in a.recommendations:
        p = by_id.get(rec.recommendation_id)
        rows.append({
            "#": rec.rank, r("label.measure"): localise(recs[rec.recommendation_id].title, lang),
            r("label.when"): r(f"horizon.{rec.horizon}.title"),
            r("label.owner"): (p.owner if p else None) or "",
            r("label.due"): fmt.date(p.due) if p and p.due else "",
            r("label.plan_status"): r(f"plan.status.{p.status if p else 'open'}"),
            t("team.plan_notes"): (p.notes if p else None) or "",
        })
    return rows


def _plan(a: Assessment, cat: Catalogue, plan: list) -> None:
    t = T()
    st.caption(t("team.plan_intro"))
    if not a.recommendations:
        st.info(t("team.no_plan"))
        return
    st.dataframe(pd.DataFrame(plan_rows(a, cat, plan)), hide_index=True)


@widgets.guarded
def main() -> None:
    access.require()
    t, r = T(), R()
    st.title(t("team.title"))
    st.caption(t("team.intro"))
    record = widgets.pick_assessment("team")
    if record is None:
        return
    cat, lang = state.catalogue(), state.lang()
    a = state.scores().get(record.id)
    report = state.team_report(record, a, state.history_points(record.team_id, before=record))
    check_against_catalogue(report, cat)
    if record.state == "draft":
        st.caption(t("team.draft_note"))
    o = a.overall
    cols = st.columns(6)
    cols[0].metric(r("label.risk_level"), r(f"level.{o.risk_level}"))
    cols[1].metric(r("label.risk_index"), fmt.index(o.risk_index))
    cols[2].metric(r("label.confidence"), fmt.pct(o.confidence))
    cols[3].metric(r("label.signs_present"), f"{o.signs_present} / {len(a.findings)}")
    cols[4].metric(r("label.signs_suspected"), o.signs_suspected)
    cols[5].metric(r("label.respondents"), a.inputs.respondents)
    _notes(a, cat)
    _settle(a, cat)
    # Only the open tab runs and is sent (the others would be drawn hidden, for nothing):
    # a click on a tab reruns the page with that tab open.
    overview, signs, dora, plan = st.tabs(
        [t("team.overview"), t("team.signs"), t("team.dora"), t("team.plan")],
        key=TAB_KEY, on_change="rerun")
    if overview.open:
        with overview:
            previous = report.previous()
            shows = (lang, record.id, state.fingerprints([record.id]).get(record.id))
            widgets.cached_chart(
                (*shows, previous.model_dump_json() if previous is not None else None),
                lambda: charts.area_radar(a, cat, lang, previous=previous), key="team-radar")
            if previous is not None:
                st.caption(t("team.previous_note", date=previous.date.isoformat()))
            widgets.cached_chart(shows, lambda: charts.sign_heatmap(a, cat, lang),
                                 key="team-heatmap")
    if signs.open:
        with signs:
            st.dataframe(_findings_table(a, cat), hide_index=True)
            _drill(a, cat, state.store().evidence(record.id))
    if dora.open:
        with dora:
            _quick_check(a, cat)
            if a.dora is not None and a.dora.cluster is not None:
                if a.quick_check is not None:
                    st.subheader(r("dora.placed", year=a.dora.year,
                                   cluster=r(f"dora.cluster.{a.dora.cluster}")))
                    st.caption(r("quick_check.clusters", year=a.dora.year))
                widgets.chart(charts.dora_placement(a.dora, lang), key="team-dora")
            elif a.quick_check is None:
                st.info(t("team.no_dora"))
    if plan.open:
        with plan:
            _plan(a, cat, state.store_plan(record))

main()
