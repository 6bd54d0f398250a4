"""Delivery and DORA measures from normalised platform records (GitLab, GitHub, ...).

Every delivery-platform collector turns its API's records into the four record types
below and calls `delivery_measures`, so "deployment", "production", "failure", "restore"
and "rework" mean the same thing whichever platform the evidence came from. What counts
as what is configurable (`DeliveryMapping`); the definitions are written down for people
in ``docs/delivery-evidence.md`` (keep the two in step).

Collectors measure; they never judge: this module reports numbers and the records
behind them, and the catalogue's probes decide what is good. No data gives None.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from opsmaturity.core.evidence import Measure, Window
from opsmaturity.core.stats import median, p90

from .dora import Deployment, DoraMetrics, compute_metrics

MAX_RECORDS = 50
"""At most this many raw records per measure's details (the most recent ones)."""

FAILED_PIPELINE = frozenset({"failed", "failure", "timed_out", "startup_failure"})
SUCCESS_PIPELINE = frozenset({"success"})


class DeliveryMapping(BaseModel):
    """What counts as what. Every field is configurable; patterns are fnmatch, case-insensitive."""

    model_config = ConfigDict(extra="forbid")

    production_tiers: list[str] = ["production"]
    production_patterns: list[str] = [
        "prod", "production", "prod-*", "prod/*", "production-*", "production/*", "live",
    ]
    deploy_job_patterns: list[str] = ["deploy*", "release*"]
    hotfix_branch_patterns: list[str] = ["hotfix/*", "hotfix-*"]
    revert_branch_patterns: list[str] = ["revert-*", "revert/*"]
    revert_title_patterns: list[str] = ['revert "*', "revert *", "revert:*"]
    failure_window_hours: float = Field(default=48, ge=0)
    incident_window_hours: float = Field(default=24, ge=0)
    incident_labels: list[str] = ["incident"]
    incident_scope: Literal["project", "all"] = Field(
        default="project",
        description="link an incident to deployments of its own project only, or of any "
        "project in the set (for teams that file incidents in one tracker project)",
    )


class DeploymentRecord(BaseModel):
    """One deployment to one environment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project: str
    id: str
    environment: str
    tier: str | None = None
    finished_at: AwareDatetime
    status: Literal["success", "failed", "canceled"]
    sha: str | None = None
    ref: str | None = None
    manual: bool | None = None
    """A manual job/approval in the pipeline that deployed it; None = unknown."""


class ChangeRecord(BaseModel):
    """A merged merge request / pull request."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project: str
    id: str
    title: str
    source_branch: str
    created_at: AwareDatetime
    merged_at: AwareDatetime | None = None
    first_commit_at: AwareDatetime | None = None
    merge_sha: str | None = None


class PlatformIncident(BaseModel):
    """An incident as a delivery platform records it (a GitLab incident issue, a GitHub
    issue with an incident label): for restore times and failed-deployment links. The
    incidents collector's richer record is `collectors.incidents.record.IncidentRecord`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project: str
    id: str
    title: str
    opened_at: AwareDatetime
    resolved_at: AwareDatetime | None = None


class PipelineRecord(BaseModel):
    """A pipeline / workflow run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project: str
    id: str
    status: str
    source: str | None = None
    ref: str | None = None
    created_at: AwareDatetime
    duration_seconds: float | None = None
    manual_jobs: int = 0
    retried_jobs: int = 0
    deploy_jobs: int = 0


MEASURE_SUFFIXES: tuple[str, ...] = (
    # the five DORA metrics
    "deployment_frequency_per_week",
    "change_lead_time_hours",
    "change_fail_rate",
    "failed_deployment_recovery_time_hours",
    "deployment_rework_rate",
    # deployments
    "production_deployments",
    "automated_production_deploy_share",
    "rollback_count",
    "rollback_time_hours",
    # merge requests / pull requests
    "merged_changes",
    "change_time_to_merge_hours",
    "change_merge_to_production_hours",
    # incidents
    "incident_count",
    "incident_restore_time_hours",
    # pipelines
    "pipeline_runs",
    "pipeline_success_rate",
    "pipeline_duration_minutes_median",
    "pipeline_duration_minutes_p90",
    "manual_job_pipeline_share",
    "retried_job_pipeline_share",
)
"""Every suffix `delivery_measures` publishes (as `<namespace>.<suffix>`), always all of them."""


