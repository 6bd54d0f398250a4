"""Charts the web app needs beyond the report's: built from charts.py's helpers and palette.

The portfolio's teams x warning signs grid, a workshop question's answers by role, and the
area levels over time. Same rules as charts.py: pure (model in, figure out), colours that
colour-blind readers tell apart (Okabe-Ito, with patterns or marker shapes as a second
cue), a word in every heatmap cell, unknown hatched grey, user text escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from opsmaturity.scoring.catalogue import DONT_KNOW, ROLES, Catalogue, Question, localise

from . import fmt
from .charts import FONT, label, risk_grid, styled
from .model import HistoryPoint, TeamReport
from .texts import texts

ROLE_STYLE = {  # Okabe-Ito colours, told apart by pattern too
    "dev": ("#0072B2", ""), "ops": ("#E69F00", "/"), "management": ("#009E73", "x"),
    "other": ("#999999", "."),
}
HEADER_CHARS = 34
AREA_SPREAD = 0.15  # how far apart lines on the same level are drawn
LABEL_WIDTH = 40
AREA_STYLE = [  # colour, marker, dash: three cues per line
    ("#0072B2", "circle", "solid"), ("#E69F00", "square", "dash"),
    ("#009E73", "diamond", "dot"), ("#D55E00", "triangle-up", "dashdot"),
    ("#CC79A7", "x", "longdash"), ("#56B4E9", "star", "solid"),
    ("#000000", "cross", "dash"),
]


def team_sign_heatmap(teams: Sequence[TeamReport], catalogue: Catalogue,
                      lang: str = "en") -> go.Figure:
    """Teams x warning signs: each sign's risk level, with the confidence below it."""
    t = texts(lang)
    signs = catalogue.signs
    rows, cells = [], []
    for i, team in enumerate(teams):
        rows.append(team.team)
        found = {f.sign_id: f for f in team.assessment.findings}
        for j, sign in enumerate(signs):
            f = found.get(sign.id)
            lv = f.risk_level if f is not None else "unknown"
            word = t(f"level.{lv}")
            conf = None if f is None else f.confidence
            text = word if lv == "unknown" else f"{word}<br>{fmt.pct(conf)}"
            hover = (f"{label(team.team)}<br>{label(localise(sign.title, lang))}<br>"
                     f"{t('chart.risk')}: {word}<br>"
                     f"{t('label.status')}: {t('status.' + (f.status if f else 'unknown'))}<br>"
                     f"{t('label.likelihood')}: {fmt.pct(None if f is None else f.likelihood)}"
                     f"<br>{t('label.confidence')}: {fmt.pct(conf)}")
            cells.append((i, j, lv, text, hover))
    cols = [localise(s.title, lang) for s in signs]
    fig = risk_grid(rows, cols, cells, t, row_width=28)
    # Fourteen long sign titles do not fit side by side: one upright line each, shortened
    # (the hover text of every cell gives the full title).
    fig.update_xaxes(ticktext=[label(short(c, HEADER_CHARS)) for c in cols], tickangle=-90,
                     tickfont={"size": 11})
    fig.update_layout(margin={"l": 10, "r": 10, "t": 230, "b": 40},
                      height=fig.layout.height + 160)
    return fig


def short(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return f"{cut}…"


def answer_distribution(question: Question, catalogue: Catalogue,
                        counts: Mapping[str, Mapping[str, int]], lang: str = "en") -> go.Figure:
    """How many chose each option of one question, stacked by role (counts[role][value])."""
    t = texts(lang)
    scale = catalogue.scale_of(question)
    values = [o.value for o in scale.options] + [DONT_KNOW]
    names = [localise(o.label, lang) for o in scale.options] + [t("label.dont_know")]
    ticks = [label(n, LABEL_WIDTH) for n in names]
    height = 80 + sum(max(30, 16 * (tick.count("<br>") + 1) + 8) for tick in ticks)
    fig = go.Figure()
    for role in ROLES:
        mine = counts.get(role, {})
        if not any(mine.values()):
            continue
        colour, pattern = ROLE_STYLE[role]
        fig.add_trace(go.Bar(
            orientation="h", name=t(f"role.{role}"), y=ticks, x=[mine.get(v, 0) for v in values],
            marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "#ffffff",
                                                 "solidity": 0.3},
                    "line": {"color": "#ffffff", "width": 1}},
            hovertemplate="%{y}: %{x}<extra>" + t(f"role.{role}") + "</extra>",
        ))
    top = max([sum(counts.get(r, {}).get(v, 0) for r in ROLES) for v in values] or [0])
    return styled(
        fig, height=height, barmode="stack", showlegend=True, bargap=0.25,
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom",
                "traceorder": "normal"},
        margin={"l": 10, "r": 20, "t": 40, "b": 30},
        xaxis={"range": [0, max(1, top) * 1.1], "dtick": 1 if top <= 12 else None,
               "gridcolor": "#e6e6e6", "fixedrange": True},
        yaxis={"autorange": "reversed", "fixedrange": True, "ticksuffix": "  "},
    )


def area_trend(points: Sequence[HistoryPoint], catalogue: Catalogue,
               lang: str = "en") -> go.Figure:
    """Maturity level (1-5) of every area across assessments; gaps where an area was unknown.

    Levels are whole numbers, so several areas often share one: each line is drawn a little
    above or below its level (at most AREA_SPREAD) to keep them all visible; the hover text
    gives the level itself.
    """
    t = texts(lang)
    ordered = sorted(points, key=lambda p: p.date)
    n = len(catalogue.areas)
    fig = go.Figure()
    for i, (area, (colour, symbol, dash)) in enumerate(
            zip(catalogue.areas, AREA_STYLE * 2, strict=False)):
        name = localise(area.title, lang)
        offset = 0.0 if n < 2 else AREA_SPREAD * (2 * i / (n - 1) - 1)
        levels = [p.area_levels.get(area.id) for p in ordered]
        fig.add_trace(go.Scatter(
            x=[p.date.isoformat() for p in ordered],
            y=[None if v is None else v + offset for v in levels], customdata=levels,
            mode="lines+markers", name=label(name), connectgaps=False,
            line={"color": colour, "dash": dash, "width": 2},
            marker={"symbol": symbol, "size": 9, "color": colour},
            hovertemplate=f"{label(name)}<br>%{{x}}: {t('label.maturity')} %{{customdata}}"
                          "<extra></extra>",
        ))
    return styled(
        fig, height=360, showlegend=True,
        legend={"orientation": "v", "x": 1.02, "y": 1, "font": {"family": FONT, "size": 11}},
        margin={"l": 60, "r": 10, "t": 20, "b": 40},
        yaxis={"range": [0.5, 5.5], "tickvals": [1, 2, 3, 4, 5],
               "title": {"text": t("label.maturity")}, "gridcolor": "#e6e6e6",
               "fixedrange": True},
        xaxis={"type": "date", "tickformat": "%Y-%m-%d", "gridcolor": "#eeeeee"},
    )
