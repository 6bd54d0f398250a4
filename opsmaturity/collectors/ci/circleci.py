"""CircleCI 2.x: `.circleci/config.yml`, its jobs and steps, reusable commands (2.1), orb
commands and jobs known by name, and workflows (requires, filters, contexts, schedules,
approval jobs), read into classified jobs: one per job entry of a workflow."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from opsmaturity.core.messages import text as _msg
from opsmaturity.core.sources import where

from . import deploy as ci_deploy
from .classify import JENKINS_ENVS, Job, classify_job, gate_jobs, word_tokens
from .config import MAX_INCLUDE_DEPTH
from .parsing import as_list, as_text
from .state import State

RUN_STEPS = ("run", "deploy")  # `deploy:` is CircleCI 2.0's run step for deploys
WORKFLOW_KEYS = frozenset({"requires", "filters", "context", "type", "name", "matrix",
                           "pre-steps", "post-steps", "serial-group"})
"""Keys of a workflow's job entry that configure the entry; the others are the job's
parameters."""
ORB_DEPLOY = re.compile(r"deploy|update-service|helm-upgrade|upgrade-helm-chart|"
                        r"install-helm-chart|create-or-update|rollout", re.I)
ORB_PUBLISH = re.compile(r"push|publish", re.I)
ORB_KINDS = {"kubernetes": "kubectl", "k8s": "kubectl", "eks": "kubectl", "helm": "helm",
             "heroku": "paas", "cloud-run": "paas", "terraform": "terraform apply",
             "aws": "cloud cli", "azure": "cloud cli", "gcp": "cloud cli"}
"""An orb's name -> the deploy kind (`DEPLOY_COMMANDS` names) its deploy commands stand for,
so the mechanism reads as it does for the same command in a script."""
_PARAMETER = re.compile(r"<<\s*parameters\.([\w-]+)\s*>>")


def read_circleci(state: State, path: str) -> None:
    """Every workflow's jobs; jobs no workflow runs are not run by CircleCI (2.0 without
    workflows runs the job named `build`)."""
    state.systems.setdefault("circleci", []).append(path)
    doc = state.yaml(path)
    if doc is None:
        return
    config = _Config(state, path, doc)
    workflows = {str(k): v for k, v in _dict(doc.get("workflows")).items() if isinstance(v, dict)}
    if not workflows and "build" in config.jobs:
        workflows = {"build": {"jobs": ["build"]}}
    if not workflows:
        state.problems.append(f"{where(path, doc.line)}: " + _msg("ci.circleci_no_workflows"))
    for name, workflow in workflows.items():
        jobs = list(config.workflow(name, workflow))
        gate_jobs(jobs, stage_blocking=False)
        state.jobs += jobs


class _Config:
    """One config file: its jobs and commands, and the jobs its workflows run."""

    def __init__(self, state: State, path: str, doc: Mapping[Any, Any]) -> None:
        self.state, self.path = state, path
        self.jobs, self.commands = _dict(doc.get("jobs")), _dict(doc.get("commands"))
        self.executors = _dict(doc.get("executors"))

    def workflow(self, name: str, workflow: Mapping[Any, Any]) -> Iterator[Job]:
        """The workflow's job entries as jobs: each waits for those it `requires`."""
        scheduled = any(isinstance(t, dict) and "schedule" in t
                        for t in as_list(workflow.get("triggers")))
        raw = workflow.get("jobs")
        lines = getattr(raw, "item_lines", [])
        for i, item in enumerate(as_list(raw)):
            key, args = (item, {}) if not isinstance(item, dict) else next(iter(item.items()),
                                                                             (None, {}))
            if key is None:
                continue
            key, args = str(key), _dict(args)
            line = getattr(item, "line", None) or (lines[i] if i < len(lines) else None)
            own = as_text(args.get("name"), key)
            job = Job(system="circleci", file=self.path, line=line, name=f"{name}.{own}",
                      label=own if own == key else f"{own} {key}", order=i)
            job.needs = [f"{name}.{as_text(r)}" for r in as_list(args.get("requires"))]
            contexts = [as_text(c) for c in as_list(args.get("context"))]
            job.passed_env_names = [c for c in contexts if _names_environment(c)]
            if as_text(args.get("type"), "") == "approval":
                job.manual = "type: approval waits for a person"
            elif key in self.jobs:
                job.line = getattr(self.jobs, "key_lines", {}).get(key, line)
                if as_text(_dict(self.jobs[key]).get("type"), "") == "no-op":
                    job.label = ""  # a join point (`ok-to-deploy`): runs nothing, deploys nothing
                self._read(job, _dict(self.jobs[key]), args)
            elif "/" in key:  # an orb's job: known by name only, its pre- and post-steps read
                self._read(job, {}, args)
                job.refs = "\n".join(r for r in (key, job.refs) if r)
                _orb(job, key)
            else:
                self.state.problems.append(f"{where(self.path, line)}: " + _msg(
                    "ci.circleci_unknown_job", workflow=f"'{name}'", job=f"'{key}'"))
            if not job.manual:
                job.triggers = ["schedule"] if scheduled else _filter_triggers(args)
            classify_job(job)
            yield job

    def _read(self, job: Job, raw: Mapping[Any, Any], args: Mapping[Any, Any]) -> None:
        """A defined job's steps (with the entry's pre- and post-steps), commands expanded
        with the parameters the workflow hands it."""
        params = {**_defaults(raw), **{str(k): v for k, v in args.items()
                                       if k not in WORKFLOW_KEYS}}
        steps = [*as_list(args.get("pre-steps")), *as_list(raw.get("steps")),
                 *as_list(args.get("post-steps"))]
        texts, refs, names = [], self._images(raw), []
        for name, step, p in self._steps(steps, params, 0):
            if name in RUN_STEPS:
                command = step if not isinstance(step, dict) else step.get("command")
                texts.append(_sub(as_text(command, ""), p))
                names.append(_sub(as_text(_dict(step).get("name"), ""), p))
            elif name == "store_test_results":
                job.archives_reports = True
            elif "/" in name:
                refs.append(name)
                _orb(job, name)
        job.text, job.refs, job.step_names = "\n".join(texts), "\n".join(refs), "\n".join(names)

    def _steps(self, steps: list[Any], params: dict[str, Any], depth: int
               ) -> Iterator[tuple[str, Any, dict[str, Any]]]:
        """(step name, its arguments, parameters): `when`/`unless` opened (both branches),
        the config's own commands expanded like local templates."""
        for step in steps:
            name, args = (step, {}) if not isinstance(step, dict) else next(
                iter(step.items()), (None, {}))
            name = as_text(name, "")
            if name in ("when", "unless"):
                yield from self._steps(as_list(_dict(args).get("steps")), params, depth)
            elif name == "steps" and depth < MAX_INCLUDE_DEPTH:  # a `steps` parameter's value
                whole = _PARAMETER.fullmatch(args.strip()) if isinstance(args, str) else None
                given = params.get(whole.group(1)) if whole else args
                yield from self._steps(as_list(given), params, depth + 1)
            elif name in self.commands and depth < MAX_INCLUDE_DEPTH:
                command = _dict(self.commands[name])
                given = {str(k): _sub(v, params) for k, v in _dict(args).items()}
                yield from self._steps(as_list(command.get("steps")),
                                       {**_defaults(command), **given}, depth + 1)
            elif name:
                yield name, args, params

    def _images(self, raw: Mapping[Any, Any]) -> list[str]:
        """Docker images of the job or its executor (a scanner's image names the tool)."""
        executor = raw.get("executor")
        executor = _dict(executor).get("name", executor)
        where_ = _dict(self.executors.get(as_text(executor, ""))) or raw
        return [as_text(d.get("image")) for d in as_list(where_.get("docker"))
                if isinstance(d, dict) and d.get("image")]