# ----------------------------------------------------------------------------- classification


def _matches(value: str | None, patterns: Iterable[str]) -> bool:
    if not value:
        return False
    low = value.lower()
    return any(fnmatch.fnmatchcase(low, p.lower()) for p in patterns)


def is_production(environment: str, tier: str | None, mapping: DeliveryMapping) -> bool:
    """Production if the environment's tier is a production tier, or its name matches."""
    if tier is not None and tier.lower() in {t.lower() for t in mapping.production_tiers}:
        return True
    return _matches(environment, mapping.production_patterns)


def is_deploy_job(name: str, mapping: DeliveryMapping) -> bool:
    """A job/workflow name that counts as a deployment where no deployment record exists."""
    return _matches(name, mapping.deploy_job_patterns)


def fix_kind(change: ChangeRecord, mapping: DeliveryMapping) -> str | None:
    """'revert' or 'hotfix' if the change undoes or urgently fixes a deployment, else None."""
    if _matches(change.title, mapping.revert_title_patterns) or _matches(
        change.source_branch, mapping.revert_branch_patterns
    ):
        return "revert"
    if _matches(change.source_branch, mapping.hotfix_branch_patterns):
        return "hotfix"
    return None


def has_incident_label(labels: Iterable[str], mapping: DeliveryMapping) -> bool:
    """True if any label matches an incident label pattern (case-insensitive)."""
    return any(_matches(label, mapping.incident_labels) for label in labels)


# ----------------------------------------------------------------------------- analysis


@dataclass
class _Dep:
    """A production deployment with what the analysis found out about it."""

    rec: DeploymentRecord
    failure_reasons: list[str] = field(default_factory=list)
    rework_reasons: list[str] = field(default_factory=list)
    rollback_of: str | None = None
    rollback_hours: float | None = None
    changes: list[tuple[ChangeRecord, datetime]] = field(default_factory=list)
    ok: bool = field(init=False)
    stream: str = field(init=False)
    deployment: Deployment | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.ok = self.rec.status == "success"
        self.stream = f"{self.rec.project}/{self.rec.environment}"

    def row(self) -> dict[str, Any]:
        r = self.rec
        out: dict[str, Any] = {
            "project": r.project,
            "id": r.id,
            "environment": r.environment,
            "finished_at": r.finished_at.isoformat(),
            "status": r.status,
            "sha": r.sha[:12] if r.sha else None,
        }
        if r.manual is not None:
            out["manual"] = r.manual
        if self.failure_reasons:
            out["failure"] = self.failure_reasons
        if self.rework_reasons:
            out["rework"] = self.rework_reasons
        if self.rollback_of:
            out["rollback_of"] = self.rollback_of
        if self.changes:
            out["changes"] = [c.id for c, _ in self.changes][:20]
        return out


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600.0


def _latest_before(deps: Sequence[_Dep], when: datetime, hours: float) -> _Dep | None:
    """The last successful deployment finishing at or before `when`, at most `hours` earlier."""
    best = None
    for d in deps:
        if d.ok and d.rec.finished_at <= when and _hours(when - d.rec.finished_at) <= hours:
            best = d  # deps are in time order, so the last hit is the latest
    return best


