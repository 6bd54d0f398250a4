"""Evidence from GitHub: deployments, workflow runs, releases, pull requests and incidents,
turned into the shared delivery records so DORA means the same as on GitLab.

What is read (REST API, 100 per page, `github_api.py` does the requests):
- the repository (once: a wrong name or token fails here, with one message);
- workflow runs created in the window -> PipelineRecord;
- deployments and their statuses -> DeploymentRecord. A repository without deployment
  records falls back to workflow runs whose workflow or job name matches
  `deploy_job_patterns` (`deployments_from`, default `auto`); releases count as deployments
  only when asked (`deployments_from: releases`), and are otherwise kept as a measure;
- closed pull requests updated in the window -> ChangeRecord (merged ones only; the first
  commit time costs one request per pull request merged in the window);
- issues with an incident label -> PlatformIncident.
The GitHub-specific rules are written down in ``docs/github-evidence.md``; the shared
definitions in ``docs/delivery-evidence.md``.

Incremental: what was read is kept in the cache (`<cache>/github/<key>.json`, facts only,
never the token). The next run asks GitHub only for what changed since the last one
(an hour's overlap), plus anything that was unfinished then. A list that fails is
reported in coverage and the evidence is partial; the measures that need it are None,
never zero.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import urlparse

from github import GithubException
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from requests.exceptions import RequestException

from opsmaturity.core.evidence import Coverage, EvidenceSet, Measure, Window, window_between
from opsmaturity.core.files import default_cache_dir, write_atomic
from opsmaturity.core.http import RetryPolicy
from opsmaturity.core.messages import text as _msg
from opsmaturity.core.privacy import redact
from opsmaturity.core.times import now_utc

from ...base import CollectorError, Progress, no_progress
from ..measures import (
    MEASURE_SUFFIXES,
    ChangeRecord,
    DeliveryMapping,
    DeploymentRecord,
    PipelineRecord,
    PlatformIncident,
    delivery_measures,
    has_incident_label,
    is_deploy_job,
    is_production,
)
from . import api
from .api import (
    GhDeployment,
    GhIssue,
    GhJob,
    GhPull,
    GhRelease,
    GhRun,
    GitHubClient,
    RateLimitWait,
)

NAMESPACE = "github"
CACHE_VERSION = 1
OVERLAP = timedelta(hours=1)
MAX_DETAILS = 50
MEASURES: tuple[str, ...] = (
    *(f"{NAMESPACE}.{s}" for s in MEASURE_SUFFIXES),
    f"{NAMESPACE}.releases",
    f"{NAMESPACE}.deployment_source",
)
REPO_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target", "pull_request_review",
                                 "pull_request_review_comment", "merge_group"})
NON_PRODUCTION_WORDS = frozenset({
    "pre", "non", "preprod", "nonprod", "staging", "stage", "stg", "dev", "develop",
    "development", "test", "testing", "qa", "uat", "preview", "review", "sandbox", "demo",
    "canary", "integration", "int",
})
RUN_RESULT: dict[str, Literal["success", "failed", "canceled"]] = {
    "success": "success", "failure": "failed", "timed_out": "failed",
    "startup_failure": "failed", "cancelled": "canceled",
}
Resource = Literal["runs", "deployments", "releases", "pulls", "incidents"]
RESOURCE_NAMES: dict[str, str] = {
    r: _msg(f"resource.{key}") for r, key in (
        ("runs", "runs"), ("deployments", "deployments"), ("releases", "releases"),
        ("pulls", "pulls"), ("incidents", "incident_issues"))
}
# Which inputs each delivery measure needs: a measure whose input could not be read is None.
NEEDS: dict[str, frozenset[str]] = {
    "deployment_frequency_per_week": frozenset({"deployments"}),
    "change_lead_time_hours": frozenset({"deployments", "pulls"}),
    "change_fail_rate": frozenset({"deployments", "pulls", "incidents"}),
    "failed_deployment_recovery_time_hours": frozenset({"deployments", "pulls", "incidents"}),
    "deployment_rework_rate": frozenset({"deployments", "pulls"}),
    "production_deployments": frozenset({"deployments"}),
    "automated_production_deploy_share": frozenset({"deployments"}),
    "rollback_count": frozenset({"deployments"}),
    "rollback_time_hours": frozenset({"deployments"}),
    "merged_changes": frozenset({"pulls"}),
    "change_time_to_merge_hours": frozenset({"pulls"}),
    "change_merge_to_production_hours": frozenset({"deployments", "pulls"}),
    "incident_count": frozenset({"incidents"}),
    "incident_restore_time_hours": frozenset({"incidents"}),
    "pipeline_runs": frozenset({"runs"}),
    "pipeline_success_rate": frozenset({"runs"}),
    "pipeline_duration_minutes_median": frozenset({"runs"}),
    "pipeline_duration_minutes_p90": frozenset({"runs"}),
    "manual_job_pipeline_share": frozenset({"runs"}),
    "retried_job_pipeline_share": frozenset({"runs"}),
}


class GitHubOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repo: str = Field(description="OWNER/NAME")
    api_url: str = Field(default=api.DEFAULT_API_URL,
                         description="API root; GitHub Enterprise Server: https://HOST/api/v3")
    token: SecretStr | None = Field(
        default=None, exclude=True, repr=False,
        description="token (default: the GITHUB_TOKEN environment variable); never stored",
    )
    since: datetime | None = Field(default=None, description="window start (default: until-180d)")
    until: datetime | None = Field(default=None, description="window end (default: end of today)")
    mapping: DeliveryMapping = Field(default_factory=DeliveryMapping)
    deployments_from: Literal["auto", "deployments", "workflow_runs", "releases"] = "auto"
    lookback_days: int = Field(
        default=30, ge=0,
        description="also read deployments, pull requests and incidents this long before the "
        "window, so rollbacks, failures and changes have their predecessors",
    )
    max_pull_details: int = Field(default=1000, ge=0,
                                  description="first-commit requests at most (newest first)")
    max_job_requests: int = Field(default=500, ge=0,
                                  description="job-list requests at most in the run fallback")
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    cache_dir: Path | None = None
    use_cache: bool = True

    @field_validator("repo")
    @classmethod
    def _repo_name(cls, value: str) -> str:
        value = value.strip().removesuffix(".git")
        if not REPO_NAME.match(value):
            raise ValueError(_msg("github.not_owner_name", value=repr(value)))
        return value

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(_msg("github.not_url", value=repr(value)))
        return value.rstrip("/")


# --------------------------------------------------------------------------- the cache


class Cursor(BaseModel):
    """What of one list is in the cache: all items since `covered_from`, read at `fetched_at`."""

    model_config = ConfigDict(extra="forbid")

    covered_from: AwareDatetime
    fetched_at: AwareDatetime


class RepoCache(BaseModel):
    """Facts read from one repository, kept so the next run asks only for what changed."""

    model_config = ConfigDict(extra="forbid")

    version: int = CACHE_VERSION
    api_url: str
    repo: str
    cursors: dict[str, Cursor] = Field(default_factory=dict)
    runs: dict[int, GhRun] = Field(default_factory=dict)
    jobs: dict[str, list[GhJob]] = Field(default_factory=dict)
    approvals: dict[int, int] = Field(default_factory=dict)
    deployments: dict[int, GhDeployment] = Field(default_factory=dict)
    releases: dict[int, GhRelease] = Field(default_factory=dict)
    pulls: dict[int, GhPull] = Field(default_factory=dict)
    incidents: dict[int, GhIssue] = Field(default_factory=dict)
    incident_labels: list[str] = Field(default_factory=list)


def cache_path(cache_dir: str | os.PathLike[str] | None, api_url: str, repo: str) -> Path:
    """One cache file per API URL and repository (named by a hash: no names on disk)."""
    key = hashlib.sha256(f"{api_url}|{repo}".encode()).hexdigest()[:16]
    return Path(cache_dir or default_cache_dir()) / "github" / f"{key}.json"


def _load_cache(path: Path, api_url: str, repo: str) -> RepoCache:
    try:
        cache = RepoCache.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, ValidationError):
        return RepoCache(api_url=api_url, repo=repo)  # none yet, or damaged: start afresh
    if cache.version != CACHE_VERSION or cache.api_url != api_url or cache.repo != repo:
        return RepoCache(api_url=api_url, repo=repo)
    return cache


# --------------------------------------------------------------------------- the run


@dataclass
class Facts:
    """What the records are made from: the cached facts, the options and the window
    (records reach back to `need_from`, the window start less the look-back)."""

    options: GitHubOptions
    cache: RepoCache
    window: Window
    need_from: datetime

    @classmethod
    def of(cls, options: GitHubOptions, cache: RepoCache, window: Window) -> Facts:
        return cls(options, cache, window, window.start - timedelta(days=options.lookback_days))


@dataclass
class _Run(Facts):
    """One collection: the client, what failed, the cache being updated."""

    client: GitHubClient
    clock: Callable[[], datetime]
    progress: Progress
    secret: str | None = None  # the token: only to scrub it from messages
    failed: dict[str, str] = field(default_factory=dict)
    shortfall: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    stopped: str | None = None  # a rate-limit message: nothing more is asked

    def since(self, resource: str, unfinished: Iterable[datetime] = ()) -> tuple[datetime, bool]:
        """Where to start reading a list, and whether that is a full read."""
        cursor = self.cache.cursors.get(resource)
        if cursor is None or cursor.covered_from > self.need_from:
            return self.need_from, True
        start = min([cursor.fetched_at - OVERLAP, *unfinished])
        return max(start, self.need_from), False

    def done(self, resource: str, full: bool, started: datetime) -> None:
        old = self.cache.cursors.get(resource)
        covered = self.need_from if full or old is None else old.covered_from
        self.cache.cursors[resource] = Cursor(covered_from=covered, fetched_at=started)

    def attempt(self, resource: str, what: str, fn: Callable[[], None]) -> bool:
        """Run one list's reading; a failure marks the resource missing (401 ends the run)."""
        if self.stopped:
            self.failed[resource] = self.stopped
            return False
        try:
            fn()
            return True
        except RateLimitWait as exc:
            self.stopped = api.explain(exc, self.options.repo, self.options.api_url)
            self.failed[resource] = self.stopped
        except GithubException as exc:
            if api.fatal(exc):
                raise CollectorError(api.explain(exc, self.options.repo,
                                                 self.options.api_url, what)) from None
            self.failed[resource] = api.explain(exc, self.options.repo, self.options.api_url,
                                                what)
        except RequestException as exc:
            self.failed[resource] = api.explain(exc, self.options.repo, self.options.api_url,
                                                what)
        except (KeyError, TypeError, ValueError) as exc:
            self.failed[resource] = _msg("github.unexpected", repo=self.options.repo,
                                         what=what, problem=f"{type(exc).__name__}: {exc}")
        return False


