"""Scoring tables on the small fixture catalogue; every expected number is worked by hand.

manual_deployments: questions pipeline (w1), rollback (w3), deploys (w1); probes
production_deploy_is_automatic, deploys_at_least_weekly; impact 5.
customers_detect_issues: question alerts; probe alerts_have_runbooks; impact 2,
scaled by the context question `coupling` (loose x0.5, tight x2).
"""

from __future__ import annotations

import pytest

from opsmaturity.scoring.engine import evaluate_probe, score
from tests.conftest import evidence, responses

WORST = {"pipeline": "no", "rollback": "no", "deploys": 0}
BEST = {"pipeline": "yes", "rollback": "yes", "deploys": 12}


@pytest.mark.parametrize(
    ("answers", "measures", "expect"),
    [
        pytest.param(  # all answers worst: L_a 1 enters as log-odds clipped to +2 -> .8808;
            # no context answered -> impact assumed 3: risk .8808 x 3/5
            WORST, {},
            dict(status="present", support="answers", likelihood=0.8808, l_a=1.0, l_e=None,
                 risk=0.5285, level="high", confidence=0.5),
            id="worst-answers-only",
        ),
        pytest.param(  # health .7 -> L_a .3 (log-odds -.8473); manual prod deploy +2 (strong),
            # weekly deploys -.5 (weak): sum .6527 -> .6576; L_e = sigmoid(1.5)
            {"pipeline": "yes", "rollback": "partly", "deploys": 10},
            {"ci.production_deploy_automatic": False, "gitlab.deployment_frequency_per_week": 3},
            dict(status="present", support="evidence", likelihood=0.6576, l_a=0.3, l_e=0.8176,
                 risk=0.3946, level="medium", confidence=0.7778),  # S 2.5: 2.5/4.5 from evidence
            id="evidence-establishes",
        ),
        pytest.param(  # the team thinks all is well (-2); evidence +2 +.5: L .6225
            BEST,
            {"ci.production_deploy_automatic": False, "github.deployment_frequency_per_week": 0.2},
            dict(status="present", support="evidence", likelihood=0.6225, l_a=0.0, l_e=0.9241,
                 risk=0.3735, level="medium", confidence=0.7778),
            id="perception-gap",
        ),
        pytest.param(  # evidence alone, half covered: (-1 - .5) x .5 = -.75 -> .3208
            {}, {"ci.production_deploy_automatic": True, "gitlab.deployment_frequency_per_week": 5},
            dict(status="absent", support=None, likelihood=0.3208, l_a=None, l_e=0.3208,
                 risk=0.1925, level="low", confidence=0.2727),  # S .75: .75 / 2.75
            id="evidence-only",
        ),
        pytest.param(  # one weak probe alone: suggested, not established
            {}, {"gitlab.deployment_frequency_per_week": 0.1},
            dict(status="suspected", support="weak", likelihood=0.6225, l_a=None, l_e=0.6225,
                 risk=0.1999, level="low", confidence=0.2),  # .3735 bounded to low
            id="weak-evidence-suspected",
        ),
        pytest.param(  # don't know everywhere is no information at all
            {"pipeline": "dont_know", "rollback": None, "deploys": "dont_know"}, {},
            dict(status="unknown", support=None, likelihood=None, l_a=None, l_e=None, risk=None,
                 level="unknown", confidence=0.0),
            id="dont-know-is-unknown",
        ),
    ],
)
def test_manual_deployments_table(mini, answers, measures, expect):
    resp = responses(mini, ("dev", answers)) if answers else None
    cov = 0.5 if expect["l_a"] is None and measures and expect["status"] == "absent" else 1.0
    sets = [evidence(measures, coverage=cov)] if measures else []
    f = score(mini, sets, resp).finding("manual_deployments")
    assert f.status == expect["status"]
    assert f.support == expect["support"]
    assert f.likelihood == expect["likelihood"]
    assert f.likelihood_from_answers == expect["l_a"]
    assert f.likelihood_from_evidence == expect["l_e"]
    assert f.risk == expect["risk"]
    assert f.risk_level == expect["level"]
    assert f.confidence == expect["confidence"]


