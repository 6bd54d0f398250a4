"""Evidence from GitLab: deployments, pipelines, jobs, merge requests and incidents, turned
into the DORA and delivery measures of `delivery.py`, with GitLab's own DORA figures beside.

For one or more projects or whole groups (recursively), on gitlab.com or a self-hosted
instance. Reading is incremental (see `gitlab_cache.py`), concurrent over projects (bounded
by `workers`), and robust (see `http.py`): a resource that cannot be read makes the evidence
partial and is named in its coverage; nothing missing is ever counted as zero.

The token comes from the caller (the CLI reads GITLAB_TOKEN or prompts). It is held as a
SecretStr, sent only in request headers, and removed from every message; it never reaches
the evidence, the cache or a log.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from opsmaturity.core.evidence import Coverage, EvidenceSet, Measure, Window, window_between
from opsmaturity.core.files import default_cache_dir
from opsmaturity.core.http import RequestStats, RetryingSession, RetryPolicy
from opsmaturity.core.messages import text as _msg
from opsmaturity.core.privacy import host_of
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
    is_production,
)
from .cache import ProjectState, cache_path, load_state, save_state
from .fetch import (
    RESOURCES,
    Api,
    ProjectRef,
    connect,
    fetch_platform_dora,
    fetch_project,
    resolve_projects,
)

MAX_MISSING = 50
PLATFORM_MEASURES = {
    "deployment_frequency": ("platform_dora_deployment_frequency_per_week", "deployments/week"),
    "lead_time_for_changes": ("platform_dora_lead_time_for_changes_hours", "hours"),
    "time_to_restore_service": ("platform_dora_time_to_restore_service_hours", "hours"),
    "change_failure_rate": ("platform_dora_change_failure_rate", "ratio"),
}
_DEPLOYMENTS = frozenset({"environments", "deployments"})
_CHANGES = frozenset({"merge_requests"})
_INCIDENTS = frozenset({"incidents"})
_PIPELINES = frozenset({"pipelines"})
_JOBS = frozenset({"jobs"})
NEEDS: dict[str, frozenset[str]] = {
    "deployment_frequency_per_week": _DEPLOYMENTS,
    "change_lead_time_hours": _DEPLOYMENTS | _CHANGES,
    "change_fail_rate": _DEPLOYMENTS | _CHANGES | _INCIDENTS,
    "failed_deployment_recovery_time_hours": _DEPLOYMENTS | _CHANGES | _INCIDENTS,
    "deployment_rework_rate": _DEPLOYMENTS | _CHANGES | _INCIDENTS,
    "production_deployments": _DEPLOYMENTS,
    "automated_production_deploy_share": _DEPLOYMENTS | _JOBS,
    "rollback_count": _DEPLOYMENTS,
    "rollback_time_hours": _DEPLOYMENTS,
    "merged_changes": _CHANGES,
    "change_time_to_merge_hours": _CHANGES,
    "change_merge_to_production_hours": _DEPLOYMENTS | _CHANGES,
    "incident_count": _INCIDENTS,
    "incident_restore_time_hours": _INCIDENTS,
    "pipeline_runs": _PIPELINES,
    "pipeline_success_rate": _PIPELINES,
    "pipeline_duration_minutes_median": _PIPELINES | _JOBS,
    "pipeline_duration_minutes_p90": _PIPELINES | _JOBS,
    "manual_job_pipeline_share": _PIPELINES | _JOBS,
    "retried_job_pipeline_share": _PIPELINES | _JOBS,
}
"""Which GitLab resources each delivery measure is computed from. If one could not be read
for some project, the measure is not measured (None) rather than understated."""

MEASURES: tuple[str, ...] = (
    *(f"gitlab.{s}" for s in MEASURE_SUFFIXES),
    "gitlab.projects",
    "gitlab.production_environments",
    *(f"gitlab.{name}" for name, _ in PLATFORM_MEASURES.values()),
)


class GitLabOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(default="https://gitlab.com", description="GitLab instance URL")
    projects: list[str] = Field(default_factory=list, description="project paths or ids")
    groups: list[str] = Field(default_factory=list, description="group paths, read recursively")
    token: SecretStr | None = Field(
        default=None, exclude=True, repr=False,
        description="an access token (read_api); never dumped, stored or shown",
    )
    since: datetime | None = Field(default=None, description="window start (default until-180d)")
    until: datetime | None = Field(default=None, description="window end (default end of today)")
    lookback_days: int = Field(
        default=30, ge=0, description="records read before the window, for predecessors"
    )
    mapping: DeliveryMapping = Field(default_factory=DeliveryMapping)
    include_archived: bool = False
    workers: int = Field(default=4, ge=1, le=32, description="projects read at the same time")
    commit_lookups: int = Field(
        default=500, ge=0, description="merge requests whose first commit is read, per project/run"
    )
    platform_dora: bool = Field(default=True, description="also read GitLab's own DORA API")
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    ssl_verify: bool = True
    cache_dir: Path | None = None
    use_cache: bool = True

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(_msg("gitlab.url_scheme", value=repr(value)))
        return value.rstrip("/")

    @model_validator(mode="after")
    def _something_to_read(self) -> GitLabOptions:
        if not self.projects and not self.groups:
            raise ValueError(_msg("gitlab.nothing_named"))
        return self


def _window(options: GitLabOptions) -> Window:
    try:
        return window_between(options.since, options.until)
    except ValueError as exc:
        raise CollectorError(str(exc)) from None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# ----------------------------------------------------------------------------- records


def _manual(dep: dict[str, Any], jobs: dict[str, dict[str, Any]]) -> bool | None:
    """Was there a manual step: a deployment approval, a manual deploy job, or a manual job
    played in the same pipeline before the deploy job started? None if the jobs are unknown."""
    if dep.get("approvals"):
        return True
    summary = jobs.get(str(dep.get("pipeline_id"))) if dep.get("pipeline_id") else None
    if summary is None:
        return None
    if dep.get("job_id") in summary["manual_job_ids"]:
        return True
    started = _dt(dep.get("job_started_at"))
    for job_id, finished in summary["played_manual"]:
        done = _dt(finished)
        if job_id != dep.get("job_id") and done and (started is None or done <= started):
            return True
    return False


def records(
    state: ProjectState, mapping: DeliveryMapping, floor: datetime
) -> tuple[list[DeploymentRecord], list[ChangeRecord], list[PlatformIncident],
           list[PipelineRecord]]:
    """One project's cached state as the delivery module's normalised records."""
    project = state.path
    tiers = {int(k): e.get("tier") for k, e in state.environments.items()}
    tiers_by_name = {e["name"]: e.get("tier") for e in state.environments.values()}
    deployments = []
    for d in state.deployments.values():
        finished = _dt(d.get("finished_at"))
        if d.get("status") not in ("success", "failed", "canceled") or finished is None:
            continue  # created, running, blocked: not finished, not a deployment yet
        if finished < floor:
            continue
        tier = tiers.get(d["environment_id"]) if d.get("environment_id") is not None else None
        deployments.append(DeploymentRecord(
            project=project, id=str(d["id"]), environment=d["environment"],
            tier=tier or tiers_by_name.get(d["environment"]), finished_at=finished,
            status=d["status"], sha=d.get("sha"), ref=d.get("ref"),
            manual=_manual(d, state.jobs),
        ))
    changes = [
        ChangeRecord(
            project=project, id=f"!{m['iid']}", title=m["title"], source_branch=m["source_branch"],
            created_at=_dt(m["created_at"]), merged_at=_dt(m.get("merged_at")),
            first_commit_at=_dt(m.get("first_commit_at")), merge_sha=m.get("merge_sha"),
        )
        for m in state.merge_requests.values()
        if m.get("merged_at") and _dt(m["merged_at"]) >= floor  # type: ignore[operator]
    ]
    incidents = [
        PlatformIncident(project=project, id=f"#{i['iid']}", title=i["title"],
                       opened_at=_dt(i["created_at"]), resolved_at=_dt(i.get("closed_at")))
        for i in state.incidents.values()
        if (i.get("issue_type") == "incident" or has_incident_label(i.get("labels", []), mapping))
        and _dt(i["created_at"]) >= floor  # type: ignore[operator]
    ]
    pipelines = []
    for p in state.pipelines.values():
        created = _dt(p.get("created_at"))
        if created is None or created < floor:
            continue
        jobs = state.jobs.get(str(p["id"]))
        start, end = (_dt(jobs.get("started_at")), _dt(jobs.get("finished_at"))) if jobs \
            else (None, None)
        pipelines.append(PipelineRecord(
            project=project, id=str(p["id"]), status=p.get("status") or "unknown",
            source=p.get("source"), ref=p.get("ref"), created_at=created,
            duration_seconds=(end - start).total_seconds() if start and end else None,
            manual_jobs=len(jobs["manual_job_ids"]) if jobs else 0,
            retried_jobs=jobs["retried"] if jobs else 0,
            deploy_jobs=jobs["deploy_jobs"] if jobs else 0,
        ))
    return deployments, changes, incidents, pipelines


# ----------------------------------------------------------------------------- collector


class GitLabCollector:
    """Reads GitLab's REST and GraphQL APIs; measures, never judges."""

    name: ClassVar[str] = "gitlab"
    measures: ClassVar[tuple[str, ...]] = MEASURES
    config_model: ClassVar[type[BaseModel]] = GitLabOptions

    def __init__(self, sleep: Callable[[float], None] | None = None) -> None:
        self._sleep = sleep
        self.last_stats: RequestStats | None = None
        """Requests made by the last run (for the benchmark and tests)."""

    def _session(self, policy: RetryPolicy) -> RetryingSession:
        if self._sleep is None:
            return RetryingSession(policy)
        return RetryingSession(policy, sleep=self._sleep)

    def collect(self, config: BaseModel, progress: Progress = no_progress) -> EvidenceSet:
        options = config if isinstance(config, GitLabOptions) else \
            GitLabOptions.model_validate(config, from_attributes=True)
        window = _window(options)
        floor = window.start - timedelta(days=options.lookback_days)
        token = options.token.get_secret_value() if options.token else None
        session = self._session(options.retry)
        self.last_stats = session.stats
        api = connect(options.url, token, session, options.mapping, options.ssl_verify)
        try:
            return self._collect(api, options, window, floor, progress)
        finally:
            session.close()

    def _collect(self, api: Api, options: GitLabOptions, window: Window, floor: datetime,
                 progress: Progress) -> EvidenceSet:
        progress("finding projects", None)
        found = resolve_projects(api, options.projects, options.groups, options.include_archived)
        if not found:
            raise CollectorError(_msg(
                "gitlab.no_projects" if options.include_archived else "gitlab.no_projects_archived",
                groups=", ".join(options.groups), host=host_of(options.url)))
        cache_dir = options.cache_dir or default_cache_dir()
        refs: dict[int, ProjectRef] = {ref.id: ref for ref in found}
        states: dict[int, ProjectState] = {}
        for ref in found:
            states[ref.id] = (load_state(cache_path(cache_dir, options.url, ref.id), ref.id,
                                         ref.path)
                              if options.use_cache else ProjectState(project_id=ref.id,
                                                                     path=ref.path))
        failed: dict[str, dict[str, str]] = {}  # project path -> resource -> message
        with ThreadPoolExecutor(max_workers=options.workers) as pool:
            futures = {pool.submit(fetch_project, api, states[pid], floor,
                                   commit_lookups=options.commit_lookups,
                                   disabled=refs[pid].disabled): pid
                       for pid in states}
            for done, future in enumerate(as_completed(futures), 1):
                try:
                    problems = future.result()
                except CollectorError:
                    for other in futures:
                        other.cancel()
                    raise
                if problems:
                    failed[states[futures[future]].path] = problems
                progress(f"read {states[futures[future]].path}", done / len(futures))
        if options.use_cache:
            for pid, state in states.items():
                save_state(cache_path(cache_dir, options.url, pid), state)

        deployments: list[DeploymentRecord] = []
        changes: list[ChangeRecord] = []
        incidents: list[PlatformIncident] = []
        pipelines: list[PipelineRecord] = []
        for state in states.values():
            d, c, i, p = records(state, options.mapping, floor)
            deployments += d
            changes += c
            incidents += i
            pipelines += p
        progress("computing measures", None)
        measures = delivery_measures(
            "gitlab", deployments=deployments, changes=changes, incidents=incidents,
            pipelines=pipelines, window=window, mapping=options.mapping,
            projects=[state.path for state in states.values()],
        )
        measures = [_unmeasured(m, failed) for m in measures]
        measures += self._inventory(states, options.mapping, api.session.stats)
        if options.platform_dora:
            progress("reading GitLab's own DORA metrics", None)
            measures += _platform_measures(api, options, states, window)

        total = sum(len(RESOURCES) - len(ref.disabled) for ref in found)
        messages = [msg for path in sorted(failed) for msg in failed[path].values()]
        missing = messages[:MAX_MISSING]
        if len(messages) > MAX_MISSING:
            missing.append(_msg("gitlab.more", n=len(messages) - MAX_MISSING))
        ratio = 1 - len(messages) / total if total else 1.0
        return EvidenceSet(
            collector="gitlab",
            source=_source(options),
            window=window,
            collected_at=now_utc(),
            coverage=Coverage(ratio=round(max(0.0, ratio), 4), missing=missing),
            partial=bool(messages),
            measures=measures,
        )

    @staticmethod
    def _inventory(states: dict[int, ProjectState], mapping: DeliveryMapping,
                   stats: RequestStats) -> list[Measure]:
        paths = sorted(s.path for s in states.values())
        prod = sorted(
            f"{s.path}: {e['name']}" for s in states.values() for e in s.environments.values()
            if is_production(e["name"], e.get("tier"), mapping) and e.get("state") != "stopped"
        )
        return [
            Measure(id="gitlab.projects", value=len(paths), unit="projects",
                    details={"projects": paths[:200], "api": stats.as_dict()}),
            Measure(id="gitlab.production_environments", value=len(prod), unit="environments",
                    details={"environments": prod[:200],
                             "tiers": mapping.production_tiers,
                             "patterns": mapping.production_patterns}),
        ]


