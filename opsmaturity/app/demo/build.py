"""Fill a store with the demo organisation, through the same collectors real data takes.

Every team gets a generated git repository (read by the git and CI collectors), an
incident export (read by the incidents collector), a Prometheus rule file (read by the
monitoring collector), where it runs a database the recorded answers of its Patroni and
pgBackRest (read by the postgres collector) and, where it has a platform, deployments and
pipelines turned into delivery measures by the same code the GitLab and GitHub collectors
use. Answers come as
two finalised self-assessments (a year and six months ago) and a current workshop of 12.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from opsmaturity.collectors import get_collector
from opsmaturity.collectors.base import Progress, no_progress
from opsmaturity.collectors.delivery.measures import DeliveryMapping, delivery_measures
from opsmaturity.core.evidence import DEFAULT_DAYS, Coverage, EvidenceSet, Window
from opsmaturity.scoring.answers import AnswersFile
from opsmaturity.scoring.catalogue import Catalogue

from ..store import Store
from . import answers, operations
from .profiles import DemoOrganisation, TeamProfile, load_demo
from .repository import build_repository


@dataclass(frozen=True)
class DemoTeam:
    name: str
    current_assessment: int
    earlier_assessments: list[int]
    join_code: str
    repository: Path


def build_demo(store: Store, catalogue: Catalogue, workdir: Path,
               progress: Progress = no_progress, now: datetime | None = None,
               definition: DemoOrganisation | None = None) -> list[DemoTeam]:
    demo = definition or load_demo()
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    made = []
    for i, team in enumerate(demo.teams):
        rng = random.Random(f"{demo.seed}:{team.name}")

        def step(message: str, k: int, of: int = 6, i: int = i, team: TeamProfile = team
                 ) -> None:
            progress(f"{team.name}: {message}", (i + k / of) / len(demo.teams))

        step("git history", 0)
        repo = build_repository(workdir / "repos" / f"{team.slug}.git", team, now, rng)
        step("evidence", 1)
        evidence = _evidence(team, repo, workdir, now, rng)
        step("answers", 3)
        made.append(_assessments(store, catalogue, demo, team, now, rng, evidence, repo))
    progress("done", 1.0)
    return made


def _evidence(team: TeamProfile, repo: Path, workdir: Path, now: datetime,
              rng: random.Random) -> list[EvidenceSet]:
    since = now - timedelta(days=DEFAULT_DAYS)
    shown = f"https://git.nordwind.example/{team.slug}.git"
    sets = [
        _run("git", {"source": str(repo), "display_source": shown, "since": since,
                     "until": now, "use_cache": False}),
        _run("ci", {"repo": str(repo)}),
    ]
    if team.ci in ("gitlab", "github"):
        deployments, changes, incidents, pipelines = operations.delivery_records(
            team, since - timedelta(days=30), now, rng)
        window = Window(start=since, end=now)
        sets.append(EvidenceSet(
            collector=team.ci, source=f"{team.ci} project nordwind/{team.slug} (demo data)",
            window=window, collected_at=now, coverage=Coverage(ratio=1.0),
            measures=delivery_measures(team.ci, deployments=deployments, changes=changes,
                                       incidents=incidents, pipelines=pipelines,
                                       window=window, mapping=DeliveryMapping())))
    incidents_csv = operations.write_incidents(
        workdir / "incidents" / f"{team.slug}.csv",
        operations.incident_rows(team, since, now, rng))
    sets.append(_run("incidents", {"files": [str(incidents_csv)], "format": "csv",
                                   "since": since, "until": now}))
    rules = operations.write_alert_rules(workdir / "monitoring" / f"{team.slug}.rules.yml",
                                         team, rng)
    sets.append(_run("monitoring", {"rules": [str(rules)]}))
    if team.database is not None:
        patroni, info = operations.write_database_outputs(workdir / "postgres", team, now)
        sets.append(_run("postgres", {"patroni_files": [str(patroni)],
                                      "pgbackrest_info": str(info), "as_of": now}))
    return sets


def _run(name: str, options: dict) -> EvidenceSet:
    collector = get_collector(name)
    return collector.collect(collector.config_model.model_validate(options))


def _assessments(store: Store, catalogue: Catalogue, demo: DemoOrganisation, team: TeamProfile,
                 now: datetime, rng: random.Random, evidence: list[EvidenceSet],
                 repo: Path) -> DemoTeam:
    record = store.ensure_team(demo.organisation, team.name)
    context = answers.context_answers(catalogue, team, demo.context)
    deviation = answers.deviations(catalogue, rng)
    earlier = []
    for months, gain in ((12, 0.2), (6, 0.1)):
        on = (now - timedelta(days=30 * months)).date()
        truth = answers.truths(deviation, team.maturity - gain)
        lead = answers.participant(catalogue, team, truth, "dev", f"{team.authors[0]}", rng,
                                   context)
        a = store.create_assessment(record.id, catalogue.version, on=on,
                                    title=f"Self-assessment {on:%B %Y}")
        store.import_answers(a.id, _answers_file(demo, team, on, [lead]))
        store.finalise(a.id, catalogue)
        earlier.append(a.id)
    truth = answers.truths(deviation, team.maturity)
    current = store.create_assessment(record.id, catalogue.version, on=now.date(),
                                      title=f"Workshop {now:%B %Y}")
    store.import_answers(current.id, _answers_file(
        demo, team, now.date(), answers.workshop(catalogue, team, truth, rng, context)))
    for ev in evidence:
        store.add_evidence(current.id, ev)
    code = store.open_workshop(current.id).join_code
    return DemoTeam(name=team.name, current_assessment=current.id, earlier_assessments=earlier,
                    join_code=code, repository=repo)


def _answers_file(demo: DemoOrganisation, team: TeamProfile, on: date,
                  people: list[dict]) -> AnswersFile:
    return AnswersFile.model_validate({"organisation": demo.organisation, "team": team.name,
                                       "date": on, "participants": people})
