"""Files the tool writes itself: atomically, and under one cache directory.

Evidence, reports and caches are written via a temporary file beside the target, so an
interrupted run never leaves half a file. Every collector that caches (git clones, GitLab
and GitHub API state) finds its directory here rather than in another collector.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: str | Path, text: str) -> None:
    """Write via a temporary file beside it, so an interrupted run never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def default_cache_dir() -> Path:
    """OPSMATURITY_CACHE_DIR, else $XDG_CACHE_HOME/opsmaturity, else ~/.cache/opsmaturity."""
    if own := os.environ.get("OPSMATURITY_CACHE_DIR"):
        return Path(own)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "opsmaturity"
