"""The PDF's charts written as SVG directly, which WeasyPrint draws without a browser.

Drawing the plotly figures needed Chromium (kaleido), whose start alone took 3-6 s of a
team PDF's 8-11 s on a busy 2-core machine. These are the same charts from the same data
(chartdata.py) in the same colours and font (palette.py); the web app keeps its
interactive plotly figures (charts.py). Every text is escaped; nothing here loads a file.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from opsmaturity.scoring import dora as dora_tables
from opsmaturity.scoring.assessment import Assessment, DoraSummary
from opsmaturity.scoring.catalogue import Catalogue, RiskThresholds, localise

from . import chartdata, fmt
from .model import HistoryPoint, TeamReport, index_points
from .palette import (
    BAND_OPACITY,
    CELL_HEIGHT,
    CELL_LINE,
    CURRENT_COLOUR,
    CURRENT_FILL,
    DORA_HERE,
    DORA_MARK,
    DORA_OTHER,
    FONT,
    GRID_COLOUR,
    HORIZON_STYLE,
    INK,
    LEVELS_WITH_UNKNOWN,
    PREVIOUS_COLOUR,
    RISK_COLOURS,
    RISK_LEVELS,
    RULE_COLOUR,
    TEXT_COLOURS,
    UNKNOWN_PATTERN,
)
from .texts import texts

WIDTH = 900
EM = 0.55
"""Average advance of a DejaVu Sans letter, in font sizes: to leave room for labels."""


def text_width(text: str, size: float) -> float:
    return len(text) * size * EM


class Canvas:
    """An SVG document being written; every text goes through escape()."""

    def __init__(self, height: float, width: int = WIDTH) -> None:
        self.width, self.height = width, height
        self.parts: list[str] = []
        self.defs: list[str] = []

    def add(self, tag: str, **attrs: object) -> None:
        self.parts.append(f"<{tag} {_attrs(attrs)}/>")

    def rect(self, x: float, y: float, w: float, h: float, **attrs: object) -> None:
        self.add("rect", x=_n(x), y=_n(y), width=_n(max(w, 0)), height=_n(max(h, 0)), **attrs)

    def line(self, x1: float, y1: float, x2: float, y2: float, **attrs: object) -> None:
        self.add("line", x1=_n(x1), y1=_n(y1), x2=_n(x2), y2=_n(y2), **attrs)

    def poly(self, points: Sequence[tuple[float, float]], closed: bool = False,
             **attrs: object) -> None:
        self.add("polygon" if closed else "polyline",
                 points=" ".join(f"{_n(x)},{_n(y)}" for x, y in points), **attrs)

    def text(self, x: float, y: float, lines: str | Sequence[str], size: float = 12,
             anchor: str = "start", colour: str = INK, middle: bool = True,
             line_height: float = 1.25, **attrs: object) -> None:
        """Lines of text; y is the middle of the block (or its first baseline)."""
        lines = [lines] if isinstance(lines, str) else list(lines)
        step = size * line_height
        first = y - step * (len(lines) - 1) / 2 + size * 0.35 if middle else y
        for i, line in enumerate(lines):
            where = {"x": _n(x), "y": _n(first + i * step), "font-size": _n(size),
                     "text-anchor": anchor, "fill": colour, **attrs}
            self.parts.append(f"<text {_attrs(where)}>{escape(line)}</text>")

    def marker(self, kind: str, x: float, y: float, size: float, colour: str,
               **attrs: object) -> None:
        r = size / 2
        if kind == "square":
            self.rect(x - r, y - r, size, size, fill=colour, **attrs)
        elif kind == "diamond":
            self.poly([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], closed=True,
                      fill=colour, **attrs)
        else:
            self.add("circle", cx=_n(x), cy=_n(y), r=_n(r), fill=colour, **attrs)

    def pattern(self, name: str, shape: str, background: str, ink: str,
                size: float = 7, solidity: float = 0.3) -> str:
        """A fill of stripes ("/") or dots (".") over `background`; returns its url()."""
        if shape == "/":
            mark = (f'<rect width="{_n(size)}" height="{_n(size)}" fill="{background}"/>'
                    f'<rect width="{_n(size * solidity)}" height="{_n(size)}" fill="{ink}"/>')
            transform = ' patternTransform="rotate(45)"'
        else:
            mark = (f'<rect width="{_n(size)}" height="{_n(size)}" fill="{background}"/>'
                    f'<circle cx="{_n(size / 2)}" cy="{_n(size / 2)}" '
                    f'r="{_n(size * math.sqrt(solidity) / 2)}" fill="{ink}"/>')
            transform = ""
        self.defs.append(f'<pattern id="{name}" patternUnits="userSpaceOnUse" '
                         f'width="{_n(size)}" height="{_n(size)}"{transform}>{mark}</pattern>')
        return f"url(#{name})"

    def svg(self) -> str:
        defs = f"<defs>{''.join(self.defs)}</defs>" if self.defs else ""
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" '
                f'height="{_n(self.height)}" viewBox="0 0 {self.width} {_n(self.height)}" '
                f'font-family={quoteattr(FONT)}>{defs}'
                f'<rect width="100%" height="100%" fill="white"/>{"".join(self.parts)}</svg>')


def _n(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _attrs(attrs: dict[str, object]) -> str:
    return " ".join(f"{k.replace('_', '-')}={quoteattr(str(v))}" for k, v in attrs.items())


def _fill(c: Canvas, level: str) -> str:
    if level != "unknown":
        return RISK_COLOURS[level]
    if not any('id="unknown-hatch"' in d for d in c.defs):
        c.pattern("unknown-hatch", UNKNOWN_PATTERN["shape"], RISK_COLOURS["unknown"],
                  UNKNOWN_PATTERN["fgcolor"], UNKNOWN_PATTERN["size"],
                  UNKNOWN_PATTERN["solidity"])
    return "url(#unknown-hatch)"


def _legend(c: Canvas, x: float, y: float, entries: Sequence[tuple[str, str]],
            title: str = "", kind: str = "rect") -> None:
    """One row of legend entries (fill, name) starting at (x, y), y the row's middle."""
    if title:
        c.text(x, y, title, size=12)
        x += text_width(title, 12) + 12
    for fill, name in entries:
        if kind == "rect":
            c.rect(x, y - 7, 22, 14, fill=fill, stroke=CELL_LINE, stroke_width=0.5)
            x += 28
        else:
            c.line(x, y, x + 26, y, stroke=fill, stroke_width=2.5,
                   stroke_dasharray="6 4" if kind == "dashed" else "none")
            c.marker("square" if kind == "dashed" else "circle", x + 13, y, 7, fill)
            x += 32
        c.text(x, y, name, size=12)
        x += text_width(name, 12) + 18
        kind = "line" if kind == "dashed" else kind


