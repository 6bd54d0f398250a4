"""The GitLab collector against a GitLab served over real HTTP (tests/fixtures/gitlab).

The `acme` fixture is a hand-built fortnight (2024-03-04 to 2024-03-18) of real-shaped API
records: group `acme` with `acme/shop` (production by tier, a failed deployment, a rollback,
an incident, a hotfix, a manual deploy job, a deployment approval), the subgroup project
`acme/platform/api` (production found by the name pattern `prod-*` only) and the archived
`acme/old` (left out). Expected values are worked out by hand in the comments.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from opsmaturity.collectors import get_collector
from opsmaturity.collectors.delivery.gitlab.cache import ProjectState, cache_path
from opsmaturity.collectors.delivery.gitlab.collector import (
    MEASURES,
    GitLabCollector,
    GitLabOptions,
    records,
)
from tests.fixtures.gitlab.fake_gitlab import FakeGitLab, synthetic

TOKEN = "glpat-Fixture-Token-0123456789"
SINCE = datetime(2024, 3, 4, tzinfo=UTC)
UNTIL = datetime(2024, 3, 18, tzinfo=UTC)


@pytest.fixture
def acme(httpserver) -> tuple[FakeGitLab, str]:
    fake = FakeGitLab.from_dir(token=TOKEN)
    return fake, fake.serve(httpserver)


def collect(url: str, tmp_path: Path, **kwargs):
    delays: list[float] = []
    collector = GitLabCollector(sleep=delays.append)
    options = GitLabOptions(url=url, token=TOKEN, since=kwargs.pop("since", SINCE),
                            until=kwargs.pop("until", UNTIL), cache_dir=tmp_path / "cache",
                            **{"groups": ["acme"], **kwargs})
    evidence = collector.collect(options)
    return evidence, collector, delays


EXPECTED = {
    # 10 successful production deployments in the window (8 in shop, 2 in api) / 2 weeks
    "gitlab.deployment_frequency_per_week": 5.0,
    # shop's lead times: !21 72 h, !22 23 h, !23 26 h (no commits: from creation),
    # !24 25 h, !25 17 h, !26 31 h, !27 3 h -> median 25
    "gitlab.change_lead_time_hours": 25.0,
    # failures: 1003 (failed), 1005 (rolled back by 1006), 1007 (incident #7 5 h later and
    # hotfix !25 22 h later); 11 production deployments (1011 canceled, 1012 running)
    "gitlab.change_fail_rate": round(3 / 11, 4),
    # 1003 -> 1004 2 h, 1005 -> 1006 2 h, 1007 -> 1008 23 h
    "gitlab.failed_deployment_recovery_time_hours": 2.0,
    # 1004 (redeploy after the failure), 1006 (rollback), 1008 (ships the hotfix)
    "gitlab.deployment_rework_rate": round(3 / 11, 4),
    "gitlab.production_deployments": 11,
    # shop's 8 successful: 1004 has a manual deploy job, 1010 an approval; api's are
    # unknown (no pipeline): 6 / 8
    "gitlab.automated_production_deploy_share": 0.75,
    "gitlab.rollback_count": 1,
    "gitlab.rollback_time_hours": 2.0,
    "gitlab.merged_changes": 8,  # !21 .. !28
    # [70, 20, 24 (from creation), 24, 16, 30, 2.5, 24] -> median 24
    "gitlab.change_time_to_merge_hours": 24.0,
    # [2, 3, 2, 1, 1, 1, 0.5] -> median 1
    "gitlab.change_merge_to_production_hours": 1.0,
    # #7 (type incident), #8 (label incident), #9 (open); #10 is labelled docs
    "gitlab.incident_count": 3,
    "gitlab.incident_restore_time_hours": 13.5,  # [3, 24]
    "gitlab.pipeline_runs": 12,  # 501 .. 512
    "gitlab.pipeline_success_rate": 0.8,  # 8 success / (8 + 2 failed)
    # job spans 60, 30, 60, 30, 10, 30, 30, 30, 20, 15, 2 minutes (512 still running)
    "gitlab.pipeline_duration_minutes_median": 30.0,
    "gitlab.pipeline_duration_minutes_p90": 60.0,
    "gitlab.manual_job_pipeline_share": round(2 / 12, 4),  # 503 (deploy), 504 (cleanup)
    "gitlab.retried_job_pipeline_share": round(1 / 12, 4),  # 503's build
    "gitlab.projects": 2,
    "gitlab.production_environments": 2,  # shop: production; api: prod-eu
    # GitLab's own figures for group acme (from its DORA API)
    "gitlab.platform_dora_deployment_frequency_per_week": 5.5,  # 11 in 14 days
    "gitlab.platform_dora_lead_time_for_changes_hours": 24.0,
    "gitlab.platform_dora_time_to_restore_service_hours": 3.0,
    "gitlab.platform_dora_change_failure_rate": 0.0909,
}


def test_registered_and_publishes_what_the_catalogue_reads():
    collector = get_collector("gitlab")
    assert isinstance(collector, GitLabCollector)
    assert collector.measures == MEASURES
    assert set(EXPECTED) == set(MEASURES)


def test_a_group_gives_exact_delivery_and_dora_measures(acme, tmp_path):
    _, url = acme
    evidence, _, delays = collect(url, tmp_path)
    assert {m.id: m.value for m in evidence.measures} == EXPECTED
    assert evidence.collector == "gitlab"
    assert not evidence.partial
    assert evidence.coverage.ratio == 1.0
    assert evidence.window.start == SINCE and evidence.window.end == UNTIL
    assert delays == []
    per_project = evidence.measure("gitlab.deployment_frequency_per_week").details["per_project"]
    assert per_project == {"acme/platform/api": 1.0, "acme/shop": 4.0}
    cfr = evidence.measure("gitlab.change_fail_rate").details
    assert [r["id"] for r in cfr["records"]] == ["1003", "1005", "1007"]
    assert cfr["records"][2]["failure"] == ["hotfix !25 merged 22.0 h later",
                                            "incident #7 opened 5.0 h later"]


def test_group_is_read_recursively_and_archived_projects_are_left_out(acme, tmp_path):
    fake, url = acme
    evidence, _, _ = collect(url, tmp_path)
    assert evidence.measure("gitlab.projects").details["projects"] == [
        "acme/platform/api", "acme/shop"]
    assert fake.requests_to(r"^/api/v4/projects/103/") == 0
    assert evidence.source.endswith(": group acme")
    included, _, _ = collect(url, tmp_path, include_archived=True, use_cache=False)
    assert included.measure("gitlab.projects").value == 3
    assert included.measure("gitlab.production_deployments").value == 12


def test_platform_dora_is_reported_beside_ours(acme, tmp_path):
    _, url = acme
    evidence, _, _ = collect(url, tmp_path)
    ours = evidence.measure("gitlab.deployment_frequency_per_week")
    theirs = evidence.measure("gitlab.platform_dora_deployment_frequency_per_week")
    assert (ours.value, theirs.value) == (5.0, 5.5)
    assert theirs.details["scope"] == "group acme"
    # acme/shop has Ultimate: 9 deployments in 14 days; acme/platform/api answers 403
    assert theirs.details["per_project"] == {"acme/platform/api": None, "acme/shop": 4.5}
    assert theirs.details["unavailable_projects"] == ["acme/platform/api"]
    lead = evidence.measure("gitlab.platform_dora_lead_time_for_changes_hours")
    assert lead.details["per_project"]["acme/shop"] == 25.0  # 90000 s
    assert not evidence.partial  # GitLab's DORA API is optional


def test_one_project_by_path(acme, tmp_path):
    fake, url = acme
    evidence, _, _ = collect(url, tmp_path, groups=[], projects=["acme/shop"])
    assert evidence.measure("gitlab.deployment_frequency_per_week").value == 4.0
    assert evidence.measure("gitlab.change_fail_rate").value == round(3 / 9, 4)
    assert evidence.measure("gitlab.platform_dora_change_failure_rate").value == 0.1111
    assert fake.requests_to(r"^/api/v4/groups") == 0
    assert fake.requests_to(r"^/api/v4/projects/acme/shop$") == 1


def test_records_carry_tier_manual_steps_and_skip_unfinished(acme, tmp_path):
    _, url = acme
    collect(url, tmp_path)
    state = ProjectState.model_validate_json(
        cache_path(tmp_path / "cache", url, 101).read_text())
    deployments, changes, incidents, pipelines = records(
        state, GitLabOptions(groups=["acme"]).mapping, datetime(2024, 2, 3, tzinfo=UTC))
    by_id = {d.id: d for d in deployments}
    assert "1012" not in by_id  # still running
    assert by_id["1013"].tier == "staging"
    assert by_id["1004"].manual is True  # its deploy job is a manual job
    assert by_id["1010"].manual is True  # the deployment was approved
    assert by_id["1005"].manual is False  # a manual cleanup job exists but was never played
    assert by_id["1002"].manual is False
    assert by_id["1011"].status == "canceled"
    assert {c.id: c.first_commit_at for c in changes}["!23"] is None  # no commits listed
    assert {c.id: c.first_commit_at for c in changes}["!21"] == datetime(2024, 3, 1, 10,
                                                                         tzinfo=UTC)
    assert sorted(i.id for i in incidents) == ["#7", "#8", "#9"]
    p503 = next(p for p in pipelines if p.id == "503")
    assert (p503.manual_jobs, p503.retried_jobs, p503.deploy_jobs) == (1, 1, 1)
    assert p503.duration_seconds == 3600.0


def test_long_lists_are_read_100_per_page(httpserver, tmp_path):
    fake = synthetic(projects=1, deployments=250, pipelines=230, merge_requests=120,
                     token=TOKEN)
    url = fake.serve(httpserver)
    evidence, collector, _ = collect(
        url, tmp_path, groups=["bench"], platform_dora=False,
        since=datetime(2024, 1, 1, tzinfo=UTC), until=datetime(2024, 4, 1, tzinfo=UTC))
    assert evidence.measure("gitlab.production_deployments").value == 250
    assert evidence.measure("gitlab.pipeline_runs").value == 230
    assert evidence.measure("gitlab.merged_changes").value == 120
    assert fake.requests_to(r"/deployments$") == 3  # 100 + 100 + 50
    assert fake.requests_to(r"/pipelines$") == 3
    assert fake.requests_to(r"/merge_requests$") == 2
    assert fake.requests_to(r"^/api/graphql$") == 3  # jobs: cursor pages of 100
    assert fake.requests_to(r"/merge_requests/\d+/commits$") == 120  # one per merged MR
    pages = [q for _, path, q in fake.log if path.endswith("/deployments")]
    assert [q.get("page", ["1"])[0] for q in pages] == ["1", "2", "3"]
    assert all(q["per_page"] == ["100"] for q in pages)
    assert collector.last_stats.requests == len(fake.log)


def test_a_second_run_reads_only_what_changed(acme, tmp_path):
    fake, url = acme
    first, _, _ = collect(url, tmp_path)
    before = len(fake.log)
    shop = fake.projects[101]
    new = json.loads(json.dumps(shop.deployments[9]))  # like 1010, a day later
    new.update(id=1020, iid=20, sha="9" * 40, finished_at="2024-03-13T17:00:00.000Z",
               created_at="2024-03-13T17:00:00.000Z", updated_at="2024-03-13T17:00:00.000Z")
    shop.deployments.append(new)
    second, _, _ = collect(url, tmp_path)
    log = fake.log[before:]
    deployments = [q for _, path, q in log if path == "/api/v4/projects/101/deployments"]
    # 1011/1012 were last updated 2024-03-14T09:00: the cursor is one second earlier
    assert deployments[0]["updated_after"] == ["2024-03-14T08:59:59+00:00"]
    assert not any(path.endswith("/commits") for _, path, _ in log)  # first commits are kept
    assert not any(path == "/api/graphql" for _, path, _ in log)  # no pipeline changed
    # the new deployment was updated before the cursor: GitLab would not return it either,
    # so the second run equals the first (this is what "only what changed" means)
    assert second.measure("gitlab.production_deployments").value == 11
    shop.deployments[-1]["updated_at"] = "2024-03-15T10:00:00.000Z"
    third, _, _ = collect(url, tmp_path)
    assert third.measure("gitlab.production_deployments").value == 12
    assert third.measure("gitlab.deployment_frequency_per_week").value == 5.5
    assert {m.id: m.value for m in first.measures} == EXPECTED


def test_an_earlier_since_reads_everything_again(acme, tmp_path):
    fake, url = acme
    collect(url, tmp_path)
    before = len(fake.log)
    collect(url, tmp_path, since=datetime(2024, 2, 1, tzinfo=UTC))
    deployments = [q for _, path, q in fake.log[before:]
                   if path == "/api/v4/projects/101/deployments"]
    assert deployments[0]["updated_after"] == ["2024-01-02T00:00:00+00:00"]  # since - 30 days


def test_no_cache_writes_nothing(acme, tmp_path):
    _, url = acme
    collect(url, tmp_path, use_cache=False)
    assert not (tmp_path / "cache").exists()


def test_the_cache_forgets_what_falls_before_the_window(acme, tmp_path):
    _, url = acme
    collect(url, tmp_path)
    later = datetime(2024, 3, 10, tzinfo=UTC)
    evidence, _, _ = collect(url, tmp_path, since=later, lookback_days=0)
    state = ProjectState.model_validate_json(
        cache_path(tmp_path / "cache", url, 101).read_text())
    assert sorted(state.deployments) == ["1009", "1010", "1011", "1012"]
    assert sorted(state.merge_requests) == ["26", "27", "28"]
    assert sorted(state.pipelines) == ["508", "509", "510", "511", "512"]
    assert sorted(state.jobs) == sorted(state.pipelines)
    # 1009 and 1010 of shop (1011 was canceled), 2002 of api
    assert evidence.measure("gitlab.production_deployments").value == 3
