"""Reading one GitLab project's delivery records through python-gitlab (REST) and GraphQL.

Lists are read 100 per page with `updated_after` from the cache's cursor, so a repeated run
costs a request or two per resource. Jobs come from GraphQL because only it says whether a
job was manual (`manualJob`) and retried; pipelines and everything else come from REST.
Each resource of each project succeeds or fails on its own: a failure becomes one message
naming the project and resource, and the run goes on (the evidence is then partial).
A 401 stops the run: with a bad token every other request would fail the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

import gitlab
import gitlab.exceptions
import requests

from opsmaturity.core.http import RateLimitError, RetryingSession, http_problem
from opsmaturity.core.messages import text as _msg
from opsmaturity.core.privacy import host_of, redact
from opsmaturity.core.times import iso_or_none

from ...base import CollectorError
from ..measures import DeliveryMapping, is_deploy_job
from .cache import ProjectState, latest

T = TypeVar("T")
PER_PAGE = 100
TOKEN_ENV = "GITLAB_TOKEN"
SCOPES = "read_api"
RESOURCES = (
    "environments",
    "deployments",
    "merge_requests",
    "merge_request_commits",
    "incidents",
    "pipelines",
    "jobs",
)
"""What is read per project; coverage is the share of these that were read."""

GRAPHQL_JOBS = """
query($path: ID!, $after: String) {
  project(fullPath: $path) {
    jobs(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id name status manualJob retried createdAt startedAt finishedAt
        pipeline { id }
      }
    }
  }
}
"""
PLATFORM_DORA = (
    "deployment_frequency",
    "lead_time_for_changes",
    "time_to_restore_service",
    "change_failure_rate",
)


class ResourceError(Exception):
    """One resource could not be read; the message names it and is meant for the user."""


@dataclass
class Api:
    """A python-gitlab client on a retrying session, and what error messages need."""

    gl: gitlab.Gitlab
    session: RetryingSession
    url: str
    token: str | None
    mapping: DeliveryMapping

    @property
    def graphql_url(self) -> str:
        return self.url.rstrip("/") + "/api/graphql"

    def problem(self, exc: BaseException, what: str) -> str:
        """A user-facing sentence for an exception, with any secret removed."""
        if isinstance(exc, gitlab.exceptions.GitlabParsingError):
            text = _msg("gitlab.not_json", what=what, platform=f"GitLab ({host_of(self.url)})")
        elif isinstance(exc, gitlab.exceptions.GitlabError):
            detail = _error_text(exc)
            text = http_problem(exc.response_code, what, platform=f"GitLab ({host_of(self.url)})",
                                token_env=TOKEN_ENV, scopes=SCOPES, detail=detail)
        elif isinstance(exc, RateLimitError):
            text = http_problem(429, what, platform=f"GitLab ({host_of(self.url)})",
                                token_env=TOKEN_ENV, scopes=SCOPES)
        elif isinstance(exc, requests.Timeout):
            text = http_problem(None, what, platform=f"GitLab ({host_of(self.url)})",
                                token_env=TOKEN_ENV, scopes=SCOPES,
                                detail=_msg("gitlab.timed_out"))
        elif isinstance(exc, requests.ConnectionError):
            text = http_problem(None, what, platform=f"GitLab ({host_of(self.url)})",
                                token_env=TOKEN_ENV, scopes=SCOPES,
                                detail=_msg("gitlab.no_connection"))
        else:
            text = _msg("gitlab.cannot_read", what=what,
                        platform=f"GitLab ({host_of(self.url)})", problem=exc)
        return redact(text, [self.token])

    def guard(self, what: str, fn: Callable[[], T]) -> T:
        """Run fn; a 401 stops the run, any other failure raises ResourceError naming `what`."""
        try:
            return fn()
        except gitlab.exceptions.GitlabError as exc:
            if exc.response_code == 401:
                raise CollectorError(self.problem(exc, what)) from None
            raise ResourceError(self.problem(exc, what)) from None
        except (requests.RequestException, ValueError) as exc:
            raise ResourceError(self.problem(exc, what)) from None


def _error_text(exc: gitlab.exceptions.GitlabError) -> str:
    message = exc.error_message
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    message = str(message).strip()
    return message[:200] if message and not message.startswith("<") else ""


def connect(
    url: str,
    token: str | None,
    session: RetryingSession,
    mapping: DeliveryMapping,
    ssl_verify: bool = True,
) -> Api:
    """A client that never retries by itself (the session does) and reads 100 per page.

    python-gitlab would sleep on a 429 itself; it never sees one, because the session
    either waits it out or raises RateLimitError.
    """
    gl = gitlab.Gitlab(
        url,
        private_token=token or None,
        session=session,
        per_page=PER_PAGE,
        timeout=session.policy.timeout_seconds,
        retry_transient_errors=False,
        ssl_verify=ssl_verify,
        keep_base_url=True,
        user_agent="opsmaturity",
    )
    return Api(gl=gl, session=session, url=url, token=token, mapping=mapping)


# ----------------------------------------------------------------------------- projects


FEATURES = {
    "environments": ("environments_access_level", None),
    "deployments": ("environments_access_level", None),
    "merge_requests": ("merge_requests_access_level", "merge_requests_enabled"),
    "merge_request_commits": ("merge_requests_access_level", "merge_requests_enabled"),
    "incidents": ("issues_access_level", "issues_enabled"),
    "pipelines": ("builds_access_level", "jobs_enabled"),
    "jobs": ("builds_access_level", "jobs_enabled"),
}
"""Which project setting turns a resource off; a disabled feature is not read (GitLab would
answer 403) and is not a failure: the project simply has none of it."""


@dataclass(frozen=True)
class ProjectRef:
    id: int
    path: str
    disabled: frozenset[str] = frozenset()


def _disabled(attrs: dict[str, Any]) -> frozenset[str]:
    off = set()
    for resource, (level, enabled) in FEATURES.items():
        if attrs.get(level) == "disabled" or (enabled and attrs.get(enabled) is False):
            off.add(resource)
    return frozenset(off)


def _get_object(api: Api, path: str) -> dict[str, Any]:
    """GET one object; anything but a JSON object with an id is not GitLab talking."""
    data = api.gl.http_get(path)
    if not isinstance(data, dict) or "id" not in data:
        raise ValueError(_msg("gitlab.not_object"))
    return data


def resolve_projects(
    api: Api, projects: Iterable[str], groups: Iterable[str], include_archived: bool
) -> list[ProjectRef]:
    """Every named project and every project in the groups (recursively), by path."""
    found: dict[int, ProjectRef] = {}
    for name in projects:
        try:
            attrs = api.guard(_msg("scope.project", name=name),
                              lambda n=name: _get_object(api, f"/projects/{quote(n, safe='')}"))
        except ResourceError as exc:
            raise CollectorError(str(exc)) from None
        found[attrs["id"]] = ProjectRef(attrs["id"], attrs["path_with_namespace"],
                                        _disabled(attrs))
    for name in groups:
        def listing(n: str = name) -> list[dict[str, Any]]:
            group = _get_object(api, f"/groups/{quote(n, safe='')}")
            items = api.gl.http_list(
                f"/groups/{group['id']}/projects", iterator=True,
                query_data={"include_subgroups": "true", "with_shared": "false",
                            "order_by": "id", "sort": "asc", "per_page": PER_PAGE})
            return [dict(p) for p in items]

        try:
            members = api.guard(_msg("scope.group", name=name), listing)
        except ResourceError as exc:
            raise CollectorError(str(exc)) from None
        for attrs in members:
            if include_archived or not attrs.get("archived"):
                found[attrs["id"]] = ProjectRef(attrs["id"], attrs["path_with_namespace"],
                                                _disabled(attrs))
    return sorted(found.values(), key=lambda ref: ref.path)


# ----------------------------------------------------------------------------- records


def _deployment(raw: dict[str, Any]) -> dict[str, Any]:
    env = raw.get("environment") or {}
    job = raw.get("deployable") or {}
    pipeline = job.get("pipeline") or {}
    return {
        "id": raw["id"],
        "iid": raw.get("iid"),
        "environment": env.get("name") or "",
        "environment_id": env.get("id"),
        "status": raw.get("status"),
        "sha": raw.get("sha"),
        "ref": raw.get("ref"),
        "finished_at": iso_or_none(raw.get("finished_at") or job.get("finished_at")),
        "updated_at": iso_or_none(raw.get("updated_at")),
        "job_id": job.get("id"),
        "job_started_at": iso_or_none(job.get("started_at")),
        "pipeline_id": pipeline.get("id"),
        "approvals": len(raw.get("approvals") or []),
    }


def _merge_request(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "iid": raw["iid"],
        "title": raw.get("title") or "",
        "source_branch": raw.get("source_branch") or "",
        "created_at": iso_or_none(raw.get("created_at")),
        "merged_at": iso_or_none(raw.get("merged_at")),
        "merge_sha": raw.get("merge_commit_sha") or raw.get("squash_commit_sha") or raw.get("sha"),
        "updated_at": iso_or_none(raw.get("updated_at")),
    }


def _incident(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "iid": raw["iid"],
        "title": raw.get("title") or "",
        "created_at": iso_or_none(raw.get("created_at")),
        "closed_at": iso_or_none(raw.get("closed_at")),
        "updated_at": iso_or_none(raw.get("updated_at")),
        "issue_type": raw.get("issue_type"),
        "labels": list(raw.get("labels") or []),
    }


def _pipeline(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": raw["id"],
        "status": raw.get("status"),
        "source": raw.get("source"),
        "ref": raw.get("ref"),
        "sha": raw.get("sha"),
        "created_at": iso_or_none(raw.get("created_at")),
        "updated_at": iso_or_none(raw.get("updated_at")),
    }


def _gid(value: str | None) -> int | None:
    """gid://gitlab/Ci::Build/123 -> 123."""
    if not value:
        return None
    tail = str(value).rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def summarise_jobs(nodes: list[dict[str, Any]], mapping: DeliveryMapping) -> dict[str, Any]:
    """One pipeline's jobs, reduced to what the measures need."""
    manual = [n for n in nodes if n.get("manualJob")]
    played = [
        [_gid(n.get("id")), iso_or_none(n.get("finishedAt"))]
        for n in manual
        if str(n.get("status", "")).upper() not in {"MANUAL", "SKIPPED", "CREATED", "CANCELED"}
    ]
    starts = [s for s in (iso_or_none(n.get("startedAt")) for n in nodes) if s]
    ends = [e for e in (iso_or_none(n.get("finishedAt")) for n in nodes) if e]
    return {
        "jobs": len(nodes),
        "manual_job_ids": sorted(i for i in (_gid(n.get("id")) for n in manual) if i),
        "played_manual": played,
        "pending_manual": sum(1 for n in manual if str(n.get("status", "")).upper() == "MANUAL"),
        "retried": sum(1 for n in nodes if n.get("retried")),
        "deploy_jobs": sum(1 for n in nodes if is_deploy_job(str(n.get("name", "")), mapping)),
        "started_at": min(starts, key=datetime.fromisoformat) if starts else None,
        "finished_at": max(ends, key=datetime.fromisoformat) if ends else None,
    }