def _unmeasured(m: Measure, failed: dict[str, dict[str, str]]) -> Measure:
    """A measure whose inputs could not all be read is not measured (None), never understated:
    the team figure becomes None and so does each affected project's."""
    needs = NEEDS.get(m.id.split(".", 1)[1], frozenset())
    lacking = {path: sorted(needs & problems.keys()) for path, problems in failed.items()}
    lacking = {path: resources for path, resources in lacking.items() if resources}
    if not lacking:
        return m
    details = dict(m.details)
    if isinstance(details.get("per_project"), dict):
        per_project = {**details["per_project"], **dict.fromkeys(lacking)}
        details["per_project"] = dict(sorted(per_project.items()))
    details["not_measured"] = {path: [failed[path][r] for r in resources]
                               for path, resources in sorted(lacking.items())}
    details["value_from_what_was_read"] = m.value
    return m.model_copy(update={"value": None, "details": details})


def _source(options: GitLabOptions) -> str:
    what = [f"group {g}" for g in options.groups] + [f"project {p}" for p in options.projects]
    return f"{host_of(options.url)}: {', '.join(what)}"


def _platform_measures(api: Api, options: GitLabOptions, states: dict[int, ProjectState],
                       window: Window) -> list[Measure]:
    """GitLab's own figures beside ours. Unavailable (not Ultimate) is noted, not partial."""
    start: date = window.start.date()
    end: date = (window.end - timedelta(microseconds=1)).date()
    per_project: dict[str, dict[str, float | None] | str] = {}
    with ThreadPoolExecutor(max_workers=options.workers) as pool:
        futures = {pool.submit(fetch_platform_dora, api, "projects", pid, start, end): st.path
                   for pid, st in states.items()}
        for future in as_completed(futures):
            per_project[futures[future]] = future.result()
    team: dict[str, float | None] | str | None = None
    scope = None
    if len(options.groups) == 1 and not options.projects:
        team = fetch_platform_dora(api, "groups", options.groups[0], start, end)
        scope = f"group {options.groups[0]}"
    elif len(states) == 1:
        (scope,) = per_project
        team = per_project[scope]
        scope = f"project {scope}"
    out = []
    for metric, (name, unit) in PLATFORM_MEASURES.items():
        value = team.get(metric) if isinstance(team, dict) else None
        if value is not None:
            value = round(value, 4)
        out.append(Measure(
            id=f"gitlab.{name}", value=value, unit=unit,
            details={
                "source": "GitLab DORA API (Ultimate), production tier, interval=all",
                "scope": scope,
                "not_available": team if isinstance(team, str) else None,
                "per_project": {
                    path: (round(v[metric], 4) if v[metric] is not None else None)
                    if isinstance(v, dict) else None
                    for path, v in sorted(per_project.items())
                },
                "unavailable_projects": sorted(
                    path for path, v in per_project.items() if isinstance(v, str))[:50],
            },
        ))
    return out


__all__ = ["MEASURES", "GitLabCollector", "GitLabOptions", "records"]
