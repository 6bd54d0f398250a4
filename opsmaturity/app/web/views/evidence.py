"""Evidence: run collectors for a team, with progress and coverage; add evidence files."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from opsmaturity.app.store.records import AssessmentRecord
from opsmaturity.app.web import access, collect, state, widgets
from opsmaturity.app.web.state import R, T
from opsmaturity.collectors import available, get_collector
from opsmaturity.collectors.base import CollectorError
from opsmaturity.core.evidence import EvidenceFileError, EvidenceSet, evidence_from_json
from opsmaturity.core.messages import text as _msg
from opsmaturity.reports import fmt

RESULT_KEY = "evidence-result"


def _table(sets: list[EvidenceSet]) -> pd.DataFrame:
    r = R()
    return pd.DataFrame([{
        r("label.collector"): e.collector,
        r("label.source"): e.source,
        r("label.coverage"): fmt.pct(e.coverage.ratio),
        r("label.partial"): T()("word.yes") if e.partial else "",
        r("label.missing"): ", ".join(e.coverage.missing),
        r("label.window"): "" if e.window is None else
        f"{e.window.start.date().isoformat()} – {e.window.end.date().isoformat()}",
        r("label.collected"): e.collected_at.strftime("%Y-%m-%d %H:%M"),
        "measures": len(e.measures),
    } for e in sets])


def _run_form(a: AssessmentRecord) -> None:
    t = T()
    st.subheader(t("evidence.run"))
    names = list(available())
    name = st.selectbox(t("evidence.collector"), names, key="evidence-collector")
    all_fields = [f for f in collect.fields(get_collector(name).config_model)
                  if f.name not in collect.SERVER_ONLY]
    front, more = collect.split(name, all_fields)
    if any(f.kind == "secret" for f in all_fields):
        st.caption(t("evidence.token_note"))
    with st.form(f"collect-{name}"):
        for f in front:
            collect.render(name, f)
        if more:
            with st.expander(t("evidence.more")):
                for f in more:
                    collect.render(name, f)
        submitted = st.form_submit_button(t("evidence.start"), type="primary")
    if not submitted:
        return
    try:
        with collect.options(name, all_fields, collect.evidence_roots()) as values:
            config = collect.validated(get_collector(name), values)
            del values  # holds the token too: gone with this block
            bar = st.progress(0.0, text=t("evidence.running", name=name))

            def show(message: str, fraction: float | None) -> None:
                bar.progress(min(1.0, max(0.0, fraction or 0.0)),
                             text=f"{name}: {message}" if message else t("evidence.running",
                                                                        name=name))

            evidence = collect.run(name, config, show)
            del config
            bar.progress(1.0, text=name)
        state.store().add_evidence(a.id, evidence)
        st.session_state[RESULT_KEY] = t("evidence.done", name=name, n=len(evidence.measures),
                                         coverage=fmt.pct(evidence.coverage.ratio))
    except CollectorError as exc:
        st.session_state[RESULT_KEY + "-error"] = f"{name}: {widgets.said(exc)}"
    finally:
        collect.forget_secrets(name, all_fields)
    st.rerun()


def parse_upload(name: str, data: bytes) -> list[EvidenceSet]:
    """Evidence JSON as `collect` writes it: one set or a list; errors name the file."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise CollectorError(f"{name}: {_msg('evidence.not_utf8')}") from None
    except json.JSONDecodeError as exc:
        raise CollectorError(
            f"{name}:{exc.lineno}: {_msg('source.invalid_json', problem=exc.msg)}") from None
    try:
        return evidence_from_json(raw, name)
    except EvidenceFileError as exc:
        raise CollectorError(str(exc)) from None


def _upload(a: AssessmentRecord) -> None:
    t = T()
    st.subheader(t("evidence.upload"))
    st.caption(t("evidence.upload_intro"))
    with st.form("evidence-upload", clear_on_submit=True):
        files = st.file_uploader(t("evidence.upload"), type=["json"], accept_multiple_files=True,
                                 key="evidence-files", label_visibility="collapsed")
        if not st.form_submit_button(t("evidence.upload")):
            return
    sets = [e for f in files or [] for e in parse_upload(f.name, f.getvalue())]
    for e in sets:
        state.store().add_evidence(a.id, e)
    st.session_state[RESULT_KEY] = t("evidence.added", n=len(sets))
    st.rerun()


@widgets.guarded
def main() -> None:
    user = access.require()
    t = T()
    st.title(t("evidence.title"))
    st.caption(t("evidence.intro"))
    a = widgets.pick_assessment("evidence")
    if a is None:
        return
    if RESULT_KEY in st.session_state:
        st.success(st.session_state.pop(RESULT_KEY))
    if RESULT_KEY + "-error" in st.session_state:
        st.error(widgets.md_escape(st.session_state.pop(RESULT_KEY + "-error")))
    st.subheader(t("evidence.collected"))
    sets = state.store().evidence(a.id)
    if sets:
        st.dataframe(_table(sets), hide_index=True)
    else:
        st.info(t("evidence.none"))
    if a.state == "final":
        st.info(t("evidence.final_note"))
        return
    if user.role == "admin":  # collectors read the server's files and use its tokens
        _run_form(a)
    else:
        st.info(t("evidence.admins_run"))
    _upload(a)


main()
