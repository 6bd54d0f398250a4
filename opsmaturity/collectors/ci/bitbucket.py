"""Bitbucket Pipelines: `bitbucket-pipelines.yml`, its pipelines (default, branches, tags,
pull requests, custom), steps in parallel groups and stages, pipes, deployments and manual
triggers, read into classified jobs."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from opsmaturity.core.messages import text as _msg
from opsmaturity.core.sources import where

from . import deploy as ci_deploy
from .classify import (
    NON_PROD_WORDS,
    PROD_WORDS,
    VERSION_INPUT,
    Job,
    classify_job,
    forget_release_numbers,
    gate_jobs,
    is_production,
    word_tokens,
)
from .parsing import as_list, as_text
from .state import State

DEPLOY_PIPES: dict[str, str] = {
    "atlassian/aws-ecs-deploy": "cloud cli",
    "atlassian/aws-elasticbeanstalk-deploy": "paas",
    "atlassian/azure-web-apps-deploy": "cloud cli",
    "atlassian/kubectl-run": "kubectl",
    "atlassian/helm": "helm",
    "atlassian/google-app-engine-deploy": "paas",
}
"""Pipes that deploy to a platform (pipe name -> the deploy kind of the same command)."""
COPY_PIPES = frozenset({"atlassian/ssh-run", "atlassian/scp-deploy", "atlassian/rsync-deploy",
                        "atlassian/ftp-deploy"})
"""Pipes that copy files to hosts or run commands on them, as `scp` or `ssh` would."""
PUBLISH_PIPES: dict[str, str] = {
    "atlassian/aws-ecr-push-image": "image push",
    "atlassian/gcr-push-image": "image push",
    "atlassian/npm-publish": "npm package",
    "atlassian/pypi-publish": "python package",
}
"""Pipes that push to a registry or package index (pipe name -> kind of release)."""
SCRIPT_KEYS = ("script", "after-script")
CUSTOM = "custom pipeline"  # its steps are manual and on demand, like a workflow_dispatch
PIPELINE_KINDS = ("default", "branches", "tags", "pull-requests", "custom")
_BRACES = re.compile(r"\{([^{}]*)\}")

Steps = list[tuple[Mapping[Any, Any], int | None, Mapping[Any, Any] | None]]
"""(step, line, enclosing stage or None) of one group that runs together."""


def read_bitbucket(state: State, path: str) -> None:
    """Every pipeline of the file: one job per step, gated per pipeline."""
    state.systems["bitbucket"] = [path]
    doc = state.yaml(path)
    if doc is None:
        return
    pipelines = doc.get("pipelines")
    if not isinstance(pipelines, dict) or not any(pipelines.get(k) for k in PIPELINE_KINDS):
        state.problems.append(f"{where(path, doc.line)}: " + _msg("ci.bitbucket_no_pipelines"))
        return
    for kind, name, raw in _pipelines(pipelines):
        jobs = _read_pipeline(path, kind, name, raw)
        gate_jobs(jobs, stage_blocking=False)
        state.jobs += jobs


def _pipelines(pipelines: Mapping[Any, Any]) -> Iterator[tuple[str, str | None, Any]]:
    """(kind, branch/tag/name pattern, list of steps): `default` has no pattern."""
    if isinstance(pipelines.get("default"), list):
        yield "default", None, pipelines["default"]
    for kind in PIPELINE_KINDS[1:]:
        group = pipelines.get(kind)
        for name, raw in (group.items() if isinstance(group, dict) else []):
            if isinstance(raw, list):
                yield kind, as_text(name), raw


def _read_pipeline(path: str, kind: str, name: str | None, raw: list[Any]) -> list[Job]:
    """The pipeline's steps in order: each step waits for the steps before it (a parallel
    group's steps for the group before), so a manual step holds back every later one."""
    prefix = kind if name is None else f"{kind}.{name}"
    triggers = _triggers(kind, name)
    version = _version_variable(raw) if kind == "custom" else None
    jobs: list[Job] = []
    before: list[str] = []
    for order, (group, in_order) in enumerate(_groups(raw)):
        names: list[str] = []
        for i, (step, line, stage) in enumerate(group):
            job = _job(path, step, line, stage, f"{prefix}.", len(jobs) + 1, order)
            if any(j.name == job.name for j in jobs):
                job.name = f"{job.name}#{len(jobs) + 1}"
            if stage is not None and i == 0 and _manual(stage) and not job.manual:
                job.manual = f"stage trigger: manual ({job.stage or 'stage'})"
            if kind == "custom":
                job.manual = f"{CUSTOM} '{name}' runs only when started by hand"
                job.on_demand = True
                job.version_input = version
            job.needs, job.pr_trigger = list(before), kind == "pull-requests"
            if job.pr_trigger:  # deploys the change under review, as Jenkins' changeRequest()
                job.review_hint = f"deploys in the pull-requests pipeline '{name}'"
            if not job.manual:
                job.triggers = triggers
            classify_job(job)
            _production_branch(job, name)
            jobs.append(job)
            names.append(job.name)
            if in_order:
                before = [job.name]
        before = before if in_order else names
    forget_release_numbers(jobs)
    return jobs


