"""GitLab CI: `.gitlab-ci.yml` with its local includes, `extends`, `default:`, rules and
stages, read into classified jobs."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from opsmaturity.core.messages import text as _msg
from opsmaturity.core.sources import LineDict, where

from . import deploy as ci_deploy
from .classify import WEB_ONLY, Job, classify_job, gate_jobs, security_tools
from .config import (
    GITLAB_DEFAULT_STAGES,
    GITLAB_FILE,
    GITLAB_RESERVED,
    MAX_INCLUDE_DEPTH,
    MAX_INCLUDES,
)
from .parsing import as_list, as_text, deep_merge, strings
from .state import State


@dataclass
class _Include:
    kind: str  # local, remote, template, project, component, unknown
    target: str
    line: int | None


def gitlab_includes(doc: Mapping[Any, Any]) -> list[_Include]:
    raw = doc.get("include")
    if raw is None:
        return []
    key_line = getattr(doc, "key_lines", {}).get("include")
    items = raw if isinstance(raw, list) else [raw]
    lines = getattr(raw, "item_lines", [key_line] * len(items))
    out: list[_Include] = []
    for item, line in zip(items, lines, strict=False):
        line = getattr(item, "line", None) or line or key_line
        if isinstance(item, str):
            kind = "remote" if re.match(r"https?://", item) else "local"
            out.append(_Include(kind, item, line))
        elif isinstance(item, dict):
            kind = next(
                (k for k in ("local", "remote", "template", "component", "project") if k in item),
                "unknown",
            )
            if kind == "project":
                files = as_list(item.get("file")) or ["(no file)"]
                project = as_text(item["project"])
                out += [_Include(kind, f"{project}:{as_text(f)}", line) for f in files]
            else:
                out.append(_Include(kind, as_text(item.get(kind)), line))
        else:
            out.append(_Include("unknown", as_text(item), line))
    return out


def normalise_local(target: str) -> str | None:
    """A local include's path relative to the repository root; None if it leaves it."""
    path = posixpath.normpath(target.strip().lstrip("/"))
    if path in {".", ""} or path == ".." or path.startswith("../"):
        return None
    return path


def match_pattern(pattern: str, names: list[str]) -> list[str]:
    """GitLab wildcards: `*` stays inside a directory, `**` crosses directories."""
    parts = [re.escape(p).replace(r"\*", "[^/]*") for p in pattern.split("**")]
    rx = re.compile(".*".join(parts) + r"\Z")
    return sorted(n for n in names if rx.match(n))





def read_gitlab(state: State) -> None:
    state.systems["gitlab"] = [GITLAB_FILE]
    layers: list[tuple[str, LineDict]] = []
    _gitlab_layers(state, GITLAB_FILE, [], layers)
    if not layers:
        return
    state.systems["gitlab"] = sorted({f for f, _ in layers})
    config: dict[Any, Any] = {}
    origin: dict[Any, tuple[str, int | None]] = {}
    for path, doc in layers:
        for key, value in doc.items():
            if key != "include":
                config[key] = deep_merge(config.get(key), value)
                origin[key] = (path, doc.key_lines.get(key))

    stages = [
        s for s in as_list(config.get("stages") or config.get("types")) if isinstance(s, str)
    ]
    order = [".pre", *stages, ".post"] if stages else list(GITLAB_DEFAULT_STAGES)
    workflow = config.get("workflow")
    pipeline_manual = None
    if isinstance(workflow, dict) and _rules_web_only(workflow.get("rules")):
        pipeline_manual = "workflow:rules run pipelines only when started from the web UI"

    resolved: dict[str, tuple[dict[Any, Any], list[str]]] = {}
    reported: set[frozenset[str]] = set()

    def resolve(name: str, chain: list[str]) -> tuple[dict[Any, Any], list[str]]:
        if name in resolved:
            return resolved[name]
        raw = config[name]
        merged: dict[Any, Any] = {}
        lineage: list[str] = []
        for parent in as_list(raw.get("extends")):
            path, line = origin[name]
            if not isinstance(parent, str):
                continue
            if parent in chain:
                cycle = frozenset(chain[chain.index(parent) :])
                if cycle not in reported:
                    reported.add(cycle)
                    loop = " -> ".join([*chain[chain.index(parent) :], parent])
                    state.problems.append(f"{where(path, line)}: "
                                          + _msg("ci.extends_cycle", loop=loop))
                continue
            if not isinstance(config.get(parent), dict):
                if state.unresolved:  # e.g. a hidden job from a template include not fetched
                    state.unresolved.append(f"{where(path, line)}: " + _msg(
                        "ci.extends_unresolved", job=f"'{name}'", parent=f"'{parent}'"))
                else:
                    state.problems.append(f"{where(path, line)}: " + _msg(
                        "ci.extends_unknown", job=f"'{name}'", parent=f"'{parent}'"))
                continue
            if len(chain) > 50:
                continue
            parent_cfg, parent_lineage = resolve(parent, [*chain, parent])
            merged = deep_merge(merged, parent_cfg)
            lineage += [parent, *parent_lineage]
        own = {k: v for k, v in raw.items() if k != "extends"}
        resolved[name] = (deep_merge(merged, own), lineage)
        return resolved[name]

    jobs: list[Job] = []
    for key, raw in config.items():
        if (
            not isinstance(key, str)
            or key in GITLAB_RESERVED
            or key.startswith(".")
            or not isinstance(raw, dict)
        ):
            continue
        eff, lineage = resolve(key, [key])
        path, line = origin[key]
        jobs.append(
            _gitlab_job(state, key, eff, lineage, path, line, config, order, pipeline_manual)
        )
    names = {j.name for j in jobs}
    for job in jobs:
        if job.on_stop and job.on_stop not in names:
            state.notes.append(f"{where(job.file, job.line)}: " + _msg(
                "ci.on_stop_undefined", stop=f"'{job.on_stop}'", job=f"'{job.name}'"))
            job.on_stop = None
    gate_jobs(jobs, stage_blocking=True)
    state.jobs += jobs

