"""The stage gate found by bisection must be the one a scan of every job finds."""

import random

from opsmaturity.collectors.ci.classify import Job, gate_jobs


def _scanned(jobs: list[Job]) -> list[str | None]:
    """The rule as first written: for each job, scan all jobs for the first blocker."""
    out = []
    for job in jobs:
        reason = job.manual
        if reason is None:
            blocker = next((o for o in jobs if o.manual and o.blocking and o.order < job.order
                            and o.env_action != "stop"), None)
            if blocker is not None:
                reason = (f"blocked by manual job '{blocker.name}' (allow_failure: false) "
                          f"in earlier stage '{blocker.stage}'")
        out.append(reason)
    return out


def test_bisected_gate_equals_the_scan():
    rnd = random.Random(7)
    for _ in range(300):
        jobs = []
        for i in range(rnd.randint(0, 25)):
            order = rnd.randint(0, 5)
            manual = "when: manual" if rnd.random() < 0.3 else None
            jobs.append(Job(system="gitlab", file=".gitlab-ci.yml", line=i + 1, name=f"j{i}",
                            stage=f"s{order}", order=order, manual=manual,
                            blocking=bool(manual) and rnd.random() < 0.6,
                            env_action=rnd.choice([None, "start", "stop"])))
        expected = _scanned(jobs)
        gate_jobs(jobs, stage_blocking=True)
        assert [j.gated for j in jobs] == expected
