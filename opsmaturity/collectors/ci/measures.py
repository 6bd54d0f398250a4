"""The ci.* measures from one analysis, each with the jobs and lines behind it."""

from __future__ import annotations

from typing import Any

from opsmaturity.core.evidence import Measure

from .classify import env_key
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

    if not deploys:
        add("ci.production_deploy_automatic", None, applicable=False, note="no deploy job found")
    else:
        production = [j for j in deploys if j.production]
        basis = production or deploys
        add(
            "ci.production_deploy_automatic",
            all(j.gated is None for j in basis),
            basis="production deploy jobs"
            if production
            else "all deploy jobs: none is identifiable as production",
            jobs=_cap(
                [
                    j.ref(environments=j.env_names, automatic=j.gated is None, waits_for=j.gated)
                    for j in basis
                ]
            ),
            not_visible=NOT_VISIBLE,
        )

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
    return out
