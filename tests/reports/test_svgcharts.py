"""The PDF's SVG charts carry the same cells, labels and colours as the data they draw."""

from __future__ import annotations

import subprocess
import sys
from xml.etree import ElementTree

from opsmaturity.reports import chartdata, palette, svgcharts
from opsmaturity.reports.model import HistoryPoint, OrganisationReport, TeamReport
from opsmaturity.scoring import dora as dora_tables
from opsmaturity.scoring.catalogue import localise

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def words(root: ElementTree.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{NS}text")]


def shapes(root: ElementTree.Element, attribute: str) -> list[ElementTree.Element]:
    return [el for el in root.iter() if attribute in el.attrib]


def test_sign_heatmap_has_one_cell_per_finding_in_its_level_colour(workshop: TeamReport,
                                                                    catalogue):
    grid = chartdata.sign_grid(workshop.assessment, catalogue)
    root = parse(svgcharts.sign_heatmap(workshop.assessment, catalogue))
    cells = shapes(root, "data-level")
    assert len(cells) == len(grid.cells) == len(workshop.assessment.findings)
    assert [c.get("data-level") for c in cells] == [c.level for c in grid.cells]
    for shape, cell in zip(cells, grid.cells, strict=True):
        expected = "url(#unknown-hatch)" if cell.level == "unknown" else \
            palette.RISK_COLOURS[cell.level]
        assert shape.get("fill") == expected
    text = words(root)
    for row in grid.rows:  # every sign's title, wrapped as the plotly chart wraps it
        assert all(line in text for line in chartdata.wrap(row, 46, 3))
    for area in catalogue.areas:
        assert " ".join(chartdata.wrap(localise(area.title, "en"), 14)) in " ".join(text)
    assert text.count("critical") >= sum(c.level == "critical" for c in grid.cells)


def test_unknown_is_hatched_and_names_are_escaped(organisation: OrganisationReport, catalogue):
    teams = [*organisation.teams]
    odd = teams[0].model_copy(update={"team": "<b>Ops</b> & Co"})
    svg = svgcharts.team_heatmap([odd, *teams[1:]], catalogue)
    root = parse(svg)  # well-formed although the name holds markup
    assert "<b>Ops</b> & Co" in words(root) and "<b>" not in svg
    weak_cells = chartdata.team_grid([odd, *teams[1:]], catalogue).cells
    assert len(shapes(root, "data-level")) == len(weak_cells)
    if any(c.level == "unknown" for c in weak_cells):
        assert 'id="unknown-hatch"' in svg


def test_radar_marks_every_known_level_and_the_previous_one(workshop: TeamReport, catalogue):
    previous = HistoryPoint(date=workshop.date.replace(month=1), risk_index=70,
                            area_levels={catalogue.areas[0].id: 2.0})
    root = parse(svgcharts.area_radar(workshop.assessment, catalogue, previous=previous))
    known = [a.level for a in workshop.assessment.areas if a.level is not None]
    dots = shapes(root, "data-area")
    assert len(dots) == len(known)
    assert all(el.get("fill") == palette.CURRENT_COLOUR for el in dots)
    assert all(f"{lv:.1f}" in words(root) for lv in known)
    dashed = [el for el in root.iter(f"{NS}polyline")
              if el.get("stroke") == palette.PREVIOUS_COLOUR]
    assert dashed and all(el.get("stroke-dasharray") for el in dashed)


def test_trend_bands_follow_the_thresholds_and_label_every_point(workshop: TeamReport,
                                                                 catalogue):
    points = [*workshop.history, workshop.current_point()]
    root = parse(svgcharts.risk_trend(points, catalogue.scoring.risk_levels))
    bands = shapes(root, "data-level")
    assert [b.get("data-level") for b in bands] == list(palette.RISK_LEVELS)
    assert [b.get("fill") for b in bands] == [palette.RISK_COLOURS[lv]
                                             for lv in palette.RISK_LEVELS]
    assert all(str(round(p.risk_index)) in words(root) for p in points)


def test_dora_shades_the_cluster_of_each_metric_and_marks_the_value(workshop: TeamReport):
    summary = workshop.assessment.dora
    table = dora_tables.cluster_table(summary.year)
    root = parse(svgcharts.dora_placement(summary))
    bars = shapes(root, "data-cluster")
    assert len(bars) == len(table.clusters) * len(dora_tables.CLUSTER_METRICS)
    for k, metric in enumerate(dora_tables.CLUSTER_METRICS):
        here = chartdata.metric_cluster(table, metric, summary.metrics.get(metric))
        panel = bars[k * len(table.clusters):(k + 1) * len(table.clusters)]
        assert [b.get("fill") == palette.DORA_HERE for b in panel] == [
            c.name == here for c in table.clusters]
    marks = [float(el.get("data-value")) for el in shapes(root, "data-value")]
    assert marks == [2.5, 60.0, 0.18, 5.0]


def test_roadmap_has_a_bar_per_measure_in_its_horizon_style(workshop: TeamReport, catalogue):
    root = parse(svgcharts.roadmap(workshop.assessment, catalogue))
    ranked = workshop.assessment.recommendations[:15]
    bars = shapes(root, "data-horizon")
    assert [b.get("data-horizon") for b in bars] == [r.horizon for r in ranked]
    for bar in bars:
        colour, shape = palette.HORIZON_STYLE[bar.get("data-horizon")]
        assert bar.get("fill") == (f"url(#horizon-{bar.get('data-horizon')})" if shape
                                   else colour)


def test_a_team_pdf_needs_no_browser_and_no_plotly():
    code = """
import sys
from bench.bench_reports import _team
from opsmaturity.reports import pdf
from opsmaturity.scoring.catalogue import load_catalogue
cat = load_catalogue()
data = pdf.team_pdf(_team(cat, "workshop.yaml", 1, "Orders"), cat)
assert data.startswith(b"%PDF")
print(sorted(m for m in ("plotly", "kaleido", "choreographer") if m in sys.modules))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "[]"
