"""GitHub Actions: `.github/workflows/*.yml`, triggers, reusable workflows, environments and
matrix values, read into classified jobs."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import Any

from opsmaturity.core.messages import text as _msg
from opsmaturity.core.sources import where

from . import deploy as ci_deploy
from .classify import (
    DISPATCH_ONLY,
    REPORT_WORDS,
    VERSION_INPUT,
    Job,
    classify_job,
    forget_release_numbers,
    gate_jobs,
    word_tokens,
)
from .parsing import as_list, as_text
from .state import State


def read_github(state: State, paths: list[str]) -> None:
    state.systems["github"] = paths
    workflows: dict[str, tuple[set[str], list[Job], set[str], int | None]] = {}
    own = set(paths)
    automatic: dict[str, list[str]] = {}
    for path in paths:
        doc = state.yaml(path)
        if doc is None:
            continue
        key = "on" if "on" in doc else True  # PyYAML reads a bare `on:` key as True
        triggers, inputs = _github_triggers(doc.get(key))
        automatic[path] = ci_deploy.github_triggers(doc.get(key))
        on_line = doc.key_lines.get(key)
        if not triggers:
            state.problems.append(f"{where(path, doc.line)}: " + _msg("ci.no_triggers"))
        jobs_raw = doc.get("jobs")
        if not isinstance(jobs_raw, dict):
            state.problems.append(f"{where(path, doc.line)}: " + _msg("ci.no_jobs"))
            continue
        jobs: list[Job] = []
        calls: set[str] = set()
        lines = getattr(jobs_raw, "key_lines", {})
        for i, (job_id, raw) in enumerate(jobs_raw.items()):
            if not isinstance(raw, dict):
                continue
            job, call = _github_job(path, str(job_id), raw, lines.get(job_id), inputs, i)
            call = _own_workflow(call, own)
            job.calls_own_workflow = call is not None
            jobs.append(job)
            if call:
                calls.add(call)
        workflows[path] = (triggers, jobs, calls, on_line)

    def effective(path: str, seen: frozenset[str]) -> set[str]:
        own = set(workflows[path][0])
        if "workflow_call" not in own:
            return own
        own.discard("workflow_call")
        callers = [p for p, wf in workflows.items() if path in wf[2]]
        if not callers:
            own.add("workflow_call")
        for caller in callers:
            if caller not in seen:
                own |= effective(caller, seen | {caller})
        return own

    def effective_automatic(path: str, seen: frozenset[str]) -> list[str]:
        own = list(automatic[path])
        if "workflow_call" in workflows[path][0]:
            for caller in (p for p, wf in workflows.items() if path in wf[2]):
                if caller not in seen:
                    own += effective_automatic(caller, seen | {caller})
        return list(dict.fromkeys(own))

    for path, (_, jobs, _, on_line) in workflows.items():
        triggers = effective(path, frozenset({path}))
        starts = effective_automatic(path, frozenset({path}))
        manual_only = bool(triggers) and triggers <= {"workflow_dispatch"}
        for job in jobs:
            job.pr_trigger = bool(triggers & {"pull_request", "pull_request_target"})
            if manual_only:
                job.on_demand = True
                job.manual = (
                    f"workflow runs only on workflow_dispatch ({where(path, on_line)})"
                )
            if not job.manual:
                job.triggers = ci_deploy.github_job_triggers(starts, job.condition)
            classify_job(job)
        forget_release_numbers(jobs)
        gate_jobs(jobs, stage_blocking=False)
        state.jobs += jobs


_SAME_NAMED_CALL = re.compile(r"[\w.-]+/[\w.-]+/(\.github/workflows/[^@/]+)@\S+")


def _own_workflow(call: str | None, own: set[str]) -> str | None:
    """The repository's own workflow a job calls: `./.github/workflows/x.yml`, or
    `owner/repo/.github/workflows/x.yml@ref` when the repository has that file (a workflow
    calling its own repository by name, as releases pinned to a branch do)."""
    if call is None:
        return None
    if call.startswith("./"):
        return posixpath.normpath(call[2:].split("@")[0])
    m = _SAME_NAMED_CALL.fullmatch(call.strip())
    return m.group(1) if m and m.group(1) in own else None


def _github_triggers(raw: Any) -> tuple[set[str], dict[str, Any]]:
    """Trigger event names and the workflow_dispatch inputs."""
    if isinstance(raw, str):
        return {raw}, {}
    if isinstance(raw, list):
        return {as_text(t) for t in raw}, {}
    if isinstance(raw, dict):
        dispatch = raw.get("workflow_dispatch")
        inputs = dispatch.get("inputs") if isinstance(dispatch, dict) else None
        return {str(t) for t in raw}, inputs if isinstance(inputs, dict) else {}
    return set(), {}


def _github_job(
    path: str,
    job_id: str,
    raw: Mapping[Any, Any],
    line: int | None,
    inputs: Mapping[Any, Any],
    order: int,
) -> tuple[Job, str | None]:
    steps = [s for s in as_list(raw.get("steps")) if isinstance(s, dict)]
    uses = [as_text(s["uses"]) for s in steps if s.get("uses")]
    call = raw.get("uses")
    container = raw.get("container")
    image = container.get("image") if isinstance(container, dict) else container
    job = Job(
        system="github",
        file=path,
        line=line,
        name=job_id,
        label=f"{job_id} {as_text(raw.get('name'), '')}".strip(),
        step_names="\n".join(as_text(s.get("name"), "") for s in steps),
        text="\n".join(as_text(s["run"], "") for s in steps if s.get("run")),
        refs="\n".join([*uses, *(as_text(v) for v in (call, image) if v)]),
        needs=[as_text(n) for n in as_list(raw.get("needs"))],
        order=order,
    )
    for step in steps:
        ref = as_text(step.get("uses"), "")
        if not ref:
            continue
        kind = ci_deploy.publish_action(ref, step.get("with"))
        if kind:
            job.publish.append(f"{kind}: uses {ref}")
        if ci_deploy.copy_action(ref):
            job.copy_actions.append(ref)
        if ref.lower().startswith("actions/upload-artifact"):
            with_ = step.get("with") if isinstance(step.get("with"), dict) else {}
            what = " ".join(as_text(with_.get(k), "") for k in ("name", "path"))
            job.archives_reports |= bool(REPORT_WORDS & set(word_tokens(what)))
    env = raw.get("environment")
    name = env.get("name") if isinstance(env, dict) else env
    if name is not None and not isinstance(name, (dict, list)):
        job.env_names = _github_env_names(as_text(name), inputs, raw.get("strategy"))
    elif isinstance(call, str) and (passed := _passed_environment(raw.get("with"))) is not None:
        job.passed_env_names = _github_env_names(as_text(passed), inputs, raw.get("strategy"))
    job.version_input = next((str(k) for k in inputs if VERSION_INPUT.fullmatch(str(k))), None)
    condition = raw.get("if")
    if isinstance(condition, str) and DISPATCH_ONLY.search(condition) and "||" not in condition:
        job.manual = "if: runs only on workflow_dispatch"
        job.on_demand = True
    job.condition = condition if isinstance(condition, str) else None
    return job, call if isinstance(call, str) else None


CALL_ENVIRONMENT_INPUTS = ("environment", "environment_name", "target_environment",
                           "deploy_environment")
"""Inputs through which a job hands a reusable workflow its environment (`with: environment:
prod`): the environment itself is set inside the called workflow, which for a workflow of
another repository (`uses: org/actions/.github/workflows/deploy.yml@v2`, a shared template
many services call) is not read. They name the job's environments once the job is a deploy
job for other reasons (its name, the workflow it calls): a lint or test workflow may take
an environment too."""


def _passed_environment(with_: Any) -> Any:
    """The environment a reusable-workflow call passes in `with`, if it names one."""
    if not isinstance(with_, dict):
        return None
    given = {str(k).lower().replace("-", "_"): v for k, v in with_.items()}
    return next((given[k] for k in CALL_ENVIRONMENT_INPUTS
                 if isinstance(given.get(k), (str, int)) and str(given[k]).strip()), None)


def _github_env_names(name: str, inputs: Mapping[Any, Any], strategy: Any) -> list[str]:
    """An environment name, or the values an `inputs.x`/`matrix.x` expression can take."""
    m = re.fullmatch(r"\$\{\{\s*(?:github\.event\.)?(inputs|matrix)\.([\w-]+)\s*\}\}", name.strip())
    if m:
        values: Any = None
        if m.group(1) == "inputs":
            spec = inputs.get(m.group(2))
            if isinstance(spec, dict):
                values = spec.get("options") or as_list(spec.get("default"))
        elif isinstance(strategy, dict) and isinstance(strategy.get("matrix"), dict):
            values = strategy["matrix"].get(m.group(2))
        if isinstance(values, list) and values and all(isinstance(v, (str, int)) for v in values):
            return [str(v) for v in values]
    return [name]
