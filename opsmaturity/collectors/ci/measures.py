"""The ci.* measures from one analysis, each with the jobs and lines behind it, and the
deploy mechanism measures (production basis, copies to hosts, publishing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opsmaturity.core.evidence import Measure
from opsmaturity.core.sources import where

from . import deploy as ci_deploy
from .classify import (
    NON_PROD_WORDS,
    PLATFORM_KINDS,
    PUBLISHING_ENV_WORDS,
    VARIABLE,
    Job,
    env_key,
    word_tokens,
)
from .config import MAX_DETAILS, MEASURES, NOT_VISIBLE, UNITS
from .state import State


def _cap(items: list[Any]) -> list[Any]:
    return items[:MAX_DETAILS]


def ci_measures(st: State) -> list[Measure]:
    out: list[Measure] = []

    def add(mid: str, value: Any, applicable: bool = True, **details: Any) -> None:
        out.append(
            Measure(
                id=mid,
                value=value,
                unit=UNITS.get(mid, "boolean"),
                applicable=applicable,
                details=details,
            )
        )

    systems = sorted(st.systems)
    present = [f for f in st.found if f in st.files]
    add("ci.present", bool(systems), files=present)
    add("ci.systems", ",".join(systems), files=st.systems)
    if systems and not st.parsed:
        for mid in MEASURES[2:]:
            add(mid, None, note="no CI file could be parsed; see coverage.missing")
        return out

    jobs = st.jobs
    deploys = [j for j in jobs if j.deploy]
    for job in deploys:  # what the scripts a deploy job calls publish
        for ref in _called_scripts(st, job):
            job.publish += [
                f"{kind}: {command} (in {ref})"
                for kind, command in ci_deploy.publishes(st.scripts[ref])
            ]
    tests = [j for j in jobs if j.test]
    add(
        "ci.test_stage_present",
        bool(tests),
        jobs=_cap([j.ref(stage=j.stage, reasons=j.test) for j in tests]),
    )
    add(
        "ci.deploy_job_present",
        bool(deploys),
        jobs=_cap(
            [
                j.ref(
                    environments=j.env_names,
                    reasons=j.deploy,
                    **({"when": j.conditions} if j.conditions else {}),
                )
                for j in deploys
            ]
        ),
    )

    basis_name, basis = _production_basis(deploys)
    regular = _regular_way(basis_name, basis)
    if not deploys:
        add("ci.production_deploy_automatic", None, applicable=False, note="no deploy job found")
    elif not basis:
        add(
            "ci.production_deploy_automatic",
            None,
            applicable=False,
            note=NOT_PRODUCTION,
            jobs=_cap([j.ref(environments=j.env_names) for j in deploys]),
        )
    else:
        releases = basis_name.startswith("tag/release")
        automatic = [
            _publishes_automatically(j) if releases else j.gated is None for j in basis
        ]
        add(
            "ci.production_deploy_automatic",
            any(automatic) if releases else all(j.gated is None for j in regular),
            basis=basis_name,
            jobs=_cap(
                [
                    j.ref(
                        environments=j.env_names,
                        automatic=automatic[i],
                        waits_for=j.gated,
                        **({"on_demand": True} if j not in regular else {}),
                        **({"redeploys_chosen_version": j.version_input}
                           if j not in regular and _redeploys_chosen_version(j) else {}),
                        **({"triggers": j.triggers} if releases else {}),
                    )
                    for i, j in enumerate(basis)
                ]
            ),
            not_visible=NOT_VISIBLE,
        )

    for j in deploys:
        if j.production and _redeploys_chosen_version(j):
            j.rollback.append(f"deploys a version a person chooses (input: {j.version_input})")
    rollbacks = [j for j in jobs if j.rollback]
    found_rollback = bool(rollbacks or st.rollback_hits)
    add(
        "ci.rollback_job_defined",
        found_rollback if deploys else None,
        applicable=bool(deploys),
        jobs=_cap([j.ref(reasons=j.rollback) for j in rollbacks]),
        elsewhere=_cap(st.rollback_hits),
        notes=st.notes,
        **({} if deploys else {"note": "no deploy job found"}),
    )

    environments: dict[str, list[dict[str, Any]]] = {}
    for job in jobs:
        for name in job.env_names:
            environments.setdefault(env_key(name), []).append(job.ref(name=name))
    add(
        "ci.environments_count",
        len(environments),
        environments=sorted(environments),
        jobs={k: _cap(v) for k, v in environments.items()},
    )

    reviews = [j for j in jobs if j.review]
    add(
        "ci.review_environments_present",
        bool(reviews),
        jobs=_cap([j.ref(reasons=j.review) for j in reviews]),
    )

    scanners = [j for j in jobs if j.security]
    add(
        "ci.security_scanning_present",
        bool(scanners or st.security_hits),
        jobs=_cap([j.ref(tools=j.security) for j in scanners]),
        elsewhere=_cap(st.security_hits),
    )

    manual = [j for j in jobs if j.manual]
    add("ci.manual_jobs_count", len(manual), jobs=_cap([j.ref(reason=j.manual) for j in manual]))
    by_system: dict[str, int] = {}
    for job in jobs:
        by_system[job.system] = by_system.get(job.system, 0) + 1
    add("ci.jobs_count", len(jobs), by_system=by_system, jobs=_cap([j.ref() for j in jobs]))
    _mechanism_measures(st, deploys, basis_name, basis, regular, add)
    return out


NOT_PRODUCTION = (
    "no deploy job is identifiable as production (the deploy jobs name only review, staging "
    "or other non-production environments) and no job publishes on a tag or release: "
    "not judged from non-production deploys"
)


def _non_production(job: Job) -> bool:
    names = job.env_names or [f"{job.label} {job.stage or ''}"]
    return bool(job.review) or all(
        NON_PROD_WORDS & set(word_tokens(VARIABLE.sub(" ", n))) for n in names
    )


def _release_triggered(job: Job) -> bool:
    return any("tag" in t or "release" in t for t in job.triggers)


def _publishes_automatically(job: Job) -> bool:
    """Publishes without a person on some automatic trigger. A GitLab job whose rules make it
    manual in some pipelines (a fork's) but run it on its own in others (the canonical
    project's tags) publishes automatically there: its triggers come from those rules."""
    if not job.triggers:
        return False
    if job.gated is None:
        return True
    own_rules = job.gated == job.manual and job.manual.startswith("rules[")
    return job.system == "gitlab" and own_rules


PRODUCTION_JOBS = "production deploy jobs"


def _regular_way(basis_name: str, basis: list[Job]) -> list[Job]:
    """The production jobs changes take. Beside an automatic one, a GitHub workflow a person
    starts by hand (a redeploy of a chosen version, a restore, maintenance mode) is a tool
    used on demand, not the way changes go to production. Only among jobs that name
    production: beside a nightly build, a release someone starts is the release."""
    if basis_name != PRODUCTION_JOBS or not any(j.gated is None for j in basis):
        return basis
    return [j for j in basis if not _on_demand(j)]


def _on_demand(job: Job) -> bool:
    """Only a person starts it, outside the pipeline changes take (`Job.on_demand`)."""
    return job.on_demand


def _redeploys_chosen_version(job: Job) -> bool:
    """A deploy to a named environment that a person starts with the version to deploy as
    input (GitHub's workflow_dispatch `version`, see `Job.version_input`): any earlier build
    can be deployed again with it."""
    return job.gated is not None and job.version_input is not None and bool(job.env_names)


def _production_basis(deploys: list[Job]) -> tuple[str, list[Job]]:
    """The deploy jobs that stand for production, and why: production jobs; else jobs that
    publish on a tag or release (publishing a release is the production release of a
    library); else deploy jobs that name no non-production environment. None else: review and
    staging deploys say nothing about how production is reached."""
    production = [j for j in deploys if j.production]
    if production:
        return PRODUCTION_JOBS, production
    releases = [j for j in deploys if j.publish and _release_triggered(j)]
    if releases:
        return (
            "tag/release publish jobs: no deploy job is identifiable as production",
            releases,
        )
    unnamed = [j for j in deploys if not _non_production(j)]
    if unnamed:
        return (
            "deploy jobs that name no environment: none is identifiable as production",
            unnamed,
        )
    return "", []


def _copies(st: State, job: Job) -> tuple[list[dict[str, Any]], list[str]]:
    """Hand-made copies to hosts a job makes, in its commands, its actions and the repository
    scripts it calls (and those they call); plus the scripts that could not be read."""
    found: list[dict[str, Any]] = []
    unread: list[str] = []
    for offset, command in ci_deploy.copies(job.text):
        start = job.text.rfind("\n", 0, offset) + 1
        end = job.text.find("\n", offset)
        text_line = job.text[start : end if end >= 0 else len(job.text)]
        line = ci_deploy.locate(st.files.get(job.file), job.line, text_line)
        found.append(job.ref(line=line, command=command))
    found += [job.ref(command=f"uses: {ref}") for ref in job.copy_actions]
    pending = [(ref, where(job.file, job.line)) for ref in ci_deploy.script_refs(job.text)]
    seen: set[str] = set()
    while pending:
        ref, caller = pending.pop(0)
        if ref in seen:
            continue
        seen.add(ref)
        text = st.scripts.get(ref)
        if text is None:
            unread.append(ref)
            continue
        for offset, command in ci_deploy.copies(text) if ci_deploy.is_shell(ref, text) else []:
            found.append(
                job.ref(file=ref, line=ci_deploy.line_in(text, offset), command=command,
                        called_from=caller)
            )
        pending += [(r, ref) for r in ci_deploy.script_refs(text) if r in st.scripts]
    return found, unread


def _called_scripts(st: State, job: Job) -> list[str]:
    """The readable repository scripts a job calls, and those they call."""
    out: list[str] = []
    pending = ci_deploy.script_refs(job.text)
    while pending:
        ref = pending.pop(0)
        if ref in st.scripts and ref not in out:
            out.append(ref)
            pending += ci_deploy.script_refs(st.scripts[ref])
    return out


def _mechanism_measures(
    st: State,
    deploys: list[Job],
    basis_name: str,
    basis: list[Job],
    regular: list[Job],
    add: Callable[..., None],
) -> None:
    """How the project deploys: copies to hosts, publishes releases, which mechanism
    (`regular`: the basis without the jobs used on demand, see `_regular_way`)."""
    copies = {id(j): _copies(st, j) for j in deploys}
    unread = sorted({p for j in deploys for p in copies[id(j)][1]})
    in_basis = [c for j in basis for c in copies[id(j)][0]]
    others = [c for j in deploys if j not in basis for c in copies[id(j)][0]]
    read = sorted(p for p in st.scripts)
    if basis:
        add(
            "ci.production_deploy_copies_to_hosts",
            bool(in_basis),
            basis=basis_name,
            jobs=_cap(in_basis),
            other_deploy_jobs=_cap(others),
            scripts_read=_cap(read),
            scripts_not_read=_cap(unread),
        )
    else:
        add(
            "ci.production_deploy_copies_to_hosts",
            None,
            applicable=False,
            note="no deploy job found" if not deploys else NOT_PRODUCTION,
            other_deploy_jobs=_cap(others),
        )

    publishers = [j for j in st.jobs if j.publish]
    automatic = [j for j in publishers if _publishes_automatically(j)]
    entries = _cap(
        [
            j.ref(
                publishes=j.publish,
                triggers=j.triggers,
                automatic=j in automatic,
                waits_for=j.gated,
            )
            for j in publishers
        ]
    )
    if publishers:
        add("ci.release_published_automatically", bool(automatic), jobs=entries)
    else:
        add(
            "ci.release_published_automatically",
            None,
            applicable=False,
            note="no job publishes a release or pushes to a package index or registry",
        )

    reasons: list[str] = []
    if not deploys:
        mechanism = "none"
        reasons.append("no deploy job found")
    elif not basis:
        mechanism = "non_production_only"
        reasons.append(NOT_PRODUCTION)
    elif in_basis:
        mechanism = "copy_to_hosts"
        reasons += [
            f"{c['job']}: {c['command']} ({where(c['file'], c['line'])})" for c in in_basis
        ]
    elif any(j.gated for j in regular) and not (
        basis_name.startswith("tag/release") and any(_publishes_automatically(j) for j in basis)
    ):
        mechanism = "manual_gate"
        reasons += [f"{j.name}: waits for {j.gated}" for j in regular if j.gated]
    else:
        platform = [
            f"{j.name}: {', '.join(sorted(j.deploy_kinds & PLATFORM_KINDS) or j.deploy_actions)}"
            for j in basis
            if j.deploy_kinds & PLATFORM_KINDS or _platform_actions(j)
        ]
        published = [f"{j.name}: {', '.join(j.publish)}" for j in basis if j.publish]
        if platform:
            mechanism, reasons = "pipeline_to_platform", platform
        elif published:
            mechanism, reasons = "publish_to_registry", published
        else:
            mechanism = "unrecognised"
            reasons += [f"{j.name}: {', '.join(j.deploy)}" for j in basis]
    add("ci.deploy_mechanism", mechanism, basis=basis_name or None, reasons=_cap(reasons))

    running = [(j, _runtime_target(j, copies[id(j)][0])) for j in deploys]
    running = [(j, why) for j, why in running if why]
    add(
        "ci.deploys_to_environment",
        bool(running),
        jobs=_cap([j.ref(reasons=why) for j, why in running]),
        **({} if running else {"note": "no deploy job delivers to a running system (only "
                               "publishing packages, images, releases or documentation)"
                               if deploys else "no deploy job found"}),
    )


def _runtime_target(job: Job, copies: list[dict[str, Any]]) -> list[str]:
    """Why a deploy job delivers to a running system (an environment, a cluster, a cloud
    service or servers) rather than only publishing a package or documentation."""
    why = [f"environment: {n}" for n in job.env_names
           if not PUBLISHING_ENV_WORDS & set(word_tokens(VARIABLE.sub(" ", n)))]
    why += sorted(f"command: {k}" for k in job.deploy_kinds & (PLATFORM_KINDS | {"deploy"}))
    why += [  # an action that deploys (not one named for releases, publishing or Pages)
        f"uses: {r}"
        for r in _platform_actions(job)
        if {"deploy", "deployment", "rollout", "promote"} & set(word_tokens(r.split("@")[0]))
        and "pages" not in r.lower()
    ]
    why += [f"copies to hosts: {c['command']}" for c in copies[:1]]
    return why


def _platform_actions(job: Job) -> list[str]:
    """Deploying actions that deliver to a platform (not publishing, not scp/ssh/ftp)."""
    return [
        r
        for r in job.deploy_actions
        if ci_deploy.publish_action(r, {"push": "true", "publish": "true"}) is None
        and not ci_deploy.copy_action(r)
    ]