# ----------------------------------------------------------------------------- fetching


def _after(state: ProjectState, resource: str, floor: datetime) -> datetime:
    return state.cursors.get(resource, floor)


def _advance(state: ProjectState, resource: str, floor: datetime,
             records: list[dict[str, Any]]) -> None:
    newest = latest(records)
    old = state.cursors.get(resource, floor)
    # One second of overlap: a record updated in the same second is read twice, never missed.
    state.cursors[resource] = max(old, newest - timedelta(seconds=1)) if newest else old


def _list(manager: Any, **query: Any) -> Iterator[dict[str, Any]]:
    for obj in manager.list(iterator=True, **query):
        yield obj.asdict()


def fetch_project(
    api: Api, state: ProjectState, floor: datetime, *, commit_lookups: int,
    disabled: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """Bring one project's cached state up to date; returns {resource: message} of failures."""
    if state.covered_from is None or state.covered_from > floor:
        fresh = ProjectState(project_id=state.project_id, path=state.path)
        for name in ProjectState.model_fields:
            setattr(state, name, getattr(fresh, name))
    project = api.gl.projects.get(state.project_id, lazy=True)
    problems: dict[str, str] = {}
    updated_pipelines: list[dict[str, Any]] = []

    def run(resource: str, fn: Callable[[], None]) -> None:
        try:
            api.guard(_msg("gitlab.resource_of", resource=_msg(f"resource.{resource}"),
                           path=state.path), fn)
        except ResourceError as exc:
            problems[resource] = str(exc)

    def environments() -> None:
        rows = list(_list(project.environments))
        state.environments = {
            str(r["id"]): {"id": r["id"], "name": r.get("name") or "", "tier": r.get("tier"),
                           "state": r.get("state")}
            for r in rows
        }

    def deployments() -> None:
        after = _after(state, "deployments", floor)
        rows = [_deployment(r) for r in _list(project.deployments, updated_after=after.isoformat(),
                                                order_by="updated_at", sort="asc")]
        for r in rows:
            state.deployments[str(r["id"])] = r
        _advance(state, "deployments", floor, rows)

    def merge_requests() -> None:
        after = _after(state, "merge_requests", floor)
        rows = [_merge_request(r) for r in _list(
            project.mergerequests, state="merged", updated_after=after.isoformat(),
            order_by="updated_at", sort="asc")]
        for r in rows:
            old = state.merge_requests.get(str(r["iid"]), {})
            r["first_commit_at"] = old.get("first_commit_at")
            r["commits_read"] = old.get("commits_read", False)
            state.merge_requests[str(r["iid"])] = r
        _advance(state, "merge_requests", floor, rows)

    def merge_request_commits() -> None:
        todo = [m for m in state.merge_requests.values()
                if not m.get("commits_read") and m.get("merged_at")
                and datetime.fromisoformat(m["merged_at"]) >= floor]
        todo.sort(key=lambda m: m["merged_at"], reverse=True)
        for mr in todo[:commit_lookups]:
            commits = project.mergerequests.get(mr["iid"], lazy=True).commits(per_page=PER_PAGE)
            times = [t for t in (iso_or_none(getattr(c, "authored_date", None)
                                      or getattr(c, "created_at", None)) for c in commits) if t]
            mr["first_commit_at"] = min(times, key=datetime.fromisoformat) if times else None
            mr["commits_read"] = True
        if len(todo) > commit_lookups:
            raise ResourceError(_msg("gitlab.commit_limit", path=state.path,
                                     read=commit_lookups, total=len(todo)))

    def incidents() -> None:
        after = _after(state, "incidents", floor).isoformat()
        rows = [_incident(r) for r in _list(project.issues, issue_type="incident",
                                             updated_after=after, scope="all")]
        for label in api.mapping.incident_labels:
            rows += [_incident(r) for r in _list(project.issues, labels=label,
                                                  updated_after=after, scope="all")]
        for r in rows:
            state.incidents[str(r["iid"])] = r
        _advance(state, "incidents", floor, rows)

    def pipelines() -> None:
        after = _after(state, "pipelines", floor)
        rows = [_pipeline(r) for r in _list(project.pipelines, updated_after=after.isoformat(),
                                              order_by="updated_at", sort="asc")]
        for r in rows:
            if state.pipelines.get(str(r["id"])) != r or str(r["id"]) not in state.jobs:
                updated_pipelines.append(r)  # new or changed: its jobs are read again
            state.pipelines[str(r["id"])] = r
        _advance(state, "pipelines", floor, rows)

    def jobs() -> None:
        wanted = {r["id"]: r for r in updated_pipelines
                  if r["created_at"] and datetime.fromisoformat(r["created_at"]) >= floor}
        if not wanted:
            return
        stop_at = min(datetime.fromisoformat(r["created_at"]) for r in wanted.values())
        by_pipeline: dict[int, list[dict[str, Any]]] = {pid: [] for pid in wanted}
        for node in _graphql_jobs(api, state.path, stop_at):
            pid = _gid((node.get("pipeline") or {}).get("id"))
            if pid in by_pipeline:
                by_pipeline[pid].append(node)
        for pid, nodes in by_pipeline.items():
            state.jobs[str(pid)] = summarise_jobs(nodes, api.mapping)

    steps = {
        "environments": environments,
        "deployments": deployments,
        "merge_requests": merge_requests,
        "merge_request_commits": merge_request_commits,
        "incidents": incidents,
        "pipelines": pipelines,
        "jobs": jobs,
    }
    for resource in RESOURCES:
        if resource in disabled:
            continue
        if resource == "jobs" and "pipelines" in problems:
            problems[resource] = _msg("gitlab.jobs_not_read", path=state.path)
            continue
        if resource == "merge_request_commits" and "merge_requests" in problems:
            continue  # nothing new to look up; the merge requests' failure says it all
        run(resource, steps[resource])
    _prune(state, floor)
    state.covered_from = floor
    return problems


def _prune(state: ProjectState, floor: datetime) -> None:
    """Forget records from before the floor, so the cache does not grow without end."""
    def old(value: str | None) -> bool:
        return value is not None and datetime.fromisoformat(value) < floor

    state.deployments = {k: d for k, d in state.deployments.items()
                         if not old(d.get("finished_at") or d.get("updated_at"))}
    state.merge_requests = {k: m for k, m in state.merge_requests.items()
                            if not old(m.get("merged_at"))}
    state.incidents = {k: i for k, i in state.incidents.items()
                       if not old(i.get("closed_at") or i.get("updated_at"))}
    state.pipelines = {k: p for k, p in state.pipelines.items() if not old(p.get("created_at"))}
    state.jobs = {k: j for k, j in state.jobs.items() if k in state.pipelines}


def _graphql_jobs(api: Api, path: str, stop_at: datetime) -> Iterator[dict[str, Any]]:
    """Jobs newest first, page by page, until a page reaches back before stop_at."""
    after: str | None = None
    headers = {"Authorization": f"Bearer {api.token}"} if api.token else None
    while True:
        body = api.gl.http_post(
            api.graphql_url,
            post_data={"query": GRAPHQL_JOBS, "variables": {"path": path, "after": after}},
            extra_headers=headers,
        )
        if not isinstance(body, dict):
            raise ValueError(_msg("gitlab.graphql_not_object"))
        if body.get("errors"):
            first = body["errors"][0]
            message = first.get("message") if isinstance(first, dict) else str(first)
            raise ValueError(_msg("gitlab.graphql_error", message=message))
        project = (body.get("data") or {}).get("project")
        if project is None:
            raise ValueError(_msg("gitlab.graphql_no_project"))
        connection = project.get("jobs") or {}
        nodes = connection.get("nodes") or []
        yield from nodes
        info = connection.get("pageInfo") or {}
        oldest = [iso_or_none(n.get("createdAt")) for n in nodes if n.get("createdAt")]
        if not info.get("hasNextPage") or not nodes or (
            oldest and min(datetime.fromisoformat(t) for t in oldest if t) < stop_at
        ):
            return
        after = info.get("endCursor")


# ----------------------------------------------------------------------------- GitLab's own DORA


def fetch_platform_dora(
    api: Api, kind: str, ident: int | str, start: date, end: date
) -> dict[str, float | None] | str:
    """GitLab's own DORA figures (Ultimate) for a project or group, or why they are missing.

    Returned in our units: deployments per week, hours, and a 0-1 rate.
    """
    encoded = str(ident).replace("/", "%2F")
    out: dict[str, float | None] = {}
    days = (end - start).days + 1
    for metric in PLATFORM_DORA:
        def get(m: str = metric) -> Any:
            return api.gl.http_get(
                f"/{kind}/{encoded}/dora/metrics",
                query_data={"metric": m, "start_date": start.isoformat(),
                            "end_date": end.isoformat(), "interval": "all",
                            "environment_tiers[]": "production"},
            )

        try:
            rows = api.guard(_msg("gitlab.dora_of", scope=_msg(f"scope.{kind[:-1]}", name=ident)),
                             get)
        except ResourceError as exc:
            return str(exc)
        values = [r.get("value") for r in rows if isinstance(r, dict)] if isinstance(rows, list) \
            else []
        values = [float(v) for v in values if isinstance(v, int | float)]
        if metric == "deployment_frequency":
            out[metric] = sum(values) / (days / 7) if values and days > 0 else None
        elif len(values) == 1:
            hours = metric in ("lead_time_for_changes", "time_to_restore_service")
            scale = 1 / 3600 if hours else 1
            out[metric] = values[0] * scale
        else:
            out[metric] = None
    return out
