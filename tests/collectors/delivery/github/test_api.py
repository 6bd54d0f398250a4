"""GitHub REST access over real HTTP: JSON normalising, pagination, waiting and retrying.

The server is a local pytest-httpserver speaking GitHub's JSON and headers
(tests/collectors/github_fake.py). No test sleeps: the client's waits go to a list.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from github import GithubException
from requests.exceptions import RequestException

from opsmaturity.collectors.delivery.github import api
from opsmaturity.collectors.delivery.github.api import (
    GhDeployment,
    GhIssue,
    GhPull,
    GhRelease,
    GhRun,
    GitHubClient,
    RateLimitWait,
)
from opsmaturity.core.http import RetryPolicy
from tests.collectors.delivery.github.fake import REPO, STALL, FakeGitHub, load

NOW = datetime(2026, 3, 29, tzinfo=UTC)


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def fake(httpserver) -> FakeGitHub:
    return FakeGitHub(httpserver)


@pytest.fixture
def waits() -> list[float]:
    return []


def client(fake: FakeGitHub, waits: list[float], **policy) -> GitHubClient:
    return GitHubClient(REPO, "ghp_test", api_url=fake.url, policy=RetryPolicy(**policy),
                        sleep=waits.append, clock=lambda: NOW)


# --------------------------------------------------------------------------- normalising JSON


def test_workflow_run_json():
    runs = {r["id"]: api.run_from_api(r) for r in load("runs")}
    assert runs[5006] == GhRun(
        id=5006, name="Deploy", path=".github/workflows/deploy.yml", event="push",
        status="completed", conclusion="success", head_branch="main", head_sha="e1" * 20,
        created_at=t("2026-03-11T11:50:00"), updated_at=t("2026-03-11T12:01:00"),
        run_started_at=t("2026-03-11T11:50:00"), run_attempt=2,
    )
    assert runs[5009].completed is False and runs[5009].conclusion is None


def test_deployment_outcome_from_statuses():
    deps = {d["id"]: d for d in load("deployments")}
    statuses = load("statuses")

    def dep(i: int) -> GhDeployment:
        return api.deployment_from_api(deps[i], statuses[str(i)])

    # success, later superseded (inactive): still a success, finished at the success status
    assert dep(105) == GhDeployment(
        id=105, environment="production", production_environment=True, sha="d1" * 20,
        ref="main", task="deploy", created_at=t("2026-03-10T14:55:00"), outcome="success",
        finished_at=t("2026-03-10T15:00:00"), last_state="inactive", run_id=5005,
    )
    assert (dep(103).outcome, dep(103).finished_at) == ("failed", t("2026-03-04T09:10:00"))
    assert dep(107).finished is False and dep(107).last_state == "in_progress"
    assert dep(102).run_id is None and dep(102).environment == "staging"
    # "error" is a failure too; statuses are ordered by time, not by the order given
    error = [{"id": 2, "state": "error", "created_at": "2026-03-05T10:00:00Z"},
             {"id": 1, "state": "in_progress", "created_at": "2026-03-05T09:00:00Z",
              "log_url": "https://github.com/o/r/actions/runs/77/job/1"}]
    got = api.deployment_from_api(deps[104], list(reversed(error)))
    assert (got.outcome, got.run_id) == ("failed", 77)
    # superseded before it ever finished: no outcome
    assert api.deployment_from_api(deps[104], [{"id": 3, "state": "inactive",
                                                "created_at": "2026-03-05T10:00:00Z"}]).finished \
        is False


def test_release_pull_issue_and_first_commit_json():
    rel = {r["id"]: api.release_from_api(r) for r in load("releases")}
    assert rel[305] == GhRelease(id=305, tag_name="v1.2.0", name="v1.2.0",
                                 target_commitish="main", draft=True, prerelease=False,
                                 created_at=t("2026-03-21T09:00:00"), published_at=None)
    pulls = {p["number"]: api.pull_from_api(p) for p in load("pulls")}
    assert pulls[13] == GhPull(number=13, title='Revert "Add search"',
                               head_ref="revert-14-feature/search",
                               created_at=t("2026-03-11T09:35:00"),
                               updated_at=t("2026-03-11T10:01:00"),
                               merged_at=t("2026-03-11T10:00:00"), merge_commit_sha="e1" * 20)
    assert pulls[15].merged_at is None
    assert api.first_commit_time(load("pr_commits")["14"]) == t("2026-03-09T15:00:00")
    assert api.first_commit_time([]) is None
    issue = api.issue_from_api(load("issues")[3])
    assert issue == GhIssue(number=21, title="Search returns 500", labels=["incident", "sev1"],
                            state="closed", state_reason="completed",
                            created_at=t("2026-03-11T18:00:00"),
                            updated_at=t("2026-03-11T20:10:00"),
                            closed_at=t("2026-03-11T20:00:00"))


# --------------------------------------------------------------------------- lists


def test_multi_page_list_follows_link_headers(fake: FakeGitHub, waits: list[float]):
    template = load("deployments")[0]
    fake.deployments = [{**template, "id": i, "url": f"x/{i}"} for i in range(1, 251)]
    got = [d["id"] for d in client(fake, waits).items("/deployments")]
    assert got == list(range(250, 0, -1))
    seen = fake.requests_to("/deployments")
    assert [s.args.get("page") for s in seen] == [None, "2", "3"]
    assert all(s.args["per_page"] == "100" for s in seen)
    assert waits == []


def test_listing_stops_at_the_first_item_before_since(fake: FakeGitHub, waits: list[float]):
    c = client(fake, waits)
    deps = api.fetch_deployments(c, t("2026-03-04T10:00:00"), {})
    assert [d.id for d in deps] == [107, 106, 105, 104]
    assert fake.paths() == ["/deployments", *(f"/deployments/{i}/statuses"
                                              for i in (107, 106, 105, 104))]


def test_finished_deployments_known_from_the_cache_are_not_asked_again(fake, waits):
    c = client(fake, waits)
    known = {d.id: d for d in api.fetch_deployments(c, t("2026-03-04T10:00:00"), {})}
    fake.log.clear()
    again = api.fetch_deployments(c, t("2026-03-04T10:00:00"), known)
    assert again == list(known.values())
    assert fake.paths() == ["/deployments", "/deployments/107/statuses"]  # 107 is unfinished


def test_incident_issues_exclude_pull_requests_and_ask_per_label(fake, waits):
    got = api.fetch_incidents(client(fake, waits), ["incident", "sev1"], t("2026-03-01T00:00:00"))
    assert [i.number for i in got] == [21, 24]  # #22 is a pull request, #23 has no label
    assert [(s.args["labels"], s.args["since"], s.args["state"])
            for s in fake.requests_to("/issues")] == [
        ("incident", "2026-03-01T00:00:00Z", "all"), ("sev1", "2026-03-01T00:00:00Z", "all")]


def test_workflow_runs_beyond_the_search_cap_are_split(fake, waits, monkeypatch):
    monkeypatch.setattr(api, "RUN_SEARCH_CAP", 4)
    fake.run_cap = 4
    runs = api.fetch_runs(client(fake, waits), t("2026-02-15T00:00:00"), NOW)
    assert [r.id for r in runs] == [4990, *range(5001, 5010)]
    asked = [s.args["created"] for s in fake.requests_to("/actions/runs")]
    assert asked == [
        "2026-02-15T00:00:00Z..2026-03-29T00:00:00Z",  # 10 runs: split
        "2026-02-15T00:00:00Z..2026-03-08T00:00:00Z",  # 5 runs: split
        "2026-02-15T00:00:00Z..2026-02-25T12:00:00Z",
        "2026-02-25T12:00:00Z..2026-03-08T00:00:00Z",
        "2026-03-08T00:00:00Z..2026-03-29T00:00:00Z",  # 5 runs: split
        "2026-03-08T00:00:00Z..2026-03-18T12:00:00Z",
        "2026-03-18T12:00:00Z..2026-03-29T00:00:00Z",
    ]


# --------------------------------------------------------------------------- waiting, retrying


def test_429_waits_as_long_as_retry_after_says(fake, waits):
    fake.fail("/releases", (429, {"Retry-After": "7"},
                            {"message": "You have exceeded a secondary rate limit."}))
    got = list(client(fake, waits).items("/releases"))
    assert len(got) == 4 and waits == [7.0]
    assert len(fake.requests_to("/releases")) == 2


@pytest.mark.parametrize("status", [403, 429])
def test_spent_rate_limit_waits_until_the_reset(fake, waits, status):
    reset = int(NOW.timestamp()) + 120
    fake.fail("/releases", (status, {"x-ratelimit-remaining": "0",
                                     "x-ratelimit-reset": str(reset)},
                            {"message": "API rate limit exceeded for user ID 1001.",
                             "documentation_url": "https://docs.github.com/rest"}))
    assert len(list(client(fake, waits).items("/releases"))) == 4
    assert waits == [121.0]


def test_a_reset_too_far_away_is_reported_not_slept(fake, waits):
    reset = int(NOW.timestamp()) + 3600
    fake.fail("/releases", (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
                            {"message": "API rate limit exceeded for user ID 1001."}))
    with pytest.raises(RateLimitWait) as caught:
        list(client(fake, waits, max_wait_seconds=900).items("/releases"))
    assert waits == [] and caught.value.wait == 3601.0
    assert api.explain(caught.value, REPO, "https://api.github.com") == (
        "GitHub's rate limit for octo-org/shop on https://api.github.com is spent until "
        "2026-03-29 01:00 UTC; try again later or use a token")


def test_502_then_success(fake, waits):
    fake.fail("", (502, {}, {"message": "Server Error"}))
    assert client(fake, waits).get("")["full_name"] == REPO
    assert waits == [1.0] and fake.paths() == ["", ""]


def test_5xx_backs_off_exponentially_then_gives_up_with_the_status(fake, waits):
    fake.fail("", *[(503, {}, {"message": "Service Unavailable"})] * 4)
    with pytest.raises(GithubException) as caught:
        client(fake, waits, retries=3).get("")
    assert waits == [1.0, 2.0, 4.0] and len(fake.paths()) == 4
    assert api.explain(caught.value, REPO, fake.url) == (
        f"GitHub answered 503: Service Unavailable for octo-org/shop on {fake.url}")


def test_a_timeout_is_retried(fake, waits):
    def sleep(seconds: float) -> None:
        waits.append(seconds)
        fake.release()  # let the stalled request go; the retry is then answered

    fake.fail("", STALL)
    c = GitHubClient(REPO, "ghp_test", api_url=fake.url, sleep=sleep, clock=lambda: NOW,
                     policy=RetryPolicy(timeout_seconds=0.2, retries=2))
    assert c.get("")["full_name"] == REPO
    assert waits == [1.0] and fake.paths() == ["", ""]


def test_timeouts_exhausted_name_the_repository(fake, waits):
    fake.fail("", STALL)
    c = GitHubClient(REPO, "ghp_test", api_url=fake.url, sleep=waits.append, clock=lambda: NOW,
                     policy=RetryPolicy(timeout_seconds=0.2, retries=0))
    try:
        with pytest.raises(RequestException) as caught:
            c.get("")
    finally:
        fake.release()
    assert api.explain(caught.value, REPO, fake.url) == (
        f"cannot reach GitHub for octo-org/shop on {fake.url}: timed out (after retries)")


def test_the_token_is_sent_as_authorization(fake, waits):
    client(fake, waits).get("")
    assert fake.log[0].authorization == "token ghp_test"
