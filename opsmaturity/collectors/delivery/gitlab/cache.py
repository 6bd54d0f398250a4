"""What the GitLab collector remembers between runs, per project, for incremental fetching.

The cache holds the few fields of each record that the measures need (never a token, never
a person's name) and, per resource, the `updated_after` cursor to ask GitLab for only what
changed since. A damaged or outdated file is ignored and rebuilt: the cache is a speed-up,
never a source of truth.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from opsmaturity.core.files import write_atomic

CACHE_VERSION = 1


class ProjectState(BaseModel):
    """One project's records, keyed by GitLab id/iid (as strings, for JSON)."""

    model_config = ConfigDict(extra="forbid")

    version: int = CACHE_VERSION
    project_id: int
    path: str
    covered_from: AwareDatetime | None = Field(
        default=None, description="records updated since this time are all in the cache"
    )
    cursors: dict[str, AwareDatetime] = Field(default_factory=dict)
    environments: dict[str, dict[str, Any]] = Field(default_factory=dict)
    deployments: dict[str, dict[str, Any]] = Field(default_factory=dict)
    merge_requests: dict[str, dict[str, Any]] = Field(default_factory=dict)
    incidents: dict[str, dict[str, Any]] = Field(default_factory=dict)
    pipelines: dict[str, dict[str, Any]] = Field(default_factory=dict)
    jobs: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="per pipeline id: a summary of its jobs"
    )


def cache_path(cache_dir: Path, url: str, project_id: int) -> Path:
    """One file per GitLab instance and project; the name reveals neither."""
    key = hashlib.sha256(f"{url.rstrip('/')}\0{project_id}".encode()).hexdigest()[:24]
    return cache_dir / "gitlab" / f"{key}.json"


def load_state(path: Path, project_id: int, project_path: str) -> ProjectState:
    """The cached state, or a fresh one if there is none or it cannot be used."""
    fresh = ProjectState(project_id=project_id, path=project_path)
    try:
        state = ProjectState.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, ValidationError):
        return fresh
    if state.version != CACHE_VERSION or state.project_id != project_id:
        return fresh
    state.path = project_path
    return state


def save_state(path: Path, state: ProjectState) -> None:
    write_atomic(path, json.dumps(state.model_dump(mode="json"), sort_keys=True) + "\n")


def latest(records: list[dict[str, Any]], key: str = "updated_at") -> datetime | None:
    """The newest timestamp among records, for the next run's `updated_after`."""
    values = [datetime.fromisoformat(r[key]) for r in records if r.get(key)]
    return max(values) if values else None
