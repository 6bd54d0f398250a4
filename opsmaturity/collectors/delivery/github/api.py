"""GitHub REST access for the GitHub collector: transport, waiting, pagination, and the JSON
normalised into small fact records that are cached between runs.

Why PyGithub, and why raw JSON: PyGithub gives us authentication, urllib3 retries and
`Link`-header pagination (`PaginatedList`, 100 per page) for GitHub.com and Enterprise alike.
Its typed objects, though, fetch a whole object again when code touches a field the list
response lacked (e.g. `issue.pull_request` on a plain issue), which would turn one list
request into hundreds. So lists are read as plain JSON (`_Json`) and normalised here, under
the field names GitHub returns, into the `Gh*` records below. Every request this module makes
is visible in one place, and the tests assert exactly which ones happen.

Waiting is injectable (`sleep`, `clock`) so tests never really sleep: they assert the waits
requested. The rules are the one retry policy of `opsmaturity.core.http` (`next_delay`): a
`Retry-After` header is obeyed; a rate-limit answer waits until the reset (+1 s); 5xx
answers, timeouts and dropped connections back off exponentially (1, 2, 4, ... s, at most
60 s). A wait longer than `max_wait` is not slept: `RateLimitWait` is raised and the
caller reports it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import takewhile
from typing import Any, Literal

from github import Auth, GithubException, GithubRetry
from github.GithubObject import NonCompletableGithubObject
from github.PaginatedList import PaginatedList
from github.Requester import Requester
from pydantic import AwareDatetime, BaseModel, ConfigDict
from requests.exceptions import RequestException

from opsmaturity.core.http import RetryPolicy, backoff_delay, next_delay
from opsmaturity.core.messages import text as _msg
from opsmaturity.core.times import now_utc, parse_iso

DEFAULT_API_URL = "https://api.github.com"
PER_PAGE = 100
RUN_SEARCH_CAP = 1000  # GitHub returns at most 1,000 workflow runs for a filtered query

Sleep = Callable[[float], None]
Clock = Callable[[], datetime]


class RateLimitWait(Exception):
    """GitHub asked us to wait longer than we are willing to (the rate limit is spent)."""

    def __init__(self, wait: float, until: datetime) -> None:
        super().__init__(f"rate limit: wait {wait:.0f}s")
        self.wait = wait
        self.until = until


class PatientRetry(GithubRetry):
    """PyGithub's urllib3 retry, waiting by the one policy in `core.http` so we can observe it."""

    # GithubRetry logs each retry at INFO to the "github" logger, which PyGithub gives a
    # stderr handler of its own; ours has none, so a failure reads as one message, not three.
    _GithubRetry__logger = logging.getLogger(__name__)

    def __init__(self, *, policy: RetryPolicy | None = None, sleep: Sleep = time.sleep,
                 clock: Clock = now_utc, **kwargs: Any) -> None:
        self.policy = policy or RetryPolicy()
        self.sleeper = sleep
        self.clock = clock
        self.max_wait = self.policy.max_wait_seconds
        kwargs.setdefault("total", self.policy.retries)
        # a host that cannot be reached at all (refused, unknown) is tried only this often
        kwargs.setdefault("connect", min(self.policy.retries, self.policy.connect_retries))
        kwargs.setdefault("backoff_factor", self.policy.backoff_seconds)
        kwargs.setdefault("backoff_max", self.policy.backoff_max_seconds)
        super().__init__(**kwargs)

    def new(self, **kw: Any) -> PatientRetry:
        kw.update(policy=self.policy, sleep=self.sleeper, clock=self.clock)
        return super().new(**kw)

    def _errors(self) -> int:
        return len(list(takewhile(lambda h: h.redirect_location is None,
                                  reversed(self.history))))

    def get_backoff_time(self) -> float:
        errors = self._errors()
        return backoff_delay(errors - 1, self.policy) if errors else 0.0

    def wait_for(self, response: Any = None) -> float:
        """Seconds to wait before the next attempt, from the answer's headers or the backoff."""
        errors = self._errors()
        if response is None:
            return backoff_delay(errors - 1, self.policy) if errors else 0.0
        return next_delay(response.status, response.headers, max(0, errors - 1), self.policy,
                          self.clock().timestamp())

    def sleep(self, response: Any = None) -> None:
        wait = self.wait_for(response)
        if wait > self.max_wait:
            until = datetime.fromtimestamp(self.clock().timestamp() + wait, UTC)
            raise RateLimitWait(wait, until)
        if wait > 0:
            self.sleeper(wait)