def _mark_rollbacks(stream: Sequence[_Dep]) -> None:
    """Redeploying a commit this environment ran before (not the live one) is a rollback."""
    seen: set[str] = set()
    live: _Dep | None = None
    for d in stream:
        if not d.ok:
            continue
        sha = d.rec.sha
        if sha and live is not None and live.rec.sha and sha != live.rec.sha and sha in seen:
            d.rollback_of = live.rec.id
            d.rollback_hours = _hours(d.rec.finished_at - live.rec.finished_at)
            d.rework_reasons.append(f"rollback of deployment {live.rec.id}")
            live.failure_reasons.append(f"rolled back by deployment {d.rec.id}")
        if sha:
            seen.add(sha)
        live = d


def _assign_changes(project_deps: Sequence[_Dep], changes: Sequence[ChangeRecord]) -> None:
    """Give each merged change to the production deployment that first shipped it: the
    deployment of its merge commit if there is one, else the first later deployment."""
    shipping = [d for d in project_deps if d.ok and d.rollback_of is None]
    by_sha: dict[str, _Dep] = {}
    for d in shipping:
        if d.rec.sha:
            by_sha.setdefault(d.rec.sha, d)
    for change in changes:
        if change.merged_at is None:
            continue
        target = by_sha.get(change.merge_sha) if change.merge_sha else None
        if target is None:
            target = next((d for d in shipping if d.rec.finished_at >= change.merged_at), None)
        if target is not None:
            start = change.first_commit_at or change.created_at
            target.changes.append((change, min(start, target.rec.finished_at)))


@dataclass
class _Analysis:
    deps: list[_Dep]
    canceled: int
    non_production: int
    fixes: list[tuple[ChangeRecord, str, str | None]]  # change, kind, blamed deployment id
    incident_links: list[tuple[PlatformIncident, str | None]]


def _analyse(
    deployments: Sequence[DeploymentRecord],
    changes: Sequence[ChangeRecord],
    incidents: Sequence[PlatformIncident],
    mapping: DeliveryMapping,
) -> _Analysis:
    prod = [d for d in deployments if is_production(d.environment, d.tier, mapping)]
    canceled = sum(1 for d in prod if d.status == "canceled")
    deps = sorted(
        (_Dep(d) for d in prod if d.status != "canceled"),
        key=lambda d: (d.rec.finished_at, d.rec.project, d.rec.id),
    )
    by_project: dict[str, list[_Dep]] = defaultdict(list)
    by_stream: dict[str, list[_Dep]] = defaultdict(list)
    for d in deps:
        by_project[d.rec.project].append(d)
        by_stream[d.stream].append(d)

    for stream in by_stream.values():
        _mark_rollbacks(stream)

    merged = sorted(
        (c for c in changes if c.merged_at is not None),
        key=lambda c: (c.merged_at, c.project, c.id),
    )
    fixes: list[tuple[ChangeRecord, str, str | None]] = []
    for change in merged:
        kind = fix_kind(change, mapping)
        if kind is None:
            continue
        assert change.merged_at is not None
        blamed = _latest_before(
            by_project.get(change.project, []), change.merged_at, mapping.failure_window_hours
        )
        if blamed is not None:
            lag = _hours(change.merged_at - blamed.rec.finished_at)
            blamed.failure_reasons.append(f"{kind} {change.id} merged {lag:.1f} h later")
        fixes.append((change, kind, blamed.rec.id if blamed else None))

    links: list[tuple[PlatformIncident, str | None]] = []
    for incident in sorted(incidents, key=lambda i: (i.opened_at, i.project, i.id)):
        pool = deps if mapping.incident_scope == "all" else by_project.get(incident.project, [])
        blamed = _latest_before(pool, incident.opened_at, mapping.incident_window_hours)
        if blamed is not None:
            lag = _hours(incident.opened_at - blamed.rec.finished_at)
            blamed.failure_reasons.append(f"incident {incident.id} opened {lag:.1f} h later")
        links.append((incident, blamed.rec.id if blamed else None))

    for project, project_deps in by_project.items():
        _assign_changes(project_deps, [c for c in merged if c.project == project])

    fix_ids = {(c.project, c.id) for c, _, _ in fixes}
    for d in deps:
        shipped_fixes = [c.id for c, _ in d.changes if (c.project, c.id) in fix_ids]
        if shipped_fixes:
            d.rework_reasons.append(f"ships fix {', '.join(shipped_fixes)}")
    # A quick redeploy after a failure in the same environment is a fix attempt.
    for stream in by_stream.values():
        for i, d in enumerate(stream):
            if d.ok and not d.failure_reasons:
                continue
            nxt = next((n for n in stream[i + 1 :] if n.ok and not n.failure_reasons), None)
            if nxt is not None and not nxt.rework_reasons and (
                _hours(nxt.rec.finished_at - d.rec.finished_at) <= mapping.failure_window_hours
            ):
                nxt.rework_reasons.append(f"redeploy after failed deployment {d.rec.id}")

    return _Analysis(
        deps=deps,
        canceled=canceled,
        non_production=len(deployments) - len(prod),
        fixes=fixes,
        incident_links=links,
    )


