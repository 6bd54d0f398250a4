"""Projector: what the room sees while joining — the code, large, a QR code of the join
link, how many have joined and finished, and, while an area's timer runs, that area and its
time left. Nothing else: no names, no answers."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from opsmaturity.app.store.workshops import shown_code
from opsmaturity.app.web import access, state, timer, widgets
from opsmaturity.app.web.links import join_link, qr_png
from opsmaturity.app.web.state import T

REFRESH_S = 3
SCREEN_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"] {display: none;}
.block-container {padding-top: 1.5rem; max-width: 100%;}
.st-key-projector-code p {font-size: clamp(2.5rem, 5.5vw, 7rem); font-weight: 700;
  white-space: nowrap; letter-spacing: 0.08em; font-family: monospace; line-height: 1.1;
  margin: 0;}
.st-key-projector-counts [data-testid="stMetricValue"] {font-size: 4rem;}
</style>"""


@st.fragment(run_every=REFRESH_S)
@widgets.guarded
def _counts(assessment_id: int) -> None:
    t, s = T(), state.store()
    questions = len(state.ordered_questions(state.catalogue()))
    people = s.participants(assessment_id)
    given = s.answer_counts(assessment_id)
    with st.container(horizontal=True, key="projector-counts"):
        st.metric(t("projector.joined"), len(people))
        st.metric(t("projector.finished"), sum(1 for p in people if given.get(p.id, 0)
                                                >= questions))
    timer.show(s.latest_workshop(assessment_id), datetime.now(UTC), large=True)


@widgets.guarded
def main() -> None:
    access.require()
    t, s = T(), state.store()
    st.html(SCREEN_CSS)
    st.title(t("projector.title"))
    raw = st.query_params.get("a") or st.session_state.get("assessment_id")
    try:
        aid = int(raw)  # type: ignore[arg-type]
        ws = s.latest_workshop(aid)
    except (TypeError, ValueError):
        st.info(t("projector.pick"))
        return
    if ws is None or ws.closed_at is not None:
        st.info(t("projector.closed"))
        return
    link = join_link(ws.join_code, st.context.url)
    left, right = st.columns([3, 2], vertical_alignment="center")
    with left:
        st.caption(t("projector.how"))
        with st.container(key="projector-code"):
            st.markdown(shown_code(ws.join_code))  # letters, digits and one hyphen
        widgets.join_link_box(link)
        _counts(aid)
    # Its own size (about 500 px), but never wider than the column (a phone, a narrow tab).
    right.image(qr_png(link), caption=t("projector.scan"), width="content")


main()
