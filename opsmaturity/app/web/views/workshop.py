"""Facilitate: open a workshop, show the join code, watch answers arrive, record consensus."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import streamlit as st

from opsmaturity.app.store.records import AnswerRecord, AssessmentRecord, WorkshopRecord
from opsmaturity.app.store.workshops import shown_code
from opsmaturity.app.web import access, state, timer, widgets
from opsmaturity.app.web.links import join_link
from opsmaturity.app.web.live import QuestionRow, participant_progress, question_rows
from opsmaturity.app.web.state import R, T
from opsmaturity.reports import charts_web, fmt
from opsmaturity.scoring.catalogue import DONT_KNOW, ROLES, localise

REFRESH_S = 5  # how often the live view refreshes itself (seconds)


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


def _session(a: AssessmentRecord) -> WorkshopRecord | None:
    """Open, close, reopen: the join code and link while open; reopening continues the
    same workshop (code, participants, links), a new session is a choice of its own."""
    t, s = T(), state.store()
    ws = s.latest_workshop(a.id)
    if ws is None:
        if st.button(t("workshop.open"), type="primary", key="workshop-open"):
            s.open_workshop(a.id)
            st.rerun()
        return None
    if ws.closed_at is not None:
        st.info(t("workshop.closed_note"))
        with st.container(horizontal=True):
            if st.button(t("workshop.reopen"), type="primary", key="workshop-reopen"):
                s.open_workshop(a.id)
                st.rerun()
            if st.button(t("workshop.new_session"), key="workshop-new-session",
                         help=t("workshop.new_session_help")):
                s.open_workshop(a.id, new_session=True)
                st.rerun()
        return ws
    left, right = st.columns([1, 3])
    left.metric(t("workshop.code"), shown_code(ws.join_code))
    with right:
        st.caption(t("workshop.link"))
        widgets.join_link_box(join_link(ws.join_code, st.context.url))
        st.page_link("views/projector.py", label=t("workshop.projector_link"),
                     query_params={"a": str(a.id)})
    st.caption(t("workshop.how_to_join"))
    with st.container(horizontal=True):
        if st.button(t("workshop.close"), key="workshop-close"):
            s.close_workshop(a.id)
            st.rerun()
        st.toggle(t("workshop.blind"), value=ws.blind, key=f"workshop-blind-{a.id}",
                  help=t("workshop.blind_help"), on_change=_blind, args=(a.id,))
    return ws


def _blind(assessment_id: int) -> None:
    state.store().set_blind(assessment_id,
                            bool(st.session_state.get(f"workshop-blind-{assessment_id}")))


def _agenda(a: AssessmentRecord, ws: WorkshopRecord) -> None:
    """Minutes per area, and a timer the facilitator starts when the room moves on."""
    t, s, cat, lang = T(), state.store(), state.catalogue(), state.lang()
    with st.expander(t("workshop.agenda")):
        with st.form(f"workshop-agenda-{a.id}", border=False):
            cols = st.columns(3)
            minutes = {}
            for i, area in enumerate(cat.areas):
                minutes[area.id] = int(cols[i % 3].number_input(
                    localise(area.title, lang), min_value=0, max_value=600, step=5,
                    value=ws.agenda.get(area.id, 0), key=f"agenda-{a.id}-{area.id}"))
            if st.form_submit_button(t("workshop.agenda_save")):
                s.set_agenda(a.id, minutes)
                st.rerun()
        planned = [area for area in cat.areas if ws.agenda.get(area.id)]
        if not planned:
            st.caption(t("workshop.agenda_empty"))
            return
        with st.container(horizontal=True, vertical_alignment="bottom"):
            area = st.selectbox(t("workshop.timer_area"), [x.id for x in planned],
                                key=f"timer-area-{a.id}",
                                format_func=lambda x: localise(cat.area(x).title, lang))
            if st.button(t("workshop.timer_start"), key=f"timer-start-{a.id}"):
                s.start_timer(a.id, area)
                st.rerun()
            if ws.timer_area and st.button(t("workshop.timer_stop"), key=f"timer-stop-{a.id}"):
                s.start_timer(a.id, None)
                st.rerun()


def _timer(ws: WorkshopRecord | None) -> None:
    """The running area's countdown (as the room sees it), and a bar of the planned time."""
    running = timer.show(ws, datetime.now(UTC))
    if running is not None and running.planned_s:
        st.progress(min(1.0, running.elapsed_s / running.planned_s))


