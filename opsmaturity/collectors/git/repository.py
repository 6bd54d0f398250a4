"""Finding the repository to read: a local path checked, or a URL cloned once and fetched.

GitPython opens and validates repositories, reads refs and clones; the commit history
itself is streamed from `git log` (log.py), which is what makes large histories fast.
Credentials in a URL never reach a message: every shown URL goes through
`without_credentials`.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import git

from opsmaturity.core.privacy import without_credentials

from ..base import CollectorError, Progress, no_progress

_REFSPECS = ("+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")


def is_url(source: str) -> bool:
    """A clone URL (scheme:// or scp-like user@host:path) rather than a local path."""
    return bool(
        re.match(r"^[a-z][a-z0-9+.-]*://", source) or re.match(r"^[\w.-]+@[\w.-]+:", source)
    )


def require_git() -> None:
    if shutil.which("git") is None:
        raise CollectorError("git was not found on PATH: install git to collect git evidence")


def _last_stderr_line(exc: git.GitCommandError) -> str | None:
    """git's own last word (GitPython wraps stderr as "\\n  stderr: '...'")."""
    text = re.sub(r"^\s*stderr: '(.*)'\s*$", r"\1", str(exc.stderr or ""), flags=re.S).strip()
    lines = text.splitlines()
    return lines[-1] if lines else None


def open_repository(source: str, cache_dir: Path, progress: Progress = no_progress) -> str:
    """A local repository path to read: the path itself, or a bare clone of a URL in the cache."""
    require_git()
    if is_url(source):
        shown = without_credentials(source)
        target = cache_dir / "repos" / (hashlib.sha256(shown.encode()).hexdigest()[:16] + ".git")
        if target.exists():
            progress(f"fetching {shown}", None)
            try:
                git.Repo(target).remote("origin").fetch(list(_REFSPECS), prune=True)
            except (git.GitCommandError, git.InvalidGitRepositoryError, ValueError) as exc:
                detail = _last_stderr_line(exc) if isinstance(exc, git.GitCommandError) else None
                raise CollectorError(f"git fetch failed in {target}: "
                                     f"{without_credentials(detail or str(exc))}") from None
        else:
            progress(f"cloning {shown}", None)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                git.Repo.clone_from(source, target, bare=True, multi_options=["--quiet"])
            except git.GitCommandError as exc:
                shutil.rmtree(target, ignore_errors=True)
                detail = _last_stderr_line(exc)
                raise CollectorError(
                    f"cannot clone {shown}: "
                    f"{without_credentials(detail) if detail else 'git clone failed'}"
                ) from None
        return str(target)
    path = Path(source).expanduser()
    if not path.exists():
        raise CollectorError(f"{source}: no such file or directory")
    if not path.is_dir():
        raise CollectorError(f"{source}: not a directory")
    try:
        git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise CollectorError(f"{source}: not a git repository") from None
    return str(path.resolve())


def head_commit(repo: str) -> str | None:
    """The sha HEAD points at, or None for a repository without commits.

    Asked of the git executable rather than GitPython's object reader, which misreads a
    bare repository that has no `config` file (seen in real mirrors) as a worktree.
    """
    try:
        return git.Git(repo).rev_parse("--verify", "--quiet", "HEAD^{commit}").strip() or None
    except git.GitCommandError:  # HEAD names a branch that has no commit yet
        return None
