"""Streaming parser for `git log -z` output with --numstat or --name-status.

One git process, read in chunks and parsed as it arrives: no commit objects,
no per-commit subprocesses. Paths are split on NUL only, so spaces, newlines
and non-UTF-8 bytes in file names are safe (kept as surrogate escapes).
"""

from __future__ import annotations

import atexit
import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from opsmaturity.core.messages import text as _msg

RS, US = "\x1e", "\x1f"
# hash, parents, author name, author e-mail, author time, committer time, subject, body
FORMAT = f"--format={RS}%H{US}%P{US}%aN{US}%aE{US}%at{US}%ct{US}%s{US}%b{US}"
CHUNK = 1 << 20
_DELETED = re.compile(r"^ delete mode \d+ (.*)$")


class GitLogError(Exception):
    """git log stopped with an error (for example a missing object in a partial clone)."""


@dataclass(slots=True)
class FileChange:
    path: str
    old_path: str | None = None  # set for renames and copies
    added: int | None = None  # None: binary, or name-status mode
    deleted: int | None = None
    status: str | None = None  # name-status mode: A, M, D, R, C, T


@dataclass(slots=True)
class Commit:
    sha: str
    parents: list[str]
    author_name: str
    author_email: str
    author_time: int
    commit_time: int
    subject: str
    body: str
    files: list[FileChange] = field(default_factory=list)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _chunks(stream, depth: int = 32) -> Iterator[bytes]:  # type: ignore[no-untyped-def]
    """Read the pipe in a thread, started now, so git never waits for the parser, nor for
    the imports before it when started ahead (a pipe holds 64 KiB: git stopped there until
    the parser came). Bounded: at most `depth` chunks in flight, so memory does not grow
    with the history."""
    q: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)

    def pump() -> None:
        try:
            while chunk := stream.read(CHUNK):
                q.put(chunk)
        except (OSError, ValueError):
            pass  # the pipe was closed because the caller stopped early
        finally:
            q.put(None)

    threading.Thread(target=pump, daemon=True).start()

    def read() -> Iterator[bytes]:
        while (chunk := q.get()) is not None:
            yield chunk

    return read()


def _tokens(chunks: Iterator[bytes]) -> Iterator[bytes]:
    pending = b""
    for chunk in chunks:
        parts = (pending + chunk).split(b"\0")
        pending = parts.pop()
        yield from parts
    if pending:
        yield pending


def _header(token: str) -> Commit:
    fields = token[1:].split(US)
    if len(fields) < 8:
        raise GitLogError(_msg("git.unexpected_record", token=repr(token[:80])))
    sha, parents, name, email, at, ct, subject = fields[:7]
    body = US.join(fields[7:-1]) if len(fields) > 8 else fields[7]
    return Commit(
        sha=sys.intern(sha),  # parents point at the same string objects: less memory
        parents=[sys.intern(x) for x in parents.split()] if parents else [],
        author_name=name,
        author_email=email.lower(),
        author_time=int(at),
        commit_time=int(ct),
        subject=subject,
        body=body,
    )


def _summary(commit: Commit, token: str) -> None:
    """Mark the files a numstat commit deletes (from `--summary`; numstat alone cannot tell)."""
    deleted = {hit.group(1) for line in token.split("\n")
               if (hit := _DELETED.match(line)) is not None}
    for change in commit.files:
        if change.path in deleted:
            change.status = "D"