def test_perception_gap_direction_and_size(mini):
    resp = responses(mini, ("dev", BEST))
    sets = [evidence({"ci.production_deploy_automatic": False,
                      "gitlab.deployment_frequency_per_week": 0.2})]
    gap = score(mini, sets, resp).finding("manual_deployments").perception_gap
    assert gap is not None
    assert gap.direction == "answers_more_optimistic"
    assert (gap.likelihood_from_answers, gap.likelihood_from_evidence, gap.gap) == (
        0.0, 0.9241, 0.9241)


def test_small_difference_is_no_gap(mini):
    resp = responses(mini, ("dev", {"pipeline": "no", "rollback": "partly", "deploys": 2}))
    sets = [evidence({"ci.production_deploy_automatic": False,
                      "gitlab.deployment_frequency_per_week": 3})]
    f = score(mini, sets, resp).finding("manual_deployments")
    assert f.likelihood_from_answers == 0.6 and f.likelihood_from_evidence == 0.8176
    assert f.perception_gap is None  # .22 apart, below the .4 threshold


@pytest.mark.parametrize(
    ("coupling", "impact", "basis", "risk", "level"),
    [("loose", 1.0, "context", 0.1762, "low"), ("normal", 2.0, "context", 0.3523, "medium"),
     ("tight", 4.0, "context", 0.7046, "critical"),
     ("dont_know", 3.0, "assumed", 0.5285, "high")],  # no context given: the neutral 3
)
def test_context_scales_impact_only_of_its_areas(mini, coupling, impact, basis, risk, level):
    resp = responses(mini, ("ops", {"alerts": "no", "coupling": coupling, **WORST}))
    a = score(mini, [], resp)
    f = a.finding("customers_detect_issues")
    assert (f.impact, f.impact_basis, f.risk, f.risk_level) == (impact, basis, risk, level)
    # manual_deployments is in `delivery`, which the coupling question does not scale: with
    # context given it keeps the catalogue's impact 5, without it the assumed 3
    assert a.finding("manual_deployments").impact == (3.0 if basis == "assumed" else 5.0)
    assert ("impact_assumed" in a.notes) == (basis == "assumed")


def test_workshop_disagreement_and_role_medians(mini):
    resp = responses(
        mini,
        ("dev", {"alerts": "yes"}), ("dev", {"alerts": "yes"}),
        ("ops", {"alerts": "no"}), ("ops", {"alerts": {"value": "no", "comment": "pager is mute"}}),
        ("management", {"alerts": "dont_know"}),
    )
    f = score(mini, [], resp).finding("customers_detect_issues")
    stats = f.answers[0]
    assert stats.respondents == 4 and stats.dont_know == 1
    assert stats.distribution == {"dont_know": 1, "no": 2, "yes": 2}
    assert stats.spread == 0.5 and stats.disagreement
    assert stats.role_medians == {"dev": 1.0, "ops": 0.0}
    assert stats.comments == ["P4 (ops): pager is mute"]
    assert f.role_likelihoods == {"dev": 0.0, "ops": 1.0}
    assert f.role_gap == 1.0 and f.disagreement
    # 4 respondents: confidence from answers = 1 * 4/5
    assert f.confidence == 0.8


def test_two_agreeing_people_are_not_a_disagreement(mini):
    resp = responses(mini, ("dev", {"alerts": "no"}), ("ops", {"alerts": "yes"}))
    stats = score(mini, [], resp).finding("customers_detect_issues").answers[0]
    assert stats.spread == 0.5 and not stats.disagreement  # too few people to call it


def test_areas_overall_and_recommendations(mini):
    a = score(mini, [], responses(mini, ("dev", WORST)))
    delivery, operations = a.area("delivery"), a.area("operations")
    # health 1 - .8808 = .1192: maturity 1 + 4 x .1192 = 1.5 (one decimal)
    assert (delivery.level, delivery.health, delivery.risk, delivery.risk_level) == (
        1.5, 0.1192, 0.5285, "high")
    assert (operations.level, operations.risk_level, operations.signs_known) == (None, "unknown", 0)
    assert a.overall.risk_index == 52.8 and a.overall.risk_level == "high"
    assert a.overall.worst_risk == 0.5285
    assert (a.overall.signs_present, a.overall.signs_absent, a.overall.signs_unknown) == (1, 0, 1)
    assert a.overall.counts == {"unknown": 1, "low": 0, "medium": 0, "high": 1, "critical": 0}
    # page_oncall: .5285 x .4 / S(1) = .2114 ; build_pipeline: .5285 x .5 / M(2) = .1321
    ranked = [(r.recommendation_id, r.risk_reduction, r.priority, r.rank, r.horizon)
              for r in a.recommendations]
    assert ranked == [("page_oncall", 0.2114, 0.2114, 1, "now"),
                      ("build_pipeline", 0.2642, 0.1321, 2, "now")]
    assert a.recommendations[0].sign_ids == ["customers_detect_issues", "manual_deployments"]
    assert "unknown_signs" in a.notes and "no_evidence" in a.notes


