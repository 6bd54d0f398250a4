"""Analyse CI configuration given as path -> text: pure, no I/O, no clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from opsmaturity.core.evidence import Coverage, Measure

from .config import GITLAB_FILE, JENKINS_FILE, WORKFLOW_PATH
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




def analyse(files: Mapping[str, str]) -> AnalysisResult:
    """Measure CI configuration given as path -> text (pure: no I/O, no clock).

    Unreadable parts become problems and the rest is still measured."""
    state = State(files)
    if GITLAB_FILE in files:
        read_gitlab(state)
    workflows = sorted(p for p in files if WORKFLOW_PATH.match(p))
    if workflows:
        read_github(state, workflows)
    if JENKINS_FILE in files:
        read_jenkins(state, JENKINS_FILE)
    return AnalysisResult(
        measures=ci_measures(state),
        problems=state.problems,
        unresolved=state.unresolved,
        files_found=list(state.found),
        files_parsed=[f for f in state.found if f in state.parsed],
    )
