"""Join: a participant joins a workshop by its code and answers, each answer saved at once.

The participant's place lives in the URL (`?join=CODE&p=ID&k=SECRET`), so a reload, a
closed laptop lid or a second tab continue where they were; the secret keeps others from
answering in their name. The browser also keeps a random key in a cookie (set when joining):
a tab opened from the bare join link continues as the participant that browser joined as,
rather than joining again; another browser is another person.

A join code grants exactly this page for that workshop: the page reads and writes through a
store limited to that one assessment, and a participant has no login for any other page.
Wrong codes (and wrong participant secrets) are slowed down per client address.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from opsmaturity.app.store import StoreError
from opsmaturity.app.store.inputs import COMMENT_LIMIT
from opsmaturity.app.store.records import ParticipantRecord, WorkshopRecord
from opsmaturity.app.store.workshops import normalise_code
from opsmaturity.app.web import access, browser, state, timer, widgets
from opsmaturity.app.web.live import option_value
from opsmaturity.app.web.state import R, T
from opsmaturity.scoring.catalogue import DONT_KNOW, ROLES, Question, localise


def _code_form(code: str = "") -> None:
    t = T()
    with st.form("join-code"):
        typed = st.text_input(t("join.code"), value=code, max_chars=12, key="join-code-input")
        if st.form_submit_button(t("join.go"), type="primary"):
            st.query_params.clear()
            st.query_params["join"] = typed.strip().upper()
            st.rerun()


def _me(ws: WorkshopRecord) -> ParticipantRecord | None:
    """The participant named by the link, if the link's secret matches."""
    pid, token = st.query_params.get("p"), st.query_params.get("k")
    if not pid:
        return None
    try:
        me = state.workshop_store(ws.assessment_id).participant(int(pid))
    except (StoreError, ValueError):
        me = None
    if me is None or me.assessment_id != ws.assessment_id or not token or not (
            state.token_matches(me, ws.join_code, token)):
        access.throttle().failed("join", access.client_address())
        st.warning(T()("join.bad_link"))
        return None
    return me


# Touch targets of at least 44 px, and no height wasted above the question on a phone.
# (Comments, not docstrings: Streamlit shows a page script's bare strings on the page.)
PHONE_CSS = """<style>
[data-testid="stHeader"] {display: none;}
.stMainBlockContainer.block-container {padding-top: 0.75rem; padding-bottom: 2rem;}
.stMainBlockContainer h1 {font-size: 1.5rem; padding: 0.25rem 0;}
.stMainBlockContainer h3 {font-size: 1.15rem; line-height: 1.35; padding: 0 0 0.25rem 0;}
.st-key-join-question [data-testid="stCaptionContainer"] {font-size: 0.8rem;}
[data-testid="stRadio"] label {min-height: 44px; align-items: center; margin: 0;}
[data-testid="stRadio"] [role="radiogroup"] {gap: 0;}
.stButton button, .stFormSubmitButton button {min-height: 44px; min-width: 44px;}
[data-testid="stTextInput"] input {min-height: 44px;}
.st-key-browser-cookie {display: none;}
</style>"""
NOTICE_KEY = "join-notice"


def _known_browser(ws: WorkshopRecord) -> ParticipantRecord | None:
    """The participant this browser joined as (a second tab from the bare join link)."""
    key = browser.known_key()
    if not key:
        return None
    return state.workshop_store(ws.assessment_id).participant_by_join_key(ws.assessment_id,
                                                                          key)


def _continue_as(ws: WorkshopRecord, me: ParticipantRecord) -> None:
    """Put the participant's place into this tab's address (reloads keep it)."""
    st.query_params.update(join=ws.join_code, p=str(me.id),
                           k=state.participant_token(me, ws.join_code))


def _join_form(ws: WorkshopRecord) -> None:
    t, r = T(), R()
    with st.form("join-form"):
        role = st.radio(t("join.role"), ROLES, index=None,  # one column: easy on a phone
                        format_func=lambda x: r(f"role.{x}"), key="join-role")
        name = st.text_input(t("join.name"), max_chars=200, help=t("join.name_help"),
                             key="join-name")
        if st.form_submit_button(t("join.start"), type="primary"):
            if role is None:
                st.error(t("join.role_missing"))
                return
            s = state.workshop_store(ws.assessment_id)
            # One key per browser: a double-click, a resent form or a second tab join once.
            me = s.add_participant(ws.assessment_id, role, name or None,
                                   join_key=browser.key())
            _continue_as(ws, me)
            st.rerun()