class _Json(NonCompletableGithubObject):
    """A list element kept as the JSON GitHub sent (`raw_data`), never completed lazily."""

    def _initAttributes(self) -> None:
        pass

    def _useAttributes(self, attributes: dict[str, Any]) -> None:
        pass


class GitHubClient:
    """One repository on one GitHub (github.com or an Enterprise server's API URL)."""

    def __init__(self, repo: str, token: str | None, *, api_url: str = DEFAULT_API_URL,
                 policy: RetryPolicy | None = None, sleep: Sleep = time.sleep,
                 clock: Clock = now_utc) -> None:
        policy = policy or RetryPolicy()
        self.repo = repo
        self.api_url = api_url.rstrip("/")
        retry = PatientRetry(
            policy=policy, sleep=sleep, clock=clock, status_forcelist=[429, *range(500, 600)],
            raise_on_status=False,
            max_rate_limit_wait=None,
        )
        # PyGithub's Requester (what `Github` wraps): auth, retries, pagination, no throttle
        self.requester = Requester(
            auth=Auth.Token(token) if token else None, base_url=self.api_url,
            timeout=policy.timeout_seconds,
            user_agent="opsmaturity", per_page=PER_PAGE, verify=True, retry=retry,
            pool_size=None, seconds_between_requests=None, seconds_between_writes=None,
        )
        self.prefix = f"/repos/{repo}"

    def close(self) -> None:
        self.requester.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """One GET below the repository (`path` "" is the repository itself)."""
        _, data = self.requester.requestJsonAndCheck("GET", self.prefix + path,
                                                     parameters=params)
        return data

    def pages(self, path: str, params: dict[str, Any] | None = None,
              list_item: str = "items") -> PaginatedList[_Json]:
        """A lazily paged list (100 per page, following `Link: rel="next"`)."""
        return PaginatedList(_Json, self.requester, self.prefix + path, dict(params or {}),
                             list_item=list_item)

    def items(self, path: str, params: dict[str, Any] | None = None,
              list_item: str = "items") -> Iterator[dict[str, Any]]:
        for element in self.pages(path, params, list_item):
            yield element.raw_data


def explain(exc: BaseException, repo: str, api_url: str, what: str = "") -> str:
    """One sentence for the user about a failed request, naming the repository."""
    on = (_msg("github.on_what", repo=repo, api_url=api_url, what=what) if what
          else _msg("github.on_repo", repo=repo, api_url=api_url))
    if isinstance(exc, RateLimitWait):
        return _msg("github.rate_limit", on=on, until=f"{exc.until:%Y-%m-%d %H:%M}")
    if isinstance(exc, GithubException):
        message = exc.data.get("message") if isinstance(exc.data, dict) else None
        status = f"{exc.status}: {message}" if message else str(exc.status)
        if exc.status == 401:
            return _msg("github.unauthorized", on=on, status=status)
        if exc.status == 403:
            return _msg("github.forbidden", on=on, status=status)
        if exc.status == 404:
            enterprise = not ("/api/" in api_url or api_url == DEFAULT_API_URL)
            return _msg("github.not_found_enterprise" if enterprise else "github.not_found",
                        on=on, status=exc.status)  # GitHub's "Not Found" adds nothing
        return _msg("github.answered", on=on, status=status)
    if isinstance(exc, RequestException):
        return _msg("github.unreachable", on=on, reason=_reason(exc))
    return _msg("github.failed", on=on, problem=exc)


def _reason(exc: RequestException) -> str:
    text = str(exc)
    if "timed out" in text.lower() or "timeout" in type(exc).__name__.lower():
        return _msg("github.timed_out")
    if "Connection refused" in text or "ECONNREFUSED" in text:
        return _msg("github.refused")
    if "Name or service not known" in text or "nodename nor servname" in text:
        return _msg("github.unknown_host")
    if "Max retries exceeded" in text:
        return _msg("github.no_answer")
    return type(exc).__name__


def fatal(exc: BaseException) -> bool:
    """Failures that end the whole run: bad credentials (every later request fails the same)."""
    return isinstance(exc, GithubException) and exc.status == 401


# --------------------------------------------------------------------------- fact records


class _Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GhRepo(_Fact):
    full_name: str
    default_branch: str | None


class GhRun(_Fact):
    """A workflow run (`GET /repos/{o}/{r}/actions/runs`)."""

    id: int
    name: str
    path: str | None
    event: str
    status: str
    conclusion: str | None
    head_branch: str | None
    head_sha: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    run_started_at: AwareDatetime | None
    run_attempt: int = 1

    @property
    def completed(self) -> bool:
        return self.status == "completed"


