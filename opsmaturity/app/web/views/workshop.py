"""Facilitate: open a workshop, show the join code, watch answers arrive, record consensus."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode, urlsplit

import pandas as pd
import streamlit as st

from opsmaturity.app.store.records import AssessmentRecord
from opsmaturity.app.store.workshops import shown_code
from opsmaturity.app.web import access, state, widgets
from opsmaturity.app.web.live import QuestionRow, question_rows
from opsmaturity.app.web.state import R, T
from opsmaturity.reports import charts_web, fmt
from opsmaturity.scoring.catalogue import DONT_KNOW, ROLES, localise

REFRESH_S = 5  # how often the live view refreshes itself (seconds)
DEFAULT_BASE = "http://localhost:8501"


def join_link(code: str, url: str | None) -> str:
    """The participants' link: this app's address with the join page and the code."""
    parts = urlsplit(url or DEFAULT_BASE)
    base_path = parts.path.rstrip("/").rsplit("/", 1)[0] if parts.path.count("/") > 1 else ""
    return f"{parts.scheme}://{parts.netloc}{base_path}/join?{urlencode({'join': code})}"


def _new_assessment() -> None:
    t, s = T(), state.store()
    with st.expander(t("workshop.new")), st.form("workshop-new", border=False):
        org = st.text_input(t("workshop.new_organisation"), max_chars=200)
        team = st.text_input(t("workshop.new_team"), max_chars=200)
        title = st.text_input(t("workshop.new_title"), max_chars=200)
        when = st.date_input(t("workshop.new_date"), value=date.today())
        if st.form_submit_button(t("workshop.create")):
            record = s.ensure_team(org, team)
            a = s.create_assessment(record.id, state.catalogue().version, on=when, title=title)
            widgets.select(record.id, a.id)
            st.success(t("workshop.created", id=a.id, team=widgets.md_escape(record.name)))


def _session(a: AssessmentRecord) -> None:
    t, s = T(), state.store()
    ws = s.current_workshop(a.id)
    if ws is None:
        if st.button(t("workshop.open"), type="primary", key="workshop-open"):
            s.open_workshop(a.id)
            st.rerun()
        return
    left, right = st.columns([1, 3])
    left.metric(t("workshop.code"), shown_code(ws.join_code))
    with right:
        st.caption(t("workshop.link"))
        st.code(join_link(ws.join_code, st.context.url), language=None)
    st.caption(t("workshop.how_to_join"))
    if st.button(t("workshop.close"), key="workshop-close"):
        s.close_workshop(a.id)
        st.info(t("workshop.closed_note"))
        st.rerun()


def rows_for(assessment_id: int) -> list[QuestionRow]:
    """The live statistics of every question (scores come from the fingerprint cache)."""
    s, cat = state.store(), state.catalogue()
    return question_rows(cat, state.scores().get(assessment_id), s.answers(assessment_id))


def _table(rows: list[QuestionRow], consensus: dict[str, object]) -> pd.DataFrame:
    t, r, lang = T(), R(), state.lang()
    cat = state.catalogue()
    out = []
    for row in rows:
        q = row.question
        scale = cat.scale_of(q)
        names = {o.value: localise(o.label, lang) for o in scale.options}
        names[DONT_KNOW] = r("label.dont_know")
        order = [*names]
        spread = " · ".join(f"{names[v]} {row.distribution[v]}" for v in order
                            if row.distribution.get(v))
        record = {
            "#": row.number,
            r("label.question"): localise(q.text, lang),
            t("workshop.flag_column"): "⚠ " + t("workshop.flag") if row.disagreement else "",
            r("flag.perception_gap"): f"⚠ {fmt.pct(row.role_gap)}" if row.role_gap_flag else "",
            r("label.respondents"): row.answered,
            r("label.dont_know"): row.dont_know,
            r("label.spread"): row.spread,
        }
        for role in ROLES:
            record[r(f"role.{role}")] = row.role_medians.get(role)
        record[r("label.answers")] = spread
        value = consensus.get(q.id)
        record[t("workshop.consensus")] = "" if value is None else names.get(str(value),
                                                                             str(value))
        out.append(record)
    return pd.DataFrame(out)


def _highlight(frame: pd.DataFrame) -> pd.io.formats.style.Styler:
    flag = T()("workshop.flag_column")
    gap = R()("flag.perception_gap")

    def colour(row: pd.Series) -> list[str]:
        hot = bool(row[flag]) or bool(row[gap])
        return ["background-color: #fdd9b5" if hot else ""] * len(row)

    return frame.style.apply(colour, axis=1).format(precision=2, na_rep="–")


@widgets.guarded
def _live(assessment_id: int) -> None:
    t, r = T(), R()
    s, cat = state.store(), state.catalogue()
    people = s.participants(assessment_id)
    st.subheader(t("workshop.live"))
    cols = st.columns(len(ROLES) + 1)
    cols[0].metric(t("workshop.participants"), len(people))
    for col, role in zip(cols[1:], ROLES, strict=True):
        col.metric(r(f"role.{role}"), sum(1 for p in people if p.role == role))
    if not people:
        st.info(t("workshop.no_participants"))
    st.caption(t("workshop.live_intro"))
    rows = rows_for(assessment_id)
    consensus = {c.question_id: c.value for c in s.consensus(assessment_id)}
    left, right = st.columns([3, 2])
    areas = ["", *(a.id for a in cat.areas)]
    area = left.selectbox(t("workshop.area"), areas, key="workshop-area",
                          format_func=lambda a: localise(cat.area(a).title, state.lang())
                          if a else "–")
    only = right.toggle(t("workshop.only_disagreement"), key="workshop-only")
    shown = [row for row in rows
             if (not area or row.question.area == area)
             and (not only or row.disagreement or row.role_gap_flag)]
    st.dataframe(_highlight(_table(shown, consensus)), hide_index=True, key="workshop-table",
                  column_config={R()("label.question"): st.column_config.TextColumn(
                      width="large")})


@widgets.guarded
def _question_live(assessment_id: int, question_id: str) -> None:
    t, r, lang = T(), R(), state.lang()
    cat = state.catalogue()
    row = next(x for x in rows_for(assessment_id) if x.question.id == question_id)
    q = row.question
    st.markdown(f"**{row.number}. {localise(q.text, lang)}**")
    st.caption(localise(q.help, lang))
    if not row.answered:
        st.info(t("workshop.no_answers_yet"))
        return
    st.caption(f"{r('label.respondents')}: {row.answered} · {r('label.dont_know')}: "
               f"{row.dont_know} · {r('label.team_score')}: {fmt.pct(row.score)} · "
               f"{r('label.spread')}: {fmt.number(row.spread)}")
    if row.disagreement:
        st.warning(T()("team.disagreement"), icon=":material/forum:")
    widgets.chart(charts_web.answer_distribution(q, cat, row.by_role, lang),
                  key=f"workshop-dist-{q.id}")
    if row.role_medians:
        st.dataframe(pd.DataFrame([{r(f"role.{k}"): fmt.pct(v)
                                    for k, v in row.role_medians.items()}]), hide_index=True)
    for comment in row.comments:
        st.text(comment)  # user text: never Markdown or HTML


def _consensus(a: AssessmentRecord, question_id: str) -> None:
    t, r, lang = T(), R(), state.lang()
    s, cat = state.store(), state.catalogue()
    q = cat.question(question_id)
    current = next((c for c in s.consensus(a.id) if c.question_id == question_id), None)
    options = [o.value for o in cat.scale_of(q).options] + [DONT_KNOW]
    names = {o.value: localise(o.label, lang) for o in cat.scale_of(q).options}
    names[DONT_KNOW] = r("label.dont_know")
    st.subheader(t("workshop.consensus"))
    st.caption(t("workshop.consensus_intro"))
    with st.form(f"consensus-{question_id}"):
        value = st.radio(t("workshop.consensus_value"), options, horizontal=True,
                         format_func=lambda v: names[v],
                         index=options.index(str(current.value)) if current and str(
                             current.value) in options else None)
        notes = st.text_area(t("workshop.consensus_notes"),
                             value=(current.notes or "") if current else "")
        if st.form_submit_button(t("workshop.consensus_save")):
            s.save_consensus(a.id, question_id, value, notes, catalogue=cat)
            st.success(t("workshop.consensus_saved"))


@widgets.guarded
def main() -> None:
    access.require()
    t, lang = T(), state.lang()
    st.title(t("workshop.title"))
    st.caption(t("workshop.intro"))
    _new_assessment()
    a = widgets.pick_assessment("workshop")
    if a is None:
        return
    if a.state == "final":
        st.info(t("workshop.final_note"))
    else:
        _session(a)
    live = st.toggle(t("workshop.live_refresh"), value=True, key="workshop-live")
    every = REFRESH_S if live else None
    st.fragment(run_every=every)(_live)(a.id)
    cat = state.catalogue()
    questions = {row.question.id: row for row in rows_for(a.id)}
    question_id = st.selectbox(
        t("workshop.discuss"), list(questions), key=f"workshop-question-{a.id}",
        format_func=lambda i: f"{questions[i].number}. "
                              f"{localise(cat.question(i).text, lang)}"
                              + (" ⚠" if questions[i].disagreement else ""))
    st.fragment(run_every=every)(_question_live)(a.id, question_id)
    if a.state == "draft":
        _consensus(a, question_id)


main()
