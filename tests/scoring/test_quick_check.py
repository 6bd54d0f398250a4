"""The Quick Check scoring by hand: each number below is worked out on paper from the
published formula (docs/dora.md) and the published benchmarks (dora_quick_check.yaml)."""

from __future__ import annotations

import pytest

from opsmaturity.scoring import quick_check as qc


def by_metric(result: qc.QuickCheck) -> dict[str, qc.MetricResult]:
    return {m.metric: m for m in result.metrics}


def test_answered_bands_and_rates_2025_all_industries():
    r = qc.quick_check({"leadtime": 4, "deployfreq": 5, "failurerecovery": 5,
                        "changefailure": 10, "rework": 20})
    m = by_metric(r)
    # bands: (band - 1) / 5 * 10; rates: 10 - percent / 10
    assert [m[k].score for k in qc.METRICS] == [6.0, 8.0, 8.0, 9.0, 8.0]
    # benchmarks: leadtime 5.5 ± 2.4; deployfreq 4.8 ± 2.8; recovery 7.4 ± 2.1;
    # change fail 1.9 published (0 best) -> 8.1 ± 2.1; rework 2.2 -> 7.8 ± 2.2
    assert m["leadtime"].z == pytest.approx(0.5 / 2.4, abs=1e-4)
    assert (m["deployfreq"].z, m["deployfreq"].placement) == (pytest.approx(3.2 / 2.8, abs=1e-4),
                                                              "above")
    assert m["changefailure"].benchmark == qc.Benchmark(mean=8.1, std=2.1)
    assert m["rework"].z == pytest.approx(0.2 / 2.2, abs=1e-4)
    # throughput (6 + 8 + 8) / 3 against 6.0 ± 2.1
    assert r.throughput.score == pytest.approx(22 / 3, abs=1e-4)
    assert r.throughput.z == pytest.approx((22 / 3 - 6.0) / 2.1, abs=1e-4)
    # stability (9 + 8) / 2 against 10 - 2.1 = 7.9 ± 2.0
    assert (r.stability.score, r.stability.z) == (8.5, pytest.approx(0.3, abs=1e-4))
    # overall: mean of five = 7.8; benchmark mean of the turned means
    # (5.5 + 4.8 + 7.4 + 8.1 + 7.8) / 5 = 6.72, std 1.2 -> z 0.9: around
    assert r.overall.score == 7.8
    assert r.overall.benchmark.mean == pytest.approx(6.72)
    assert (r.overall.z, r.overall.placement) == (pytest.approx(0.9, abs=1e-4), "around")
    assert r.edition == 2025 and "editions/2025" in r.source


def test_measured_metrics_2024_edition_has_no_rework_and_no_group_benchmarks():
    r = qc.quick_check({}, edition=2024, measured={
        "change_lead_time_hours": 60.0,  # a day to a week: band 4 -> 6
        "deployment_frequency_per_week": 2.5,  # weekly, not daily: band 4 -> 6
        "failed_deployment_recovery_time_hours": 5.0,  # under a day: band 5 -> 8
        "change_fail_rate": 0.18,  # 18 % -> 8.2
        "deployment_rework_rate": 0.3,  # not in the 2024 edition: left out
    })
    m = by_metric(r)
    assert [(k, m[k].band, m[k].score) for k in ("leadtime", "deployfreq", "failurerecovery")] \
        == [("leadtime", 4, 6.0), ("deployfreq", 4, 6.0), ("failurerecovery", 5, 8.0)]
    assert m["changefailure"].score == pytest.approx(8.2)
    assert "rework" not in m and r.missing == []
    # 2024 publishes no throughput or instability benchmark: scored, not placed
    assert r.throughput.score == pytest.approx(20 / 3, abs=1e-4) and r.throughput.z is None
    # overall (6 + 6 + 8 + 8.2) / 4 = 7.05 against (5.1 + 5.3 + 7.5 + 8.3) / 4 = 6.55 ± 1.8
    assert r.overall.score == pytest.approx(7.05)
    assert r.overall.z == pytest.approx(0.5 / 1.8, abs=1e-4)


def test_the_same_answer_is_below_one_industry_and_around_another():
    tech = by_metric(qc.quick_check({"deployfreq": 2}, key="technology"))["deployfreq"]
    gov = by_metric(qc.quick_check({"deployfreq": 2}, key="government"))["deployfreq"]
    assert tech.score == gov.score == 2.0
    assert (tech.z, tech.placement) == (pytest.approx((2 - 4.9) / 2.8, abs=1e-4), "below")
    assert (gov.z, gov.placement) == (pytest.approx((2 - 4.3) / 3.0, abs=1e-4), "around")


