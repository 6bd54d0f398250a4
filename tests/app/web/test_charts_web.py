"""reports/charts_web.py: the web app's own charts, read back from their figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from opsmaturity.reports.charts import RISK_COLOURS, UNKNOWN_PATTERN
from opsmaturity.reports.charts_web import (
    AREA_SPREAD,
    ROLE_STYLE,
    answer_distribution,
    area_trend,
    team_sign_heatmap,
)
from opsmaturity.reports.model import HistoryPoint, TeamReport
from opsmaturity.reports.texts import texts
from opsmaturity.scoring.answers import load_answers
from opsmaturity.scoring.catalogue import default_catalogue_dir, load_catalogue
from opsmaturity.scoring.engine import score

from .conftest import grid_cells

R = texts()


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def report(cat, name: str, example: str | None) -> TeamReport:
    responses = load_answers(Path(default_catalogue_dir()) / "examples" / example, cat) if (
        example) else None
    return TeamReport(team=name, date=dt.date(2026, 6, 1), catalogue_version=cat.version,
                      assessment=score(cat, [], responses))


def test_team_sign_heatmap_writes_level_and_confidence_in_every_cell(cat):
    teams = [report(cat, "<i>Weak</i>", "weak-team.yaml"), report(cat, "Blank", None)]
    fig = team_sign_heatmap(teams, cat).to_plotly_json()
    cells = grid_cells(fig)
    assert len(cells) == 2 * len(cat.signs)
    for f in teams[0].assessment.findings:
        title = next(c for (row, c) in cells if row == "<i>Weak</i>" and cat.sign(
            f.sign_id).title["en"].startswith(c.removesuffix("…")))
        level, text = cells[("<i>Weak</i>", title)]
        assert level == R(f"level.{f.risk_level}")
        assert text == f"{R(f'level.{f.risk_level}')}<br>{f.confidence * 100:.0f}%"
    assert {v for (row, _), v in cells.items() if row == "Blank"} == {(R("level.unknown"),
                                                                      R("level.unknown"))}
    by_level = {t["name"]: t for t in fig["data"]}
    assert by_level[R("level.unknown")]["marker"]["pattern"]["shape"] == UNKNOWN_PATTERN["shape"]
    for lv in ("low", "medium", "high", "critical"):
        assert by_level[R(f"level.{lv}")]["marker"]["color"] == RISK_COLOURS[lv]
    assert "&lt;i&gt;Weak&lt;/i&gt;" in fig["layout"]["yaxis"]["ticktext"]  # escaped


def test_answer_distribution_stacks_roles_in_scale_order(cat):
    q = cat.question("infra_defined_as_code")
    counts = {"dev": {"agree": 3, "dont_know": 1}, "ops": {"disagree": 2, "agree": 1}}
    fig = answer_distribution(q, cat, counts).to_plotly_json()
    assert fig["layout"]["barmode"] == "stack"
    options = [o.value for o in cat.scale_of(q).options] + ["dont_know"]
    traces = {t["name"]: t for t in fig["data"]}
    assert set(traces) == {R("role.dev"), R("role.ops")}  # roles nobody had are left out
    for role in ("dev", "ops"):
        assert list(traces[R(f"role.{role}")]["x"]) == [counts[role].get(v, 0) for v in options]
        assert traces[R(f"role.{role}")]["marker"]["pattern"]["shape"] == ROLE_STYLE[role][1]
    assert list(traces[R("role.dev")]["y"])[-1] == R("label.dont_know")
    assert len({c for c, _ in ROLE_STYLE.values()}) == len({p for _, p in ROLE_STYLE.values()})


def test_area_trend_keeps_levels_and_gaps(cat):
    first, second = cat.areas[0].id, cat.areas[1].id
    points = [HistoryPoint(date=dt.date(2026, 6, 1), risk_index=40,
                           area_levels={first: 3.0, second: 3.0}),
              HistoryPoint(date=dt.date(2025, 12, 1), risk_index=60, area_levels={first: 2.0})]
    fig = area_trend(points, cat).to_plotly_json()
    assert len(fig["data"]) == len(cat.areas)
    one, two = fig["data"][0], fig["data"][1]
    assert list(one["x"]) == ["2025-12-01", "2026-06-01"]  # oldest first
    assert list(one["customdata"]) == [2.0, 3.0] and list(two["customdata"]) == [None, 3.0]
    assert two["y"][0] is None  # unknown is a gap, not zero
    assert one["y"][1] != two["y"][1]  # the same level, drawn apart
    for trace in (one, two):
        for y, level in zip(trace["y"], trace["customdata"], strict=True):
            assert y is None or abs(y - level) <= AREA_SPREAD + 1e-9
