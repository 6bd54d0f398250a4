"""The shared delivery module: DORA and delivery measures on hand-built timelines.

Every expected value below is worked out by hand from the timeline in the test; the
comments show the arithmetic. Edge cases are the ones users of other DORA tools complain
about: the first deployment in the window has no predecessor, an incident not caused by a
deployment, several deployments a day, failures in one environment and recoveries in another.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsmaturity.collectors.delivery import dora as dora_metrics
from opsmaturity.collectors.delivery.measures import (
    MAX_RECORDS,
    MEASURE_SUFFIXES,
    ChangeRecord,
    DeliveryMapping,
    DeploymentRecord,
    PipelineRecord,
    PlatformIncident,
    delivery_measures,
    fix_kind,
    has_incident_label,
    is_deploy_job,
    is_production,
)
from opsmaturity.core.evidence import Window

T0 = datetime(2024, 3, 4, tzinfo=UTC)  # a Monday
WINDOW = Window(start=T0, end=T0 + timedelta(days=14))  # exactly two weeks
MAP = DeliveryMapping()


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def dep(ident: str, hours: float, status: str = "success", sha: str | None = None,
        env: str = "production", project: str = "shop", manual: bool | None = False,
        tier: str | None = "production") -> DeploymentRecord:
    return DeploymentRecord(project=project, id=ident, environment=env, tier=tier,
                            finished_at=at(hours), status=status, sha=sha or f"sha-{ident}",
                            ref="main", manual=manual)


def change(ident: str, merged: float, first: float | None, created: float | None = None,
           sha: str | None = None, title: str = "work", branch: str = "feature/x",
           project: str = "shop") -> ChangeRecord:
    created_at = at(created if created is not None else (first if first is not None else merged))
    return ChangeRecord(project=project, id=ident, title=title, source_branch=branch,
                        created_at=created_at, merged_at=at(merged),
                        first_commit_at=at(first) if first is not None else None, merge_sha=sha)


def incident(ident: str, opened: float, resolved: float | None,
             project: str = "shop") -> PlatformIncident:
    return PlatformIncident(project=project, id=ident, title=f"incident {ident}",
                          opened_at=at(opened), resolved_at=at(resolved) if resolved else None)


def measures(deployments=(), changes=(), incidents=(), pipelines=(), mapping=MAP,
             window=WINDOW) -> dict:
    out = delivery_measures("gitlab", deployments=list(deployments), changes=list(changes),
                            incidents=list(incidents), pipelines=list(pipelines),
                            window=window, mapping=mapping)
    return {m.id.removeprefix("gitlab."): m for m in out}


def values(**kwargs) -> dict:
    return {k: m.value for k, m in measures(**kwargs).items()}


# ---------------------------------------------------------------------------- classification


@pytest.mark.parametrize(("name", "tier", "expected"), [
    ("production", "production", True),
    ("eu-main", "production", True),  # the tier decides, whatever the name
    ("prod", None, True),
    ("Production", None, True),  # names are compared case-insensitively
    ("prod-eu", "other", True),  # GitLab guessed "other", the name pattern says production
    ("production/eu", None, True),
    ("live", None, True),
    ("staging", "staging", False),
    ("preprod", None, False),  # "prod" must match the whole name, not a part of it
    ("review/prod-fix", "development", False),
])
def test_is_production_by_tier_or_name_pattern(name, tier, expected):
    assert is_production(name, tier, MAP) is expected


def test_production_mapping_is_configurable():
    mapping = DeliveryMapping(production_tiers=[], production_patterns=["prd-*"])
    assert is_production("prd-1", "production", mapping)
    assert not is_production("production", "production", mapping)


def test_fix_kinds_and_labels_and_deploy_jobs():
    base = dict(project="p", created_at=T0, merged_at=T0, first_commit_at=None, merge_sha=None)
    assert fix_kind(ChangeRecord(id="!1", title='Revert "Add cart"', source_branch="revert-1a2b",
                                 **base), MAP) == "revert"
    assert fix_kind(ChangeRecord(id="!2", title="Fix crash", source_branch="hotfix/crash",
                                 **base), MAP) == "hotfix"
    assert fix_kind(ChangeRecord(id="!3", title="Fix typo", source_branch="fix/typo",
                                 **base), MAP) is None
    assert has_incident_label(["bug", "Incident"], MAP)
    assert not has_incident_label(["bug"], MAP)
    assert is_deploy_job("deploy-production", MAP) and is_deploy_job("Release", MAP)
    assert not is_deploy_job("unit-tests", MAP)


# ---------------------------------------------------------------------------- DORA, one project


def test_a_fortnight_of_deployments_gives_exact_dora_figures():
    deployments = [
        dep("before", -48, sha="A"),          # before the window: history only
        dep("d1", 10, sha="B"),               # first in window
        dep("d2", 33, "failed", sha="C"),     # failed deployment job
        dep("d3", 35, sha="C"),               # redeploy 2 h later: recovers d2, rework
        dep("d4", 60, sha="D"),               # rolled back by d5
        dep("d5", 62, sha="C"),               # rollback: C ran before and is not live
        dep("d6", 82, sha="E"),               # incident i1 opened 5 h later: failed
        dep("d7", 105, sha="F", manual=True),  # ships the hotfix: recovers d6, rework
        dep("d8", 208, sha="G"),
        dep("d9", 209, sha="H", manual=None),  # several deployments a day
        dep("x", 150, "canceled", sha="X"),    # canceled: not a deployment
        dep("s1", 30, sha="C", env="staging", tier="staging"),  # not production
    ]
    changes = [
        change("!1", merged=8, first=-62, sha="B"),            # lead 72 h, to d1
        change("!2", merged=32, first=11, sha="C"),            # d2 failed, so shipped by d3: 24 h
        change("!3", merged=58, first=None, created=34, sha="zz"),  # no first commit: from
        #                                                      creation, by time to d4: 26 h
        change("!4", merged=80, first=57, sha="E"),            # 25 h
        change("!5", merged=104, first=88, sha="F", branch="hotfix/crash"),  # 17 h, a hotfix
        change("!6", merged=207, first=178, sha="G"),          # 30 h
        change("!7", merged=208.5, first=206, sha="H"),        # 3 h
        change("!8", merged=250, first=226, sha="nowhere"),    # never deployed
    ]
    incidents = [
        incident("i1", opened=87, resolved=90),     # 5 h after d6: d6 failed; restored in 3 h
        incident("i2", opened=180, resolved=204),   # 72 h after d7: not caused by a deployment
        incident("i3", opened=248, resolved=None),  # still open
    ]
    m = measures(deployments=deployments, changes=changes, incidents=incidents)
    v = {k: x.value for k, x in m.items()}
    # 8 successful production deployments in the window (d1, d3..d9) over 2 weeks
    assert v["deployment_frequency_per_week"] == 4.0
    assert v["production_deployments"] == 9  # d1..d9; the canceled one and staging left out
    # lead times [72, 24, 26, 25, 17, 30, 3] -> sorted [3, 17, 24, 25, 26, 30, 72], median 25
    assert v["change_lead_time_hours"] == 25.0
    # failures d2 (failed), d4 (rolled back), d6 (incident, and the hotfix 22 h later) of 9
    assert v["change_fail_rate"] == round(3 / 9, 4)
    # recovery d2->d3 2 h, d4->d5 2 h, d6->d7 23 h: median 2
    assert v["failed_deployment_recovery_time_hours"] == 2.0
    # rework: d3 (redeploy after d2), d5 (rollback), d7 (ships the hotfix) of 9
    assert v["deployment_rework_rate"] == round(3 / 9, 4)
    assert v["rollback_count"] == 1
    assert v["rollback_time_hours"] == 2.0  # d4 was live 2 h before the rollback
    # manual known for 7 successful ones (d9 unknown), 1 of them manual: 6/7
    assert v["automated_production_deploy_share"] == round(6 / 7, 4)
    assert v["merged_changes"] == 8
    # first commit (or creation) -> merge: [70, 21, 24, 23, 16, 29, 2.5, 24]: median 23.5
    assert v["change_time_to_merge_hours"] == 23.5
    # merge -> production: [2, 3, 2, 2, 1, 1, 0.5]: median 2
    assert v["change_merge_to_production_hours"] == 2.0
    assert v["incident_count"] == 3
    assert v["incident_restore_time_hours"] == 13.5  # [3, 24]
    # the raw records behind the numbers
    cfr = m["change_fail_rate"].details
    assert [r["id"] for r in cfr["records"]] == ["d2", "d4", "d6"]
    assert cfr["records"][1]["failure"] == ["rolled back by deployment d5"]
    assert cfr["records"][2]["failure"] == ["hotfix !5 merged 22.0 h later",
                                            "incident i1 opened 5.0 h later"]
    rework = m["deployment_rework_rate"].details["records"]
    assert {r["id"]: r["rework"] for r in rework} == {
        "d3": ["redeploy after failed deployment d2"],
        "d5": ["rollback of deployment d4"],
        "d7": ["ships fix !5"],
    }
    assert m["incident_count"].details["linked_to_deployment"] == 1
    assert m["change_merge_to_production_hours"].details["merged_not_deployed"] == ["shop !8"]
    assert m["deployment_frequency_per_week"].details["canceled_production_deployments"] == 1
    assert m["deployment_frequency_per_week"].details["non_production_deployments"] == 1


def test_first_deployment_in_window_has_no_predecessor():
    # Without history, redeploying B at the start cannot be recognised as a rollback and
    # nothing before it can be blamed: it is simply a successful deployment.
    lone = values(deployments=[dep("d1", 1, sha="B"), dep("d2", 30, sha="C")])
    assert lone["rollback_count"] == 0
    assert lone["change_fail_rate"] == 0.0
    assert lone["failed_deployment_recovery_time_hours"] is None  # nothing failed
    # With history before the window (B then C live), going back to B is a rollback of C.
    history = [dep("h1", -50, sha="B"), dep("h2", -20, sha="C")]
    rolled = measures(deployments=[*history, dep("d1", 1, sha="B")])
    assert rolled["rollback_count"].value == 1
    assert rolled["rollback_time_hours"].value == 21.0
    # The rolled-back deployment lies before the window, so it does not count as a failure
    # in this window; the rollback itself is rework.
    assert rolled["change_fail_rate"].value == 0.0
    assert rolled["deployment_rework_rate"].value == 1.0


def test_a_failure_at_the_window_start_is_recovered_inside_it():
    m = measures(deployments=[dep("d1", 0, "failed"), dep("d2", 0.5)])
    assert m["change_fail_rate"].value == 0.5
    assert m["failed_deployment_recovery_time_hours"].value == 0.5
    unrecovered = measures(deployments=[dep("d1", 300, "failed")])
    assert unrecovered["failed_deployment_recovery_time_hours"].value is None
    assert unrecovered["failed_deployment_recovery_time_hours"].details[
        "unrecovered_in_window"] == 1


def test_incident_not_caused_by_a_deployment_does_not_count_as_change_failure():
    deployments = [dep("d1", 10), dep("d2", 100)]
    m = measures(deployments=deployments, incidents=[incident("i1", 50, 52)])  # 40 h after d1
    assert m["change_fail_rate"].value == 0.0
    assert m["incident_count"].value == 1
    assert m["incident_restore_time_hours"].value == 2.0
    assert m["incident_count"].details["records"][0]["deployment"] is None
    # The same incident 20 h after d1 falls inside the 24 h window: d1 failed.
    m = measures(deployments=deployments, incidents=[incident("i1", 30, 32)])
    assert m["change_fail_rate"].value == 0.5
    assert m["failed_deployment_recovery_time_hours"].value == 90.0  # d1 (10) -> d2 (100)
    # A shorter configured window un-links it again.
    short = DeliveryMapping(incident_window_hours=12)
    assert values(deployments=deployments, incidents=[incident("i1", 30, 32)],
                  mapping=short)["change_fail_rate"] == 0.0


def test_incidents_link_across_projects_only_when_configured():
    deployments = [dep("d1", 10, project="api")]
    tracker = [incident("i1", 12, 13, project="ops-tracker")]
    assert values(deployments=deployments, incidents=tracker)["change_fail_rate"] == 0.0
    scope_all = DeliveryMapping(incident_scope="all")
    assert values(deployments=deployments, incidents=tracker,
                  mapping=scope_all)["change_fail_rate"] == 1.0


def test_several_deployments_a_day():
    day = [dep(f"d{i}", 9 + i, sha=f"S{i}") for i in range(6)]  # 6 on Monday, 09:00-14:00
    day[2] = dep("d2", 11, "failed", sha="S2")
    changes = [change(f"!{i}", merged=8.5 + i, first=8 + i, sha=f"S{i}") for i in range(6)]
    m = measures(deployments=day, changes=changes)
    assert m["deployment_frequency_per_week"].value == 2.5  # 5 successful / 2 weeks
    assert m["change_fail_rate"].value == round(1 / 6, 4)
    assert m["failed_deployment_recovery_time_hours"].value == 1.0  # d2 11:00 -> d3 12:00
    # !2's commit went out with d3 (the next successful deployment): 12 - 10 = 2 h;
    # the others 1 h each: median 1
    assert m["change_lead_time_hours"].value == 1.0
    lead = m["change_lead_time_hours"].details
    assert lead["changes"] == 6
    assert m["deployment_rework_rate"].value == round(1 / 6, 4)  # d3 redeployed after d2


def test_recovery_is_sought_in_the_same_environment_and_project():
    deployments = [
        dep("eu1", 10, "failed", env="prod-eu", tier=None),
        dep("us1", 11, env="prod-us", tier=None),   # another environment: no recovery for eu1
        dep("api1", 12, project="api"),             # another project: no recovery either
        dep("eu2", 15, env="prod-eu", tier=None),   # recovers eu1 after 5 h
    ]
    m = measures(deployments=deployments)
    assert m["failed_deployment_recovery_time_hours"].value == 5.0
    per_failure = m["failed_deployment_recovery_time_hours"].details["per_failure"]
    assert per_failure == [{"failed_id": "shop#eu1", "recovered_by": "shop#eu2", "hours": 5.0}]


def test_revert_within_the_failure_window_marks_the_deployment_failed():
    deployments = [dep("d1", 10, sha="A"), dep("d2", 100, sha="B")]
    revert = change("!9", merged=40, first=39, title='Revert "Add cart"', branch="revert-ab12")
    m = measures(deployments=deployments, changes=[revert])
    assert m["change_fail_rate"].value == 0.5  # the revert came 30 h after d1
    assert m["deployment_rework_rate"].value == 0.5  # d2 ships the revert
    later = change("!9", merged=70, first=69, title='Revert "Add cart"', branch="revert-ab12")
    assert values(deployments=deployments, changes=[later])["change_fail_rate"] == 0.0  # 60 h


def test_a_team_pools_its_projects_and_keeps_per_project_figures():
    deployments = [dep("a1", 10, project="api"), dep("a2", 20, "failed", project="api"),
                   dep("w1", 30, project="web"), dep("w2", 40, project="web"),
                   dep("w3", 50, project="web")]
    m = measures(deployments=deployments)
    assert m["deployment_frequency_per_week"].value == 2.0  # (1 + 3) / 2
    assert m["deployment_frequency_per_week"].details["per_project"] == {"api": 0.5, "web": 1.5}
    assert m["change_fail_rate"].value == 0.2
    assert m["change_fail_rate"].details["per_project"] == {"api": 0.5, "web": 0.0}
    # api's failure is never recovered by web's deployments
    assert m["failed_deployment_recovery_time_hours"].value is None


# ---------------------------------------------------------------------------- no data


def test_no_data_is_none_never_zero():
    v = values()
    assert set(v) == set(MEASURE_SUFFIXES)
    counts = {"production_deployments", "rollback_count", "merged_changes", "incident_count",
              "pipeline_runs"}
    for suffix, value in v.items():
        if suffix in counts:
            assert value == 0, suffix
        else:
            assert value is None, suffix


def test_no_deployment_in_the_window_but_some_before_is_a_measured_zero():
    v = values(deployments=[dep("old", -100)])
    assert v["deployment_frequency_per_week"] == 0.0
    assert v["change_fail_rate"] is None  # no deployment to fail


def test_manual_unknown_everywhere_gives_no_automation_share():
    assert values(deployments=[dep("d1", 10, manual=None)])[
        "automated_production_deploy_share"] is None


# ---------------------------------------------------------------------------- pipelines


def pipe(ident: str, status: str, hours: float, minutes: float | None = None,
         manual: int = 0, retried: int = 0) -> PipelineRecord:
    return PipelineRecord(project="shop", id=ident, status=status, source="push", ref="main",
                          created_at=at(hours),
                          duration_seconds=minutes * 60 if minutes is not None else None,
                          manual_jobs=manual, retried_jobs=retried, deploy_jobs=1)


def test_pipeline_measures():
    pipelines = [
        pipe("p1", "success", 1, 10), pipe("p2", "success", 2, 20, manual=1),
        pipe("p3", "failed", 3, 5, retried=2), pipe("p4", "failure", 4, 40),  # GitHub wording
        pipe("p5", "timed_out", 5, 60), pipe("p6", "canceled", 6, 1),
        pipe("p7", "running", 7), pipe("p8", "skipped", 8),
        pipe("old", "failed", -5, 1000),  # before the window
    ]
    m = measures(pipelines=pipelines)
    assert m["pipeline_runs"].value == 8
    assert m["pipeline_runs"].details["statuses"] == {
        "canceled": 1, "failed": 1, "failure": 1, "running": 1, "skipped": 1, "success": 2,
        "timed_out": 1}
    assert m["pipeline_success_rate"].value == 0.4  # 2 of 5 finished (canceled etc. left out)
    # durations [10, 20, 5, 40, 60, 1] -> median 15; p90 (nearest rank: 6th of 6) 60
    assert m["pipeline_duration_minutes_median"].value == 15.0
    assert m["pipeline_duration_minutes_p90"].value == 60.0
    assert m["manual_job_pipeline_share"].value == round(1 / 8, 4)
    assert m["retried_job_pipeline_share"].value == round(1 / 8, 4)
    assert m["retried_job_pipeline_share"].details["retried_jobs"] == 2
    failed = m["pipeline_success_rate"].details["records"]
    assert [r["id"] for r in failed] == ["p3", "p4", "p5"]


def test_details_stay_bounded():
    deployments = [dep(f"d{i}", i * 0.1, "failed") for i in range(200)]
    m = measures(deployments=deployments)
    details = m["change_fail_rate"].details
    assert len(details["records"]) == MAX_RECORDS
    assert details["records_total"] == 200
    assert details["records"][-1]["id"] == "d199"  # the most recent ones are kept




def test_streams_keep_recoveries_apart_in_compute_metrics():
    d = dora_metrics.Deployment
    deps = [d(id="a", finished_at=at(1), succeeded=False, stream="eu"),
            d(id="b", finished_at=at(2), succeeded=True, caused_failure=False, stream="us"),
            d(id="c", finished_at=at(4), succeeded=True, caused_failure=False, stream="eu")]
    metrics = dora_metrics.compute_metrics(deps, WINDOW.start, WINDOW.end)
    assert metrics.failed_deployment_recovery_time_hours == 3.0
    one_stream = [x.model_copy(update={"stream": ""}) for x in deps]
    metrics = dora_metrics.compute_metrics(one_stream, WINDOW.start, WINDOW.end)
    assert metrics.failed_deployment_recovery_time_hours == 1.0
