"""Analyse CI configuration given as path -> text: pure, no I/O, no clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from opsmaturity.core.evidence import Coverage, Measure

from . import deploy as ci_deploy
from .azure import read_azure
from .bitbucket import read_bitbucket
from .circleci import read_circleci
from .config import (
    AZURE_PATH,
    BITBUCKET_PATH,
    CIRCLECI_PATH,
    GITLAB_FILE,
    JENKINS_PATH,
    WORKFLOW_PATH,
)
from .github import read_github
from .gitlab import read_gitlab
from .jenkins import read_jenkins
from .measures import ci_measures
from .state import State


@dataclass(frozen=True)
class AnalysisResult:
    """Measures plus what could not be read: problems (`file:line: message`) and includes
    that were not fetched. Found/parsed files give the coverage ratio."""

    measures: list[Measure]
    problems: list[str]
    unresolved: list[str]
    files_found: list[str]
    files_parsed: list[str]

    @property
    def coverage(self) -> Coverage:
        found = len(self.files_found)
        ratio = round(len(self.files_parsed) / found, 4) if found else 1.0
        return Coverage(ratio=ratio, missing=[*self.problems, *self.unresolved])

    @property
    def partial(self) -> bool:
        return bool(self.problems or self.unresolved)

    def measure(self, measure_id: str) -> Measure | None:
        return next((m for m in self.measures if m.id == measure_id), None)




def run_analysis(files: Mapping[str, str], scripts: Mapping[str, str] | None = None) -> State:
    state = State(files, scripts)
    if GITLAB_FILE in files:
        read_gitlab(state)
    workflows = sorted(p for p in files if WORKFLOW_PATH.match(p))
    if workflows:
        read_github(state, workflows)
    for path in sorted(p for p in files if JENKINS_PATH.match(p)):
        read_jenkins(state, path)
    pipelines = sorted(p for p in files if AZURE_PATH.match(p))
    if pipelines:
        read_azure(state, pipelines)
    for path in sorted(p for p in files if CIRCLECI_PATH.match(p)):
        read_circleci(state, path)
    for path in sorted(p for p in files if BITBUCKET_PATH.match(p)):
        read_bitbucket(state, path)
    return state


def analyse(files: Mapping[str, str], scripts: Mapping[str, str] | None = None) -> AnalysisResult:
    """Measure CI configuration given as path -> text (pure: no I/O, no clock); `scripts` are
    repository scripts the deploy jobs call (path -> text, see `deploy_script_paths`).

    Unreadable parts become problems and the rest is still measured."""
    state = run_analysis(files, scripts)
    return AnalysisResult(
        measures=ci_measures(state),
        problems=state.problems,
        unresolved=state.unresolved,
        files_found=list(state.found),
        files_parsed=[f for f in state.found if f in state.parsed],
    )


def deploy_script_paths(files: Mapping[str, str]) -> list[str]:
    """Repository scripts that deploy jobs call, production deploy jobs' first: the loader
    reads these so the mechanism (`scp` inside `./deploy.sh`) can be seen."""
    deploys = [j for j in run_analysis(files).jobs if j.deploy]
    deploys.sort(key=lambda j: not j.production)
    return list(dict.fromkeys(p for j in deploys for p in ci_deploy.script_refs(j.text)))