# ------------------------------------------------------------------------------ heatmaps

def risk_grid(grid: chartdata.Grid, lang: str = "en") -> str:
    """A heatmap: a word in every cell, hatched where unknown, columns on top."""
    t = texts(lang)
    rows = [chartdata.wrap(r, grid.row_width, grid.row_lines) for r in grid.rows]
    cols = [chartdata.wrap(col, 14) for col in grid.cols]
    cell_h = CELL_HEIGHT + 10 * max(0, max((len(r) for r in rows), default=1) - 2)
    longest = max((len(w) for col in grid.cols for w in col.split()), default=0)
    col_font = 10 if longest <= 12 else 9
    left = 10 + max((text_width(line, 12) for r in rows for line in r), default=0) + 12
    top = 70
    n_rows, n_cols = len(rows), max(len(cols), 1)
    cell_w = (WIDTH - 10 - left) / n_cols
    c = Canvas(top + cell_h * n_rows + 60)
    for i in range(1, n_cols):  # light column rules help the eye across wide grids
        c.line(left + i * cell_w, top, left + i * cell_w, top + cell_h * n_rows,
               stroke=GRID_COLOUR, stroke_width=1)
    for j, head in enumerate(cols):
        c.text(left + (j + 0.5) * cell_w, top - 8 - col_font * 1.25 * (len(head) - 0.5),
               head, size=col_font, anchor="middle")
    for i, row in enumerate(rows):
        c.text(left - 12, top + (i + 0.5) * cell_h, row, size=12, anchor="end")
    for cell in grid.cells:
        x, y = left + (cell.col + 0.03) * cell_w, top + (cell.row + 0.06) * cell_h
        c.rect(x, y, cell_w * 0.94, cell_h * 0.88, fill=_fill(c, cell.level),
               stroke=CELL_LINE, stroke_width=0.5, data_level=cell.level)
        c.text(x + cell_w * 0.47, y + cell_h * 0.44, cell.text.split("<br>"), size=11,
               anchor="middle", colour=TEXT_COLOURS[cell.level])
    _legend(c, 10, top + cell_h * n_rows + 30,
            [(_fill(c, lv), t(f"level.{lv}")) for lv in LEVELS_WITH_UNKNOWN],
            title=t("chart.risk_level"))
    return c.svg()


