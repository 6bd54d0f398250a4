"""Export: the PDF, the XLSX workbook, the report JSON and the bundle of an assessment."""

from __future__ import annotations

import re
from collections.abc import Callable

import streamlit as st

from opsmaturity.app import store_reports
from opsmaturity.app.store import export_bundle
from opsmaturity.app.store.records import AssessmentRecord
from opsmaturity.app.web import access, state, widgets
from opsmaturity.app.web.state import T
from opsmaturity.reports import jsonreport, pdf, xlsx
from opsmaturity.reports.model import TeamReport
from opsmaturity.scoring.assessment import Assessment

PDF_MIME = "application/pdf"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_stem(record: AssessmentRecord) -> str:
    """A safe file name: team and date, nothing a file system could trip on."""
    team = re.sub(r"[^A-Za-z0-9._-]+", "-", record.team).strip("-") or "team"
    return f"assessment-{team}-{record.date.isoformat()}-{record.id}"


def pdf_maker() -> Callable[[TeamReport], bytes]:
    return lambda report: pdf.team_pdf(report, state.catalogue(), state.lang())


def xlsx_maker() -> Callable[[TeamReport], bytes]:
    return lambda report: xlsx.xlsx_bytes(report, state.catalogue(), state.lang())


def report_json_maker() -> Callable[[TeamReport], str]:
    return jsonreport.report_json


def full_report(record: AssessmentRecord, a: Assessment) -> TeamReport:
    """The assessment with its answers, evidence and history: what the reports show."""
    return store_reports.team_report(state.store(), record.id, state.catalogue(), scored=a)


def _binary(what: str, key: str, maker: Callable[[TeamReport], bytes],
            report: Callable[[], TeamReport], name: str, mime: str, fingerprint: str) -> None:
    """A 'prepare' button (the work takes seconds), then the download of what it made."""
    t = T()
    st.subheader(t(f"export.{key}"))
    cache_key = f"export-{key}-{fingerprint}"
    if st.button(t(f"export.{key}_make"), key=f"export-make-{key}"):
        with st.spinner(t(f"export.{key}_wait")):
            try:
                st.session_state[cache_key] = maker(report())
            except Exception as exc:  # the renderer's own failure, shown as a message
                widgets.log.error("%s export failed", what, exc_info=exc)
                st.error(t("export.failed", what=what, why=f"{type(exc).__name__}: {exc}"))
    if cache_key in st.session_state:
        st.download_button(t(f"export.{key}"), st.session_state[cache_key], file_name=name,
                           mime=mime, key=f"export-download-{key}")


@widgets.guarded
def main() -> None:
    access.require()
    t = T()
    st.title(t("export.title"))
    st.caption(t("export.intro"))
    record = widgets.pick_assessment("export")
    if record is None:
        return
    if record.state == "draft":
        st.caption(t("export.draft_note"))
    s = state.store()
    a = state.scores().get(record.id)
    stem = file_stem(record)
    fingerprint = s.fingerprint(record.id)

    def report() -> TeamReport:
        return full_report(record, a)

    _binary("PDF", "pdf", pdf_maker(), report, f"{stem}.pdf", PDF_MIME, fingerprint)
    _binary("XLSX", "xlsx", xlsx_maker(), report, f"{stem}.xlsx", XLSX_MIME, fingerprint)
    st.subheader(t("export.json"))
    st.download_button(t("export.report_json"), report_json_maker()(report()),
                       file_name=f"{stem}.report.json", mime="application/json",
                       key="export-report-json")
    st.download_button(t("export.assessment_json"), a.to_json(), file_name=f"{stem}.json",
                       mime="application/json", key="export-json")
    st.subheader(t("export.bundle"))
    st.caption(t("export.bundle_names"))
    names = st.checkbox(t("export.with_names"), key="export-names")
    st.download_button(t("export.bundle"), export_bundle(s, record.id, names=names),
                       file_name=f"{stem}{'.with-names' if names else ''}.bundle.json",
                       mime="application/json", key="export-bundle")


main()