class GhJob(_Fact):
    """A job of a workflow run (`GET .../actions/runs/{id}/jobs`)."""

    id: int
    name: str
    status: str
    conclusion: str | None
    started_at: AwareDatetime | None
    completed_at: AwareDatetime | None


class GhDeployment(_Fact):
    """A deployment with the outcome read from its statuses (None while unfinished)."""

    id: int
    environment: str
    production_environment: bool | None
    sha: str | None
    ref: str | None
    task: str | None
    created_at: AwareDatetime
    outcome: Literal["success", "failed"] | None = None
    finished_at: AwareDatetime | None = None
    last_state: str | None = None
    run_id: int | None = None

    @property
    def finished(self) -> bool:
        return self.outcome is not None


class GhRelease(_Fact):
    id: int
    tag_name: str
    name: str | None
    target_commitish: str | None
    draft: bool
    prerelease: bool
    created_at: AwareDatetime
    published_at: AwareDatetime | None


class GhPull(_Fact):
    """A closed pull request; `first_commit_at` is filled for merged ones we asked about."""

    number: int
    title: str
    head_ref: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    merged_at: AwareDatetime | None
    merge_commit_sha: str | None
    first_commit_at: AwareDatetime | None = None
    commits_read: bool = False


class GhIssue(_Fact):
    number: int
    title: str
    labels: list[str]
    state: str
    state_reason: str | None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    closed_at: AwareDatetime | None


# --------------------------------------------------------------------------- normalising JSON

RUN_LINK = re.compile(r"/actions/runs/(\d+)")
DEPLOYMENT_RESULT = {"success": "success", "failure": "failed", "error": "failed"}


def repo_from_api(d: dict[str, Any]) -> GhRepo:
    return GhRepo(full_name=d["full_name"], default_branch=d.get("default_branch"))


def run_from_api(d: dict[str, Any]) -> GhRun:
    return GhRun(
        id=d["id"], name=d.get("name") or d.get("display_title") or str(d.get("path") or ""),
        path=d.get("path"), event=d["event"], status=d["status"], conclusion=d.get("conclusion"),
        head_branch=d.get("head_branch"), head_sha=d["head_sha"], created_at=d["created_at"],
        updated_at=d["updated_at"], run_started_at=d.get("run_started_at"),
        run_attempt=d.get("run_attempt") or 1,
    )


def job_from_api(d: dict[str, Any]) -> GhJob:
    return GhJob(id=d["id"], name=d["name"], status=d["status"], conclusion=d.get("conclusion"),
                 started_at=d.get("started_at"), completed_at=d.get("completed_at"))


def deployment_from_api(d: dict[str, Any], statuses: list[dict[str, Any]]) -> GhDeployment:
    """A deployment and its statuses. The outcome is the newest success/failure/error status;
    `inactive` (superseded by a later deployment) does not change it, and a deployment that
    never reached one is unfinished (outcome None)."""
    ordered = sorted(statuses, key=lambda s: (s["created_at"], s["id"]), reverse=True)
    outcome = finished_at = None
    for s in ordered:
        if s["state"] in DEPLOYMENT_RESULT:
            outcome, finished_at = DEPLOYMENT_RESULT[s["state"]], s["created_at"]
            break
    run_id = None
    for s in ordered:
        for url in (s.get("log_url"), s.get("target_url")):
            if url and (m := RUN_LINK.search(url)):
                run_id = int(m.group(1))
                break
        if run_id is not None:
            break
    return GhDeployment(
        id=d["id"], environment=d.get("environment") or d.get("original_environment") or "",
        production_environment=d.get("production_environment"), sha=d.get("sha"),
        ref=d.get("ref"), task=d.get("task"), created_at=d["created_at"], outcome=outcome,
        finished_at=finished_at, last_state=ordered[0]["state"] if ordered else None,
        run_id=run_id,
    )


def release_from_api(d: dict[str, Any]) -> GhRelease:
    return GhRelease(id=d["id"], tag_name=d["tag_name"], name=d.get("name"),
                     target_commitish=d.get("target_commitish"), draft=bool(d.get("draft")),
                     prerelease=bool(d.get("prerelease")), created_at=d["created_at"],
                     published_at=d.get("published_at"))


def pull_from_api(d: dict[str, Any]) -> GhPull:
    return GhPull(number=d["number"], title=d.get("title") or "",
                  head_ref=(d.get("head") or {}).get("ref") or "", created_at=d["created_at"],
                  updated_at=d["updated_at"], merged_at=d.get("merged_at"),
                  merge_commit_sha=d.get("merge_commit_sha"))