def test_area_level_is_fractional(mini):
    # health .7 (L_a .3, inside the clip) -> 1 + 4 x .7 = 3.8
    a = score(mini, [], responses(mini, ("dev", {"pipeline": "yes", "rollback": "partly",
                                                  "deploys": 10})))
    assert a.area("delivery").level == 3.8


def test_nothing_known_means_unknown_not_low(mini):
    a = score(mini)
    assert all(f.status == "unknown" and f.risk_level == "unknown" for f in a.findings)
    assert a.overall.risk_index is None and a.overall.risk_level == "unknown"
    assert a.overall.confidence == 0.0 and a.recommendations == []
    assert a.notes == ["no_answers", "no_evidence", "unknown_signs"]
    assert a.overall.worst_risk is None


@pytest.mark.parametrize(
    ("measures", "kwargs", "outcome", "healthy"),
    [
        ({"monitoring.runbook_url_share": 0.9}, {}, "true", True),
        ({"monitoring.runbook_url_share": 0.8}, {}, "true", True),  # >= is inclusive
        ({"monitoring.runbook_url_share": 0.1}, {}, "false", False),
        ({}, {}, "not_available", None),
        ({"monitoring.runbook_url_share": None}, {}, "not_available", None),
        ({"monitoring.runbook_url_share": 0.0},
         {"not_applicable": ("monitoring.runbook_url_share",)}, "not_applicable", None),
        ({"monitoring.runbook_url_share": "lots"}, {}, "error", None),
        ({"monitoring.runbook_url_share": True}, {}, "error", None),
    ],
)
def test_probe_outcomes(mini, measures, kwargs, outcome, healthy):
    result = evaluate_probe(mini.probe("alerts_have_runbooks"), [evidence(measures, **kwargs)])
    assert (result.outcome, result.healthy) == (outcome, healthy)


def test_not_applicable_probe_does_not_lower_confidence(mini):
    na = evidence({"monitoring.runbook_url_share": 0.0},
                  not_applicable=("monitoring.runbook_url_share",))
    resp = responses(mini, ("ops", {"alerts": "yes"}))
    with_na = score(mini, [na], resp).finding("customers_detect_issues")
    missing = score(mini, [], resp).finding("customers_detect_issues")
    assert with_na.confidence == 0.5  # only the answer counts; the probe is out of the denominator
    assert missing.confidence == 0.5  # not available: 1 - (1 - .5)(1 - 0)
    assert with_na.probes[0].outcome == "not_applicable"


def test_wildcard_measure_prefers_best_coverage(mini):
    low = evidence({"gitlab.deployment_frequency_per_week": 0.1}, collector="gitlab", coverage=0.3)
    high = evidence({"github.deployment_frequency_per_week": 4}, collector="github", coverage=0.9)
    for sets in ([low, high], [high, low]):
        r = evaluate_probe(mini.probe("deploys_at_least_weekly"), sets)
        assert (r.outcome, r.value, r.source) == ("true", 4, "github:fixture")


def test_json_is_canonical_and_order_independent(mini):
    resp = responses(mini, ("dev", WORST), ("ops", BEST))
    a = evidence({"ci.production_deploy_automatic": True}, collector="ci")
    b = evidence({"monitoring.runbook_url_share": 0.5}, collector="monitoring")
    first = score(mini, [a, b], resp).to_json()
    assert first == score(mini, [b, a], resp).to_json()
    import json
    data = json.loads(first)
    assert list(data) == sorted(data)
    for key in ("catalogue_version", "findings", "areas", "overall", "recommendations"):
        assert key in data
    for f in data["findings"]:
        assert {"sign_id", "status", "likelihood", "risk_level", "confidence"} <= set(f)


