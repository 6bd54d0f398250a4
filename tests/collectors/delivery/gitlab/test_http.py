"""Robustness over real HTTP: rate limits, server errors, timeouts, 401/403/404, partial runs.

Nobody sleeps here: the collector's sleep function records the delays it was asked for,
and the tests assert those. Timeouts are real: a 1 s client timeout against a server that
answers after 1.5 s (wide margins, so a busy machine does not time out other requests).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
import requests
from pytest_httpserver import HTTPServer

from opsmaturity.collectors.base import CollectorError
from opsmaturity.core.http import (
    RateLimitError,
    RetryingSession,
    RetryPolicy,
    backoff_delay,
    http_problem,
    rate_limit_delay,
)
from opsmaturity.core.privacy import host_of, redact
from tests.collectors.delivery.gitlab.test_collector import EXPECTED, TOKEN, collect
from tests.fixtures.gitlab.fake_gitlab import FakeGitLab, Fault


@pytest.fixture
def acme(httpserver) -> tuple[FakeGitLab, str]:
    fake = FakeGitLab.from_dir(token=TOKEN)
    return fake, fake.serve(httpserver)


@pytest.fixture
def threaded_acme() -> Iterator[tuple[FakeGitLab, str]]:
    """A server answering requests concurrently, so a slow answer delays no other request."""
    server = HTTPServer(threaded=True)
    server.start()
    fake = FakeGitLab.from_dir(token=TOKEN)
    try:
        yield fake, fake.serve(server)
    finally:
        server.clear()
        server.stop()


def values(evidence) -> dict:
    return {m.id: m.value for m in evidence.measures}


# ---------------------------------------------------------------------------- retries


def test_429_waits_as_long_as_retry_after_says(acme, tmp_path):
    fake, url = acme
    fake.faults.append(Fault(r"/projects/101/deployments$", 429, {"Retry-After": "7"}))
    evidence, collector, delays = collect(url, tmp_path)
    assert delays == [7.0]
    assert values(evidence) == EXPECTED
    assert not evidence.partial
    assert fake.requests_to(r"/projects/101/deployments$") == 2
    assert collector.last_stats.as_dict()["statuses"]["429"] == 1


def test_502_then_success_backs_off_exponentially(acme, tmp_path):
    fake, url = acme
    fake.faults.append(Fault(r"/projects/101/pipelines$", 502, times=3))
    evidence, _, delays = collect(url, tmp_path)
    assert delays == [1.0, 2.0, 4.0]
    assert values(evidence) == EXPECTED


def test_a_timeout_is_retried(threaded_acme, tmp_path):
    fake, url = threaded_acme
    fake.faults.append(Fault(r"/projects/101/environments$", delay=1.5))
    evidence, _, delays = collect(url, tmp_path, retry=RetryPolicy(timeout_seconds=1.0))
    assert delays == [1.0]
    assert values(evidence) == EXPECTED
    assert fake.requests_to(r"/projects/101/environments$") == 2


def test_persistent_timeouts_make_the_evidence_partial_not_zero(threaded_acme, tmp_path):
    fake, url = threaded_acme
    fake.faults.append(Fault(r"/projects/101/issues$", delay=1.5, times=-1))
    evidence, _, delays = collect(url, tmp_path,
                                  retry=RetryPolicy(timeout_seconds=1.0, retries=1))
    assert delays == [1.0]
    assert evidence.partial
    assert evidence.coverage.missing == [
        f"no answer from GitLab ({url}) for incidents of project acme/shop "
        "(timed out, also on every retry)"]
    assert evidence.coverage.ratio == round(1 - 1 / 14, 4)  # 2 projects x 7 resources
    count = evidence.measure("gitlab.incident_count")
    assert count.value is None  # not 0
    assert count.details["value_from_what_was_read"] == 0
    assert count.details["per_project"] == {"acme/platform/api": 0, "acme/shop": None}
    # measures that do not need incidents are still measured
    assert evidence.measure("gitlab.pipeline_success_rate").value == 0.8
    # ...and the change fail rate, which needs them, is not
    assert evidence.measure("gitlab.change_fail_rate").value is None


def test_a_rate_limit_longer_than_we_accept_is_reported(acme, tmp_path):
    fake, url = acme
    fake.faults.append(Fault(r"/projects/101/merge_requests$", 429, {"Retry-After": "3600"},
                             times=-1))
    evidence, _, delays = collect(url, tmp_path, retry=RetryPolicy(max_wait_seconds=600))
    assert delays == []
    assert evidence.partial
    assert evidence.coverage.missing == [
        f"GitLab ({url}) kept rate-limiting requests for merge requests of project acme/shop "
        "(429); try again later"]
    assert evidence.measure("gitlab.merged_changes").value is None
    assert evidence.measure("gitlab.deployment_frequency_per_week").value == 5.0


# ---------------------------------------------------------------------------- 401 / 403 / 404


def test_401_stops_with_one_clear_message_without_the_token(acme, tmp_path):
    fake, url = acme
    fake.token = "glpat-another-token"
    with pytest.raises(CollectorError) as caught:
        collect(url, tmp_path)
    message = str(caught.value)
    assert message == (
        f"GitLab ({url}) rejected the credentials (401 Unauthorized) while reading group acme: "
        "set GITLAB_TOKEN to a valid, unexpired token with the read_api scope")
    assert TOKEN not in message


def test_401_in_the_middle_of_a_run_also_stops_it(acme, tmp_path):
    fake, url = acme
    fake.faults.append(Fault(r"/projects/102/pipelines$", 401, times=-1))
    with pytest.raises(CollectorError, match=r"401 Unauthorized\) while reading pipelines of "
                                             r"project acme/platform/api"):
        collect(url, tmp_path)


def test_403_on_one_project_resource_names_it_and_marks_partial(acme, tmp_path):
    fake, url = acme
    fake.faults.append(Fault(r"/projects/102/deployments$", 403, times=-1))
    evidence, _, _ = collect(url, tmp_path)
    assert evidence.partial
    assert evidence.coverage.missing == [
        f"GitLab ({url}) refused access (403 Forbidden) to deployments of project "
        "acme/platform/api: the token's user needs at least read access there and the token "
        "the read_api scope (403 Forbidden)"]
    frequency = evidence.measure("gitlab.deployment_frequency_per_week")
    assert frequency.value is None
    assert frequency.details["value_from_what_was_read"] == 4.0
    assert frequency.details["per_project"] == {"acme/platform/api": None, "acme/shop": 4.0}
    assert evidence.measure("gitlab.incident_count").value == 3
    # the failed resource's cursor did not move: the next run reads it from the start
    fake.faults.clear()
    again, _, _ = collect(url, tmp_path)
    assert values(again) == EXPECTED


def test_404_project_is_one_message_naming_it(acme, tmp_path):
    _, url = acme
    with pytest.raises(CollectorError) as caught:
        collect(url, tmp_path, groups=[], projects=["acme/nope"])
    assert str(caught.value) == (
        f"project acme/nope was not found on GitLab ({url}) (404): check the name, and that "
        "the token (GITLAB_TOKEN) can see it")


def test_404_group(acme, tmp_path):
    _, url = acme
    with pytest.raises(CollectorError, match="group acme/missing was not found on GitLab"):
        collect(url, tmp_path, groups=["acme/missing"])


def test_a_url_that_is_not_gitlab_says_so(acme, tmp_path):
    fake, url = acme
    fake.faults.append(Fault(r"^/api/v4/projects/acme/shop$", raw="<html>Sign in</html>"))
    with pytest.raises(CollectorError) as caught:
        collect(url, tmp_path, groups=[], projects=["acme/shop"])
    assert str(caught.value) == (
        f"cannot read project acme/shop from GitLab ({url}): the answer was not a GitLab "
        "object (is --url the address of a GitLab instance?)")
    fake.faults.append(Fault(r"/projects/101/deployments$", raw="<html>proxy error</html>"))
    evidence, _, _ = collect(url, tmp_path, groups=[], projects=["acme/shop"])
    assert evidence.coverage.missing == [
        f"cannot read deployments of project acme/shop from GitLab ({url}): the answer was "
        "not JSON (is --url the address of a GitLab instance?)"]


def test_unreachable_host_fails_fast_with_one_message(tmp_path):
    with pytest.raises(CollectorError) as caught:
        collect("http://127.0.0.1:9", tmp_path)
    assert str(caught.value) == ("no answer from GitLab (http://127.0.0.1:9) for group acme "
                                 "(could not connect, also on every retry)")


def test_disabled_features_are_not_read_and_not_missing(acme, tmp_path):
    fake, url = acme
    fake.projects[102].project.update(issues_access_level="disabled", jobs_enabled=False,
                                      builds_access_level="disabled")
    evidence, _, _ = collect(url, tmp_path)
    assert fake.requests_to(r"/projects/102/(issues|pipelines)$") == 0
    assert not evidence.partial
    assert evidence.coverage.ratio == 1.0
    assert values(evidence) == EXPECTED


def test_graphql_errors_leave_job_measures_unmeasured(acme, tmp_path):
    fake, url = acme
    fake.faults.append(Fault(r"^/api/graphql$", 200, times=-1,
                             body={"errors": [{"message": "Field 'manualJob' doesn't exist"}]}))
    evidence, _, _ = collect(url, tmp_path)
    assert evidence.partial
    assert evidence.coverage.missing == [
        f"cannot read jobs of project acme/shop from GitLab ({url}): "
        "GraphQL error: Field 'manualJob' doesn't exist"]
    assert evidence.measure("gitlab.automated_production_deploy_share").value is None
    assert evidence.measure("gitlab.pipeline_duration_minutes_median").value is None
    assert evidence.measure("gitlab.pipeline_success_rate").value == 0.8


# ---------------------------------------------------------------------------- the HTTP layer


def test_rate_limit_headers():
    now = 1_700_000_000.0
    assert rate_limit_delay({"Retry-After": "12"}, now) == 12.0
    later = datetime.fromtimestamp(now + 30, UTC)
    assert rate_limit_delay({"Retry-After": format_datetime(later, usegmt=True)}, now) == 30.0
    assert rate_limit_delay({"RateLimit-Reset": str(int(now + 45))}, now) == 46.0  # +1 s
    assert rate_limit_delay({"X-RateLimit-Reset": str(int(now - 5))}, now) == 1.0
    assert rate_limit_delay({"RateLimit-Reset": "20"}, now) == 20.0  # seconds from now
    assert rate_limit_delay({}, now) is None
    policy = RetryPolicy(backoff_seconds=1, backoff_max_seconds=10)
    assert [backoff_delay(a, policy) for a in range(6)] == [1, 2, 4, 8, 10, 10]


def test_session_honours_reset_header_and_exhausted_403(httpserver):
    now = 1_700_000_000.0
    httpserver.expect_ordered_request("/limited").respond_with_data(
        "slow down", status=403,
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(now + 42))})
    httpserver.expect_ordered_request("/limited").respond_with_json({"ok": True})
    delays: list[float] = []
    session = RetryingSession(RetryPolicy(), sleep=delays.append, clock=lambda: now)
    response = session.get(httpserver.url_for("/limited"))
    assert response.json() == {"ok": True}
    assert delays == [43.0]  # the reset, rounded to seconds, plus one
    assert session.stats.as_dict() == {"requests": 2, "retries": 1, "waited_seconds": 43.0,
                                       "statuses": {"200": 1, "403": 1}}


def test_session_gives_up_after_its_retries(httpserver):
    httpserver.expect_request("/busy").respond_with_data("busy", status=429)
    delays: list[float] = []
    session = RetryingSession(RetryPolicy(retries=2), sleep=delays.append)
    with pytest.raises(RateLimitError):
        session.get(httpserver.url_for("/busy"))
    assert delays == [1.0, 2.0]  # no Retry-After: backoff
    httpserver.clear()
    httpserver.expect_request("/down").respond_with_data("bad gateway", status=502)
    response = RetryingSession(RetryPolicy(retries=1), sleep=delays.append).get(
        httpserver.url_for("/down"))
    assert response.status_code == 502  # the caller words the error
    httpserver.clear()
    httpserver.expect_request("/missing").respond_with_data("nope", status=404)
    session = RetryingSession(RetryPolicy(), sleep=delays.append)
    assert session.get(httpserver.url_for("/missing")).status_code == 404
    assert session.stats.retries == 0  # 404 is not retried


def test_connection_refused_is_retried_then_raised():
    delays: list[float] = []
    session = RetryingSession(RetryPolicy(retries=2, timeout_seconds=0.5), sleep=delays.append)
    with pytest.raises(requests.ConnectionError):
        session.get("http://127.0.0.1:9/")  # the discard port: nothing listens
    assert delays == [1.0, 2.0]


def test_messages_and_redaction():
    assert host_of("https://user:secret@gitlab.example.com:8443/api/v4?private_token=x") == \
        "https://gitlab.example.com:8443"
    assert redact("token glpat-abc in text", ["glpat-abc", None]) == "token *** in text"
    assert http_problem(503, "pipelines of project a/b", platform="GitLab",
                        token_env="GITLAB_TOKEN", scopes="read_api") == \
        "GitLab failed with HTTP 503 for pipelines of project a/b after several retries"
