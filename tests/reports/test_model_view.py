"""Report models and what the templates are given: names, trend, top risks, wording."""

from __future__ import annotations

import datetime as dt
import re
import statistics
from pathlib import Path

import pytest

from opsmaturity.reports import fmt
from opsmaturity.reports.model import (
    HistoryPoint,
    OrganisationReport,
    ReportError,
    by_severity,
    check_against_catalogue,
    team_report,
)
from opsmaturity.reports.texts import texts
from opsmaturity.reports.view import note_texts, organisation_view, team_view, trend
from opsmaturity.scoring.catalogue import RISK_ORDER, localise
from opsmaturity.scoring.engine import score
from tests.conftest import evidence, one_sign_at_its_worst

from .conftest import scored

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


# ------------------------------------------------------------------ suspected signs, one order

def test_suspected_signs_are_questions_to_settle_not_top_risks(evidence_only, catalogue):
    a = evidence_only.assessment
    assert a.suspected() and a.overall.signs_present == 0
    v = team_view(evidence_only, catalogue)
    assert v.top_risks == []  # nothing is established: no sign is called a risk
    assert [s.sign_id for s in v.settle] == [f.sign_id for f in a.suspected()]
    for item in v.settle:
        assert item.question == localise(catalogue.sign(item.sign_id).settle, "en")
    runbooks = next(s for s in v.settle if s.sign_id == "improvised_incident_response")
    assert any(line.endswith(": no") for line in runbooks.evidence)  # what points to it
    assert v.suspected == a.overall.signs_suspected


def test_notes_are_words_never_ids(evidence_only, catalogue):
    a = evidence_only.assessment
    assert {"suspected_signs", "impact_assumed"} <= set(a.notes)
    lines = note_texts(a, catalogue, texts("en"))
    assert len(lines) == len(a.notes)
    assert not set(a.notes) & {w.strip(".,:") for line in lines for w in line.split()}
    impact = fmt.number(catalogue.scoring.assumed_impact)
    assert any(f"neutral {impact} of 5" in line for line in lines)
    assert any(f"Warning signs suspected: {a.overall.signs_suspected}." in line
               for line in lines)


def test_not_operated_names_the_condition(catalogue):
    # A repository without runtime manifests, nothing else known about its operation.
    a = score(catalogue, [evidence({"git.runtime_manifests_present": False,
                                    "git.runbooks_present": False}, collector="git")])
    assert "not_operated" in a.notes
    lines = note_texts(a, catalogue, texts("en"))
    title = localise(catalogue.condition("operated").title, "en")
    n = sum(f.not_applicable_because == "operated" for f in a.findings)
    assert n and any(f'"{title}" does not hold' in line and "left out for warning signs" in line
               for line in lines)


def _one_critical_among_low(catalogue) -> OrganisationReport:
    _, strong = scored(catalogue, "strong-team.yaml")
    lone = one_sign_at_its_worst(catalogue, "manual_deployments")
    teams = [team_report(strong, team=f"Steady {i}", date=dt.date(2026, 11, 1))
             for i in range(4)]
    teams.insert(2, team_report(lone, team="Hand-deployed", date=dt.date(2026, 11, 1)))
    return OrganisationReport(organisation="Example", date=dt.date(2026, 11, 20), teams=teams)


def test_organisation_level_is_its_worst_team_which_comes_first(catalogue):
    org = _one_critical_among_low(catalogue)
    v = organisation_view(org, catalogue)
    mean = statistics.fmean(r.assessment.overall.risk_index for r in org.teams)
    assert catalogue.scoring.risk_levels.level(mean / 100) == "low"  # a mean would hide it
    lone = org.teams[2].assessment
    assert lone.overall.counts["critical"] >= 1 and lone.overall.risk_level == "critical"
    assert v.level == "critical"
    assert v.shares == "1 of 5 teams critical, 4 low"
    assert v.teams[0].team == "Hand-deployed" and v.highest[0].team == "Hand-deployed"
    assert [x.team for x in v.teams] == [r.team for r in by_severity(org.teams)]


def test_organisation_of_draft_teams_is_a_draft(organisation, catalogue):
    teams = [organisation.teams[0].model_copy(update={"state": "draft"}),
             *organisation.teams[1:]]
    v = organisation_view(organisation.model_copy(update={"teams": teams}), catalogue)
    assert v.draft and not organisation_view(organisation, catalogue).draft