def _gitlab_layers(state: State, path: str, chain: list[str],
                   out: list[tuple[str, LineDict]]) -> None:
    """The files making up the configuration, in GitLab's merge order (includes first)."""
    doc = state.yaml(path)
    if doc is None:
        return
    for inc in gitlab_includes(doc):
        at = where(path, inc.line)
        if inc.kind != "local" or "$" in inc.target:
            why = _msg("ci.uses_variable" if inc.kind == "local" else "ci.not_fetched")
            state.found[f"{inc.kind}:{inc.target}"] = None
            state.unresolved.append(f"{at}: " + _msg(
                "ci.include_unresolved", kind=inc.kind, target=f"'{inc.target}'", why=why))
            if security_tools().search(inc.target):
                state.security_hits.append(
                    {"file": path, "line": inc.line, "include": f"{inc.kind}: {inc.target}"}
                )
            continue
        target = normalise_local(inc.target)
        if target is None:
            state.problems.append(f"{at}: " + _msg("ci.include_outside", target=f"'{inc.target}'"))
            continue
        matches = (
            match_pattern(target, list(state.files))
            if "*" in target
            else [target]
            if target in state.files
            else []
        )
        if not matches:
            state.found[target] = None
            state.problems.append(f"{at}: " + _msg("ci.include_not_found",
                                                      target=f"'{inc.target}'"))
            continue
        for match in matches:
            if match == path or match in chain:
                state.problems.append(f"{at}: " + _msg(
                    "ci.include_loop", loop=" -> ".join([*chain, path, match])))
            elif len(chain) >= MAX_INCLUDE_DEPTH or len(state.found) > MAX_INCLUDES:
                state.problems.append(f"{at}: " + _msg("ci.too_many_includes",
                                                      target=f"'{match}'"))
            else:
                _gitlab_layers(state, match, [*chain, path], out)
    out.append((path, doc))

def _gitlab_job(
    state: State,
    name: str,
    eff: dict[Any, Any],
    lineage: list[str],
    path: str,
    line: int | None,
    config: dict[Any, Any],
    order: list[str],
    pipeline_manual: str | None,
) -> Job:
    stage = eff.get("stage")
    stage = as_text(stage) if stage is not None else None
    image = eff.get("image")
    image = image.get("name") if isinstance(image, dict) else image
    job = Job(
        system="gitlab",
        file=path,
        line=line,
        name=name,
        label=name,
        stage=stage,
        text="\n".join(
            strings(
                [eff.get(k) for k in ("before_script", "script", "after_script", "run")], config
            )
        ),
        refs="\n".join([*lineage, *(strings(image) if image else [])]),
    )
    implicit = stage if stage is not None else "test"  # GitLab's default stage
    job.order = order.index(implicit) if implicit in order else len(order)
    env = eff.get("environment")
    if isinstance(env, dict):
        if env.get("name") is not None:
            job.env_names = [as_text(env["name"])]
        job.env_action = as_text(env["action"]) if env.get("action") is not None else None
        job.env_tier = as_text(env["deployment_tier"]) if env.get("deployment_tier") else None
        job.on_stop = as_text(env["on_stop"]) if env.get("on_stop") else None
        job.auto_stop = bool(env.get("auto_stop_in"))
    elif env is not None and not isinstance(env, list):
        job.env_names = [as_text(env)]
    job.triggers = ci_deploy.gitlab_triggers(eff)
    if isinstance(eff.get("release"), dict):
        job.publish.append("GitLab release: release: keyword")
    artifacts = eff.get("artifacts")
    job.archives_reports = isinstance(artifacts, dict) and isinstance(
        artifacts.get("reports"), dict
    )
    job.manual, job.blocking = _gitlab_manual(eff)
    if job.manual is None:
        job.manual = pipeline_manual
    needs = eff.get("needs")
    if isinstance(needs, list):
        job.needs = [as_text(n.get("job") if isinstance(n, dict) else n) for n in needs]
    classify_job(job)
    return job



def _rules_web_only(rules: Any) -> bool:
    """True if every rule that can run needs `$CI_PIPELINE_SOURCE == "web"` (a manual run)."""
    if not isinstance(rules, list):
        return False
    live = [r for r in rules if isinstance(r, dict) and r.get("when") != "never"]
    return bool(live) and all(
        isinstance(r.get("if"), str) and WEB_ONLY.search(r["if"]) and "||" not in r["if"]
        for r in live
    )


def _gitlab_manual(job: Mapping[Any, Any]) -> tuple[str | None, bool]:
    """(why the job is manual, whether it blocks later stages)."""
    rules = job.get("rules")
    if isinstance(rules, list):
        for i, rule in enumerate(rules):
            if isinstance(rule, dict) and rule.get("when") == "manual":
                allow = rule.get("allow_failure", job.get("allow_failure", False))
                return f"rules[{i}]: when: manual", allow is False
    if job.get("when") == "manual":
        return "when: manual", job.get("allow_failure", True) is False
    if _rules_web_only(rules):
        return "rules run the job only in pipelines started from the web UI", False
    only = job.get("only")
    refs = only.get("refs") if isinstance(only, dict) else only
    if isinstance(refs, list) and refs and all(r == "web" for r in refs):
        return "only: web (pipelines started from the web UI)", False
    return None, False