def test_organisation_size_benchmarks_and_the_year_switch():
    small = qc.quick_check({"failurerecovery": 5}, kind="organisation_size",
                           key="fewer_than_100")
    assert small.benchmark_name == "20 to 99 employees"
    assert by_metric(small)["failurerecovery"].benchmark == qc.Benchmark(mean=2.4, std=1.9)
    older = qc.quick_check({"failurerecovery": 5}, kind="organisation_size", key="all",
                           edition=2024)
    assert older.edition == 2024 and "editions/2024" in older.source
    assert qc.DEFAULT_EDITION == max(qc.EDITIONS) == 2025
    with pytest.raises(ValueError, match="no Quick Check edition 2023"):
        qc.quick_check({}, edition=2023)
    with pytest.raises(ValueError, match="one of: all"):
        qc.quick_check({}, key="space_travel")


def test_missing_metrics_are_left_out_not_scored_zero():
    r = qc.quick_check({"leadtime": 6})
    assert r.missing == ["deployfreq", "failurerecovery", "changefailure", "rework"]
    assert r.throughput.score == 10.0 and r.overall.score == 10.0 and r.stability is None


@pytest.mark.parametrize("hours, band", [(0.5, 6), (1, 5), (23.9, 5), (24, 4), (167, 4),
                                         (168, 3), (700, 3), (800, 2), (5000, 1)])
def test_hours_to_bands(hours, band):
    assert qc.band_for_hours(hours) == band


@pytest.mark.parametrize("per_week, band", [(20, 6), (7, 5), (1, 4), (0.5, 3), (0.1, 2),
                                            (0.01, 1)])
def test_frequency_to_bands(per_week, band):
    assert qc.band_for_frequency(per_week) == band


def _room(*participants: dict) -> object:
    from pathlib import Path

    from opsmaturity.core.sources import YamlSource
    from opsmaturity.scoring.answers import check_answers
    from opsmaturity.scoring.catalogue import load_catalogue
    cat = load_catalogue()
    data = {"participants": [{"role": role, "answers": answers} for role, answers in participants]}
    return cat, check_answers(YamlSource(path=Path("room.yaml"), data=data), cat)


def test_a_room_s_answers_the_quick_check_way_beside_its_industry():
    from opsmaturity.scoring.engine import score
    cat, responses = _room(
        ("dev", {"dora_industry": "government", "deployment_frequency": "under_1",
                 "restore_time": "from_1_to_4", "failed_deploys": "often"}),
        ("ops", {"dora_industry": "government", "deployment_frequency": 2,  # 1-3 a month
                 "restore_time": "from_1_to_4", "failed_deploys": "often",
                 "dora_organisation_size": "from_20_to_99"}))
    q = score(cat, [], responses).quick_check
    assert (q.edition, q.benchmark_kind, q.benchmark_key) == (2025, "industry", "government")
    m = by_metric(q)
    # deployment frequency: bands 2 and 3, the room's median 2.5 -> (2.5 - 1) / 5 * 10 = 3.0,
    # against government 4.3 ± 3.0
    assert (m["deployfreq"].band, m["deployfreq"].score) == (2.5, 3.0)
    assert m["deployfreq"].z == pytest.approx(-1.3 / 3.0, abs=1e-4)
    # recovery 1-4 hours: band 5 -> 8.0 against 7.0 ± 2.1; "often" failing: 33 % -> 6.7
    assert m["failurerecovery"].score == 8.0
    assert m["changefailure"].score == pytest.approx(6.7)
    assert m["changefailure"].z == pytest.approx((6.7 - 7.9) / 2.2, abs=1e-4)
    assert q.missing == ["leadtime", "rework"]  # not asked, not measured: left out
    # throughput (3 + 8) / 2 = 5.5 against 5.4 ± 2.3; stability 6.7 against 10 - 2.3 = 7.7 ± 2
    assert q.throughput.score == 5.5 and q.throughput.z == pytest.approx(0.1 / 2.3, abs=1e-4)
    assert q.stability.z == pytest.approx(-0.5, abs=1e-4)
    # overall (3 + 8 + 6.7) / 3 = 5.9 against (4.8 + 4.3 + 7.0 + 7.9 + 7.6) / 5 = 6.32 ± 1.3
    assert q.overall.score == pytest.approx(5.9)
    assert q.overall.z == pytest.approx((5.9 - 6.32) / 1.3, abs=1e-4)
    assert q.overall.placement == "around"


def test_organisation_size_when_no_industry_and_the_year_switch():
    from opsmaturity.scoring.engine import score
    cat, responses = _room(("ops", {"dora_organisation_size": "from_10_to_19",
                                    "restore_time": "under_1"}))
    newest = score(cat, [], responses).quick_check
    # the 2025 edition publishes no 10-19 group: compared with all organisations
    assert (newest.edition, newest.benchmark_kind, newest.benchmark_key) == (
        2025, "organisation_size", "all")
    older = score(cat, [], responses, dora_year=2024).quick_check
    assert (older.edition, older.benchmark_key) == (2024, "fewer_than_020")
    assert older.benchmark_name == "10 to 19 employees"
    assert score(cat, [], responses, dora_year=2023).quick_check is None  # no 2023 edition
    # and nothing answered or measured: no Quick Check at all
    _, nothing = _room(("dev", {"dora_industry": "energy"}))
    assert score(cat, [], nothing).quick_check is None
