"""The charts of the reports as plotly figures, shared by the PDF and the web app.

One definition per chart, so the manager's PDF shows what the workshop saw. The
builders are pure: model in, `go.Figure` out; exporting (SVG for the PDF) is
`svg.py`'s job. Colours are safe for colour-blind readers: risk levels use a
sequential palette whose lightness falls with every level (ColorBrewer YlOrRd),
every cell also says its level in words, and "unknown" is grey and hatched, so it
cannot be mistaken for "low". User text (team names) is escaped, since plotly reads
a few HTML tags in labels.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from opsmaturity.scoring import dora as dora_tables
from opsmaturity.scoring.assessment import Assessment, DoraSummary
from opsmaturity.scoring.catalogue import Catalogue, RiskThresholds, localise

from . import chartdata, fmt
from .model import HistoryPoint, TeamReport, index_points
from .palette import (
    BAND_OPACITY,
    CELL_HEIGHT,
    CURRENT_COLOUR,
    CURRENT_FILL,
    DORA_HERE,
    DORA_MARK,
    DORA_OTHER,
    FONT,
    HORIZON_STYLE,
    LEVELS_WITH_UNKNOWN,
    PREVIOUS_COLOUR,
    RISK_COLOURS,
    RISK_LEVELS,
    TEXT_COLOURS,
    UNKNOWN_PATTERN,
)
from .texts import Texts, texts


def label(text: str, width: int | None = None, max_lines: int | None = None) -> str:
    """Text for a plotly label: escaped (plotly reads <b>, <a>, ...), wrapped with <br>;
    with max_lines, cut to that many lines, the last one "… " and the text's end, which is
    where names of the same family differ (the hover text has it whole)."""
    lines = chartdata.wrap(text, width, max_lines)
    return "<br>".join(html.escape(line, quote=False) for line in lines)


def styled(fig: go.Figure, height: int, **layout: object) -> go.Figure:
    """The look all charts share: the PDF's font, white ground, the height they need."""
    defaults: dict[str, object] = {"margin": {"l": 10, "r": 10, "t": 30, "b": 10},
                                   "separators": fmt.separators()}
    fig.update_layout(
        height=height, font={"family": FONT, "size": 12, "color": "#222222"},
        paper_bgcolor="white", plot_bgcolor="white", **{**defaults, **layout},
    )
    return fig


# ------------------------------------------------------------------------------ heatmaps

def risk_grid(rows: list[str], cols: list[str], cells: list[tuple[int, int, str, str, str]],
              t: Texts, *, row_width: int = 42, row_lines: int = 2) -> go.Figure:
    """A heatmap drawn as bars: vector in SVG, hatched where unknown, a word in every cell.

    cells: (row, column, risk level, cell text, hover text).
    """
    fig = go.Figure()
    for lv in LEVELS_WITH_UNKNOWN:
        mine = [c for c in cells if c[2] == lv]
        fig.add_trace(go.Bar(
            orientation="h", name=t(f"level.{lv}"), legendgroup=lv,
            y=[c[0] for c in mine] or [None], x=[0.94] * len(mine) or [None],
            base=[c[1] + 0.03 for c in mine] or [None], width=0.88,
            text=[c[3] for c in mine], textposition="inside", insidetextanchor="middle",
            textangle=0, constraintext="none",
            textfont={"color": TEXT_COLOURS[lv], "size": 11},
            customdata=[c[4] for c in mine], hovertemplate="%{customdata}<extra></extra>",
            marker={"color": RISK_COLOURS[lv], "line": {"color": "#bbbbbb", "width": 0.5},
                    "pattern": UNKNOWN_PATTERN if lv == "unknown" else {"shape": ""}},
        ))
    n_rows, n_cols = len(rows), len(cols)
    row_labels = [label(r, row_width, row_lines) for r in rows]
    # a row label of three lines needs a taller row, or it runs into its neighbours
    cell = CELL_HEIGHT + 10 * max(0, max((r.count("<br>") for r in row_labels), default=0) - 1)
    # long single words (German: "Automatisierte", "Zusammenarbeit") get a smaller font, so
    # neighbouring column heads do not run into each other
    longest = max((len(w) for c in cols for w in c.split()), default=0)
    col_font = 10 if longest <= 12 else 9
    styled(
        fig, height=110 + cell * n_rows, barmode="overlay", bargap=0,
        showlegend=True,
        legend={"orientation": "h", "x": 0, "y": -0.02, "yanchor": "top",
                "traceorder": "normal", "title": {"text": t("chart.risk_level")}},
        margin={"l": 10, "r": 10, "t": 70, "b": 40},
        xaxis={"range": [0, n_cols], "tickvals": [i + 0.5 for i in range(n_cols)],
               "ticktext": [label(c, 14) for c in cols], "side": "top", "showgrid": False,
               "tickangle": 0, "tickfont": {"size": col_font},
               "zeroline": False, "fixedrange": True},
        yaxis={"range": [n_rows - 0.5, -0.5], "tickvals": list(range(n_rows)),
               "ticktext": row_labels, "showgrid": False,
               "zeroline": False, "fixedrange": True, "ticksuffix": "  "},
    )
    for i in range(1, n_cols):  # light column rules help the eye across wide grids
        fig.add_shape(type="line", x0=i, x1=i, y0=-0.5, y1=n_rows - 0.5,
                      line={"color": "#e6e6e6", "width": 1}, layer="below")
    return fig