def _production_branch(job: Job, name: str | None) -> None:
    """A deploy step without `deployment:` whose own name says no environment deploys where
    its branch or custom pipeline says (`branches: production:`, `custom: deploy-prod:`). Not
    a step that only publishes: an image pushed from `prod/**` is not yet in production."""
    words = set(word_tokens(f"{job.label} {job.stage or ''}"))
    delivers = any(not r.startswith("publishes:") for r in job.deploy)
    if delivers and not job.env_names and name and not words & (NON_PROD_WORDS | PROD_WORDS):
        job.production = job.production or is_production(name)


def _version_variable(raw: list[Any]) -> str | None:
    """The variable a person fills in when starting a custom pipeline that names the version
    to deploy (`- variables: [{name: VERSION}]`): any earlier build can be deployed again."""
    for item in raw:
        variables = item.get("variables") if isinstance(item, dict) else None
        for var in as_list(variables):
            name = as_text(var.get("name"), "") if isinstance(var, dict) else ""
            if VERSION_INPUT.fullmatch(name):
                return name
    return None


def _groups(raw: list[Any]) -> Iterator[tuple[Steps, bool]]:
    """The pipeline's entries as groups of steps, and whether they run one after another:
    one `- step:`, the steps of a `- parallel:` (a list, or `{steps: [...]}`) side by
    side, the steps of a `- stage:` in order."""
    lines = getattr(raw, "item_lines", [])
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            continue
        line = getattr(item, "line", None) or (lines[i] if i < len(lines) else None)
        if isinstance(item.get("step"), dict):
            yield [(item["step"], line, None)], True
        elif item.get("parallel") is not None:
            parallel = item["parallel"]
            inner = parallel.get("steps") if isinstance(parallel, dict) else parallel
            yield _steps(inner, line, None), False
        elif isinstance(item.get("stage"), dict):
            yield _steps(item["stage"].get("steps"), line, item["stage"]), True


def _steps(raw: Any, line: int | None, stage: Mapping[Any, Any] | None) -> Steps:
    return [(s["step"], getattr(s, "line", line), stage) for s in as_list(raw)
            if isinstance(s, dict) and isinstance(s.get("step"), dict)]


def _job(path: str, step: Mapping[Any, Any], line: int | None,
         stage: Mapping[Any, Any] | None, prefix: str, position: int, order: int) -> Job:
    """One step: its commands, pipes, image, deployment environment (a stage's applies to
    its steps) and manual trigger."""
    own = as_text(step.get("name"), "") or f"step{position}"
    stage_name = (as_text(stage.get("name"), "") or None) if stage is not None else None
    job = Job(system="bitbucket", file=path, line=line, name=f"{prefix}{own}", label=own,
              stage=stage_name, order=order)
    texts: list[str] = []
    image = step.get("image")
    refs = [as_text(image.get("name") if isinstance(image, dict) else image, "")]
    for key in SCRIPT_KEYS:
        for item in as_list(step.get(key)):
            if isinstance(item, dict) and item.get("pipe") is not None:
                refs.append(as_text(item["pipe"]))
                _pipe(job, as_text(item["pipe"]))
            elif item is not None and not isinstance(item, (dict, list)):
                texts.append(str(item))
    job.text, job.refs = "\n".join(texts), "\n".join(r for r in refs if r)
    env = step.get("deployment") or (stage or {}).get("deployment")
    if env is not None and not isinstance(env, (dict, list)):
        job.env_names = [as_text(env)]
    if _manual(step):
        job.manual = "step trigger: manual"
    return job


def _manual(raw: Mapping[Any, Any]) -> bool:
    return as_text(raw.get("trigger"), "").strip().lower() == "manual"


def _pipe(job: Job, pipe: str) -> None:
    """What a pipe does for the measures: deploys to a platform, or copies to hosts."""
    name = pipe.strip().split(":")[0].lower()
    if name in DEPLOY_PIPES:
        job.deploy_actions.append(pipe)
        job.deploy_kinds.add(DEPLOY_PIPES[name])
    elif name in PUBLISH_PIPES:
        job.publish.append(f"{PUBLISH_PIPES[name]}: pipe {pipe}")
    elif name in COPY_PIPES:
        job.deploy_actions.append(pipe)
        job.copy_actions.append(pipe)
    elif {"deploy", "deployment"} & set(word_tokens(name)):  # atlassian/aws-s3-deploy
        job.deploy_actions.append(pipe)


def _triggers(kind: str, name: str | None) -> list[str]:
    """What starts the pipeline without a person, in the words GitHub's triggers use:
    `default` and `branches` are pushes, `tags` tag pushes; pull-request runs validate a
    change, custom pipelines are started by hand."""
    if kind == "default":
        return ci_deploy.github_triggers({"push": None})
    if kind == "branches" and name is not None:
        return ci_deploy.github_triggers({"push": {"branches": _expand(name)}})
    if kind == "tags":
        return ci_deploy.github_triggers({"push": {"tags": [name]}})
    return []


def _expand(pattern: str) -> list[str]:
    """Bitbucket's glob braces as separate patterns: `{main,release/*}` -> two patterns."""
    m = _BRACES.search(pattern)
    if m is None:
        return [pattern]
    return [p for alt in m.group(1).split(",")
            for p in _expand(pattern[:m.start()] + alt.strip() + pattern[m.end():])]