def _orb(job: Job, ref: str) -> None:
    """An orb's command or job, known by name only: it deploys if its name says so."""
    orb, _, command = ref.partition("/")
    if ORB_DEPLOY.search(command):
        job.deploy_actions.append(ref)
        job.deploy_kinds.add(next((k for w, k in ORB_KINDS.items() if w in orb.lower()),
                                  "deploy"))
    elif ORB_PUBLISH.search(command):
        image = re.search(r"docker|ecr|gcr|acr|image", ref, re.I)
        job.publish.append(f"{'image push' if image else 'package'}: orb {ref}")


def _names_environment(context: str) -> bool:
    """A context named like an environment (`production`, `aws-staging`): it holds that
    environment's secrets, so it names the environment of a job that deploys."""
    return bool(JENKINS_ENVS.keys() & set(word_tokens(context)))


def _filter_triggers(args: Mapping[Any, Any]) -> list[str]:
    """When a workflow job runs without a person, from its `filters`: every branch unless
    `branches` says otherwise, tags only when `tags.only` names them."""
    filters = _dict(args.get("filters"))
    branches, tags = _dict(filters.get("branches")), _dict(filters.get("tags"))
    out = ["push of a tag"] if tags.get("only") is not None else []
    if branches.get("only") is not None:
        if any(_is_main(p) for p in as_list(branches["only"])):
            out.append("push to the default branch")
    elif not any(_is_main(p) for p in as_list(branches.get("ignore"))):
        out.append("push to any branch (the default branch too)")
    return out


def _is_main(pattern: Any) -> bool:
    """A branch filter that takes the default branch: a name, or a `/regex/` (whole match)."""
    text = as_text(pattern, "")
    if len(text) > 1 and text.startswith("/") and text.endswith("/"):
        try:
            return any(re.fullmatch(text[1:-1], b) for b in ci_deploy.MAIN_BRANCHES)
        except re.error:
            return False
    return text in ci_deploy.MAIN_BRANCHES


def _sub(value: Any, params: Mapping[str, Any]) -> Any:
    """`<< parameters.x >>` replaced by the value handed to the job or command."""
    if not isinstance(value, str) or "<<" not in value:
        return value
    return _PARAMETER.sub(lambda m: as_text(params.get(m.group(1)), m.group(0)), value)


def _defaults(raw: Mapping[Any, Any]) -> dict[str, Any]:
    """A job's or command's declared parameters' defaults."""
    return {str(k): v.get("default") for k, v in _dict(raw.get("parameters")).items()
            if isinstance(v, dict) and "default" in v}


def _dict(value: Any) -> Mapping[Any, Any]:
    return value if isinstance(value, dict) else {}