def _remove(a: AssessmentRecord) -> None:
    """Take a ghost or a test join out of the counts and the score, after a confirmation."""
    t, r, s = T(), R(), state.store()
    people = s.participants(a.id)
    if not people:
        return
    answered = {}
    for ans in s.answers(a.id):
        answered[ans.participant_id] = answered.get(ans.participant_id, 0) + 1
    by_id = {p.id: p for p in people}

    def name(pid: int) -> str:
        p = by_id[pid]
        who = f"{p.label} ({r(f'role.{p.role}')})"
        return f"{who} {p.name}" if p.name else who

    with st.expander(t("workshop.remove")), st.container(horizontal=True,
                                                         vertical_alignment="bottom"):
        pid = st.selectbox(t("workshop.remove_who"), list(by_id), format_func=name,
                           index=len(by_id) - 1,  # a test join is mostly the newest
                           key=f"remove-who-{a.id}")
        if st.button(t("workshop.remove_button"), key=f"remove-{a.id}"):
            _confirm_remove(a.id, pid, name(pid), answered.get(pid, 0))


@st.dialog(" ")
def _confirm_remove(assessment_id: int, participant_id: int, who: str, answers: int) -> None:
    t = T()
    st.markdown(t("workshop.remove_confirm", who=widgets.md_escape(who), answers=answers))
    if st.button(t("workshop.remove_button"), type="primary", key="remove-confirm"):
        state.store().remove_participant(participant_id)
        st.rerun()


def _finalise(a: AssessmentRecord) -> None:
    t = T()
    if st.button(t("workshop.finalise"), key=f"finalise-{a.id}"):
        _confirm_finalise(a)


@st.dialog(" ", width="medium")
def _confirm_finalise(a: AssessmentRecord) -> None:
    t, s = T(), state.store()
    fresh = s.assessment(a.id)
    decided = len(s.consensus(a.id))
    st.markdown(t("workshop.finalise_confirm", id=fresh.id, team=widgets.md_escape(fresh.team),
                  organisation=widgets.md_escape(fresh.organisation),
                  date=fresh.date.isoformat(), participants=fresh.participants,
                  answers=fresh.answers, evidence=fresh.evidence_sets, consensus=decided))
    if st.button(t("workshop.finalise_button"), type="primary", key="finalise-confirm"):
        s.finalise(a.id, state.catalogue())
        st.rerun()


def rows_for(assessment_id: int, answers: list[AnswerRecord] | None = None
             ) -> list[QuestionRow]:
    """The live statistics of every question, worked out once per fingerprint and shared
    by both live fragments and every facilitator's session: they rerun every few seconds
    in the server process that also saves participants' answers, and what they compute
    there delays a participant's "Saved." (bench/bench_answer.py)."""
    s, cat = state.store(), state.catalogue()
    fingerprint = s.fingerprint(assessment_id)
    return state.figures().get(("live-rows", assessment_id, fingerprint), lambda: question_rows(
        cat, state.scores().get(assessment_id),
        s.answers(assessment_id) if answers is None else answers))


def hidden(ws: WorkshopRecord | None, question_id: str) -> bool:
    """Blind voting: the question's answers stay hidden until the facilitator reveals them."""
    return ws is not None and ws.blind and question_id not in ws.revealed


def _table(rows: list[QuestionRow], consensus: dict[str, object],
           ws: WorkshopRecord | None = None) -> pd.DataFrame:
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
        if hidden(ws, q.id):  # only how many answered, until revealed
            out.append({"#": row.number, r("label.question"): localise(q.text, lang),
                        t("workshop.flag_column"): "", r("flag.perception_gap"): "",
                        r("label.respondents"): row.answered, r("label.dont_know"): None,
                        r("label.spread"): None,
                        **{r(f"role.{role}"): None for role in ROLES},
                        r("label.answers"): t("workshop.hidden"),
                        t("workshop.consensus"): ""})
            continue
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
def _live(a: AssessmentRecord) -> None:
    t, r = T(), R()
    s, cat = state.store(), state.catalogue()
    people = s.participants(a.id)
    if len(people) != a.participants:
        st.rerun()  # someone joined or was removed: the picker above counts them too
    ws = s.latest_workshop(a.id)
    _timer(ws)
    st.subheader(t("workshop.live"))
    cols = st.columns(len(ROLES) + 1)
    cols[0].metric(t("workshop.participants"), len(people))
    for col, role in zip(cols[1:], ROLES, strict=True):
        col.metric(r(f"role.{role}"), sum(1 for p in people if p.role == role))
    if not people:
        st.info(t("workshop.no_participants"))
    answers = s.answers(a.id)
    if people:
        st.caption(t("workshop.progress_intro"))
        st.dataframe(_progress_table(people, answers), hide_index=True,
                     key="workshop-progress")
    st.caption(t("workshop.live_intro"))
    rows = rows_for(a.id, answers)
    consensus = {c.question_id: c.value for c in s.consensus(a.id)}
    left, right = st.columns([3, 2])
    areas = ["", *(x.id for x in cat.areas)]
    area = left.selectbox(t("workshop.area"), areas, key="workshop-area",
                          format_func=lambda x: localise(cat.area(x).title, state.lang())
                          if x else "–")
    only = right.toggle(t("workshop.only_disagreement"), key="workshop-only")
    shown = [row for row in rows
             if (not area or row.question.area == area)
             and (not only or ((row.disagreement or row.role_gap_flag)
                               and not hidden(ws, row.question.id)))]
    st.dataframe(_highlight(_table(shown, consensus, ws)), hide_index=True,
                 key="workshop-table",
                 column_config={R()("label.question"): st.column_config.TextColumn(
                     width="large")})