def sign_heatmap(assessment: Assessment, catalogue: Catalogue, lang: str = "en") -> str:
    """Warning signs x areas for one team (chartdata.sign_grid)."""
    return risk_grid(chartdata.sign_grid(assessment, catalogue, lang), lang)


def team_heatmap(teams: Sequence[TeamReport], catalogue: Catalogue, lang: str = "en") -> str:
    """Teams x areas for an organisation (chartdata.team_grid)."""
    return risk_grid(chartdata.team_grid(teams, catalogue, lang), lang)


# ------------------------------------------------------------------------------ radar

def area_radar(assessment: Assessment, catalogue: Catalogue, lang: str = "en",
               previous: HistoryPoint | None = None) -> str:
    """Maturity level (1-5) per area; the previous assessment dashed for comparison."""
    t = texts(lang)
    areas, values = chartdata.area_levels(assessment, catalogue, lang)
    names = [chartdata.wrap(name, 18) for name in areas]
    n = max(len(values), 1)
    c = Canvas(480)
    cx, cy, radius, top = WIDTH / 2, 240, 185, 5.3

    def at(i: float, r: float) -> tuple[float, float]:
        angle = math.radians(90 - i * 360 / n)
        return cx + radius * r / top * math.cos(angle), cy - radius * r / top * math.sin(angle)

    for level in (1, 2, 3, 4, 5, top):
        c.add("circle", cx=_n(cx), cy=_n(cy), r=_n(radius * level / top), fill="none",
              stroke=RULE_COLOUR, stroke_width=1)
    for i, name in enumerate(names):
        c.line(cx, cy, *at(i, top), stroke=RULE_COLOUR, stroke_width=1)
        x, y = at(i, top + 0.45)
        dx = x - cx
        anchor = "middle" if abs(dx) < radius * 0.2 else ("start" if dx > 0 else "end")
        c.text(x, y, name, size=12, anchor=anchor)
    for level in (1, 2, 3, 4, 5):  # the scale, between the last area and the first
        x, y = at(-0.5, level)
        c.text(x + 3, y, str(level), size=9, colour="#777777")

    def series(levels: list[float | None]) -> list[list[tuple[float, float]]]:
        runs: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate([*levels, levels[0] if levels else None]):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(at(i, v))
        return [r for r in runs if r]

    if previous is not None:
        prev = [previous.area_levels.get(a.id) for a in catalogue.areas]
        for run in series(prev):
            c.poly(run, fill="none", stroke=PREVIOUS_COLOUR, stroke_width=2,
                   stroke_dasharray="6 4")
        for i, v in enumerate(prev):
            if v is not None:
                c.marker("square", *at(i, v), 7, PREVIOUS_COLOUR)
    known = [at(i, v) for i, v in enumerate(values) if v is not None]
    if len(known) > 2:
        c.poly(known, closed=True, fill=CURRENT_FILL, stroke="none")
    for run in series(values):
        c.poly(run, fill="none", stroke=CURRENT_COLOUR, stroke_width=2.5)
    for i, v in enumerate(values):
        if v is None:
            continue
        x, y = at(i, v)
        c.marker("circle", x, y, 8, CURRENT_COLOUR, data_area=catalogue.areas[i].id)
        ox, oy = at(i, v + 0.55)  # the level's number outward, clear of the line
        c.text(ox, oy, fmt.level(v), size=12, anchor="middle")
    entries = [(CURRENT_COLOUR, t("chart.current"))]
    kind = "line"
    if previous is not None:
        entries.insert(0, (PREVIOUS_COLOUR, t("chart.previous", date=fmt.date(previous.date))))
        kind = "dashed"
    span = sum(32 + text_width(name, 12) + 18 for _, name in entries)
    _legend(c, cx - span / 2, 460, entries, kind=kind)
    return c.svg()


# ------------------------------------------------------------------------------ trend