def _as_deployment(d: _Dep) -> Deployment:
    """The DORA module's view of an analysed deployment (built once, after the analysis)."""
    if d.deployment is None:
        d.deployment = Deployment(
            id=f"{d.rec.project}#{d.rec.id}",
            finished_at=d.rec.finished_at,
            succeeded=d.ok,
            change_times=[t for _, t in d.changes] if d.ok else [],
            caused_failure=bool(d.failure_reasons) if d.ok else None,
            is_rework=bool(d.rework_reasons),
            is_rollback=d.rollback_of is not None,
            stream=d.stream,
        )
    return d.deployment


def _by_project(items: Iterable[Any], project: Callable[[Any], str]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        grouped[project(item)].append(item)
    return grouped


# ----------------------------------------------------------------------------- measures


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _in(window: Window, when: datetime) -> bool:
    return window.start <= when < window.end


def _tail(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"records": rows[-MAX_RECORDS:], "records_total": len(rows)}


def _tail_deps(deps: Sequence[_Dep]) -> dict[str, Any]:
    return {"records": [d.row() for d in deps[-MAX_RECORDS:]], "records_total": len(deps)}


def _dora(deps: Sequence[_Dep], window: Window) -> DoraMetrics:
    if window.end <= window.start:
        return DoraMetrics()
    return compute_metrics([_as_deployment(d) for d in deps], window.start, window.end)


def delivery_measures(
    namespace: str,
    *,
    deployments: Sequence[DeploymentRecord],
    changes: Sequence[ChangeRecord],
    incidents: Sequence[PlatformIncident],
    pipelines: Sequence[PipelineRecord],
    window: Window,
    mapping: DeliveryMapping,
    projects: Sequence[str] = (),
) -> list[Measure]:
    """Publish `<namespace>.<suffix>` for every suffix in MEASURE_SUFFIXES, for the whole set
    (the team), with per-project figures and the records behind each number in details.

    Records may reach before the window: earlier deployments give rollbacks and failures
    their predecessor, earlier merges give deployments in the window their changes. Only
    deployments, merges, incidents and pipelines inside ``[start, end)`` are counted.
    `projects` names projects that were read but may have no records, so that they appear
    in the per-project figures too.
    """
    a = _analyse(deployments, changes, incidents, mapping)
    projects = sorted(
        set(projects)
        | {r.project for r in deployments}
        | {r.project for r in changes}
        | {r.project for r in incidents}
        | {r.project for r in pipelines}
    )
    weeks = (window.end - window.start).total_seconds() / (7 * 86400)
    win = {"start": window.start.isoformat(), "end": window.end.isoformat(), "weeks": _r(weeks)}
    in_win = [d for d in a.deps if _in(window, d.rec.finished_at)]
    out: list[Measure] = []

    def add(suffix: str, value: Any, unit: str, per_project: dict[str, Any] | None = None,
            **details: Any) -> None:
        body: dict[str, Any] = {"window": win, **details}
        if per_project is not None:
            body["per_project"] = per_project
        out.append(Measure(id=f"{namespace}.{suffix}", value=value, unit=unit, details=body))

    def per(fn: Callable[[str], Any]) -> dict[str, Any]:
        return {p: fn(p) for p in projects}

    def pick(items: list[Any], grouped: dict[str, list[Any]], p: str | None) -> list[Any]:
        return items if p is None else grouped.get(p, [])

    # ---- DORA, team and per project
    team = _dora(a.deps, window)
    deps_by = _by_project(a.deps, lambda d: d.rec.project)
    inwin_by = _by_project(in_win, lambda d: d.rec.project)
    by_project = {p: _dora(deps_by.get(p, []), window) for p in projects}
    ever_deployed = {d.rec.project for d in a.deps if d.rec.finished_at < window.end}

    def frequency(metrics: DoraMetrics, deployed_before: bool) -> float | None:
        # No deployment in the window but some before it: a measured zero, not "unknown".
        if metrics.deployment_frequency_per_week is None and deployed_before and weeks > 0:
            return 0.0
        return _r(metrics.deployment_frequency_per_week)

    dd = team.details
    add("deployment_frequency_per_week", frequency(team, bool(ever_deployed)), "deployments/week",
        per(lambda p: frequency(by_project[p], p in ever_deployed)),
        successful=dd.get("deployments", {}).get("successful", 0),
        definition="successful production deployments in the window / weeks in the window",
        non_production_deployments=a.non_production, canceled_production_deployments=a.canceled,
        **_tail_deps(in_win))
    lead = dd.get("change_lead_time", {})
    add("change_lead_time_hours", _r(team.change_lead_time_hours, 2), "hours",
        per(lambda p: _r(by_project[p].change_lead_time_hours, 2)),
        definition="median hours from a change's first commit (else MR/PR creation) to the "
        "successful production deployment that first shipped it",
        changes=lead.get("changes", 0), p90_hours=_r(lead.get("p90_hours"), 2),
        deployments_without_changes=lead.get("successful_deployments_without_change_times", 0),
        **_tail_deps([d for d in in_win if d.changes]))
    cfr = dd.get("change_fail_rate", {})
    add("change_fail_rate", _r(team.change_fail_rate), "ratio",
        per(lambda p: _r(by_project[p].change_fail_rate)),
        failures=cfr.get("failures", 0), deployments=cfr.get("known", 0),
        definition="production deployments that failed, were rolled back, were followed by a "
        "revert/hotfix or an incident within the configured hours / production deployments",
        **_tail_deps([d for d in in_win if not d.ok or d.failure_reasons]))
    rec = dd.get("failed_deployment_recovery_time", {})
    add("failed_deployment_recovery_time_hours",
        _r(team.failed_deployment_recovery_time_hours, 2), "hours",
        per(lambda p: _r(by_project[p].failed_deployment_recovery_time_hours, 2)),
        definition="median hours from a failed deployment to the next successful, not failed "
        "deployment of the same project and environment",
        failures=rec.get("failures", 0), recovered=rec.get("recovered", 0),
        unrecovered_in_window=rec.get("unrecovered_in_window", 0),
        p90_hours=_r(rec.get("p90_hours"), 2),
        per_failure=rec.get("per_failure", [])[-MAX_RECORDS:])
    rw = dd.get("deployment_rework_rate", {})
    add("deployment_rework_rate", _r(team.deployment_rework_rate), "ratio",
        per(lambda p: _r(by_project[p].deployment_rework_rate)),
        rework=rw.get("rework", 0), deployments=rw.get("deployments", 0),
        definition="production deployments that roll back, ship a revert/hotfix, or redeploy "
        "within the failure window after a failed deployment / production deployments",
        **_tail_deps([d for d in in_win if d.rework_reasons]))

    # ---- deployments
    def prod_count(p: str | None) -> int:
        return len(pick(in_win, inwin_by, p))

    add("production_deployments", prod_count(None), "deployments", per(prod_count),
        failed=sum(1 for d in in_win if not d.ok), canceled=a.canceled)

    def auto_share(p: str | None) -> float | None:
        known = [d for d in pick(in_win, inwin_by, p) if d.ok and d.rec.manual is not None]
        return _r(sum(1 for d in known if not d.rec.manual) / len(known)) if known else None

    add("automated_production_deploy_share", auto_share(None), "ratio", per(auto_share),
        definition="successful production deployments whose pipeline had no manual step / "
        "those where this is known",
        manual=[d.row() for d in [d for d in in_win if d.ok and d.rec.manual][-MAX_RECORDS:]],
        unknown=sum(1 for d in in_win if d.ok and d.rec.manual is None))

    rollbacks = [d for d in in_win if d.rollback_of is not None]
    rollbacks_by = _by_project(rollbacks, lambda d: d.rec.project)
    add("rollback_count", len(rollbacks), "rollbacks",
        per(lambda p: len(rollbacks_by.get(p, []))),
        definition="successful production deployments of a commit the environment ran before, "
        "other than the live one", **_tail_deps(rollbacks))

    def rollback_times(p: str | None) -> list[float]:
        return sorted(d.rollback_hours for d in pick(rollbacks, rollbacks_by, p)
                      if d.rollback_hours is not None)

    times = rollback_times(None)
    add("rollback_time_hours", _r(median(times), 2), "hours",
        per(lambda p: _r(median(rollback_times(p)), 2)),
        definition="median hours the rolled-back deployment was live before the rollback",
        p90_hours=_r(p90(times), 2))

    # ---- changes
    merged_in = [c for c in changes if c.merged_at is not None and _in(window, c.merged_at)]
    merged_by = _by_project(merged_in, lambda c: c.project)
    add("merged_changes", len(merged_in), "changes",
        per(lambda p: len(merged_by.get(p, []))))

    def to_merge(p: str | None) -> list[float]:
        return sorted(
            max(0.0, _hours(c.merged_at - (c.first_commit_at or c.created_at)))
            for c in pick(merged_in, merged_by, p) if c.merged_at is not None
        )

    add("change_time_to_merge_hours", _r(median(to_merge(None)), 2), "hours",
        per(lambda p: _r(median(to_merge(p)), 2)),
        definition="median hours from first commit (else creation) to merge, for changes "
        "merged in the window", p90_hours=_r(p90(to_merge(None)), 2),
        without_first_commit=sum(1 for c in merged_in if c.first_commit_at is None))

    def to_prod(p: str | None) -> list[float]:
        return sorted(
            max(0.0, _hours(d.rec.finished_at - c.merged_at))
            for d in pick(in_win, inwin_by, p) if d.ok
            for c, _ in d.changes if c.merged_at is not None
        )

    shipped = {(c.project, c.id) for d in a.deps for c, _ in d.changes}
    add("change_merge_to_production_hours", _r(median(to_prod(None)), 2), "hours",
        per(lambda p: _r(median(to_prod(p)), 2)),
        definition="median hours from merge to the production deployment that first shipped "
        "the change, for deployments in the window", p90_hours=_r(p90(to_prod(None)), 2),
        merged_not_deployed=[f"{c.project} {c.id}" for c in merged_in
                             if (c.project, c.id) not in shipped][-MAX_RECORDS:])

    # ---- incidents
    opened = [(i, link) for i, link in a.incident_links if _in(window, i.opened_at)]
    opened_by = _by_project(opened, lambda pair: pair[0].project)
    add("incident_count", len(opened), "incidents",
        per(lambda p: len(opened_by.get(p, []))),
        linked_to_deployment=sum(1 for _, link in opened if link),
        records=[{"project": i.project, "id": i.id, "title": i.title[:120],
                  "opened_at": i.opened_at.isoformat(),
                  "resolved_at": i.resolved_at.isoformat() if i.resolved_at else None,
                  "deployment": link} for i, link in opened[-MAX_RECORDS:]],
        records_total=len(opened))

    def restore(p: str | None) -> list[float]:
        return sorted(
            max(0.0, _hours(i.resolved_at - i.opened_at)) for i, _ in pick(opened, opened_by, p)
            if i.resolved_at is not None
        )

    add("incident_restore_time_hours", _r(median(restore(None)), 2), "hours",
        per(lambda p: _r(median(restore(p)), 2)),
        definition="median hours from an incident being opened to being closed, for incidents "
        "opened in the window", p90_hours=_r(p90(restore(None)), 2),
        unresolved=sum(1 for i, _ in opened if i.resolved_at is None))

    # ---- pipelines
    runs = [r for r in pipelines if _in(window, r.created_at)]
    runs_by = _by_project(runs, lambda r: r.project)

    def select(p: str | None) -> list[PipelineRecord]:
        return pick(runs, runs_by, p)

    def success_rate(p: str | None) -> float | None:
        done = [r for r in select(p) if r.status in SUCCESS_PIPELINE | FAILED_PIPELINE]
        ok = sum(1 for r in done if r.status in SUCCESS_PIPELINE)
        return _r(ok / len(done)) if done else None

    def minutes(p: str | None) -> list[float]:
        return sorted(r.duration_seconds / 60.0 for r in select(p)
                      if r.duration_seconds is not None)

    def share(p: str | None, fn: Callable[[PipelineRecord], bool]) -> float | None:
        rs = select(p)
        return _r(sum(1 for r in rs if fn(r)) / len(rs)) if rs else None

    failed_runs = [r for r in runs if r.status in FAILED_PIPELINE]
    statuses: dict[str, int] = defaultdict(int)
    for r in runs:
        statuses[r.status] += 1
    add("pipeline_runs", len(runs), "pipelines", per(lambda p: len(select(p))),
        statuses=dict(sorted(statuses.items())))
    add("pipeline_success_rate", success_rate(None), "ratio", per(success_rate),
        definition="successful / (successful + failed) pipelines created in the window; "
        "canceled, skipped and running ones are left out",
        **_tail([{"project": r.project, "id": r.id, "status": r.status, "ref": r.ref}
                 for r in failed_runs[-MAX_RECORDS:]]) | {"records_total": len(failed_runs)})
    add("pipeline_duration_minutes_median", _r(median(minutes(None)), 2), "minutes",
        per(lambda p: _r(median(minutes(p)), 2)), pipelines_with_duration=len(minutes(None)))
    add("pipeline_duration_minutes_p90", _r(p90(minutes(None)), 2), "minutes",
        per(lambda p: _r(p90(minutes(p)), 2)))
    add("manual_job_pipeline_share", share(None, lambda r: r.manual_jobs > 0), "ratio",
        per(lambda p: share(p, lambda r: r.manual_jobs > 0)),
        manual_jobs=sum(r.manual_jobs for r in runs))
    add("retried_job_pipeline_share", share(None, lambda r: r.retried_jobs > 0), "ratio",
        per(lambda p: share(p, lambda r: r.retried_jobs > 0)),
        retried_jobs=sum(r.retried_jobs for r in runs),
        deploy_jobs=sum(r.deploy_jobs for r in runs))

    assert [m.id for m in out] == [f"{namespace}.{s}" for s in MEASURE_SUFFIXES]
    return out


__all__ = [
    "MAX_RECORDS",
    "MEASURE_SUFFIXES",
    "ChangeRecord",
    "DeliveryMapping",
    "DeploymentRecord",
    "PipelineRecord",
    "PlatformIncident",
    "delivery_measures",
    "fix_kind",
    "has_incident_label",
    "is_deploy_job",
    "is_production",
]