class GitHubCollector:
    """Delivery evidence from one GitHub repository over a time window."""

    name: ClassVar[str] = NAMESPACE
    measures: ClassVar[tuple[str, ...]] = MEASURES
    config_model: ClassVar[type[BaseModel]] = GitHubOptions

    def __init__(self, sleep: api.Sleep | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        """`sleep` and `clock` are injectable so tests can assert waits without waiting."""
        self.sleep = sleep or time.sleep
        self.clock = clock or now_utc

    def collect(self, config: BaseModel, progress: Progress = no_progress) -> EvidenceSet:
        if isinstance(config, GitHubOptions):
            options = config
        else:
            try:  # the token is excluded from dumps: carry it over by hand
                options = GitHubOptions.model_validate(
                    {**config.model_dump(), "token": getattr(config, "token", None)})
            except ValidationError as exc:
                raise CollectorError(_validation_message(exc)) from None
        window = _window(options, self.clock())
        token = (options.token.get_secret_value() if options.token
                 else os.environ.get("GITHUB_TOKEN")) or None
        client = GitHubClient(options.repo, token, api_url=options.api_url, policy=options.retry,
                              sleep=self.sleep, clock=self.clock)
        path = cache_path(options.cache_dir, options.api_url, options.repo)
        cache = (_load_cache(path, options.api_url, options.repo) if options.use_cache
                 else RepoCache(api_url=options.api_url, repo=options.repo))
        facts = Facts.of(options, cache, window)
        run = _Run(options, cache, window, facts.need_from, client, self.clock, progress, token)
        try:
            progress(f"reading {options.repo}", 0.0)
            try:
                info = api.fetch_repo(client)
            except (GithubException, RequestException, RateLimitWait) as exc:
                raise CollectorError(api.explain(exc, options.repo, options.api_url)) from None
            _fetch_all(run)
        except CollectorError as exc:
            raise CollectorError(redact(str(exc), [token])) from None
        finally:
            client.close()
        if options.use_cache:
            _prune(cache, facts.need_from - timedelta(days=365))
            write_atomic(path, cache.model_dump_json(indent=1) + "\n")
        progress("computing measures", 1.0)
        return _evidence(run, info.default_branch)


def _validation_message(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"github: {where}: {err['msg']}"


def _window(options: GitHubOptions, now: datetime) -> Window:
    try:
        return window_between(options.since, options.until, now=now)
    except ValueError as exc:
        raise CollectorError(str(exc)) from None


# --------------------------------------------------------------------------- reading


def _fetch_all(run: _Run) -> None:
    mode = run.options.deployments_from
    steps: list[tuple[str, Callable[[_Run], None]]] = [("runs", _read_runs)]
    if mode in ("auto", "deployments"):
        steps.append(("deployments", _read_deployments))
    steps += [("releases", _read_releases), ("pulls", _read_pulls),
              ("incidents", _read_incidents)]
    for i, (resource, reader) in enumerate(steps):
        run.progress(f"reading {RESOURCE_NAMES[resource]}", i / (len(steps) + 1))
        run.attempt(resource, RESOURCE_NAMES[resource], lambda r=reader: r(run))
    run.progress("reading workflow jobs and approvals", len(steps) / (len(steps) + 1))
    _read_run_details(run)


def _read_runs(run: _Run) -> None:
    unfinished = [r.created_at for r in run.cache.runs.values()
                  if not r.completed and r.created_at >= run.need_from]
    since, full = run.since("runs", unfinished)
    started = run.clock()
    for r in api.fetch_runs(run.client, since, started):
        run.cache.runs[r.id] = r
    run.done("runs", full, started)


def _read_deployments(run: _Run) -> None:
    unfinished = [d.created_at for d in run.cache.deployments.values()
                  if not d.finished and d.created_at >= run.need_from]
    since, full = run.since("deployments", unfinished)
    started = run.clock()
    for d in api.fetch_deployments(run.client, since, run.cache.deployments):
        run.cache.deployments[d.id] = d
    run.done("deployments", full, started)


def _read_releases(run: _Run) -> None:
    since, full = run.since("releases")
    started = run.clock()
    for r in api.fetch_releases(run.client, since):
        run.cache.releases[r.id] = r
    run.done("releases", full, started)


def _read_pulls(run: _Run) -> None:
    since, full = run.since("pulls")
    started = run.clock()
    for p in api.fetch_pulls(run.client, since):
        old = run.cache.pulls.get(p.number)
        if old is not None and old.commits_read and old.merge_commit_sha == p.merge_commit_sha:
            p = p.model_copy(update={"first_commit_at": old.first_commit_at,
                                     "commits_read": True})
        run.cache.pulls[p.number] = p
    run.done("pulls", full, started)
    # First commits: one request per pull request merged in the window, newest first.
    wanted = sorted((p for p in run.cache.pulls.values() if p.merged_at is not None
                     and run.window.start <= p.merged_at < run.window.end
                     and not p.commits_read), key=lambda p: p.merged_at, reverse=True)
    asked = wanted[: run.options.max_pull_details]
    failures, last = 0, ""
    for p in asked:
        try:
            first = api.fetch_first_commit(run.client, p.number)
        except (GithubException, RequestException) as exc:
            if api.fatal(exc):
                raise
            failures += 1
            last = api.explain(exc, run.options.repo, run.options.api_url,
                               _msg("github.pull_commits", n=p.number))
            continue
        run.cache.pulls[p.number] = p.model_copy(update={"first_commit_at": first,
                                                          "commits_read": True})
    unread = len(wanted) - len(asked) + failures
    if unread:
        merged = sum(1 for p in run.cache.pulls.values() if p.merged_at is not None
                     and run.window.start <= p.merged_at < run.window.end)
        run.shortfall["pulls"] = unread / merged
        why = last if failures else _msg(
            "github.limit", setting=f"max_pull_details={run.options.max_pull_details}")
        run.notes.append(_msg("github.first_commits", unread=unread, merged=merged, why=why))


def _resolve_labels(run: _Run) -> list[str]:
    """Incident labels as GitHub names them: patterns (`sev*`) are matched against the
    repository's labels; plain names are used as they are."""
    patterns = run.options.mapping.incident_labels
    if not any(ch in p for p in patterns for ch in "*?["):
        return sorted(set(patterns))
    names = [d["name"] for d in run.client.items("/labels")]
    return sorted(n for n in names if has_incident_label([n], run.options.mapping))


def _read_incidents(run: _Run) -> None:
    labels = _resolve_labels(run)
    if labels != run.cache.incident_labels:
        run.cache.incidents = {}
        run.cache.cursors.pop("incidents", None)
        run.cache.incident_labels = labels
    since, full = run.since("incidents")
    started = run.clock()
    if labels:
        for issue in api.fetch_incidents(run.client, labels, since):
            run.cache.incidents[issue.number] = issue
    run.done("incidents", full, started)


def _read_run_details(run: _Run) -> None:
    """Jobs of deploy workflows (only when runs stand in for deployments) and the approvals
    of production deployment runs: both bounded, both cached per run."""
    if "runs" in run.failed:
        return
    if _uses_run_fallback(run):
        _read_jobs(run)
    if "deployments" in run.failed:
        return  # no deployments known: no runs to ask about
    targets = sorted(rid for rid in _production_run_ids(run) if rid not in run.cache.approvals)
    for i, rid in enumerate(targets):
        if run.stopped:
            run.notes.append(_msg("github.approvals_left", n=len(targets) - i,
                                  why=run.stopped))
            return
        try:
            run.cache.approvals[rid] = api.fetch_approvals(run.client, rid)
        except RateLimitWait as exc:
            run.stopped = api.explain(exc, run.options.repo, run.options.api_url)
        except (GithubException, RequestException) as exc:
            if api.fatal(exc):
                raise CollectorError(api.explain(exc, run.options.repo,
                                                 run.options.api_url)) from None
            run.notes.append(_msg("github.approvals_run", id=rid, why=api.explain(
                exc, run.options.repo, run.options.api_url)))


def _uses_run_fallback(run: _Run) -> bool:
    mode = run.options.deployments_from
    if mode == "workflow_runs":
        return True
    if mode != "auto" or "deployments" in run.failed:
        return False
    return not _has_deployment_records(run)


def _has_deployment_records(run: Facts) -> bool:
    """Whether the repository keeps deployment records (in the range read): if not, deploy
    workflow runs stand in for them."""
    return any(d.created_at >= run.need_from for d in run.cache.deployments.values())


def _read_jobs(run: _Run) -> None:
    """Job names show which workflows deploy. Every run lists all its jobs (skipped ones
    too), so one run per workflow tells whether the workflow has a deploy job; only the
    runs of such workflows are read further."""
    mapping = run.options.mapping
    candidates = sorted((r for r in run.cache.runs.values() if r.completed
                         and r.created_at >= run.need_from and r.event not in PULL_REQUEST_EVENTS
                         and not is_deploy_job(r.name, mapping)),
                        key=lambda r: (r.created_at, r.id), reverse=True)
    by_workflow: dict[str, list[GhRun]] = {}
    for r in candidates:
        by_workflow.setdefault(r.path or r.name, []).append(r)
    budget = run.options.max_job_requests
    skipped = 0

    def jobs_of(r: GhRun) -> list[GhJob] | None:
        nonlocal budget
        key = f"{r.id}/{r.run_attempt}"
        if key in run.cache.jobs:
            return run.cache.jobs[key]
        if budget <= 0 or run.stopped:
            return None
        budget -= 1
        try:
            jobs = api.fetch_jobs(run.client, r.id)
        except RateLimitWait as exc:
            run.stopped = api.explain(exc, run.options.repo, run.options.api_url)
            return None
        except (GithubException, RequestException) as exc:
            if api.fatal(exc):
                raise CollectorError(api.explain(exc, run.options.repo,
                                                 run.options.api_url)) from None
            return None
        run.cache.jobs[key] = jobs
        return jobs

    for runs in by_workflow.values():
        probe = jobs_of(runs[0])
        if probe is None:
            skipped += len(runs)
            continue
        if not any(is_deploy_job(j.name, mapping) for j in probe):
            continue
        skipped += sum(1 for r in runs[1:] if jobs_of(r) is None)
    if skipped:
        total = sum(len(v) for v in by_workflow.values())
        run.shortfall["deployments"] = skipped / max(total, 1)
        why = run.stopped or _msg("github.limit_or_errors",
                                  setting=f"max_job_requests={run.options.max_job_requests}")
        run.notes.append(_msg("github.jobs_skipped", skipped=skipped, total=total, why=why))


# --------------------------------------------------------------------------- records


def _in_range(run: Facts, when: datetime | None) -> bool:
    return when is not None and when >= run.need_from


def _name_environment(names: Iterable[str], mapping: DeliveryMapping) -> str | None:
    """The environment a deploy job's name names: a production word (by the mapping's
    patterns) or a non-production one (staging, dev, ...); None if it names none."""
    tokens = [t for n in names for t in re.split(r"[^a-z0-9]+", n.lower()) if t]
    for t in tokens:
        if t in NON_PRODUCTION_WORDS:
            return t
    for t in tokens:
        if is_production(t, None, mapping):
            return t
    return None


def _manual(run: Facts, r: GhRun | None) -> bool | None:
    """A person started the run (workflow_dispatch) or approved a protected environment."""
    if r is None:
        return None
    if r.event == "workflow_dispatch":
        return True
    approvals = run.cache.approvals.get(r.id)
    return None if approvals is None else approvals > 0


def _linked_run(run: Facts, d: GhDeployment) -> GhRun | None:
    """The workflow run that made a deployment: named in its status URLs, else a run of the
    same commit that was going on when the deployment was created."""
    if d.run_id is not None:
        return run.cache.runs.get(d.run_id)
    for r in run.cache.runs.values():
        if (d.sha and r.head_sha == d.sha and r.run_started_at is not None
                and r.run_started_at <= d.created_at <= r.updated_at):
            return r
    return None


Linked = list[tuple[DeploymentRecord, int | None]]
"""Deployment records, each with the workflow run that made it (if known)."""


def _deployment_records(run: Facts) -> tuple[Linked, str | None]:
    """The deployments (with their runs) and the source they came from."""
    repo, mapping, mode = run.options.repo, run.options.mapping, run.options.deployments_from
    if mode == "releases":
        tier = mapping.production_tiers[0] if mapping.production_tiers else None
        recs: Linked = [
            (DeploymentRecord(project=repo, id=f"release-{r.id}", environment="release",
                              tier=tier, finished_at=r.published_at, status="success",
                              sha=_sha(r.target_commitish), ref=r.tag_name, manual=None), None)
            for r in run.cache.releases.values()
            if not r.draft and not r.prerelease and _in_range(run, r.published_at)]
        return _sorted(recs), "releases"
    if mode in ("auto", "deployments"):
        deps = [d for d in run.cache.deployments.values()
                if d.finished and _in_range(run, d.finished_at)]
        if mode == "deployments" or _has_deployment_records(run):
            recs = []
            for d in deps:
                linked = _linked_run(run, d)
                recs.append((DeploymentRecord(
                    project=repo, id=str(d.id), environment=d.environment,
                    tier=(mapping.production_tiers[0] if d.production_environment
                          and mapping.production_tiers else None),
                    finished_at=d.finished_at, status=d.outcome, sha=d.sha, ref=d.ref,
                    manual=_manual(run, linked),
                ), linked.id if linked else None))
            return _sorted(recs), "deployments"
    return _run_deployments(run)


def _run_deployments(run: Facts) -> tuple[Linked, str | None]:
    """Workflow runs (or their jobs) named like a deploy job stand in for deployments."""
    repo, mapping = run.options.repo, run.options.mapping
    recs: Linked = []
    for r in run.cache.runs.values():
        if not r.completed or not _in_range(run, r.created_at) or r.event in PULL_REQUEST_EVENTS:
            continue
        if is_deploy_job(r.name, mapping):
            status = RUN_RESULT.get(r.conclusion or "")
            if status is None:
                continue
            env = _name_environment([r.name], mapping) or r.name
            recs.append((DeploymentRecord(
                project=repo, id=f"run-{r.id}", environment=env,
                tier=_assumed_tier([r.name], mapping), finished_at=r.updated_at,
                status=status, sha=r.head_sha, ref=r.head_branch, manual=_manual(run, r)), r.id))
            continue
        for job in run.cache.jobs.get(f"{r.id}/{r.run_attempt}", []):
            status = RUN_RESULT.get(job.conclusion or "")
            if not is_deploy_job(job.name, mapping) or status is None or not job.completed_at:
                continue
            names = [job.name, r.name]
            env = _name_environment(names, mapping) or f"{r.name} / {job.name}"
            recs.append((DeploymentRecord(
                project=repo, id=f"run-{r.id}-job-{job.id}", environment=env,
                tier=_assumed_tier(names, mapping), finished_at=job.completed_at,
                status=status, sha=r.head_sha, ref=r.head_branch, manual=_manual(run, r)), r.id))
    return _sorted(recs), "workflow_runs"


def _assumed_tier(names: list[str], mapping: DeliveryMapping) -> str | None:
    """A deploy job whose name names no environment is taken to deploy to production."""
    if _name_environment(names, mapping) is None and mapping.production_tiers:
        return mapping.production_tiers[0]
    return None


def _production_run_ids(run: Facts) -> set[int]:
    """Runs behind successful production deployments in the window that a person did not
    start by hand: whether someone approved them is worth one request each."""
    linked, _ = _deployment_records(run)
    mapping = run.options.mapping
    out = set()
    for rec, rid in linked:
        r = run.cache.runs.get(rid) if rid is not None else None
        if (r is not None and r.event != "workflow_dispatch"
                and rec.status == "success" and rec.finished_at >= run.window.start
                and is_production(rec.environment, rec.tier, mapping)):
            out.add(r.id)
    return out


def _sha(value: str | None) -> str | None:
    return value if value and re.fullmatch(r"[0-9a-f]{40}", value) else None


def _sorted(recs: Linked) -> Linked:
    return sorted(recs, key=lambda pair: (pair[0].finished_at, pair[0].id))


def _change_records(run: Facts) -> list[ChangeRecord]:
    return [ChangeRecord(project=run.options.repo, id=f"#{p.number}", title=p.title,
                         source_branch=p.head_ref, created_at=p.created_at,
                         merged_at=p.merged_at, first_commit_at=p.first_commit_at,
                         merge_sha=p.merge_commit_sha)
            for p in sorted(run.cache.pulls.values(), key=lambda p: p.number)
            if p.merged_at is not None and _in_range(run, p.merged_at)]


def _incident_records(run: Facts) -> list[PlatformIncident]:
    return [PlatformIncident(project=run.options.repo, id=f"#{i.number}", title=i.title,
                           opened_at=i.created_at,
                           resolved_at=i.closed_at if i.state == "closed" else None)
            for i in sorted(run.cache.incidents.values(), key=lambda i: i.number)
            if _in_range(run, i.created_at) or (i.closed_at is None and i.state == "open")
            or _in_range(run, i.closed_at)]


def _pipeline_records(run: Facts, deploy_run_ids: set[int]) -> list[PipelineRecord]:
    mapping = run.options.mapping
    out = []
    for r in sorted(run.cache.runs.values(), key=lambda r: (r.created_at, r.id)):
        if not _in_range(run, r.created_at):
            continue
        jobs = run.cache.jobs.get(f"{r.id}/{r.run_attempt}")
        if jobs is not None:
            deploy_jobs = sum(1 for j in jobs if is_deploy_job(j.name, mapping))
        else:
            deploy_jobs = int(is_deploy_job(r.name, mapping) or r.id in deploy_run_ids)
        manual = int(r.event == "workflow_dispatch") + int(run.cache.approvals.get(r.id, 0) > 0)
        duration = ((r.updated_at - r.run_started_at).total_seconds()
                    if r.completed and r.run_started_at else None)
        out.append(PipelineRecord(
            project=run.options.repo, id=str(r.id),
            status=(r.conclusion or "unknown") if r.completed else r.status, source=r.event,
            ref=r.head_branch, created_at=r.created_at, duration_seconds=duration,
            manual_jobs=manual, retried_jobs=max(0, r.run_attempt - 1), deploy_jobs=deploy_jobs,
        ))
    return out


# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class Records:
    """The shared delivery records made from GitHub facts (see docs/github-evidence.md)."""

    deployments: list[DeploymentRecord]
    deployment_runs: list[int | None]  # the workflow run behind each deployment, if known
    deployment_source: str | None  # deployments | workflow_runs | releases
    changes: list[ChangeRecord]
    incidents: list[PlatformIncident]
    pipelines: list[PipelineRecord]


def build_records(facts: Facts) -> Records:
    """Map the facts to delivery records with the options' mapping (pure: no requests)."""
    linked, source = _deployment_records(facts)
    run_ids = {rid for _, rid in linked if rid is not None}
    return Records(
        deployments=[rec for rec, _ in linked], deployment_runs=[rid for _, rid in linked],
        deployment_source=source, changes=_change_records(facts),
        incidents=_incident_records(facts), pipelines=_pipeline_records(facts, run_ids),
    )


def _evidence(run: _Run, default_branch: str | None) -> EvidenceSet:
    options, window = run.options, run.window
    records = build_records(run)
    deployments, source = records.deployments, records.deployment_source
    failed = {k: redact(v, [run.secret]) for k, v in run.failed.items()}
    if source == "workflow_runs" and "runs" in failed:
        failed.setdefault("deployments", failed["runs"])
    if options.deployments_from == "releases" and "releases" in failed:
        failed.setdefault("deployments", failed["releases"])
    measures = delivery_measures(
        NAMESPACE, deployments=deployments, changes=records.changes,
        incidents=records.incidents, pipelines=records.pipelines,
        window=window, mapping=options.mapping,
    )
    measures = [_unmeasured(m, failed) for m in measures]
    measures.append(_releases_measure(run, failed))
    measures.append(Measure(
        id=f"{NAMESPACE}.deployment_source", value=source if "deployments" not in failed else None,
        details={"deployments_from": options.deployments_from, "default_branch": default_branch,
                 "records": len(deployments)},
    ))
    resources = ["runs", "deployments", "releases", "pulls", "incidents"]
    fractions = [0.0 if r in failed else 1.0 - min(1.0, run.shortfall.get(r, 0.0))
                 for r in resources]
    missing = [f"{RESOURCE_NAMES[r]}: {failed[r]}" for r in resources if r in failed]
    missing = [redact(m, [run.secret]) for m in missing + run.notes]
    ratio = round(sum(fractions) / len(fractions), 4)
    return EvidenceSet(
        collector=NAMESPACE, source=_source(options), window=window,
        collected_at=run.clock(), coverage=Coverage(ratio=ratio, missing=missing),
        partial=bool(missing), measures=measures,
    )


def _unmeasured(m: Measure, failed: dict[str, str]) -> Measure:
    """A measure whose inputs could not all be read is not measured (None), never zero."""
    needs = NEEDS.get(m.id.split(".", 1)[1], frozenset(RESOURCE_NAMES))  # unknown: all
    lacking = sorted(needs & failed.keys())
    if not lacking:
        return m
    details = {**m.details, "not_measured": [f"{RESOURCE_NAMES[r]}: {failed[r]}"
                                             for r in lacking],
               "value_from_what_was_read": m.value}
    return m.model_copy(update={"value": None, "details": details})


def _releases_measure(run: Facts, failed: dict[str, str]) -> Measure:
    window = run.window
    published = sorted((r for r in run.cache.releases.values()
                        if not r.draft and r.published_at is not None
                        and window.start <= r.published_at < window.end),
                       key=lambda r: (r.published_at, r.id))
    details: dict[str, Any] = {
        "prereleases": sum(1 for r in published if r.prerelease),
        "records": [{"tag": r.tag_name, "published_at": r.published_at.isoformat(),
                     "prerelease": r.prerelease} for r in published][-MAX_DETAILS:],
        "records_total": len(published),
    }
    if "releases" in failed:
        details["not_measured"] = [f"{RESOURCE_NAMES['releases']}: {failed['releases']}"]
    return Measure(id=f"{NAMESPACE}.releases",
                   value=None if "releases" in failed else len(published),
                   unit="releases", details=details)


def _source(options: GitHubOptions) -> str:
    parsed = urlparse(options.api_url)
    if parsed.hostname == "api.github.com":
        return f"https://github.com/{options.repo}"
    base = parsed.path.removesuffix("/api/v3").rstrip("/")
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.hostname}{port}{base}/{options.repo}"


def _prune(cache: RepoCache, before: datetime) -> None:
    """Forget facts older than a year before the window so the cache does not grow forever."""
    cache.runs = {k: v for k, v in cache.runs.items() if v.created_at >= before}
    kept = {f"{r.id}/{r.run_attempt}" for r in cache.runs.values()}
    cache.jobs = {k: v for k, v in cache.jobs.items() if k in kept}
    cache.approvals = {k: v for k, v in cache.approvals.items() if k in cache.runs}
    cache.deployments = {k: v for k, v in cache.deployments.items() if v.created_at >= before}
    cache.releases = {k: v for k, v in cache.releases.items() if v.created_at >= before}
    cache.pulls = {k: v for k, v in cache.pulls.items() if v.updated_at >= before}
    cache.incidents = {k: v for k, v in cache.incidents.items() if v.updated_at >= before}
