"""One analysis in progress: the files, what was parsed, the problems, the classified jobs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opsmaturity.core.sources import LineDict

from .classify import Job
from .parsing import parse_yaml


class State:
    """Mutable state of one analysis: files, problems, jobs and extra hits."""

    def __init__(self, files: Mapping[str, str], scripts: Mapping[str, str] | None = None) -> None:
        self.files = files
        self.scripts: Mapping[str, str] = scripts or {}
        self.found: dict[str, None] = {}  # ordered set; includes unresolved includes
        self.parsed: set[str] = set()
        self.problems: list[str] = []
        self.unresolved: list[str] = []
        self.systems: dict[str, list[str]] = {}
        self.jobs: list[Job] = []
        self.security_hits: list[dict[str, Any]] = []
        self.rollback_hits: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self._docs: dict[str, LineDict | None] = {}

    def yaml(self, path: str) -> LineDict | None:
        if path not in self._docs:
            self.found[path] = None
            doc, problem = parse_yaml(path, self.files[path])
            if problem:
                self.problems.append(problem)
            else:
                self.parsed.add(path)
            self._docs[path] = doc
        return self._docs[path]
