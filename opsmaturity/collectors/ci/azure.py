"""Azure Pipelines: `azure-pipelines*.yml` and `.azure-pipelines/*.yml`, their stages, jobs and
deployment jobs, local templates (with their parameters), triggers and ManualValidation
gates, read into classified jobs."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from typing import Any

from opsmaturity.core.messages import text as _msg
from opsmaturity.core.sources import where

from . import deploy as ci_deploy
from .classify import Job, classify_job, gate_jobs
from .config import MAX_INCLUDE_DEPTH, MAX_INCLUDES
from .parsing import as_list, as_text
from .state import State

SCRIPT_STEPS = ("script", "bash", "pwsh", "powershell")
SCRIPT_INPUTS = frozenset({"script", "inlinescript", "inline", "scriptpath", "filepath"})
"""Task inputs that hold commands or the script run (Bash@3, PowerShell@2, AzureCLI@2)."""
STRATEGY_HOOKS = ("preDeploy", "deploy", "routeTraffic", "postRouteTraffic")
DEPLOY_TASKS: dict[str, tuple[str, str | None, frozenset[str]]] = {
    "azurewebapp": ("cloud cli", None, frozenset()),
    "azurermwebappdeployment": ("cloud cli", None, frozenset()),
    "azurewebappcontainer": ("cloud cli", None, frozenset()),
    "azurefunctionapp": ("cloud cli", None, frozenset()),
    "azurefunctionappcontainer": ("cloud cli", None, frozenset()),
    "azurecontainerapps": ("cloud cli", None, frozenset()),
    "azureresourcemanagertemplatedeployment": ("cloud cli", None, frozenset()),
    "azurestaticwebapp": ("paas", None, frozenset()),
    "kubernetesmanifest": ("kubectl", "action", frozenset({"deploy", "promote", ""})),
    "kubernetes": ("kubectl", "command", frozenset({"apply", "set"})),
    "helmdeploy": ("helm", "command", frozenset({"upgrade", "install"})),
    "terraformtaskv4": ("terraform apply", "command", frozenset({"apply"})),
    "terraformtaskv3": ("terraform apply", "command", frozenset({"apply"})),
}
"""Tasks that deploy (task name -> deploy kind, the input that must say so, its values; an
empty value: the input may be left out, `action: deploy` is KubernetesManifest's default)."""
PUBLISH_TASKS: dict[str, tuple[str, str, frozenset[str]]] = {
    "docker": ("image push", "command", frozenset({"push", "buildandpush"})),
    "nugetcommand": ("nuget", "command", frozenset({"push"})),
    "dotnetcorecli": ("nuget", "command", frozenset({"push"})),
    "npm": ("npm package", "command", frozenset({"publish"})),
    "githubrelease": ("GitHub release", "action", frozenset({"create"})),
}
TEST_TASKS = frozenset({"vstest", "visualstudiotestplatforminstaller"})
MANUAL_TASKS = frozenset({"manualvalidation", "manualintervention"})
_MANUAL_CONDITION = re.compile(
    r"""eq\(\s*variables(?:\[\s*['"]Build\.Reason['"]\s*\]|\.Build\.Reason)\s*,\s*['"]Manual['"]""",
    re.I)
_PARAMETER = re.compile(r"\$\{\{\s*parameters\.([\w-]+)\s*\}\}")


def template_path(including: str, target: str) -> str | None:
    """A local template's repository path: relative to the including file, or to the root
    with a leading `/`; None if it leaves the repository."""
    base = "" if target.startswith("/") else posixpath.dirname(including)
    path = posixpath.normpath(posixpath.join(base, target.strip().lstrip("/")))
    return None if path in {".", ""} or path == ".." or path.startswith("../") else path


def template_targets(path: str, doc: Any) -> list[str]:
    """Local templates a file names (`template: x.yml`, `x.yml@self`), for the loader."""
    out: list[str] = []
    stack = [doc]
    while stack and len(out) < MAX_INCLUDES:
        node = stack.pop()
        if isinstance(node, dict):
            target = node.get("template")
            if isinstance(target, str) and "$" not in target:
                name, _, repo = target.partition("@")
                local = template_path(path, name) if repo in {"", "self"} else None
                if local:
                    out.append(local)
            stack += list(node.values())
        elif isinstance(node, list):
            stack += node
    return out


def read_azure(state: State, paths: list[str]) -> None:
    """Every pipeline's jobs; files that another pipeline uses as a template are read only
    as that pipeline's parts."""
    pipelines = [_Pipeline(state, p) for p in paths]
    jobs = {p.path: p.read() for p in pipelines}
    used = {t for p in pipelines for t in p.templates}
    state.systems["azure"] = sorted({*paths, *used})
    for pipeline in pipelines:
        if pipeline.path in used:
            continue
        state.problems += pipeline.problems
        state.unresolved += pipeline.unresolved
        state.jobs += jobs[pipeline.path]


class _Pipeline:
    """One pipeline file: its stages and jobs with local templates expanded."""

    def __init__(self, state: State, path: str) -> None:
        self.state, self.path = state, path
        self.templates: set[str] = set()
        # kept back until the file is known not to be another pipeline's template
        self.problems: list[str] = []
        self.unresolved: list[str] = []

    def read(self) -> list[Job]:
        doc = self.state.yaml(self.path)
        if doc is None:
            return []
        body, params = self._extended(doc)
        stages = list(self._stages(body, params))
        if not stages:
            self.problems.append(f"{where(self.path, doc.line)}: " + _msg("ci.azure_no_jobs"))
        manual = _manual_pipeline(self.path, doc)
        triggers = _automatic(doc)
        jobs: list[Job] = []
        by_stage: dict[str, list[str]] = {}
        previous: str | None = None
        for order, (file, stage, _, p) in enumerate(stages):
            name = _sub(stage.get("stage"), p)
            name = as_text(name) if name is not None else None
            after = (None if name is None else
                     [previous] if "dependsOn" not in stage and previous else
                     [as_text(_sub(d, p)) for d in as_list(stage.get("dependsOn"))])
            waits = [n for s in after or [] for n in by_stage.get(s, [])]
            own = list(self._jobs(file, stage, p, name, order, waits))
            for job in own:
                job.manual = job.manual or manual or _stage_manual(stage, p)
                if not job.manual:
                    job.triggers = triggers
                classify_job(job)
            by_stage[name or ""] = [j.name for j in own]
            previous = name
            jobs += own
        gate_jobs(jobs, stage_blocking=False)
        return jobs

    def _extended(self, doc: Mapping[Any, Any]) -> tuple[Mapping[Any, Any], dict[str, Any]]:
        """The pipeline body: the file itself, or what `extends: template:` makes of it (the
        template's stages, else the stages handed to it as parameters)."""
        ext = doc.get("extends")
        if not isinstance(ext, dict) or ext.get("template") is None:
            return doc, {}
        given = ext.get("parameters") if isinstance(ext.get("parameters"), dict) else {}
        template = self._template(self.path, as_text(ext["template"]),
                                  getattr(ext, "line", None), [self.path])
        if template is not None:
            body = self.state.yaml(template) or {}
            params = {**_defaults(body), **{str(k): v for k, v in given.items()}}
            if any(isinstance(body.get(k), list) for k in ("stages", "jobs", "steps")):
                return body, params
        return given, {}

    def _stages(self, body: Mapping[Any, Any], params: dict[str, Any]
                ) -> Iterator[tuple[str, Mapping[Any, Any], int | None, dict[str, Any]]]:
        """(file, stage, line, parameters): `stages:`, or one unnamed stage of `jobs:` or of
        the single implicit job of `steps:`."""
        line = getattr(body, "line", None)
        if isinstance(body.get("stages"), list):
            yield from self._items(self.path, body["stages"], "stages", params, [self.path])
        elif isinstance(body.get("jobs"), list):
            yield self.path, {"jobs": body["jobs"]}, line, params
        elif isinstance(body.get("steps"), list):
            implicit = {"job": "Job", **{k: v for k, v in body.items() if k in ("steps", "pool")}}
            yield self.path, {"jobs": [implicit]}, line, params

    def _items(self, file: str, raw: Any, kind: str, params: dict[str, Any], chain: list[str]
               ) -> Iterator[tuple[str, Mapping[Any, Any], int | None, dict[str, Any]]]:
        """A stages/jobs/steps list's entries, `${{ if }}`/`${{ each }}` blocks opened (every
        branch) and local templates expanded in place with their parameters."""
        lines = getattr(raw, "item_lines", [])
        for i, item in enumerate(as_list(raw)):
            if not isinstance(item, dict):
                continue
            line = getattr(item, "line", None) or (lines[i] if i < len(lines) else None)
            if item and all(str(k).strip().startswith("${{") for k in item):
                for value in item.values():
                    yield from self._items(file, value, kind, params, chain)
            elif item.get("template") is not None:
                target = self._template(file, as_text(_sub(item["template"], params)), line,
                                        chain)
                if target is None:
                    continue
                doc = self.state.yaml(target) or {}
                given = item.get("parameters") if isinstance(item.get("parameters"), dict) else {}
                inner = {**_defaults(doc),
                         **{str(k): _sub(v, params) for k, v in given.items()}}
                yield from self._items(target, doc.get(kind), kind, inner, [*chain, target])
            else:
                yield file, item, line, params

    def _template(self, file: str, target: str, line: int | None, chain: list[str]
                  ) -> str | None:
        """The local template's path if it can be read; else why not, as a problem or (another
        repository's template, a name with a variable) as unresolved."""
        at = where(file, line)
        name, _, repo = target.partition("@")
        if (repo and repo != "self") or "$" in name:
            why = _msg("ci.not_fetched" if "$" not in name else "ci.uses_variable")
            self.state.found[f"template:{target}"] = None
            self.unresolved.append(f"{at}: " + _msg(
                "ci.template_unresolved", target=f"'{target}'", why=why))
            return None
        path = template_path(file, name)
        if path is None or path not in self.state.files:
            if path is not None:
                self.state.found[path] = None
            self.problems.append(f"{at}: " + _msg("ci.template_not_found",
                                                           target=f"'{target}'"))
            return None
        if path in chain or len(chain) > MAX_INCLUDE_DEPTH:
            self.problems.append(f"{at}: " + _msg(
                "ci.include_loop", loop=" -> ".join([*chain, path])))
            return None
        self.templates.add(path)
        return path

    def _jobs(self, file: str, stage: Mapping[Any, Any], params: dict[str, Any],
              name: str | None, order: int, waits: list[str]) -> Iterator[Job]:
        """The stage's jobs; each waits for the jobs of the stages it depends on and for the
        jobs of its own `dependsOn`."""
        chain = [self.path] if file == self.path else [self.path, file]
        entries = list(self._items(file, stage.get("jobs"), "jobs", params, chain))
        names: list[str] = []
        for i, (jfile, raw, jline, p) in enumerate(entries):
            key = "deployment" if "deployment" in raw else "job"
            own = as_text(_sub(raw.get(key), p), "") or as_text(
                _sub(raw.get("displayName"), p), "") or f"Job{i + 1}"
            names.append(own)
            qualified = f"{name}.{own}" if name else own
            needs = [f"{name}.{d}" if name else str(d)
                     for d in (as_text(_sub(x, p)) for x in as_list(raw.get("dependsOn")))]
            job = _job(self, jfile, raw, jline, p, qualified, own, name, order)
            job.needs = [*waits, *needs]
            yield job


def _job(pipeline: _Pipeline, file: str, raw: Mapping[Any, Any], line: int | None,
         params: dict[str, Any], name: str, own: str, stage: str | None, order: int) -> Job:
    """One job or deployment job, its steps (and a deployment's strategy hooks) read."""
    lists = [raw.get("steps")]
    strategy = raw.get("strategy")
    for hooks in (strategy.values() if isinstance(strategy, dict) else []):
        if isinstance(hooks, dict):  # runOnce, rolling, canary
            on = hooks.get("on") if isinstance(hooks.get("on"), dict) else {}
            lists += [h.get("steps") for h in [*(hooks.get(k) for k in STRATEGY_HOOKS),
                                               *on.values()] if isinstance(h, dict)]
    chain = [pipeline.path, file]
    steps = [(s, p) for raw_steps in lists
             for _, s, _, p in pipeline._items(file, raw_steps, "steps", params, chain)]
    job = Job(system="azure", file=file, line=line, name=name, stage=stage, order=order,
              label=f"{own} {as_text(_sub(raw.get('displayName'), params), '')}".strip())
    texts, refs, step_names = [], [], []
    for step, p in steps:
        step_names.append(as_text(_sub(step.get("displayName"), p), ""))
        texts += [as_text(_sub(step[k], p), "") for k in SCRIPT_STEPS if step.get(k)]
        if step.get("task") is not None:
            task = as_text(_sub(step["task"], p))
            inputs = step.get("inputs") if isinstance(step.get("inputs"), dict) else {}
            inputs = {str(k).lower(): _sub(v, p) for k, v in inputs.items()}
            refs.append(task)
            texts += [as_text(v, "") for k, v in inputs.items() if k in SCRIPT_INPUTS]
            _task(job, task, inputs)
    job.text, job.refs, job.step_names = "\n".join(texts), "\n".join(refs), "\n".join(step_names)
    env = _sub(raw.get("environment"), params)
    env = _sub(env.get("name"), params) if isinstance(env, dict) else env
    if "deployment" in raw and env is not None and not isinstance(env, (dict, list)):
        job.env_names = [as_text(env).split(".")[0]]
    job.manual = job.manual or _condition_manual(raw.get("condition"), params)
    return job


def _task(job: Job, task: str, inputs: Mapping[str, Any]) -> None:
    """What a task does for the measures: deploys, publishes, tests, or waits for a person."""
    kind = task.split("@")[0].strip().lower()

    def says(key: str | None, values: frozenset[str]) -> bool:
        return key is None or as_text(inputs.get(key), "").strip().lower() in values

    if kind in DEPLOY_TASKS and says(*DEPLOY_TASKS[kind][1:]):
        job.deploy_actions.append(task)
        job.deploy_kinds.add(DEPLOY_TASKS[kind][0])
    if kind in PUBLISH_TASKS and says(*PUBLISH_TASKS[kind][1:]):
        job.publish.append(f"{PUBLISH_TASKS[kind][0]}: task {task}")
    if kind in TEST_TASKS or (kind == "dotnetcorecli" and says("command", frozenset({"test"}))):
        job.test.append(f"task: {task}")
    if kind == "publishtestresults" or kind == "publishcodecoverageresults":
        job.archives_reports = True
    if kind in MANUAL_TASKS:
        job.manual = f"task {task} waits for a person"


def _sub(value: Any, params: Mapping[str, Any]) -> Any:
    """`${{ parameters.x }}` replaced by the value a template was given (a whole-value
    expression takes the value itself, a mapping for `environment:` too)."""
    if not isinstance(value, str) or "${{" not in value or not params:
        return value
    whole = _PARAMETER.fullmatch(value.strip())
    if whole and whole.group(1) in params:
        return params[whole.group(1)]
    return _PARAMETER.sub(lambda m: as_text(params.get(m.group(1)), m.group(0)), value)


def _defaults(doc: Mapping[Any, Any]) -> dict[str, Any]:
    """A template's declared parameters' defaults (`parameters:` as a list or a mapping)."""
    raw = doc.get("parameters")
    if isinstance(raw, dict):
        return {str(k): v for k, v in raw.items()}
    return {as_text(p.get("name")): p.get("default") for p in as_list(raw)
            if isinstance(p, dict) and p.get("name") is not None}


def _condition_manual(condition: Any, params: Mapping[str, Any]) -> str | None:
    condition = _sub(condition, params)
    if isinstance(condition, str) and _MANUAL_CONDITION.search(condition) and not re.search(
            r"\bor\s*\(", condition, re.I):
        return f"condition: {condition.strip()} (runs only when started by hand)"
    return None


def _stage_manual(stage: Mapping[Any, Any], params: Mapping[str, Any]) -> str | None:
    """A stage that waits for a person: `trigger: manual`, or a Build.Reason condition."""
    if as_text(stage.get("trigger"), "").lower() == "manual":
        return "stage trigger: manual"
    return _condition_manual(stage.get("condition"), params)


def _none(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() == "none"


def _resource_triggers(doc: Mapping[Any, Any]) -> bool:
    """Another pipeline's completion starts this one (`resources.pipelines[].trigger`)."""
    resources = doc.get("resources")
    pipes = resources.get("pipelines") if isinstance(resources, dict) else None
    return any(isinstance(p, dict) and p.get("trigger") not in (None, False) and
               not _none(p.get("trigger")) for p in as_list(pipes))


def _manual_pipeline(path: str, doc: Mapping[Any, Any]) -> str | None:
    """`trigger: none`, no schedules and no other pipeline's trigger: only a person starts a
    run on the main branch. Pull-request runs (`pr:`, or Azure Repos' branch policies, which
    the YAML does not show) validate a change; they do not release it."""
    if _none(doc.get("trigger")) and not doc.get("schedules") and not _resource_triggers(doc):
        return (f"pipeline runs only when started by hand (or for a pull request): trigger: "
                f"none, no schedules ({where(path, doc.key_lines.get('trigger'))})")
    return None


def _automatic(doc: Mapping[Any, Any]) -> list[str]:
    """What starts the pipeline without a person, in the words GitHub's triggers use: a CI
    `trigger:` read as a push (none given: every branch), schedules, other pipelines."""
    raw = doc.get("trigger", {})
    push: dict[str, Any] | None = None
    if isinstance(raw, list):
        push = {"branches": raw}
    elif isinstance(raw, dict):
        branches, tags = raw.get("branches"), raw.get("tags")
        push = {}
        if isinstance(branches, dict) and branches.get("include") is not None:
            push["branches"] = as_list(branches.get("include"))
        elif isinstance(branches, list):
            push["branches"] = branches
        if (isinstance(tags, dict) and tags.get("include") is not None) or isinstance(tags, list):
            push["tags"] = tags
    out = ci_deploy.github_triggers({"push": push}) if push is not None else []
    if doc.get("schedules"):
        out.append("schedule")
    if _resource_triggers(doc):
        out.append("resources.pipelines trigger (after another pipeline)")
    return out

