"""Trends: risk index and area levels across a team's finalised assessments."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from opsmaturity.app.web import access, state, widgets
from opsmaturity.app.web.state import R, T
from opsmaturity.reports import charts, charts_web, fmt
from opsmaturity.scoring.catalogue import localise


@widgets.guarded
def main() -> None:
    access.require()
    t, r, lang = T(), R(), state.lang()
    st.title(t("trends.title"))
    st.caption(t("trends.intro"))
    team = widgets.pick_team("trends")
    if team is None:
        return
    points = state.history_points(team.id)
    if not points:
        st.info(t("trends.none"))
        return
    cat = state.catalogue()
    st.subheader(t("trends.risk"))
    widgets.chart(charts.risk_trend(points, cat.scoring.risk_levels, lang), key="trends-risk")
    st.subheader(t("trends.areas"))
    widgets.chart(charts_web.area_trend(points, cat, lang), key="trends-areas")
    titles = {a.id: localise(a.title, lang) for a in cat.areas}
    st.dataframe(pd.DataFrame([{
        r("label.date"): p.date.isoformat(), "#": p.label,
        r("label.risk_index"): fmt.index(p.risk_index),
        **{titles[k]: fmt.level(p.area_levels.get(k)) for k in titles},
    } for p in points]), hide_index=True)


main()