def _answer_key(me: ParticipantRecord, question_id: str) -> str:
    return f"answer-{me.id}-{question_id}"


def _comment_key(me: ParticipantRecord, question_id: str) -> str:
    return f"comment-{me.id}-{question_id}"


def _save(me: ParticipantRecord, question_id: str, stored: object) -> None:
    """Widget callback: save this answer (and its comment) now, in one small write; a
    refusal puts the stored answer back and says why."""
    t = T()
    key, comment_key = _answer_key(me, question_id), _comment_key(me, question_id)
    value = st.session_state.get(key)
    comment = st.session_state.get(comment_key) or None
    notice = None
    if comment and len(comment) > COMMENT_LIMIT:
        st.session_state[comment_key] = comment = comment[:COMMENT_LIMIT]
        notice = ("warning", t("join.comment_cut", limit=COMMENT_LIMIT))
    if value is not None:
        s = state.workshop_store(me.assessment_id)
        try:
            s.save_answer(me.id, question_id, value, comment, catalogue=state.catalogue())
            notice = notice or ("success", t("join.saved"))
        except StoreError as exc:
            st.session_state[key] = stored if stored is None else str(stored)
            ws = s.latest_workshop(me.assessment_id)
            closed = ws is None or ws.closed_at is not None
            notice = ("error", t("join.closed_now") if closed else widgets.said(exc))
    if notice is None:
        st.session_state.pop(NOTICE_KEY, None)
    else:  # shown once, under this question, on the rerun this change starts
        st.session_state[NOTICE_KEY] = (question_id, *notice)


def _question(me: ParticipantRecord, q: Question, stored: dict[str, object],
              comments: dict[str, str | None], *, compact: bool) -> None:
    t, r, lang = T(), R(), state.lang()
    scale = state.catalogue().scale_of(q)
    options = [o.value for o in scale.options] + [DONT_KNOW]
    names = {o.value: localise(o.label, lang) for o in scale.options}
    names[DONT_KNOW] = r("label.dont_know")
    current = stored.get(q.id)
    if current is not None and str(current) not in options:  # a number from an answers file
        current = option_value(state.catalogue(), q.id, current)
    text = localise(q.text, lang)
    if compact:
        st.markdown(f"**{text}**")
    else:
        st.subheader(text)
    if q.help:
        st.caption(localise(q.help, lang))
    # One column, in the scale's order, on every screen: a row of options wraps zig-zag.
    st.radio(text, options, format_func=lambda v: names[v],
             index=options.index(str(current)) if current is not None else None,
             key=_answer_key(me, q.id), on_change=_save, args=(me, q.id, current),
             label_visibility="collapsed")
    notice = st.session_state.get(NOTICE_KEY)
    if notice is not None and notice[0] == q.id:  # what became of this question's answer
        _, kind, message = st.session_state.pop(NOTICE_KEY)
        {"success": st.success, "warning": st.warning, "error": st.error}[kind](
            message, icon=":material/check:" if kind == "success" else None)
    st.text_input(t("join.comment"), value=comments.get(q.id) or "",
                  key=_comment_key(me, q.id), on_change=_save, args=(me, q.id, current),
                  help=t("join.comment_help", limit=COMMENT_LIMIT))
    if st.session_state.get(_answer_key(me, q.id)) is None and st.session_state.get(
            _comment_key(me, q.id)):
        st.caption(t("join.comment_pending"))


def _step(me: ParticipantRecord, delta: int, total: int) -> None:
    key = f"join-index-{me.id}"
    st.session_state[key] = max(0, min(total - 1, st.session_state.get(key, 0) + delta))


