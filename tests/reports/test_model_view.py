"""Report models and what the templates are given: names, trend, top risks, wording."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from opsmaturity.reports.model import (
    HistoryPoint,
    ReportError,
    check_against_catalogue,
    team_report,
)
from opsmaturity.reports.texts import texts
from opsmaturity.reports.view import organisation_view, team_view, trend
from opsmaturity.scoring.catalogue import RISK_ORDER
from opsmaturity.scoring.engine import score

TEMPLATES = Path(__file__).parents[2] / "opsmaturity" / "reports" / "templates"
REPORTS = TEMPLATES.parent


def test_team_report_takes_names_and_date_from_the_assessment(workshop):
    a = workshop.assessment
    assert (workshop.team, workshop.organisation, workshop.date) == (a.team, a.organisation,
                                                                     a.date)
    renamed = team_report(a, team="Orders", date=dt.date(2027, 1, 1))
    assert (renamed.team, renamed.date) == ("Orders", dt.date(2027, 1, 1))


def test_team_report_without_a_team_name_says_so(mini):
    with pytest.raises(ReportError, match="names no team"):
        team_report(score(mini), date=dt.date(2026, 1, 1))


def test_history_is_sorted_and_previous_is_the_last_before(workshop):
    points = [HistoryPoint(date=dt.date(2026, m, 1), risk_index=70 - m) for m in (9, 3, 6)]
    report = workshop.model_copy(update={"history": points})
    report = type(report).model_validate(dict(report))
    assert [p.date.month for p in report.history] == [3, 6, 9]
    assert report.previous().date == dt.date(2026, 9, 1)


def test_trend_words_the_direction():
    before = HistoryPoint(date=dt.date(2026, 1, 1), risk_index=60)
    assert trend(before, 50.2).direction == "better"
    assert trend(before, 65).direction == "worse"
    assert trend(before, 60.4).direction == "same"
    assert trend(None, 50) is None


def test_a_catalogue_without_the_assessed_signs_is_refused(workshop, mini):
    with pytest.raises(ReportError, match="--catalogue"):
        check_against_catalogue(workshop, mini)


def test_team_view_orders_top_risks_worst_first(workshop, catalogue):
    v = team_view(workshop, catalogue)
    order = [RISK_ORDER[r.level] for r in v.top_risks]
    assert order == sorted(order, reverse=True) and len(v.top_risks) == 5
    assert [m.rank for m in v.first_measures] == [1, 2, 3, 4, 5]
    assert sum(len(ms) for ms in v.roadmap.values()) == len(workshop.assessment.recommendations)
    assert v.dora is not None and v.dora.cluster == workshop.assessment.dora.cluster
    assert any(f.gap for f in v.findings)  # the git evidence contradicts the answers


def test_organisation_view_counts_teams(organisation, catalogue):
    v = organisation_view(organisation, catalogue)
    assert v.n_teams == len(organisation.teams)
    assert sum(n for _, n in v.teams_by_level) == v.n_teams
    assert v.highest[0].level == max((t.level for t in v.teams), key=RISK_ORDER.__getitem__)
    assert v.without_evidence == sum(t.assessment.inputs.evidence_sets == 0
                                     for t in organisation.teams)
    assert v.better == 1 and v.no_history == 3


def test_every_text_has_english_and_every_key_used_exists():
    t = texts("en")
    keys = set(t.keys())
    used = set()
    for path in [*TEMPLATES.glob("*.html"), *REPORTS.glob("*.py")]:
        used |= set(re.findall(r"\bt\(['\"]([a-z_][a-zA-Z_.]*)['\"]", path.read_text()))
    assert used, "found no text keys in the templates"
    fixed = {k for k in used if not k.endswith(".")}  # 'level.' ~ x is completed at run time
    assert fixed <= keys, sorted(fixed - keys)
    for prefix in used - fixed:
        assert any(k.startswith(prefix) for k in keys), prefix
    assert t("level.high") == "high"
    assert texts("xx")("level.high") == "high"  # unknown language falls back to English