def risk_trend(points: Sequence[HistoryPoint], thresholds: RiskThresholds,
               lang: str = "en") -> str:
    """Operational risk index over time, on bands that name the risk levels."""
    t = texts(lang)
    known = [p for p in sorted(points, key=lambda p: p.date) if p.risk_index is not None]
    c = Canvas(300)
    x0, x1, y0, y1 = 70.0, WIDTH - 60.0, 20.0, 260.0

    def y(v: float) -> float:
        return y1 - (y1 - y0) * v / 100

    bounds = [0, thresholds.medium * 100, thresholds.high * 100, thresholds.critical * 100, 100]
    for lv, lo, hi in zip(RISK_LEVELS, bounds[:-1], bounds[1:], strict=True):
        c.rect(x0, y(hi), x1 - x0, y(lo) - y(hi), fill=RISK_COLOURS[lv],
               fill_opacity=BAND_OPACITY, data_level=lv)
        c.text(x1 + 4, (y(lo) + y(hi)) / 2, t(f"level.{lv}"), size=10)
    for v in range(0, 101, 20):
        c.line(x0, y(v), x1, y(v), stroke=GRID_COLOUR, stroke_width=1)
        c.text(x0 - 6, y(v), str(v), size=12, anchor="end")
    c.text(22, (y0 + y1) / 2, t("label.risk_index"), size=12, anchor="middle",
           transform=f"rotate(-90 22 {_n((y0 + y1) / 2)})")
    days = [p.date for p in known]
    if days:
        pad = max((max(days) - min(days)).days * 0.08, 20)
        first, last = min(days) - dt.timedelta(days=pad), max(days) + dt.timedelta(days=pad)
        span = (last - first).days or 1
        ticks = fmt.DATE_TICKS.get(lang, "%Y-%m-%d")

        def x(d: dt.date) -> float:
            return x0 + (x1 - x0) * (d - first).days / span

        for d in days:
            c.line(x(d), y0, x(d), y1, stroke="#eeeeee", stroke_width=1)
            c.text(x(d), y1 + 18, d.strftime(ticks), size=12, anchor="middle")
        c.poly([(x(p.date), y(p.risk_index or 0)) for p in known], fill="none",
               stroke=CURRENT_COLOUR, stroke_width=2.5)
        for p in known:
            value = p.risk_index or 0
            c.marker("circle", x(p.date), y(value), 9, CURRENT_COLOUR)
            c.text(x(p.date), y(value) + (16 if value > 88 else -14), fmt.index(value),
                   size=12, anchor="middle")
    return c.svg()


# ------------------------------------------------------------------------------ DORA

def _decade(k: int) -> str:
    """A log axis tick as plotly writes it: 0.01, 0.1, 1, 10, 100, 1000, 10k."""
    value = 10.0 ** k
    if value >= 10_000:
        return f"{int(value / 1000)}k"
    return fmt.fixed(value, -k) if k < 0 else str(int(value))  # 0,01 in German


