"""Files the tool writes itself: atomically, and under one cache directory.

Evidence, reports and caches are written via a temporary file beside the target, so an
interrupted run never leaves half a file. Every collector that caches (git clones, GitLab
and GitHub API state) finds its directory here rather than in another collector.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .messages import text as _msg


class OutputError(Exception):
    """An output path the tool cannot write (a directory, a path under a file, no permission),
    worded for the user; nothing was written and nothing already there was changed."""


def check_output(path: str | Path) -> Path:
    """The path, if a file can be written there; else OutputError saying why. Commands call
    it before the work, so a long run does not end in a path problem."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(_msg("output.is_directory", path=path))
    for parent in [path.parent, *path.parent.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(_msg("output.parent_is_file", path=path, parent=parent))
            break
    return path


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


_NEW_FILE_MODE = 0o666 & ~_umask()
"""The mode an ordinary new file gets here (read once, at import, before any threads)."""


def write_atomic(path: str | Path, text: str | bytes) -> None:
    """Write via a temporary file beside the target, so an interrupted run never leaves half
    a file; a path that cannot be written is an OutputError, and the target is untouched."""
    path = check_output(path)
    data = text.encode("utf-8") if isinstance(text, str) else text
    if path.exists() and not path.is_file():  # /dev/null, /dev/stdout, a named pipe
        # never rename over a device: as root that would replace /dev/null with a file
        try:
            with path.open("wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise OutputError(_msg("output.cannot_write", path=path,
                                   reason=exc.strerror or exc)) from None
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(_msg("output.cannot_write", path=path,
                               reason=exc.strerror or exc)) from None
    try:
        # mkstemp makes the file private (0600); the result should look like any file the
        # user writes: the old file's mode when replacing one, else the umask's default
        os.fchmod(fd, path.stat().st_mode & 0o7777 if path.exists() else _NEW_FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(_msg("output.cannot_write", path=path,
                               reason=exc.strerror or exc)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def default_cache_dir() -> Path:
    """OPSMATURITY_CACHE_DIR, else $XDG_CACHE_HOME/opsmaturity, else ~/.cache/opsmaturity."""
    if own := os.environ.get("OPSMATURITY_CACHE_DIR"):
        return Path(own)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "opsmaturity"