def test_invalid_dora_value_is_left_out_not_fatal(mini):
    sets = [evidence({"gitlab.deployment_frequency_per_week": 20.0,
                      "gitlab.change_fail_rate": 7.5,  # a rate above 1 is a collector bug
                      "gitlab.change_lead_time_hours": 2.0}, collector="gitlab")]
    a = score(mini, sets)
    assert a.dora is not None and a.dora.metrics["change_fail_rate"] is None
    assert any("gitlab.change_fail_rate=7.5" in n for n in a.dora.notes)
    assert a.dora.cluster == "elite"


def test_thin_evidence_does_not_claim_certainty(mini):
    one_bad = [evidence({"monitoring.runbook_url_share": 0.1})]
    f = score(mini, one_bad).finding("customers_detect_issues")
    assert f.likelihood_from_evidence == 0.6225  # one weak probe: sigmoid(.5)
    assert (f.status, f.support, f.risk_level) == ("suspected", "weak", "low")


def test_suspected_sign_is_capped_at_low(mini):
    # tight coupling doubles impact 2 -> 4: .6225 x 4/5 = .498 would be high
    resp = responses(mini, ("ops", {"coupling": "tight"}))
    a = score(mini, [evidence({"monitoring.runbook_url_share": 0.1})], resp)
    f = a.finding("customers_detect_issues")
    assert f.status == "suspected" and f.impact == 4.0
    assert (f.risk, f.risk_level) == (0.1999, "low")
    assert a.overall.risk_level == "low"  # a question for the workshop is not a risk yet
    assert [x.sign_id for x in a.suspected()] == ["customers_detect_issues"]
    assert "suspected_signs" in a.notes
    assert a.recommendations == []  # a question for the workshop, not yet a risk to act on


def test_absent_sign_is_never_above_low(mini):
    resp = responses(mini, ("ops", {"coupling": "tight", "alerts": "partly"}))
    f = score(mini, [evidence({"monitoring.runbook_url_share": 0.9})], resp).finding(
        "customers_detect_issues")
    assert f.status == "absent" and f.risk_level == "low"


def test_failed_condition_leaves_operational_sign_unknown(mini):
    # nothing deploys anywhere and no alert rule exists: a missing runbook says nothing
    sets = [evidence({"ci.deploys_to_environment": False, "monitoring.alert_rules_total": 0,
                      "monitoring.runbook_url_share": 0.0})]
    a = score(mini, sets)
    f = a.finding("customers_detect_issues")
    assert (f.status, f.risk_level, f.not_applicable_because) == ("unknown", "unknown", "operated")
    assert [p.outcome for p in f.probes] == ["not_applicable"]
    assert "not_operated" in a.notes
    assert [(c.condition_id, c.holds) for c in a.conditions] == [("operated", False)]
    # people who run it still count
    answered = score(mini, sets, responses(mini, ("ops", {"alerts": "no"})))
    assert answered.finding("customers_detect_issues").status == "present"


@pytest.mark.parametrize(("measures", "holds"), [
    ({"ci.deploys_to_environment": True, "monitoring.alert_rules_total": 0}, True),
    ({"monitoring.alert_rules_total": 3}, True),
    ({}, None),  # nothing to go on: counted as holding, the probes apply
    # CI read but not analysed (Azure Pipelines): its deploy job may be there, so not failed
    ({"ci.deploys_to_environment": None, "monitoring.alert_rules_total": 0}, None),
])
def test_condition_holds_on_any_indicator(mini, measures, holds):
    sets = [evidence({**measures, "monitoring.runbook_url_share": 0.0})]
    a = score(mini, sets)
    assert a.conditions[0].holds is holds
    assert a.finding("customers_detect_issues").status == "suspected"


def test_overall_level_is_the_worst_sign_and_orders_teams(mini):
    tight = ("ops", {"coupling": "tight", "alerts": "no", **WORST})
    worst = score(mini, [], responses(mini, tight))
    assert worst.finding("customers_detect_issues").risk_level == "critical"
    assert worst.overall.risk_level == "critical"
    assert worst.area("operations").risk_level == "critical"
    milder = score(mini, [], responses(mini, ("ops", {"coupling": "normal", **WORST})))
    assert milder.overall.risk_level == "critical"  # manual deployments, impact 5 x .8808
    teams = sorted([milder, worst], key=lambda x: x.overall.severity_key())
    assert teams[0].overall.worst_risk >= teams[1].overall.worst_risk