def parse(chunks: Iterator[bytes], numstat: bool) -> Iterator[Commit]:
    """Yield commits from `git log -z` output (an iterator of byte chunks), newest first."""
    tokens = _tokens(chunks)
    current: Commit | None = None
    for raw in tokens:
        token = _decode(raw).lstrip("\n")
        if numstat and token.startswith(" ") and current is not None:
            # --summary lines ("create mode ...", "delete mode ...") end without a NUL:
            # the next commit's header follows them directly
            head, sep, rest = token.partition(RS)
            _summary(current, head)
            if not sep:
                continue
            token = RS + rest
        if token.startswith(RS):
            if current is not None:
                yield current
            current = _header(token)
            continue
        if current is None or token == "":
            continue
        if numstat:
            added, deleted, path = token.split("\t", 2)
            change = FileChange(
                path=path,
                added=None if added == "-" else int(added),
                deleted=None if deleted == "-" else int(deleted),
            )
            if path == "":  # rename/copy: old and new path follow as their own tokens
                change.old_path = _decode(next(tokens))
                change.path = _decode(next(tokens))
        else:
            status = token
            change = FileChange(path=_decode(next(tokens)), status=status[0])
            if status[0] in "RC":
                change.old_path = change.path
                change.path = _decode(next(tokens))
        current.files.append(change)
    if current is not None:
        yield current


def command(*args: str, numstat: bool, renames: bool = True) -> list[str]:
    """The `git log` command line `log` runs (see there)."""
    return [
        "git",
        "-c",
        "core.quotepath=off",
        "-c",
        "log.showSignature=false",
        "-c",
        "diff.renames=true",
        "--no-optional-locks",
        "log",
        "-z",
        FORMAT,
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        *(["--numstat", "--summary"] if numstat else ["--name-status"]),
        *([] if renames else ["-M100%"]),
        *args,
    ]


def _spawn(repo: str, cmd: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, cwd=repo, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            env={**os.environ, "LC_ALL": "C", "LANGUAGE": "C"})


_started: dict[tuple[str, tuple[str, ...]], tuple[subprocess.Popen[bytes], Iterator[bytes]]] = {}
"""git log processes started ahead (`start`) and their output as read so far, by repository
and command line."""


def start(repo: str, *args: str, numstat: bool, renames: bool = True) -> None:
    """Start the `git log` that `log(repo, *args, ...)` will read, now: git works while the
    caller does something else (imports), and `log` takes the process over. One never taken
    over is stopped when the interpreter exits."""
    cmd = command(*args, numstat=numstat, renames=renames)
    key = (repo, tuple(cmd))
    if key not in _started:
        popen = _spawn(repo, cmd)
        _started[key] = (popen, _chunks(popen.stdout))


def stop_started(repo: str | None = None) -> None:
    """Stop the walks started ahead that nobody took over (of `repo`, or all): a "before"
    walk the window made unneeded, or walks a fallback replaced."""
    for key in [k for k in _started if repo is None or k[0] == repo]:
        popen, _ = _started.pop(key)
        popen.kill()
        popen.wait()


atexit.register(stop_started)


def log(repo: str, *args: str, numstat: bool, renames: bool = True) -> Iterator[Commit]:
    """Run one `git log` and parse it as it streams (the executable itself: importing
    GitPython would cost more than parsing a history of thousands of commits).

    With numstat, `--summary` marks deleted files. renames=False detects only exact renames
    (`-M100%`), which compares object ids and never reads a file's contents: the reading
    that fails in a partial clone or a repository with a missing blob.
    """
    cmd = command(*args, numstat=numstat, renames=renames)
    started = _started.pop((repo, tuple(cmd)), None)
    if started is None:
        popen = _spawn(repo, cmd)
        started = (popen, _chunks(popen.stdout))
    popen, chunks = started
    stderr = popen.stderr
    assert stderr is not None and popen.stdout is not None
    errors: list[bytes] = []
    drain = threading.Thread(target=lambda: errors.append(stderr.read()), daemon=True)
    drain.start()
    try:
        yield from parse(chunks, numstat)
    except GeneratorExit:  # the caller stopped early: end git quietly
        popen.kill()
        popen.wait()
        raise
    code = popen.wait()
    drain.join()
    if code != 0:
        raise GitLogError(_decode(b"".join(errors)).strip() or _msg("git.log_exit", code=code))
