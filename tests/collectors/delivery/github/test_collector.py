"""The GitHub collector end to end: a fixture repository's API answers over real HTTP ->
delivery records -> exact DORA and delivery measures; partial failures, incremental runs,
error messages, the run fallback and the mapping.

The fixture repository octo-org/shop (tests/fixtures/github/shop), window March 1-29 2026
(exactly 4 weeks), look-back 30 days:
- production deployments 101 (ok, Mar 2), 103 (failed, Mar 4 09:10), 104 (ok 12:10, made by
  an approved run), 105 (ok Mar 10, started by hand), 106 (ok Mar 11, ships the revert);
  100 before the window; 102 is staging; 107 never finished; 99 is older than the look-back;
- pull requests #11-#14 merged in the window (#13 reverts #14 19 h after deployment 105),
  #15 closed unmerged, #9 and #10 merged in the look-back;
- incident issues #21 (6 h after deployment 106, closed 2 h later) and #24 (open); #22 is a
  pull request, #23 is only a bug.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from opsmaturity.collectors import get_collector
from opsmaturity.collectors.base import CollectorError
from opsmaturity.collectors.delivery.github.api import (
    deployment_from_api,
    issue_from_api,
    pull_from_api,
    run_from_api,
)
from opsmaturity.collectors.delivery.github.collector import (
    MEASURES,
    Facts,
    GitHubCollector,
    GitHubOptions,
    RepoCache,
    build_records,
)
from opsmaturity.collectors.delivery.measures import (
    ChangeRecord,
    DeliveryMapping,
    DeploymentRecord,
    PlatformIncident,
)
from opsmaturity.core.evidence import EvidenceSet, Window
from opsmaturity.core.http import RetryPolicy
from tests.collectors.delivery.github.fake import REPO, FakeGitHub, load
from tests.conftest import ROOT

NOW = datetime(2026, 3, 29, tzinfo=UTC)
SINCE = datetime(2026, 3, 1, tzinfo=UTC)

EXPECTED = {
    "github.deployment_frequency_per_week": 1.0,  # 4 successful production deploys / 4 weeks
    "github.change_lead_time_hours": 14.0,  # median of 2.5, 4, 24, 48.08 h
    "github.change_fail_rate": 0.6,  # 103 failed, 105 reverted, 106 incident / 5
    "github.failed_deployment_recovery_time_hours": 3.0,  # 103 09:10 -> 104 12:10
    "github.deployment_rework_rate": 0.4,  # 104 redeploys after 103, 106 ships the revert
    "github.production_deployments": 5,
    "github.automated_production_deploy_share": 0.5,  # 104 approved, 105 by hand / 4 ok
    "github.rollback_count": 0,
    "github.rollback_time_hours": None,
    "github.merged_changes": 4,
    "github.change_time_to_merge_hours": 12.92,  # median of 0.5, 2.83, 23, 47 h
    "github.change_merge_to_production_hours": 1.12,
    "github.incident_count": 2,
    "github.incident_restore_time_hours": 2.0,
    "github.pipeline_runs": 9,
    "github.pipeline_success_rate": 0.7143,  # 5 of 7 (cancelled and running left out)
    "github.pipeline_duration_minutes_median": 9.5,
    "github.pipeline_duration_minutes_p90": 13.0,
    "github.manual_job_pipeline_share": 0.2222,  # 5004 approved, 5005 dispatched / 9
    "github.retried_job_pipeline_share": 0.1111,  # 5006 is attempt 2
    "github.releases": 2,  # v1.0.0 and v1.1.0-rc1; the draft does not count
    "github.deployment_source": "deployments",
}
FIRST_RUN_REQUESTS = [
    ("", {}),
    ("/actions/runs", {"created": "2026-01-30T00:00:00Z..2026-03-29T00:00:00Z",
                       "exclude_pull_requests": "true", "per_page": "100"}),
    ("/deployments", {"per_page": "100"}),
    *((f"/deployments/{i}/statuses", {"per_page": "100"}) for i in range(107, 99, -1)),
    ("/releases", {"per_page": "100"}),
    ("/pulls", {"state": "closed", "sort": "updated", "direction": "desc", "per_page": "100"}),
    *((f"/pulls/{n}/commits", {"per_page": "100"}) for n in (13, 14, 12, 11)),
    ("/issues", {"labels": "incident", "state": "all", "since": "2026-01-30T00:00:00Z",
                 "per_page": "100"}),
    *((f"/actions/runs/{r}/approvals", {}) for r in (5001, 5004, 5006)),
]


@pytest.fixture
def fake(httpserver) -> FakeGitHub:
    return FakeGitHub(httpserver)


def collect(fake: FakeGitHub, tmp_path: Path, *, waits: list[float] | None = None,
            now: datetime = NOW, **options) -> EvidenceSet:
    options.setdefault("since", SINCE)
    options.setdefault("until", NOW)
    opts = GitHubOptions(repo=REPO, api_url=fake.url, token="ghp_test",
                         cache_dir=tmp_path / "cache", **options)
    sink = waits if waits is not None else []
    return GitHubCollector(sleep=sink.append, clock=lambda: now).collect(opts)


def values(ev: EvidenceSet) -> dict:
    return {m.id: m.value for m in ev.measures}


# --------------------------------------------------------------------------- end to end


def test_fixture_repository_gives_exact_dora_and_delivery_measures(fake, tmp_path):
    ev = collect(fake, tmp_path)
    assert values(ev) == EXPECTED
    assert [m.id for m in ev.measures] == list(MEASURES)
    assert (ev.collector, ev.source) == ("github", f"{fake.url}/octo-org/shop")
    assert ev.window == Window(start=SINCE, end=NOW)
    assert (ev.coverage.ratio, ev.coverage.missing, ev.partial) == (1.0, [], False)
    cfr = ev.measure("github.change_fail_rate").details
    assert [(r["id"], r.get("failure")) for r in cfr["records"]] == [
        ("103", None), ("105", ["revert #13 merged 19.0 h later"]),
        ("106", ["incident #21 opened 6.0 h later"])]
    assert ev.measure("github.releases").details["prereleases"] == 1


def test_requests_are_bounded_and_exactly_these(fake, tmp_path):
    """Statuses only for deployments inside the look-back, commits only for pull requests
    merged in the window, approvals only for runs behind automatic production deploys."""
    collect(fake, tmp_path)
    assert [(s.path, s.args) for s in fake.log] == FIRST_RUN_REQUESTS


def test_registered_and_publishes_the_shared_suffixes():
    collector = get_collector("github")
    assert isinstance(collector, GitHubCollector)
    assert collector.measures == MEASURES and len(MEASURES) == 22


def _fixture_facts(**options) -> Facts:
    deps = [deployment_from_api(d, load("statuses")[str(d["id"])]) for d in load("deployments")]
    cache = RepoCache(
        api_url="https://api.github.com", repo=REPO,
        runs={r.id: r for r in map(run_from_api, load("runs"))},
        deployments={d.id: d for d in deps},
        pulls={p.number: p for p in map(pull_from_api, load("pulls"))},
        incidents={i.number: i for i in map(issue_from_api, (
            d for d in load("issues") if "pull_request" not in d)) if "incident" in i.labels},
        approvals={5001: 0, 5004: 1, 5006: 0},
    )
    opts = GitHubOptions(repo=REPO, since=SINCE, until=NOW, **options)
    return Facts.of(opts, cache, Window(start=SINCE, end=NOW))


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_api_json_becomes_delivery_records():
    records = build_records(_fixture_facts())
    sha = {"0": "0" * 40, **{k: (k + "1") * 20 for k in "abcde"}}
    assert records.deployment_source == "deployments"
    assert records.deployments == [
        DeploymentRecord(project=REPO, id=str(i), environment=env, tier=tier,
                         finished_at=t(at), status=status, sha=sha[s], ref="main", manual=manual)
        for i, env, tier, at, status, s, manual in [
            (100, "production", "production", "2026-02-20T10:05:00", "success", "0", None),
            (101, "production", "production", "2026-03-02T10:05:00", "success", "a", False),
            (102, "staging", None, "2026-03-03T09:05:00", "success", "b", None),
            (103, "production", "production", "2026-03-04T09:10:00", "failed", "b", None),
            (104, "production", "production", "2026-03-04T12:10:00", "success", "c", True),
            (105, "production", "production", "2026-03-10T15:00:00", "success", "d", True),
            (106, "production", "production", "2026-03-11T12:00:00", "success", "e", False),
        ]
    ]
    # 100's run (4990) was never asked about approvals; 102 and 103 made by unknown runs
    assert records.deployment_runs == [4990, 5001, None, 5003, 5004, 5005, 5006]
    assert records.changes[1] == ChangeRecord(
        project=REPO, id="#10", title="Bump deps", source_branch="deps/bump",
        created_at=t("2026-02-19T08:00:00"), merged_at=t("2026-02-19T09:00:00"),
        first_commit_at=None, merge_sha="0" * 40)
    assert [c.id for c in records.changes] == ["#9", "#10", "#11", "#12", "#13", "#14"]
    assert [c.first_commit_at for c in records.changes] == [None] * 6  # not asked for here
    assert records.incidents == [
        PlatformIncident(project=REPO, id="#21", title="Search returns 500",
                       opened_at=t("2026-03-11T18:00:00"), resolved_at=t("2026-03-11T20:00:00")),
        PlatformIncident(project=REPO, id="#24", title="Checkout slow",
                       opened_at=t("2026-03-18T07:00:00"), resolved_at=None),
    ]
    p = {r.id: r for r in records.pipelines}
    r = p["5006"]
    assert (r.status, r.source, r.ref, r.retried_jobs, r.deploy_jobs, r.duration_seconds,
            r.manual_jobs) == ("success", "push", "main", 1, 1, 660.0, 0)
    assert (p["5005"].manual_jobs, p["5004"].manual_jobs, p["5002"].deploy_jobs) == (1, 1, 0)
    assert (p["5009"].status, p["5009"].duration_seconds) == ("in_progress", None)


def test_mapping_decides_what_is_production():
    mapping = DeliveryMapping(production_tiers=[], production_patterns=["staging"])
    records = build_records(_fixture_facts(mapping=mapping))
    assert [(d.id, d.tier) for d in records.deployments if d.id in ("101", "102")] == [
        ("101", None), ("102", None)]


# --------------------------------------------------------------------------- partial failures


def test_failing_pull_requests_give_partial_evidence_not_zeros(fake, tmp_path):
    fake.fail("/pulls", *[(502, {}, {"message": "Server Error"})] * 2)
    waits: list[float] = []
    ev = collect(fake, tmp_path, waits=waits, retry=RetryPolicy(retries=1))
    assert waits == [1.0]
    why = f"GitHub answered 502: Server Error for octo-org/shop on {fake.url} (pull requests)"
    assert ev.partial and ev.coverage.ratio == 0.8
    assert ev.coverage.missing == [f"pull requests: {why}"]
    got = values(ev)
    for mid in ("change_lead_time_hours", "change_fail_rate", "deployment_rework_rate",
                "failed_deployment_recovery_time_hours", "merged_changes",
                "change_time_to_merge_hours", "change_merge_to_production_hours"):
        assert got[f"github.{mid}"] is None, mid
    merged = ev.measure("github.merged_changes").details
    assert merged["not_measured"] == [f"pull requests: {why}"]
    assert merged["value_from_what_was_read"] == 0
    # what does not need pull requests is still measured
    assert got["github.deployment_frequency_per_week"] == 1.0
    assert got["github.production_deployments"] == 5
    assert got["github.incident_count"] == 2 and got["github.pipeline_runs"] == 9
    assert not any(s.path.startswith("/pulls/") for s in fake.log)


def test_a_failed_first_commit_lowers_coverage_and_falls_back_to_creation(fake, tmp_path):
    fake.fail("/pulls/14/commits", (404, {}, {"message": "Not Found"}))
    ev = collect(fake, tmp_path)
    assert ev.partial and ev.coverage.ratio == 0.95  # pull requests read 3/4 of the way
    assert ev.coverage.missing == [
        "first commit of 1 of 4 merged pull requests not read (their lead time starts at the "
        f"pull request's creation): octo-org/shop on {fake.url} (commits of pull request #14) "
        "was not found (404); check the name, and that the token can see the repository "
        "(GitHub answers 404 for private ones it cannot); for GitHub Enterprise Server the "
        "API URL ends in /api/v3"]
    # #14 now starts at its creation (Mar 9 16:00): 23 h to deployment 105, not 24 h
    assert values(ev)["github.change_lead_time_hours"] == 13.5


def test_a_spent_rate_limit_stops_asking_and_says_until_when(fake, tmp_path):
    reset = int(NOW.timestamp()) + 7200
    fake.fail("/deployments", (403, {"x-ratelimit-remaining": "0",
                                     "x-ratelimit-reset": str(reset)},
                               {"message": "API rate limit exceeded for user ID 1001."}))
    waits: list[float] = []
    ev = collect(fake, tmp_path, waits=waits)
    assert waits == [] and fake.paths() == ["", "/actions/runs", "/deployments"]
    why = (f"GitHub's rate limit for octo-org/shop on {fake.url} is spent until "
           "2026-03-29 02:00 UTC; try again later or use a token")
    assert ev.coverage.missing == [f"{name}: {why}" for name in (
        "deployments", "releases", "pull requests", "incident issues")]
    assert ev.coverage.ratio == 0.2 and ev.partial
    got = values(ev)
    assert got["github.pipeline_runs"] == 9
    assert got["github.deployment_frequency_per_week"] is None
    assert got["github.releases"] is None and got["github.deployment_source"] is None


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("status", "body", "message"), [
    (401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
     "GitHub rejected the token for octo-org/shop on {url} (401: Bad credentials); "
     "check GITHUB_TOKEN"),
    (403, {"message": "Resource not accessible by personal access token"},
     "GitHub refused access to octo-org/shop on {url} (403: Resource not accessible by "
     "personal access token); the token needs read access to the repository's contents, "
     "actions, deployments, pull requests and issues"),
    (404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
     "octo-org/shop on {url} was not found (404); check the name, and that the token can "
     "see the repository (GitHub answers 404 for private ones it cannot); for GitHub "
     "Enterprise Server the API URL ends in /api/v3"),
])
def test_401_403_404_give_one_clear_message(fake, tmp_path, status, body, message):
    fake.fail("", (status, {}, body))
    with pytest.raises(CollectorError) as caught:
        collect(fake, tmp_path)
    assert str(caught.value) == message.format(url=fake.url)
    assert fake.paths() == [""]  # not retried, nothing else asked
    assert not (tmp_path / "cache" / "github").exists()


def test_a_token_revoked_midway_ends_the_run(fake, tmp_path):
    fake.fail("/releases", (401, {}, {"message": "Bad credentials"}))
    with pytest.raises(CollectorError, match=r"rejected the token for octo-org/shop .*releases"):
        collect(fake, tmp_path)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("repo", "just-a-name", "is not OWNER/NAME"),
    ("api_url", "ftp://example.com", r"is not an http\(s\) URL"),
])
def test_bad_options_are_rejected(field, value, message):
    with pytest.raises(ValueError, match=message):
        GitHubOptions(**{"repo": REPO, field: value})


def test_window_must_be_ordered(fake, tmp_path):
    with pytest.raises(CollectorError, match=r"--since \(2026-03-29\) must be before"):
        collect(fake, tmp_path, since=NOW, until=SINCE)


def test_enterprise_api_prefix(httpserver, tmp_path):
    fake = FakeGitHub(httpserver, prefix="/api/v3")
    assert fake.url.endswith("/api/v3")
    ev = collect(fake, tmp_path)
    assert values(ev) == EXPECTED
    assert ev.source == fake.url.removesuffix("/api/v3") + "/octo-org/shop"


# --------------------------------------------------------------------------- incremental


def _what_happened_since(fake: FakeGitHub) -> None:
    """A day later: run 5009 and deployment 107 finished; a new deploy, PR and incident."""
    run = next(r for r in fake.runs if r["id"] == 5009)
    run.update(status="completed", conclusion="success", updated_at="2026-03-20T10:11:00Z")
    new_run = {**run, "id": 5010, "head_sha": "a2" * 20, "created_at": "2026-03-29T09:58:00Z",
               "run_started_at": "2026-03-29T09:58:00Z", "updated_at": "2026-03-29T10:06:00Z"}
    fake.runs.append(new_run)
    status = fake.statuses["107"][0]
    fake.statuses["107"].insert(0, {**status, "id": 1072, "state": "success",
                                    "created_at": "2026-03-20T10:10:00Z"})
    dep = next(d for d in fake.deployments if d["id"] == 107)
    fake.deployments.append({**dep, "id": 108, "sha": "a2" * 20,
                             "created_at": "2026-03-29T10:00:00Z"})
    fake.statuses["108"] = [{**status, "id": 1081, "state": "success",
                             "created_at": "2026-03-29T10:05:00Z",
                             "log_url": "https://github.com/octo-org/shop/actions/runs/5010/job/1"}]
    pull = next(p for p in fake.pulls if p["number"] == 11)
    fake.pulls.insert(0, {**pull, "number": 16, "title": "Add wishlist",
                          "created_at": "2026-03-28T14:00:00Z",
                          "updated_at": "2026-03-29T09:01:00Z",
                          "merged_at": "2026-03-29T09:00:00Z", "merge_commit_sha": "a2" * 20})
    commit = fake.commits["12"][0]
    fake.commits["16"] = [{**commit, "commit": {**commit["commit"], "author": {
        **commit["commit"]["author"], "date": "2026-03-28T12:00:00Z"}}}]
    issue = fake.issues[0]
    fake.issues.insert(0, {**issue, "number": 25, "title": "Wishlist empty",
                           "created_at": "2026-03-29T11:00:00Z",
                           "updated_at": "2026-03-29T11:00:00Z"})


def test_incremental_run_asks_only_for_what_changed(fake, tmp_path):
    collect(fake, tmp_path)
    _what_happened_since(fake)
    fake.log.clear()
    later = datetime(2026, 3, 30, tzinfo=UTC)
    until = datetime(2026, 3, 31, tzinfo=UTC)
    second = collect(fake, tmp_path, now=later, until=until)
    assert [(s.path, s.args.get("created") or s.args.get("since")) for s in fake.log] == [
        ("", None),
        # from the oldest run unfinished last time (5009), else an hour before the last run
        ("/actions/runs", "2026-03-20T09:58:00Z..2026-03-30T00:00:00Z"),
        ("/deployments", None),
        ("/deployments/108/statuses", None),  # new
        ("/deployments/107/statuses", None),  # unfinished last time; 106 stops the listing
        ("/releases", None),
        ("/pulls", None),
        ("/pulls/16/commits", None),  # the only newly merged pull request
        ("/issues", "2026-03-28T23:00:00Z"),
        ("/actions/runs/5009/approvals", None),
        ("/actions/runs/5010/approvals", None),
    ]
    # the same as reading everything afresh
    fake.log.clear()
    fresh = collect(fake, tmp_path / "elsewhere", now=later, until=until, use_cache=False)
    assert len(fake.log) > 20
    assert [m.model_dump() for m in second.measures] == [m.model_dump() for m in fresh.measures]
    assert values(second)["github.production_deployments"] == 7
    assert values(second)["github.incident_count"] == 3
    assert not (tmp_path / "elsewhere" / "cache").exists()  # --no-cache writes nothing


def test_an_earlier_window_than_cached_is_read_in_full(fake, tmp_path):
    collect(fake, tmp_path)
    fake.log.clear()
    collect(fake, tmp_path, since=datetime(2026, 2, 1, tzinfo=UTC))
    runs = fake.requests_to("/actions/runs")
    assert [s.args["created"] for s in runs] == ["2026-01-02T00:00:00Z..2026-03-29T00:00:00Z"]


def test_a_damaged_cache_is_read_afresh(fake, tmp_path):
    collect(fake, tmp_path)
    (cache_file,) = (tmp_path / "cache" / "github").glob("*.json")
    cache_file.write_text("{ not json")
    fake.log.clear()
    assert values(collect(fake, tmp_path)) == EXPECTED
    assert [(s.path, s.args) for s in fake.log] == FIRST_RUN_REQUESTS
    json.loads(cache_file.read_text())  # rewritten whole


# --------------------------------------------------------------------------- other sources


def test_without_deployment_records_deploy_jobs_of_workflow_runs_count(fake, tmp_path):
    fake.deployments = []
    fake.runs = load("runs", "fallback")
    fake.jobs = load("jobs", "fallback")
    ev = collect(fake, tmp_path)
    jobs_asked = [s.path for s in fake.log if s.path.endswith("/jobs")]
    # the newest run of each workflow tells whether it has deploy jobs: Pipeline has, so
    # 6003 is read too; CI has none, so 6001 is not; "Release" is a deploy by its name;
    # pull request runs never deploy
    assert jobs_asked == ["/actions/runs/6004/jobs", "/actions/runs/6003/jobs",
                          "/actions/runs/6002/jobs"]
    assert [s.path for s in fake.log if s.path.endswith("/approvals")] == [
        "/actions/runs/6003/approvals", "/actions/runs/6005/approvals"]
    got = values(ev)
    assert got["github.deployment_source"] == "workflow_runs"
    assert got["github.production_deployments"] == 3  # 6003 and 6004 deploy-production, 6005
    assert got["github.deployment_frequency_per_week"] == 0.5
    assert got["github.change_fail_rate"] == round(1 / 3, 4)
    records = ev.measure("github.deployment_frequency_per_week").details["records"]
    assert [(r["id"], r["environment"], r["status"]) for r in records] == [
        ("run-6003-job-7303", "production", "success"),
        ("run-6004-job-7403", "production", "failed"),
        ("run-6005", "Release", "success"),
    ]
    assert ev.measure("github.deployment_frequency_per_week").details[
        "non_production_deployments"] == 2  # the two deploy-staging jobs
    assert got["github.automated_production_deploy_share"] == 1.0


def test_releases_as_deployments(fake, tmp_path):
    ev = collect(fake, tmp_path, deployments_from="releases")
    assert "/deployments" not in fake.paths()
    got = values(ev)
    assert got["github.deployment_source"] == "releases"
    assert got["github.deployment_frequency_per_week"] == 0.25  # v1.0.0; not the rc, not drafts
    assert got["github.releases"] == 2


def test_incident_label_patterns_are_matched_against_the_repository_labels(fake, tmp_path):
    mapping = DeliveryMapping(incident_labels=["sev*"])
    ev = collect(fake, tmp_path, mapping=mapping)
    assert [s.args["labels"] for s in fake.requests_to("/issues")] == ["sev1", "sev2"]
    assert "/labels" in fake.paths()
    assert values(ev)["github.incident_count"] == 1  # #21 (sev1)


def test_github_rules_are_documented():
    doc = (ROOT / "docs" / "github-evidence.md").read_text()
    for name in GitHubOptions.model_fields:
        assert f"`{name}`" in doc, f"docs/github-evidence.md does not mention {name}"
    for measure in MEASURES[-2:]:
        assert f"`{measure}`" in doc, f"docs/github-evidence.md does not explain {measure}"
    assert "delivery-evidence.md" in doc


def test_every_delivery_measure_says_what_it_needs():
    from opsmaturity.collectors.delivery.github.collector import NEEDS
    from opsmaturity.collectors.delivery.measures import MEASURE_SUFFIXES

    assert set(NEEDS) == set(MEASURE_SUFFIXES)


def test_progress_is_reported(fake, tmp_path):
    seen: list[tuple[str, float | None]] = []
    opts = GitHubOptions(repo=REPO, api_url=fake.url, since=SINCE, until=NOW,
                         cache_dir=tmp_path / "cache")
    GitHubCollector(sleep=lambda s: None, clock=lambda: NOW).collect(
        opts, lambda message, fraction: seen.append((message, fraction)))
    assert [m for m, _ in seen] == [
        "reading octo-org/shop", "reading workflow runs", "reading deployments",
        "reading releases", "reading pull requests", "reading incident issues",
        "reading workflow jobs and approvals", "computing measures"]
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