def dora_placement(summary: DoraSummary, lang: str = "en") -> str:
    """The team's DORA metrics against the published clusters of the pinned report year."""
    t = texts(lang)
    table = dora_tables.cluster_table(summary.year)
    metrics = dora_tables.CLUSTER_METRICS
    names = [t(f"dora.cluster.{cl.name}") for cl in table.clusters]
    c = Canvas(150 * len(metrics) + 100)
    left = 10 + max(text_width(name, 12) for name in names) + 10
    right = WIDTH - 20
    panel_h, gap, top = 100.0, 62.0, 60.0
    slot = panel_h / len(names)
    c.marker("diamond", 18, 22, 12, DORA_MARK, stroke="#ffffff", stroke_width=1)
    c.text(30, 22, t("dora.this_team"), size=12)
    for row, metric in enumerate(metrics):
        value = summary.metrics.get(metric)
        here = chartdata.metric_cluster(table, metric, value)
        py = top + row * (panel_h + gap)
        title = f"{t('dora.metric.' + metric)}: {fmt.dora_value(metric, value, t)}"
        c.text(10, py - 12, title, size=12)
        published = [cl.published_words(lang)[metrics.index(metric)] for cl in table.clusters]
        if metric == "change_fail_rate":
            end = chartdata.rate_axis_top(value)

            def x(v: float, end: float = end) -> float:
                return left + (right - left) * min(max(v, 0), end) / end

            ticks = [(x(k / 10), fmt.pct(k / 10)) for k in range(0, int(end * 10) + 1)]
        else:
            lo_axis, hi_axis = chartdata.log_axis(metric, value)

            def x(v: float, lo: float = lo_axis, hi: float = hi_axis) -> float:
                v = min(max(v, 10 ** lo), 10 ** hi)
                return left + (right - left) * (math.log10(v) - lo) / (hi - lo)

            ticks = [(x(10.0 ** k), _decade(k)) for k in range(int(lo_axis), int(hi_axis) + 1)]
        for tx, word in ticks:
            c.line(tx, py, tx, py + panel_h, stroke=GRID_COLOUR, stroke_width=1)
            c.text(tx, py + panel_h + 14, word, size=12, anchor="middle")
        c.text((left + right) / 2, py + panel_h + 32, t(f"dora.unit.{metric}"), size=10,
               anchor="middle")
        for i, (cl, name, words) in enumerate(zip(table.clusters, names, published,
                                                  strict=True)):
            mid = py + (i + 0.5) * slot
            c.text(left - 8, mid, name, size=12, anchor="end")
            mine = cl.name == here
            fill = DORA_HERE if mine else DORA_OTHER
            if metric == "change_fail_rate":
                bar_end = x(cl.change_fail_rate)
                c.rect(left, mid - slot * 0.4, bar_end - left, slot * 0.8, fill=fill,
                       data_cluster=cl.name)
                c.text(bar_end + 4, mid, words, size=12)
            else:
                lo, hi = getattr(cl, metric)
                a, b = x(lo), x(hi)
                c.rect(a, mid - slot * 0.4, b - a, slot * 0.8, fill=fill, data_cluster=cl.name)
                c.text((a + b) / 2, mid, words, size=10, anchor="middle",
                       colour="#ffffff" if mine else INK)
        if value is not None:  # a dotted line across the rows, one marker on its own row
            vx = x(value)
            c.line(vx, py + 0.5 * slot, vx, py + (len(names) - 0.5) * slot, stroke=DORA_MARK,
                   stroke_width=2, stroke_dasharray="2 3")
            where = [cl.name for cl in table.clusters].index(here) if here else 0
            c.marker("diamond", vx, py + (where + 0.5) * slot, 12, DORA_MARK,
                     stroke="#ffffff", stroke_width=1, data_value=value)
    return c.svg()


# ------------------------------------------------------------------------------ roadmap

def _nice_step(top: float) -> float:
    raw = top / 8
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def roadmap(assessment: Assessment, catalogue: Catalogue, lang: str = "en",
            limit: int = 15) -> str:
    """The ranked measures: risk they take away, coloured and patterned by now/next/later."""
    t = texts(lang)
    recs = {r.id: r for r in catalogue.all_recommendations()}
    ranked = assessment.recommendations[:limit]
    points = {r.rank: index_points(assessment, r.risk_reduction) for r in ranked}
    labels = [chartdata.wrap(f"{r.rank}. {localise(recs[r.recommendation_id].title, lang)}"
                             f" ({r.effort})", 48) for r in ranked]
    c = Canvas(90 + 40 * max(1, len(ranked)))
    left = 10 + max((text_width(line, 12) for lines in labels for line in lines),
                    default=0) + 12
    x0, x1, y0 = left, WIDTH - 30.0, 40.0
    end = (max(points.values(), default=1.0) or 1.0) * 1.25

    def x(v: float) -> float:
        return x0 + (x1 - x0) * v / end

    step = _nice_step(end)
    for k in range(int(end / step) + 1):
        c.line(x(k * step), y0, x(k * step), y0 + 40 * len(ranked), stroke=GRID_COLOUR,
               stroke_width=1)
        c.text(x(k * step), y0 + 40 * len(ranked) + 16, fmt.number(round(k * step, 6)),
               size=12, anchor="middle")
    c.text((x0 + x1) / 2, y0 + 40 * len(ranked) + 36, t("chart.index_points_axis"), size=12,
           anchor="middle")
    fills = {}
    for horizon, (colour, shape) in HORIZON_STYLE.items():
        fills[horizon] = (c.pattern(f"horizon-{horizon}", shape, colour, "#ffffff")
                          if shape else colour)
    for i, (r, lines) in enumerate(zip(ranked, labels, strict=True)):
        mid = y0 + 40 * (i + 0.5)
        c.text(x0 - 12, mid, lines, size=12, anchor="end")
        c.rect(x0, mid - 15, x(points[r.rank]) - x0, 30, fill=fills[r.horizon],
               data_horizon=r.horizon)
    _legend(c, 10, 16, [(fills[h], t(f"horizon.{h}.title")) for h in HORIZON_STYLE])
    return c.svg()