def first_commit_time(commits: list[dict[str, Any]]) -> datetime | None:
    """The earliest author (else committer) date among a pull request's commits."""
    times = []
    for c in commits:
        info = c.get("commit") or {}
        stamp = (info.get("author") or {}).get("date") or (info.get("committer") or {}).get("date")
        if stamp:
            times.append(parse_iso(stamp))
    return min(times) if times else None


def issue_from_api(d: dict[str, Any]) -> GhIssue:
    return GhIssue(number=d["number"], title=d.get("title") or "",
                   labels=[lb["name"] if isinstance(lb, dict) else str(lb)
                           for lb in d.get("labels") or []],
                   state=d["state"], state_reason=d.get("state_reason"),
                   created_at=d["created_at"], updated_at=d["updated_at"],
                   closed_at=d.get("closed_at"))


def api_time(value: datetime) -> str:
    """A timestamp as GitHub's search qualifiers and `since` parameters take it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- fetching


def fetch_repo(client: GitHubClient) -> GhRepo:
    return repo_from_api(client.get(""))


def fetch_runs(client: GitHubClient, since: datetime, until: datetime) -> list[GhRun]:
    """Workflow runs created in [since, until]. GitHub answers a filtered query with at most
    1,000 runs, so a range holding more is split in halves (down to one hour) and re-asked."""
    found: dict[int, GhRun] = {}
    ranges = [(since, until)]
    while ranges:
        start, end = ranges.pop()
        runs = client.pages("/actions/runs", {
            "created": f"{api_time(start)}..{api_time(end)}", "exclude_pull_requests": "true",
        }, list_item="workflow_runs")
        for i, element in enumerate(runs):
            if (i == 0 and runs.totalCount > RUN_SEARCH_CAP
                    and (end - start).total_seconds() > 3600):
                middle = start + (end - start) / 2
                ranges += [(middle, end), (start, middle)]
                break
            run = run_from_api(element.raw_data)
            found[run.id] = run
    return sorted(found.values(), key=lambda r: (r.created_at, r.id))


def fetch_jobs(client: GitHubClient, run_id: int) -> list[GhJob]:
    return [job_from_api(j) for j in client.items(f"/actions/runs/{run_id}/jobs",
                                                   {"filter": "latest"}, list_item="jobs")]


def fetch_approvals(client: GitHubClient, run_id: int) -> int:
    """How many environment approvals a person gave for this run (0: none were needed)."""
    return len(client.get(f"/actions/runs/{run_id}/approvals") or [])


def fetch_deployments(client: GitHubClient, since: datetime,
                      known: dict[int, GhDeployment]) -> list[GhDeployment]:
    """Deployments created since `since` (GitHub lists the newest first, so the listing stops
    at the first older one). Statuses are read only for deployments not known as finished."""
    found: list[GhDeployment] = []
    for d in client.items("/deployments"):
        if parse_iso(d["created_at"]) < since:
            break
        cached = known.get(d["id"])
        if cached is not None and cached.finished:
            found.append(cached)
            continue
        statuses = list(client.items(f"/deployments/{d['id']}/statuses"))
        found.append(deployment_from_api(d, statuses))
    return found


def fetch_releases(client: GitHubClient, since: datetime) -> list[GhRelease]:
    """Releases created since `since` (listed newest first)."""
    found: list[GhRelease] = []
    for d in client.items("/releases"):
        if parse_iso(d["created_at"]) < since and not d.get("draft"):
            break
        found.append(release_from_api(d))
    return found


def fetch_pulls(client: GitHubClient, since: datetime) -> list[GhPull]:
    """Closed pull requests updated since `since` (sorted by update, newest first)."""
    found: list[GhPull] = []
    params = {"state": "closed", "sort": "updated", "direction": "desc"}
    for d in client.items("/pulls", params):
        if parse_iso(d["updated_at"]) < since:
            break
        found.append(pull_from_api(d))
    return found


def fetch_first_commit(client: GitHubClient, number: int) -> datetime | None:
    """The first commit of a pull request: one request (its first 100 commits, oldest first)."""
    return first_commit_time([c.raw_data for c in
                              client.pages(f"/pulls/{number}/commits").get_page(0)])


def fetch_incidents(client: GitHubClient, labels: list[str], since: datetime) -> list[GhIssue]:
    """Issues (not pull requests) carrying any of `labels`, updated since `since`. GitHub's
    `labels` filter means *all of*, so each label is asked for separately."""
    found: dict[int, GhIssue] = {}
    for label in labels:
        params = {"labels": label, "state": "all", "since": api_time(since)}
        for d in client.items("/issues", params):
            if "pull_request" not in d:
                found[d["number"]] = issue_from_api(d)
    return sorted(found.values(), key=lambda i: i.number)