def _grid_figure(grid: chartdata.Grid, t: Texts) -> go.Figure:
    cells = [(c.row, c.col, c.level, c.text,
              "<br>".join(label(line) for line in c.hover)) for c in grid.cells]
    return risk_grid(grid.rows, grid.cols, cells, t, row_width=grid.row_width,
                     row_lines=grid.row_lines)


def sign_heatmap(assessment: Assessment, catalogue: Catalogue, lang: str = "en") -> go.Figure:
    """Warning signs x areas for one team (chartdata.sign_grid)."""
    return _grid_figure(chartdata.sign_grid(assessment, catalogue, lang), texts(lang))


def team_heatmap(teams: Sequence[TeamReport], catalogue: Catalogue,
                 lang: str = "en") -> go.Figure:
    """Teams x areas for an organisation (chartdata.team_grid)."""
    return _grid_figure(chartdata.team_grid(teams, catalogue, lang), texts(lang))


# ------------------------------------------------------------------------------ radar

def _outward(n: int) -> list[str]:
    """Where each point's label goes so it points away from the centre (clockwise from
    the top), instead of piling up in the middle when the levels are low."""
    out = []
    for i in range(n):
        angle = math.radians(90 - i * 360 / n)
        x, y = math.cos(angle), math.sin(angle)
        if abs(x) > 0.5:
            out.append(("top " if y > 0.2 else "bottom " if y < -0.2 else "middle ")
                       + ("right" if x > 0 else "left"))
        else:
            out.append("top center" if y > 0 else "bottom center")
    return out


