"""Recommendations: the measures ranked by risk reduced per effort, grouped now/next/later."""

from __future__ import annotations

import streamlit as st

from opsmaturity.app.web import access, state, widgets
from opsmaturity.app.web.state import R, T
from opsmaturity.reports import charts
from opsmaturity.reports.model import check_against_catalogue
from opsmaturity.scoring.assessment import RankedRecommendation
from opsmaturity.scoring.catalogue import Catalogue, localise

HORIZONS = ("now", "next", "later")


def _one(rec: RankedRecommendation, cat: Catalogue) -> None:
    t, r, lang = T(), R(), state.lang()
    entry = next(x for x in cat.all_recommendations() if x.id == rec.recommendation_id)
    with st.container(border=True):
        st.markdown(f"**{rec.rank}. {localise(entry.title, lang)}**")
        st.caption(f"{r('label.effort')}: {r(f'effort.{rec.effort}.long')} · "
                   f"{r('label.risk_reduction')}: {rec.risk_reduction:.2f} · "
                   f"{t('recommendations.priority')}: {rec.priority:.2f}")
        st.markdown(f"{r('label.addresses')}: " + "; ".join(
            localise(cat.sign(s).title, lang) for s in rec.sign_ids))
        st.markdown(f"{r('label.effect')}: {localise(entry.effect, lang)}")
        st.markdown(f"{r('label.first_step')}: {localise(entry.first_step, lang)}")


@widgets.guarded
def main() -> None:
    access.require()
    t, r = T(), R()
    st.title(t("recommendations.title"))
    st.caption(t("recommendations.intro"))
    record = widgets.pick_assessment("recommendations")
    if record is None:
        return
    cat = state.catalogue()
    a = state.scores().get(record.id)
    check_against_catalogue(state.team_report(record, a), cat)
    if not a.recommendations:
        st.info(t("recommendations.none"))
        return
    widgets.chart(charts.roadmap(a, cat, state.lang()), key="recommendations-roadmap")
    for horizon in HORIZONS:
        mine = [x for x in a.recommendations if x.horizon == horizon]
        if not mine:
            continue
        st.subheader(r(f"horizon.{horizon}.title"))
        st.caption(r(f"horizon.{horizon}.intro"))
        for rec in mine:
            _one(rec, cat)


main()
