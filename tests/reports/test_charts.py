"""The shared chart builders (the web's plotly figures)."""

from __future__ import annotations

import re
from itertools import pairwise

from opsmaturity.reports import charts
from opsmaturity.reports.model import HistoryPoint, TeamReport
from opsmaturity.scoring.catalogue import localise


def lightness(hex_colour: str) -> float:
    """CIE L* (0 black .. 100 white): what colour-blind readers still tell apart."""
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(int(hex_colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 116 * (y ** (1 / 3) if y > 0.008856 else 7.787 * y + 16 / 116) - 16


def test_risk_palette_gets_darker_with_every_level():
    values = [lightness(charts.RISK_COLOURS[lv]) for lv in charts.RISK_LEVELS]
    assert all(a - b >= 10 for a, b in pairwise(values)), values
    grey = charts.RISK_COLOURS["unknown"].lstrip("#")
    assert len(set(re.findall("..", grey))) == 1, "unknown must be a neutral grey"
    assert charts.UNKNOWN_PATTERN["shape"], "unknown must be hatched, not only grey"


def cells(fig) -> dict[str, list[str]]:
    return {tr.name: list(tr.text) for tr in fig.data}


def test_sign_heatmap_writes_the_level_in_every_cell(workshop: TeamReport, catalogue):
    fig = charts.sign_heatmap(workshop.assessment, catalogue)
    per_level = cells(fig)
    assert set(per_level) == {"low", "medium", "high", "critical", "unknown"}  # full legend
    expected = {}
    for f in workshop.assessment.findings:  # one cell per sign: no level repeated
        expected[f.risk_level] = expected.get(f.risk_level, 0) + 1
    for level, n in expected.items():
        assert per_level[level] == [level] * n
    # rows grouped by the sign's main area: the cells' columns never go back left
    columns = {int(y): base for tr in fig.data if tr.y[0] is not None
               for y, base in zip(tr.y, tr.base, strict=True)}
    assert [columns[i] for i in sorted(columns)] == sorted(columns.values())
    assert any(localise(catalogue.signs[0].title, "en")[:20] in tick.replace("<br>", " ")
               for tick in fig.layout.yaxis.ticktext)


def test_unknown_is_hatched_and_never_looks_low(weak: TeamReport, catalogue):
    a = weak.assessment.model_copy(update={"findings": [
        f.model_copy(update={"risk_level": "unknown", "risk": None, "status": "unknown"})
        for f in weak.assessment.findings]})
    fig = charts.sign_heatmap(a, catalogue)
    (unknown,) = [tr for tr in fig.data if tr.name == "unknown"]
    (low,) = [tr for tr in fig.data if tr.name == "low"]
    assert unknown.marker.pattern.shape == "/" and not low.marker.pattern.shape
    assert unknown.marker.color != low.marker.color
    assert set(unknown.text) == {"unknown"}


def test_team_heatmap_escapes_names_and_shows_levels(organisation, catalogue):
    teams = [*organisation.teams[:2]]
    teams[0] = teams[0].model_copy(update={"team": "<b>Ops</b> & <i>co</i>"})
    fig = charts.team_heatmap(teams, catalogue)
    assert fig.layout.yaxis.ticktext[0] == "&lt;b&gt;Ops&lt;/b&gt; &amp; &lt;i&gt;co&lt;/i&gt;"
    texts = [x for tr in fig.data for x in tr.text]
    assert len(texts) == 2 * len(catalogue.areas)
    first = teams[0].assessment.areas[0]
    assert f"{first.risk_level} · L{first.level}" in texts


def test_radar_plots_each_area_level_and_the_previous_one(workshop: TeamReport, catalogue):
    previous = HistoryPoint(date=workshop.date.replace(month=1), risk_index=70,
                            area_levels={catalogue.areas[0].id: 2.0})
    fig = charts.area_radar(workshop.assessment, catalogue, previous=previous)
    prev, current = fig.data
    assert list(current.r[:-1]) == [a.level for a in workshop.assessment.areas]
    assert prev.r[0] == 2.0 and prev.line.dash == "dash"


def test_trend_roadmap_and_dora(workshop: TeamReport, catalogue):
    points = [*workshop.history, workshop.current_point()]
    trend = charts.risk_trend(points, catalogue.scoring.risk_levels)
    assert list(trend.data[0].y) == [p.risk_index for p in points]
    road = charts.roadmap(workshop.assessment, catalogue)
    assert sum(len(tr.x) for tr in road.data if tr.x != (None,)) == min(
        15, len(workshop.assessment.recommendations))
    dora = charts.dora_placement(workshop.assessment.dora)
    team_lines = [tr for tr in dora.data if tr.name == "this team"]
    assert [tr.x[0] for tr in team_lines] == [2.5, 60.0, 0.18, 5.0]