def _progress_table(people, answers) -> pd.DataFrame:
    """Who is done and who is stuck where: counts and positions, never the answers."""
    t, r = T(), R()
    questions = state.ordered_questions(state.catalogue())
    rows = participant_progress(questions, people, answers, datetime.now(UTC))
    return pd.DataFrame([{
        t("workshop.progress_who"): p.label + (f" {p.name}" if p.name else ""),
        t("workshop.progress_role"): r(f"role.{p.role}"),
        t("workshop.progress_answered"): f"{p.answered}/{len(questions)}",
        t("workshop.progress_at"): str(p.next_question or "✓"),  # one type: Arrow
        t("workshop.progress_idle"): p.idle_minutes,
        t("workshop.progress_state"): t(f"workshop.progress_{p.status}"),
    } for p in rows])


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
    if hidden(state.store().latest_workshop(assessment_id), question_id):
        st.info(t("workshop.hidden_question", answered=row.answered),
                icon=":material/visibility_off:")
        return
    st.caption(f"{r('label.respondents')}: {row.answered} · {r('label.dont_know')}: "
               f"{row.dont_know} · {r('label.team_score')}: {fmt.pct(row.score)} · "
               f"{r('label.spread')}: {fmt.number(row.spread)}")
    if row.disagreement:
        st.warning(T()("team.disagreement"), icon=":material/forum:")
    widgets.cached_chart((assessment_id, state.store().fingerprint(assessment_id), lang),
                         lambda: charts_web.answer_distribution(q, cat, row.by_role, lang),
                         key=f"workshop-dist-{q.id}")
    if row.role_medians:
        st.dataframe(pd.DataFrame([{r(f"role.{k}"): fmt.pct(v)
                                    for k, v in row.role_medians.items()}]), hide_index=True)
    for comment in row.comments:
        st.text(comment)  # user text: never Markdown or HTML


def _reveal(a: AssessmentRecord, ws: WorkshopRecord | None, question_id: str) -> None:
    if hidden(ws, question_id) and st.button(T()("workshop.reveal"), type="primary",
                                             key=f"reveal-{a.id}-{question_id}"):
        state.store().reveal(a.id, question_id)
        st.rerun()


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
            if value is None:  # nothing picked: nothing to record
                st.error(t("workshop.consensus_none"))
                return
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
    ws = None
    if a.state == "final":
        st.info(t("workshop.final_note"))
    else:
        ws = _session(a)
        if ws is not None and ws.closed_at is None:
            _agenda(a, ws)
        _remove(a)
    live = st.toggle(t("workshop.live_refresh"), value=True, key="workshop-live")
    every = REFRESH_S if live else None
    st.fragment(run_every=every)(_live)(a)
    cat = state.catalogue()
    questions = {row.question.id: row for row in rows_for(a.id)}
    question_id = st.selectbox(
        t("workshop.discuss"), list(questions), key=f"workshop-question-{a.id}",
        format_func=lambda i: f"{questions[i].number}. "
                              f"{localise(cat.question(i).text, lang)}"
                              + (" ⚠" if questions[i].disagreement else ""))
    _reveal(a, ws, question_id)
    st.fragment(run_every=every)(_question_live)(a.id, question_id)
    if a.state == "draft":
        _consensus(a, question_id)
        st.divider()
        _finalise(a)


main()
