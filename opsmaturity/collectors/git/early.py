"""The git collector's first steps, light enough to take before its slow imports.

A run that mines the history waits mostly for `git log`. `start_history` starts the
history's first `git log` at once, before the caller imports pydantic and the collector
(a good part of a second on a busy machine), so git is working while Python loads; the
collector's `log` takes that process over when it asks for the same command (log.start),
and one nobody took over is stopped at exit. Nothing here imports more than the standard
library and this package's light modules, and nothing is started when the collector
would answer from its cache.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opsmaturity.core.files import default_cache_dir
from opsmaturity.core.times import window_bounds

from . import log
from .repository import head_commit, is_url

VERSION = 12  # part of the cache key: bump when a measure changes meaning
LARGE_COMMIT_LINES = 400
MAIN_AUTHOR_MIN_CHANGES = 10


def gitdate(ts: int) -> str:
    # "@<seconds>" is read as a timestamp only for large numbers; an explicit date always is.
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S +0000")


def segments(s: int, u: int, head_time: int) -> list[tuple[str, list[str]]]:
    """The history's `git log` walks, newest first: after the window (only when HEAD is
    newer than the window's end), the window, and before it (skipped later when nothing
    can lie there)."""
    walks = [
        ("after", [f"--since-as-filter={gitdate(u + 1)}"]),
        ("window", [f"--since-as-filter={gitdate(s)}", f"--until={gitdate(u)}"]),
        ("before", [f"--until={gitdate(s - 1)}"]),
    ]
    return walks if head_time > u else walks[1:]


def cache_file(cache_dir: Path, head_sha: str, repo: str, source: str, since: datetime,
               until: datetime, show_names: bool, large_commit_lines: int,
               main_author_min_changes: int) -> Path:
    """Where the evidence of one repository state, window and set of options is cached."""
    key = hashlib.sha256(json.dumps([
        VERSION, head_sha, repo, source, since.isoformat(), until.isoformat(), show_names,
        large_commit_lines, main_author_min_changes,
    ]).encode()).hexdigest()
    return cache_dir / "git" / f"{key}.json"


def start_history(options: dict[str, Any]) -> None:
    """Start the `git log` walks of mining a local repository with these collector options
    (the dict given to the collector), unless the evidence is cached. Best effort: any
    doubt starts nothing, and the collector runs as it would have."""
    source = options.get("source")
    if not isinstance(source, str) or is_url(source):
        return
    try:
        since, until = window_bounds(options.get("since"), options.get("until"))
    except ValueError:
        return
    found = head_commit(source)
    if found is None:
        return
    head_sha, head_time = found
    shown = options.get("display_source") or source
    cache_dir = Path(options.get("cache_dir") or default_cache_dir())
    cached = cache_file(cache_dir, head_sha, source, shown, since, until,
                        bool(options.get("show_names")),
                        options.get("large_commit_lines", LARGE_COMMIT_LINES),
                        options.get("main_author_min_changes", MAIN_AUTHOR_MIN_CHANGES))
    if options.get("use_cache", True) and cached.exists():
        return
    # every walk at once: each is a pass over the whole history (a date filter does not
    # shorten git's walk), so they overlap instead of queueing; a "before" walk found
    # unneeded is stopped at exit
    for segment, args in segments(int(since.timestamp()), int(until.timestamp()), head_time):
        log.start(source, "HEAD", *args, numstat=segment == "window")