@st.fragment
@widgets.guarded
def _answering(ws: WorkshopRecord, me: ParticipantRecord) -> None:
    """The participant's whole page after joining, as one fragment: an answer reruns this
    and nothing else (no router, no language picker)."""
    t, r, lang = T(), R(), state.lang()
    cat = state.catalogue()
    s = state.workshop_store(ws.assessment_id)
    mine = s.participant_answers(me.id)
    stored = {a.question_id: a.value for a in mine}
    comments = {a.question_id: a.comment for a in mine}
    questions = state.ordered_questions(cat)
    done = sum(1 for q in questions if q.id in stored)
    st.progress(done / len(questions), text=t("join.progress", done=done, total=len(questions)))
    if done == len(questions):
        st.info(t("join.done"))
    mode = st.session_state.get("join-mode") or "question"
    if mode == "area":
        groups = ["context", *(a.id for a in cat.areas)]
        group = st.selectbox(
            T()("workshop.area"), groups, key="join-area",
            format_func=lambda g: t("workshop.context_group") if g == "context"
            else localise(cat.area(g).title, lang))
        for q in questions:
            if (q.kind != "practice") == (group == "context") and (
                    group == "context" or q.area == group):
                with st.container(border=True):
                    _question(me, q, stored, comments, compact=True)
    else:
        key = f"join-index-{me.id}"
        if key not in st.session_state:  # continue at the first question not yet answered
            st.session_state[key] = next(
                (i for i, q in enumerate(questions) if q.id not in stored), 0)
        i = st.session_state[key]
        q = questions[i]
        group = t("workshop.context_group") if q.kind != "practice" else localise(
            cat.area(q.area).title, lang)
        st.caption(f"{t('join.question_of', n=i + 1, total=len(questions))} · {group}")
        with st.container(border=True, key="join-question"):
            _question(me, q, stored, comments, compact=False)
        # Side by side on every screen (columns would stack on a phone).
        with st.container(horizontal=True, wrap=False, horizontal_alignment="distribute",
                          key="join-nav"):
            st.button(t("join.previous"), key="join-previous", on_click=_step,
                      args=(me, -1, len(questions)), disabled=i == 0)
            st.button(t("join.next"), key="join-next", on_click=_step,
                      args=(me, 1, len(questions)), disabled=i == len(questions) - 1,
                      type="primary")
    st.segmented_control(t("join.mode"), ["question", "area"], default="question",
                         format_func=lambda m: t(f"join.mode_{m}"), key="join-mode")
    team_key = f"join-team-{ws.assessment_id}"  # read once: a save reruns this fragment
    if team_key not in st.session_state:
        st.session_state[team_key] = s.assessment(ws.assessment_id).team
    st.caption(t("join.you_are", label=me.label, role=r(f"role.{me.role}"),
                 team=widgets.md_escape(st.session_state[team_key])) + " "
               + t("join.bookmark"))


@widgets.guarded
def _timer(assessment_id: int) -> None:
    """The area the room discusses now and its time left, redrawn every few seconds."""
    timer.show(state.workshop_store(assessment_id).latest_workshop(assessment_id),
               datetime.now(UTC))


@widgets.guarded
def main() -> None:
    t = T()
    st.html(PHONE_CSS)
    code = normalise_code(str(st.query_params.get("join") or ""))
    if not code or st.query_params.get("p") is None:  # once answering, the question is first
        st.title(t("join.title"))
    if not code:
        st.caption(t("join.intro"))
        _code_form()
        return
    if access.refused_for("join"):
        _code_form()
        return
    try:
        ws = state.raw_store().workshop_by_code(code)  # the code is the permission
    except StoreError:
        access.throttle().failed("join", access.client_address())
        st.error(t("join.unknown_code"))  # never repeats what was typed
        _code_form()
        return
    record = state.workshop_store(ws.assessment_id).assessment(ws.assessment_id)
    if record.state == "final" or ws.closed_at is not None:
        st.info(t("join.closed"))
        return
    me = _me(ws)
    if me is None and st.query_params.get("p") is None:
        me = _known_browser(ws)
        if me is not None and me.removed:  # the cookie never brings a removed one back
            st.warning(t("join.removed_browser"))
            me = None
        elif me is not None:  # again, as the participant's page (the question first)
            _continue_as(ws, me)
            st.rerun()
    if me is None:
        st.caption(t("join.intro"))
        _join_form(ws)
        return
    if me.removed:
        st.warning(t("join.removed"))
        return
    st.fragment(run_every=timer.REFRESH_S)(_timer)(ws.assessment_id)
    _answering(ws, me)
    browser.remember()


main()
