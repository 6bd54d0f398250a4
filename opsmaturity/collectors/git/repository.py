"""Finding the repository to read: a local path checked, or a URL cloned once and fetched.

GitPython opens and validates repositories, reads refs and clones; the commit history
itself is streamed from `git log` (log.py), which is what makes large histories fast.
Credentials in a URL never reach a message: every shown URL goes through
`without_credentials`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from opsmaturity.core.messages import text as _msg
from opsmaturity.core.privacy import without_credentials

from ..base import CollectorError, Progress, no_progress

if TYPE_CHECKING:  # GitPython is imported only to clone or fetch: a local run starts faster
    import git

_REFSPECS = ("+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")


def is_url(source: str) -> bool:
    """A clone URL (scheme:// or scp-like user@host:path) rather than a local path."""
    return bool(
        re.match(r"^[a-z][a-z0-9+.-]*://", source) or re.match(r"^[\w.-]+@[\w.-]+:", source)
    )


def require_git() -> None:
    if shutil.which("git") is None:
        raise CollectorError(_msg("git.no_git"))


def _last_stderr_line(exc: git.GitCommandError) -> str | None:
    """git's own last word (GitPython wraps stderr as "\\n  stderr: '...'")."""
    text = re.sub(r"^\s*stderr: '(.*)'\s*$", r"\1", str(exc.stderr or ""), flags=re.S).strip()
    lines = text.splitlines()
    return lines[-1] if lines else None


GIT_TIMEOUT_ENV = "OPSMATURITY_GIT_TIMEOUT"
DEFAULT_GIT_TIMEOUT = 1800
"""Wall-clock seconds a clone or fetch may take (OPSMATURITY_GIT_TIMEOUT overrides)."""

NETWORK_ENV = {
    # A transfer slower than 1 KiB/s for 30 s is given up (HTTP(S); git's own limit).
    "GIT_HTTP_LOW_SPEED_LIMIT": "1024",
    "GIT_HTTP_LOW_SPEED_TIME": "30",
    # Never wait for a password on a terminal nobody watches.
    "GIT_TERMINAL_PROMPT": "0",
    # SSH: give up connecting after 30 s, and on a server silent for a minute.
    "GIT_SSH_COMMAND": "ssh -o ConnectTimeout=30 -o ServerAliveInterval=15 "
                       "-o ServerAliveCountMax=4 -o BatchMode=yes",
}


def git_timeout() -> float:
    value = os.environ.get(GIT_TIMEOUT_ENV)
    try:
        seconds = float(value) if value else DEFAULT_GIT_TIMEOUT
    except ValueError:
        raise CollectorError(_msg("git.timeout_value", name=GIT_TIMEOUT_ENV,
                                  value=repr(value))) from None
    return seconds if seconds > 0 else DEFAULT_GIT_TIMEOUT


def run_network_git(args: list[str], shown: str, what: str) -> None:
    """`what`: "clone" or "fetch", for the message (git.clone.*, git.fetch.*)."""
    """Run a git command that talks to a server, bounded: git's low-speed limit and SSH
    timeouts (unless the user set their own), and a wall-clock limit (git_timeout) after
    which git and its helpers are stopped. A failure is a CollectorError in git's words."""
    env = {**os.environ}
    for key, value in NETWORK_ENV.items():
        if key == "GIT_SSH_COMMAND" and ("GIT_SSH" in env or "GIT_SSH_COMMAND" in env):
            continue
        env.setdefault(key, value)
    limit = git_timeout()
    proc = subprocess.Popen(["git", *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            text=True, errors="replace", start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise CollectorError(_msg(f"git.{what}.timeout", shown=shown, limit=f"{limit:g}",
                                  name=GIT_TIMEOUT_ENV)) from None
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    if proc.returncode != 0:
        detail = git_reason(stderr or "") or _msg("git.no_reason")
        raise CollectorError(_msg(f"git.{what}.failed", shown=shown,
                                  reason=without_credentials(detail)))


def git_reason(stderr: str) -> str | None:
    """The line of git's output that says why: its `fatal:` line, after the transport's
    own reason when one came first (ssh: "Connection ... timed out"), not the advice git
    prints last ("Please make sure ... and the repository exists.")."""
    lines = [ln.strip() for ln in stderr.splitlines()
             if ln.strip() and not ln.startswith(("Cloning into", "remote:"))]
    fatal = next((i for i, ln in enumerate(lines) if ln.startswith(("fatal:", "error:"))), None)
    if fatal is None:
        return lines[-1] if lines else None
    return "; ".join(lines[max(0, fatal - 1):fatal + 1])


def open_repository(source: str, cache_dir: Path, progress: Progress = no_progress) -> str:
    """A local repository path to read: the path itself, or a bare clone of a URL in the cache."""
    require_git()
    if is_url(source):
        import git

        shown = without_credentials(source)
        target = cache_dir / "repos" / (hashlib.sha256(shown.encode()).hexdigest()[:16] + ".git")
        if target.exists():
            progress(_msg("progress.fetching", what=shown), None)
            try:
                git.Repo(target)
            except (git.InvalidGitRepositoryError, git.NoSuchPathError):
                raise CollectorError(f"{target}: {_msg('git.damaged', shown=shown)}") from None
            run_network_git(["-C", str(target), "fetch", "--quiet", "--prune", "origin",
                             *_REFSPECS], shown, "fetch")
        else:
            progress(_msg("progress.cloning", what=shown), None)
            try:
                git.Git.check_unsafe_protocols(source)  # ext:: and friends run commands
            except git.UnsafeProtocolError:
                raise CollectorError(_msg("git.protocol", shown=shown)) from None
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                run_network_git(["clone", "--bare", "--quiet", "--", source, str(target)],
                                shown, "clone")
            except BaseException:
                shutil.rmtree(target, ignore_errors=True)
                raise
        return str(target)
    path = Path(source).expanduser()
    if not path.exists():
        raise CollectorError(f"{source}: {_msg('files.no_such_file')}")
    if not path.is_dir():
        raise CollectorError(f"{source}: {_msg('git.not_a_directory')}")
    found = run_git(path, "rev-parse", "--is-inside-work-tree", "--absolute-git-dir")
    if found.returncode != 0:
        said = found.stderr.strip().splitlines()
        why = said[0].removeprefix("fatal: ") if said and "not a git repository" not in said[0] \
            else _msg("git.not_a_repository")
        raise CollectorError(f"{source}: {why}")
    return repository_root(str(path.resolve()), found.stdout.split("\n"))


def repository_root(path: str, inside_and_git_dir: list[str] | None = None) -> str:
    """The repository a path belongs to: its work tree's top, or for a bare repository its
    git directory. Every measure covers the whole repository, so a subdirectory is read
    as its repository (callers warn; see `subdirectory_warning`), never half and half.

    Asked of the git executable (`git rev-parse`), not GitPython: a local run on a cached
    repository then never imports GitPython."""
    answer = inside_and_git_dir
    if answer is None:
        found = run_git(path, "rev-parse", "--is-inside-work-tree", "--absolute-git-dir")
        if found.returncode != 0:
            return path
        answer = found.stdout.split("\n")
    if len(answer) < 2:
        return path
    if answer[0].strip() == "true":
        top = run_git(path, "rev-parse", "--show-toplevel")
        return str(Path(top.stdout.strip()).resolve()) if top.returncode == 0 else path
    return str(Path(answer[1].strip()).resolve())


def subdirectory_warning(source: str, root: str) -> str | None:
    """The warning for a path inside a repository rather than the repository itself."""
    if is_url(source) or Path(source).expanduser().resolve() == Path(root):
        return None
    return _msg("git.inside", source=source, root=root)


def run_git(repo: str | Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One short git command in `repo`, its output as text (C locale: git's own words)."""
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=False, env={**os.environ, "LC_ALL": "C"})


def head_commit(repo: str) -> tuple[str, int] | None:
    """The sha HEAD points at and its commit time (Unix seconds), or None for a repository
    without commits (HEAD names a branch that has no commit yet).

    Asked of the git executable rather than GitPython's object reader, which misreads a
    bare repository that has no `config` file (seen in real mirrors) as a worktree.
    """
    found = run_git(repo, "log", "-1", "--format=%H %ct", "HEAD")
    sha, _, time = found.stdout.strip().partition(" ")
    return (sha, int(time)) if found.returncode == 0 and sha and time.isdigit() else None