def area_radar(assessment: Assessment, catalogue: Catalogue, lang: str = "en",
               previous: HistoryPoint | None = None) -> go.Figure:
    """Maturity level (1-5) per area; the previous assessment dashed for comparison."""
    t = texts(lang)
    names, values = chartdata.area_levels(assessment, catalogue, lang)
    thetas = [label(name, 18) for name in names]
    fig = go.Figure()
    if previous is not None:
        prev = [previous.area_levels.get(a.id) for a in catalogue.areas]
        fig.add_trace(go.Scatterpolar(
            r=[*prev, prev[0]], theta=[*thetas, thetas[0]], mode="lines+markers",
            name=t("chart.previous", date=fmt.date(previous.date)),
            line={"color": PREVIOUS_COLOUR, "dash": "dash", "width": 2},
            marker={"symbol": "square", "size": 7}, connectgaps=False,
            hovertemplate="%{theta}: %{r}<extra></extra>",
        ))
    fig.add_trace(go.Scatterpolar(
        r=[*values, values[0]], theta=[*thetas, thetas[0]], mode="lines+markers+text",
        name=t("chart.current"), fill="toself", fillcolor=CURRENT_FILL,
        line={"color": CURRENT_COLOUR, "width": 2.5}, marker={"size": 8},
        text=[*(fmt.level(v) if v is not None else "" for v in values), ""],
        textposition=[*_outward(len(values)), "top center"], connectgaps=False,
        hovertemplate="%{theta}: %{r}<extra></extra>",
    ))
    return styled(
        fig, height=480, showlegend=True,
        legend={"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.06},
        margin={"l": 60, "r": 60, "t": 50, "b": 40},
        # the scale's numbers run between the first and the last area, clear of the labels
        polar={"radialaxis": {"range": [0, 5.3], "tickvals": [1, 2, 3, 4, 5],
                              "angle": 90 + 180 / max(len(values), 1), "tickangle": 0,
                              "tickfont": {"size": 9, "color": "#777777"},
                              "gridcolor": "#d9d9d9"},
               "angularaxis": {"direction": "clockwise", "gridcolor": "#d9d9d9"},
               "bgcolor": "white"},
    )


# ------------------------------------------------------------------------------ trend

def risk_trend(points: Sequence[HistoryPoint], thresholds: RiskThresholds,
               lang: str = "en") -> go.Figure:
    """Operational risk index over time, on bands that name the risk levels."""
    t = texts(lang)
    known = [p for p in sorted(points, key=lambda p: p.date) if p.risk_index is not None]
    fig = go.Figure()
    bounds = [0, thresholds.medium * 100, thresholds.high * 100, thresholds.critical * 100, 100]
    for lv, lo, hi in zip(RISK_LEVELS, bounds[:-1], bounds[1:], strict=True):
        fig.add_hrect(y0=lo, y1=hi, fillcolor=RISK_COLOURS[lv], opacity=BAND_OPACITY, line_width=0,
                      layer="below", annotation_text=t(f"level.{lv}"),
                      annotation_position="outside right", annotation_font_size=10)
    # Labels above a point, or below it near the top; the x range leaves room on both
    # sides so the first and last labels stay inside the chart.
    fig.add_trace(go.Scatter(
        x=[p.date.isoformat() for p in known], y=[p.risk_index for p in known],
        mode="lines+markers+text", text=[fmt.index(p.risk_index) for p in known],
        textposition=["bottom center" if (p.risk_index or 0) > 88 else "top center"
                      for p in known],
        line={"color": CURRENT_COLOUR, "width": 2.5}, cliponaxis=False,
        marker={"size": 9}, name=t("label.risk_index"),
        customdata=[p.date.isoformat() for p in known],
        hovertemplate="%{customdata}: %{y:.0f}<extra></extra>",
    ))
    days = [p.date for p in known]
    pad = max(((max(days) - min(days)).days if days else 0) * 0.08, 20)
    x_range = ([(min(days) - dt.timedelta(days=pad)).isoformat(),
                (max(days) + dt.timedelta(days=pad)).isoformat()] if days else None)
    return styled(
        fig, height=300, showlegend=False, margin={"l": 70, "r": 60, "t": 20, "b": 40},
        yaxis={"range": [0, 100], "title": {"text": t("label.risk_index")},
               "gridcolor": "#e6e6e6", "fixedrange": True},
        xaxis={"type": "date", "tickformat": fmt.DATE_TICKS.get(lang, "%Y-%m-%d"),
               "gridcolor": "#eeeeee", "range": x_range,
               "tickvals": [d.isoformat() for d in days]},
    )


# ------------------------------------------------------------------------------ DORA

metric_cluster = chartdata.metric_cluster


def dora_placement(summary: DoraSummary, lang: str = "en") -> go.Figure:
    """The team's DORA metrics against the published clusters of the pinned report year."""
    t = texts(lang)
    table = dora_tables.cluster_table(summary.year)
    metrics = dora_tables.CLUSTER_METRICS
    titles = [f"{t('dora.metric.' + m)}: {fmt.dora_value(m, summary.metrics.get(m), t)}"
              for m in metrics]
    fig = make_subplots(rows=len(metrics), cols=1, subplot_titles=[label(x) for x in titles],
                        vertical_spacing=0.1)
    names = [t(f"dora.cluster.{c.name}") for c in table.clusters]
    for row, metric in enumerate(metrics, start=1):
        value = summary.metrics.get(metric)
        here = metric_cluster(table, metric, value)
        colours = [DORA_HERE if c.name == here else DORA_OTHER for c in table.clusters]
        text_colours = ["#ffffff" if c.name == here else "#222222" for c in table.clusters]
        published = [c.published_words(lang)[metrics.index(metric)] for c in table.clusters]
        if metric == "change_fail_rate":
            rates = [c.change_fail_rate for c in table.clusters]
            fig.add_trace(go.Bar(
                orientation="h", y=names, x=rates, marker={"color": colours}, text=published,
                textposition="outside", showlegend=False,
                hovertemplate="%{y}: %{text}<extra></extra>",
            ), row=row, col=1)
            top = chartdata.rate_axis_top(value)
            ticks = [x / 10 for x in range(0, int(top * 10) + 1)]
            fig.update_xaxes(range=[0, top], tickvals=ticks, ticktext=[fmt.pct(x) for x in ticks],
                             row=row, col=1,
                             title={"text": t(f"dora.unit.{metric}"), "font": {"size": 10}})
        else:
            lo_axis, hi_axis = chartdata.log_axis(metric, value)
            floor, ceil = 10 ** lo_axis, 10 ** hi_axis
            spans = [(max(lo, floor), min(hi, ceil)) for lo, hi in
                     (getattr(c, metric) for c in table.clusters)]
            fig.add_trace(go.Bar(
                orientation="h", y=names, base=[s[0] for s in spans],
                x=[s[1] - s[0] for s in spans], marker={"color": colours}, text=published,
                textposition="inside", insidetextanchor="middle",
                textfont={"color": text_colours, "size": 10}, showlegend=False,
                hovertemplate="%{y}: %{text}<extra></extra>",
            ), row=row, col=1)
            fig.update_xaxes(type="log", range=[lo_axis, hi_axis], dtick=1, row=row, col=1,
                             title={"text": t(f"dora.unit.{metric}"), "font": {"size": 10}})
        if value is not None:  # a dotted line across the rows, one marker on its own row
            fig.add_trace(go.Scatter(
                x=[value, value], y=[names[0], names[-1]], mode="lines",
                line={"color": DORA_MARK, "width": 2, "dash": "dot"}, showlegend=False,
                hoverinfo="skip",
            ), row=row, col=1)
            fig.add_trace(go.Scatter(
                x=[value], y=[names[[c.name for c in table.clusters].index(here)]
                              if here else names[0]], mode="markers",
                marker={"symbol": "diamond", "size": 12, "color": DORA_MARK,
                        "line": {"color": "#ffffff", "width": 1}},
                name=t("dora.this_team"), showlegend=row == 1, cliponaxis=False,
                hovertemplate=f"{t('dora.this_team')}: "
                              f"{fmt.dora_value(metric, value, t)}<extra></extra>",
            ), row=row, col=1)
        fig.update_yaxes(autorange="reversed", row=row, col=1)
    styled(fig, height=150 * len(metrics) + 100, barmode="overlay",
          legend={"orientation": "h", "x": 0, "y": 1.06, "yanchor": "bottom"},
          margin={"l": 10, "r": 20, "t": 60, "b": 30})
    fig.update_annotations(font_size=12, xanchor="left", x=0)
    return fig


# ------------------------------------------------------------------------------ roadmap

def roadmap(assessment: Assessment, catalogue: Catalogue, lang: str = "en",
            limit: int = 15) -> go.Figure:
    """The ranked measures: risk they take away, coloured and patterned by now/next/later."""
    t = texts(lang)
    recs = {r.id: r for r in catalogue.all_recommendations()}
    ranked = assessment.recommendations[:limit]
    points = {r.rank: index_points(assessment, r.risk_reduction) for r in ranked}
    fig = go.Figure()
    for horizon, (colour, pattern) in HORIZON_STYLE.items():
        mine = [r for r in ranked if r.horizon == horizon]
        fig.add_trace(go.Bar(
            orientation="h", name=t(f"horizon.{horizon}.title"),
            y=[r.rank for r in mine] or [None], x=[points[r.rank] for r in mine] or [None],
            marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "#ffffff",
                                                 "solidity": 0.3}},
            customdata=[[label(localise(recs[r.recommendation_id].title, lang)),
                         t(f"effort.{r.effort}.short")] for r in mine],
            hovertemplate="%{customdata[0]}<br>" + t("label.index_points")
                          + ": %{x:.0f}<br>" + t("label.effort") + ": %{customdata[1]}"
                          + "<extra></extra>",
        ))
    ticks = [f"{r.rank}. {label(localise(recs[r.recommendation_id].title, lang), 48)}"
             f" ({r.effort})" for r in ranked]
    top = max(points.values(), default=1.0) or 1.0
    return styled(
        fig, height=90 + 40 * max(1, len(ranked)), barmode="overlay", bargap=0.25,
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom",
                "traceorder": "normal"},
        margin={"l": 10, "r": 30, "t": 40, "b": 50},
        xaxis={"title": {"text": t("chart.index_points_axis")}, "range": [0, top * 1.25],
               "gridcolor": "#e6e6e6", "fixedrange": True},
        yaxis={"tickvals": [r.rank for r in ranked], "ticktext": ticks, "autorange": "reversed",
               "fixedrange": True, "ticksuffix": "  "},
    )
