"""What the report charts show, as plain data: one home for the web's plotly figures
(charts.py) and the PDF's SVG charts (svgcharts.py), so both draw the same cells, levels
and clusters. No plotting library is imported here."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from opsmaturity.scoring import dora as dora_tables
from opsmaturity.scoring.assessment import Assessment
from opsmaturity.scoring.catalogue import Catalogue, localise

from . import fmt
from .model import TeamReport
from .texts import texts


def wrap(text: str, width: int | None = None, max_lines: int | None = None) -> list[str]:
    """A label's lines: wrapped at `width` characters; with max_lines, cut to that many
    lines, the last one "… " and the text's end, which is where names of the same family
    differ (the hover text has it whole)."""
    lines = textwrap.wrap(text, width) if width else [text]
    if max_lines and len(lines) > max_lines:  # keep the start and the end ("… team 07")
        room = (width or 40) - 2
        tail = text[-room:]
        tail = tail[tail.find(" ") + 1:] if " " in tail[1:] and text[-room - 1] != " " else tail
        lines = [*lines[:max_lines - 1], f"… {tail.strip()}"]
    return lines or [""]


@dataclass(frozen=True)
class Cell:
    row: int
    col: int
    level: str
    text: str
    hover: tuple[str, ...]
    """Lines of the hover text (plain text; the plotly figure escapes them)."""


@dataclass(frozen=True)
class Grid:
    """A risk grid: row and column titles, one cell per (row, column) that has a level."""

    rows: list[str]
    cols: list[str]
    cells: list[Cell]
    row_width: int
    row_lines: int = 2


def area_levels(assessment: Assessment, catalogue: Catalogue,
                lang: str = "en") -> tuple[list[str], list[float | None]]:
    """The radar's axes and values: each area's name ("(unknown)" added where it has no
    level) and its maturity level (1-5), in catalogue order."""
    t = texts(lang)
    results = {a.area_id: a for a in assessment.areas}
    names: list[str] = []
    values: list[float | None] = []
    for area in catalogue.areas:
        result = results.get(area.id)
        name = localise(area.title, lang)
        if result is None or result.level is None:
            name = f"{name} ({t('level.unknown')})"
        names.append(name)
        values.append(None if result is None else result.level)
    return names, values


def sign_grid(assessment: Assessment, catalogue: Catalogue, lang: str = "en") -> Grid:
    """Warning signs x areas for one team: each sign's risk level in its main area.

    Each sign once, in its main (first) area, rows grouped by that area: a sign's level
    repeated across the areas it also touches read as several risks."""
    t = texts(lang)
    areas = [a.id for a in catalogue.areas]
    rows, cells = [], []
    ordered = sorted(assessment.findings, key=lambda f: (
        areas.index(f.areas[0]) if f.areas and f.areas[0] in areas else len(areas)))
    for i, f in enumerate(ordered):
        title = localise(catalogue.sign(f.sign_id).title, lang)
        rows.append(title)
        for area_id in f.areas[:1]:
            hover = (title, localise(catalogue.area(area_id).title, lang),
                     f"{t('chart.risk')}: {t('level.' + f.risk_level)}",
                     f"{t('label.likelihood')}: {fmt.pct(f.likelihood)}",
                     f"{t('label.confidence')}: {fmt.pct(f.confidence)}")
            cells.append(Cell(i, areas.index(area_id), f.risk_level,
                              t(f"level.{f.risk_level}"), hover))
    cols = [localise(catalogue.area(a).title, lang) for a in areas]
    return Grid(rows, cols, cells, row_width=46, row_lines=3)


def team_grid(teams: Sequence[TeamReport], catalogue: Catalogue, lang: str = "en") -> Grid:
    """Teams x areas for an organisation: each area's risk level and maturity level."""
    t = texts(lang)
    rows, cells = [], []
    for i, team in enumerate(teams):
        rows.append(team.team)
        by_area = {a.area_id: a for a in team.assessment.areas}
        for j, area in enumerate(catalogue.areas):
            result = by_area.get(area.id)
            lv = result.risk_level if result else "unknown"
            lvl = None if result is None else result.level
            word = t(f"level.{lv}")
            text = word if lvl is None else f"{word} · {t('chart.level_short', n=fmt.level(lvl))}"
            hover = (team.team, localise(area.title, lang), f"{t('chart.risk')}: {word}",
                     f"{t('label.maturity')}: {fmt.level(lvl)}/5")
            cells.append(Cell(i, j, lv, text, hover))
    return Grid(rows, [localise(a.title, lang) for a in catalogue.areas], cells, row_width=28)


DORA_AXIS = {  # log-axis span (10^lo .. 10^hi) for the time and frequency metrics
    "deployment_frequency_per_week": (-2.0, 2.0),
    "change_lead_time_hours": (-1.0, 4.0),
    "failed_deployment_recovery_time_hours": (-1.0, 4.0),
}


def metric_cluster(table: dora_tables.ClusterTable, metric: str,
                   value: float | None) -> str | None:
    """The cluster this one metric's value falls in (nearest on a log scale when it falls in
    none): a row is shaded only where the team's value is, not by the overall cluster."""
    if value is None:
        return None
    if metric == "change_fail_rate":
        return min(table.clusters, key=lambda c: abs(c.change_fail_rate - value)).name
    for c in table.clusters:
        lo, hi = getattr(c, metric)
        if lo <= value <= hi:
            return c.name
    if value <= 0:
        return None

    def distance(c: dora_tables.ClusterProfile) -> float:
        lo, hi = getattr(c, metric)
        edges = [x for x in (lo, hi) if 0 < x < math.inf]
        return min(abs(math.log10(value) - math.log10(x)) for x in edges) if edges else math.inf
    return min(table.clusters, key=distance).name


def log_axis(metric: str, value: float | None) -> tuple[float, float]:
    """The decades a DORA time or frequency panel spans, widened to hold the team's value."""
    lo_axis, hi_axis = DORA_AXIS[metric]
    if value is not None and value > 0:
        lo_axis = min(lo_axis, math.floor(math.log10(value)))
        hi_axis = max(hi_axis, math.ceil(math.log10(value)))
    return lo_axis, hi_axis


def rate_axis_top(value: float | None) -> float:
    """The change fail rate panel's right end (at least 70%, room for the team's value)."""
    return max(0.7, (value or 0) * 1.15)
