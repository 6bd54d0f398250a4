"""Pieces every page uses: the error guard, safe text, pickers and charts.

No user text is ever rendered as HTML: names and comments go through `md_escape` when
they end up in Markdown, or are shown with `st.text` and in dataframes.
"""

from __future__ import annotations

import functools
import logging
import re
import zlib
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import plotly.graph_objects as go
import streamlit as st

from opsmaturity.app.store import StoreError
from opsmaturity.app.store.records import AssessmentRecord, TeamRecord
from opsmaturity.collectors.base import CollectorError
from opsmaturity.core.messages import localise as localise_message
from opsmaturity.reports.model import ReportError

from . import state
from .state import T

log = logging.getLogger("opsmaturity.web")
F = TypeVar("F", bound=Callable[..., Any])
KNOWN_ERRORS = (StoreError, CollectorError, ReportError)
"""Problems worded for the user: shown as they are."""

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^])")
PICKER_SUFFIXES = ("-team",)
CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}

TEAM_TAB_KEY = "team-tab"
"""The team page's open tab (its label), in the session: only that tab's content is
computed. Here rather than in the page, so tests can set it without running a page script."""


LINK_CSS = "<style>.st-key-join-link code {word-break: break-all;}</style>"


def join_link_box(link: str) -> None:
    """A join link to copy, shown whole at any width (a phone's too): a long address has
    no space to wrap at, so it may break anywhere."""
    st.html(LINK_CSS)
    with st.container(key="join-link"):
        st.code(link, language=None, wrap_lines=True)


def md_escape(text: str) -> str:
    """User text made inert in Markdown: no links, images, emphasis or colour directives."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("\n", " "))


def said(exc: BaseException) -> str:
    """A known error's message (English, core/messages.yaml) in the session's language."""
    return localise_message(str(exc), state.lang())


def show_error(exc: BaseException) -> None:
    """An error as a message on the page, never as a traceback."""
    if isinstance(exc, KNOWN_ERRORS):  # they may quote what someone typed: never Markdown
        st.error(md_escape(said(exc)))
        return
    log.error("page failed", exc_info=exc)  # the traceback goes to the server log only
    st.error(T()("errors.unexpected", what=md_escape(f"{type(exc).__name__}: {exc}")))


def guarded(body: F) -> F:
    """Run a page body or fragment so that any failure ends as a message.

    Streamlit's own control flow (rerun, stop, switch_page) derives from BaseException
    and passes through untouched.
    """

    @functools.wraps(body)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return body(*args, **kwargs)
        except Exception as exc:
            show_error(exc)
            return None

    return run  # type: ignore[return-value]


def chart(fig: go.Figure, *, key: str | None = None, select: bool = False) -> Any:
    """A figure from reports/charts drawn as the PDF draws it (no Streamlit theme)."""
    return _draw(prepared(fig), key, select)


def cached_chart(cache_key: Hashable, build: Callable[[], go.Figure], *, key: str,
                 select: bool = False) -> Any:
    """`chart` for a figure built once per `cache_key` (state.FigureCache): the key names
    everything the figure shows (assessment fingerprints, language, order)."""
    return _draw(state.figures().get((key, cache_key), lambda: prepared(build())), key, select)


def prepared(fig: go.Figure) -> go.Figure:
    """Axis margins grow to fit their labels: a browser column is narrower than the PDF page.
    Patterned bars (how the charts tell levels apart without colour) keep their colour."""
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    for trace in fig.data:  # Streamlit's plotly.js draws a pattern without its bar colour
        pattern = getattr(getattr(trace, "marker", None), "pattern", None)  # unless told to
        if pattern is not None and pattern.shape and pattern.fillmode is None:
            pattern.fillmode = "overlay"
    return fig


def _draw(fig: go.Figure, key: str | None, select: bool) -> Any:
    if select:
        return st.plotly_chart(fig, theme=None, key=key, on_select="rerun",
                               selection_mode="points", config=CHART_CONFIG)
    return st.plotly_chart(fig, theme=None, key=key, config=CHART_CONFIG)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def select(team_id: int, assessment_id: int | None = None) -> None:
    """Make this team (and assessment) the current choice of every picker, from now on."""
    st.session_state["team_id"] = team_id
    st.session_state["assessment_id"] = assessment_id
    query = {"team": str(team_id)} | ({"a": str(assessment_id)} if assessment_id else {})
    st.query_params.update(query)
    for key in list(st.session_state):  # pickers already drawn forget their old choice
        if str(key).endswith(PICKER_SUFFIXES) or "-assessment-" in str(key):
            del st.session_state[key]


def pick_team(key: str) -> TeamRecord | None:
    """A team picker remembering the choice across pages (and in the URL: ?team=ID)."""
    teams = state.store().list_teams()
    if not teams:
        st.info(T()("pick.no_teams"))
        return None
    by_id = {t.id: t for t in teams}
    if "team" in st.query_params and _int(st.query_params.get("team")) not in by_id:
        not_found()  # no such team, or not one of this user's: the same answer
        return None
    wanted = _int(st.query_params.get("team")) or st.session_state.get("team_id")
    ids = list(by_id)
    team_id = st.selectbox(
        T()("pick.team"), ids, index=ids.index(wanted) if wanted in by_id else 0,
        key=f"{key}-team", format_func=lambda i: f"{by_id[i].name} ({by_id[i].organisation})")
    if st.session_state.get("team_id") != team_id:
        st.session_state["team_id"] = team_id
        st.session_state.pop("assessment_id", None)
    st.query_params["team"] = str(team_id)
    return by_id[team_id]


def not_found() -> None:
    """An id in the address that does not exist or is not the user's to see."""
    st.error(T()("pick.not_found"))


def pick_assessment(key: str, *, drafts_only: bool = False) -> AssessmentRecord | None:
    """Team, then one of its assessments (the newest by default; ?a=ID in the URL)."""
    left, right = st.columns(2)
    with left:
        team = pick_team(key)
    if team is None:
        return None
    found = state.store().list_assessments(team=team.id)
    if drafts_only:
        found = [a for a in found if a.state == "draft"]
    if not found:
        st.info(T()("pick.no_drafts" if drafts_only else "pick.no_assessments"))
        return None
    by_id = {a.id: a for a in reversed(found)}  # newest first
    asked = _int(st.query_params.get("a")) if "a" in st.query_params else None
    if "a" in st.query_params and asked not in by_id:
        try:  # another team's assessment (left in the address by a team change) is fine
            state.store().assessment(asked if asked is not None else -1)
        except StoreError:
            not_found()
            return None
    ids = list(by_id)
    wanted = _int(st.query_params.get("a")) or st.session_state.get("assessment_id")
    labels = {i: assessment_label(by_id[i]) for i in ids}
    # The browser keeps showing the label it was given when the choice was made, even after
    # the label changed (someone joined): a new key when any label changes redraws it.
    drawn = zlib.crc32("\n".join(labels.values()).encode())
    with right:
        aid = st.selectbox(T()("pick.assessment"), ids,
                           index=ids.index(wanted) if wanted in by_id else 0,
                           key=f"{key}-assessment-{team.id}-{drawn:x}",
                           format_func=labels.__getitem__)
    st.session_state["assessment_id"] = aid
    st.query_params["a"] = str(aid)
    return by_id[aid]


def assessment_label(a: AssessmentRecord) -> str:
    title = f" {a.title}" if a.title else ""
    return (f"#{a.id} {a.date.isoformat()}{title} ({a.state}, {a.participants} "
            f"participants, {a.evidence_sets} evidence sets)")
