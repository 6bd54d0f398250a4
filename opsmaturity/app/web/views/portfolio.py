"""Portfolio: every team's newest assessment as heatmaps, filtered, sorted, clickable."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from opsmaturity.app.store.records import AssessmentRecord
from opsmaturity.app.web import access, state, widgets
from opsmaturity.app.web.state import R, T
from opsmaturity.reports import charts, charts_web
from opsmaturity.reports.model import ReportError, TeamReport, check_against_catalogue

SORTS = ("risk", "name", "confidence")
SHOWN = (30, 100, 0)  # 0: all
PROGRESS_FROM = 20  # drafts to score before a progress bar is worth showing
Row = tuple[AssessmentRecord, TeamReport]


def sort_rows(rows: Sequence[Row], how: str) -> list[Row]:
    """Most severe first (`Overall.severity_key`, unknown last), by name, or least confident
    first."""
    if how == "name":
        return sorted(rows, key=lambda r: (r[0].team.lower(), r[0].organisation))
    if how == "confidence":
        return sorted(rows, key=lambda r: (r[1].assessment.overall.confidence, r[0].team.lower()))
    return sorted(rows, key=lambda r: (*r[1].assessment.overall.severity_key(),
                                       r[0].team.lower()))


def _table(rows: Sequence[Row]) -> pd.DataFrame:
    r = R()
    return pd.DataFrame([{
        r("label.team"): rec.team,
        T()("pick.organisation"): rec.organisation,
        r("label.date"): rec.date.isoformat(),
        T()("portfolio.state"): rec.state,
        r("label.risk_index"): report.assessment.overall.risk_index,
        r("label.risk_level"): r(f"level.{report.assessment.overall.risk_level}"),
        r("label.confidence"): round(report.assessment.overall.confidence * 100),
        r("label.signs_present"): report.assessment.overall.signs_present,
        r("label.signs_suspected"): report.assessment.overall.signs_suspected,
        T()("portfolio.signs_unknown"): report.assessment.overall.signs_unknown,
        r("label.participants"): rec.participants,
        r("label.evidence_sets"): rec.evidence_sets,
    } for rec, report in rows])


def _open(rec: AssessmentRecord) -> None:
    widgets.select(rec.team_id, rec.id)
    st.switch_page("views/team.py", query_params={"team": str(rec.team_id), "a": str(rec.id)})


def _clicked(event: object, shown: Sequence[Row]) -> AssessmentRecord | None:
    """The team of the heatmap cell clicked (bars are placed on row index y)."""
    points = getattr(getattr(event, "selection", None), "points", None) or []
    for point in points:
        y = point.get("y") if isinstance(point, dict) else None
        if isinstance(y, int | float) and 0 <= int(y) < len(shown):
            return shown[int(y)][0]
    return None


GRID_MIN_WIDTH = 900  # px below which the heatmaps scroll sideways instead of shrinking
NARROW_CSS = (  # static, no user text
    "<style>@media (max-width: 640px) {"
    " .st-key-portfolio-areas, .st-key-portfolio-signs { overflow-x: auto; }"
    " .st-key-portfolio-areas > div, .st-key-portfolio-signs > div"
    f" {{ min-width: {GRID_MIN_WIDTH}px; }}"
    "}</style>"
)


def _scroll_on_phones() -> None:
    """On a phone the grids keep a readable width and scroll sideways, cells not crushed."""
    st.html(NARROW_CSS)


@widgets.guarded
def main() -> None:
    access.require()
    t, r = T(), R()
    st.title(t("portfolio.title"))
    st.caption(t("portfolio.intro"))
    s, cat = state.store(), state.catalogue()
    orgs = [o.name for o in s.list_organisations() if o.teams]
    left, middle, right = st.columns([3, 3, 2])
    org = left.selectbox(t("pick.organisation"), ["", *orgs], key="portfolio-org",
                         format_func=lambda n: n or t("pick.all_organisations"))
    how = middle.selectbox(t("portfolio.sort"), SORTS, key="portfolio-sort",
                           format_func=lambda k: t(f"portfolio.sort_{k}"))
    limit = right.selectbox(t("portfolio.shown"), SHOWN, key="portfolio-shown",
                            format_func=lambda n: str(n) if n else t("portfolio.all"))
    records = s.latest_assessments(org or None)
    if not records:
        st.info(t("portfolio.empty"))
        return
    bar = st.empty()

    def progress(done: int, total: int) -> None:
        if total >= PROGRESS_FROM:  # scoring many drafts for the first time takes seconds
            bar.progress(done / total, text=t("portfolio.scoring", done=done, total=total))

    scored = state.scores().summaries((rec.id for rec in records), progress)
    bar.empty()
    rows: list[Row] = []
    skipped: list[AssessmentRecord] = []
    for rec in records:
        report = state.team_report(rec, scored[rec.id])
        try:
            check_against_catalogue(report, cat)
        except ReportError:
            skipped.append(rec)
            continue
        rows.append((rec, report))
    if skipped:
        st.warning(t("portfolio.skipped", n=len(skipped), versions=", ".join(
            sorted({x.catalogue_version for x in skipped}))))
    rows = sort_rows(rows, how)
    shown = rows[:limit] if limit else rows
    reports = [report for _, report in shown]

    _scroll_on_phones()
    lang, prints = state.lang(), state.fingerprints(rec.id for rec, _ in shown)
    drawn = (lang, tuple((rec.id, prints.get(rec.id), rec.team, rec.organisation)
                         for rec, _ in shown))  # the rows, in their order
    st.subheader(t("portfolio.areas_title"))
    picked = _clicked(widgets.cached_chart(
        drawn, lambda: charts.team_heatmap(reports, cat, lang),
        key="portfolio-areas", select=True), shown)
    st.subheader(t("portfolio.signs_title"))
    st.caption(t("portfolio.signs_intro"))
    picked = _clicked(widgets.cached_chart(
        drawn, lambda: charts_web.team_sign_heatmap(reports, cat, lang),
        key="portfolio-signs", select=True), shown) or picked
    if picked is not None:
        _open(picked)

    st.subheader(t("portfolio.table_title"))
    st.dataframe(_table(rows), hide_index=True, column_config={
        r("label.risk_index"): st.column_config.NumberColumn(format="%.0f"),
        r("label.confidence"): st.column_config.NumberColumn(format="%d%%"),
    })
    st.caption(t("portfolio.click_hint"))
    by_id = {rec.id: rec for rec, _ in rows}
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    chosen = left.selectbox(t("portfolio.open_team"), list(by_id), key="portfolio-pick",
                            format_func=lambda i: f"{by_id[i].team} ({by_id[i].organisation})")
    if right.button(t("portfolio.open"), key="portfolio-open"):
        _open(by_id[chosen])


main()
