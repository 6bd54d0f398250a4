"""Build real git repositories with `git fast-import`: for the demo, tests and benchmarks.

Fast-import writes thousands of commits a second, with exactly the authors,
dates, merges, renames and tags wanted, so a demo team's history looks lived-in
and a test's measures can be asserted as exact numbers.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday; integer `at` values count from here


def _quote(path: str) -> str:
    if any(ch in path for ch in ' "\n\\') or path.startswith('"'):
        escaped = path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    return path


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


@dataclass
class RepoBuilder:
    """Accumulates a fast-import stream; `build()` writes the repository."""

    path: Path
    bare: bool = False
    default_branch: str = "main"
    _stream: list[bytes] = field(default_factory=list)
    _mark: int = 0
    _tips: dict[str, int] = field(default_factory=dict)
    _marks_by_name: dict[str, int] = field(default_factory=dict)
    _trees: dict[str, dict[str, bytes]] = field(default_factory=dict)

    def commit(
        self,
        message: str,
        *,
        at: datetime | int,
        author: str = "Alice",
        files: dict[str, str | bytes | None] | None = None,
        renames: dict[str, str] | None = None,
        branch: str | None = None,
        merge: str | None = None,
        name: str | None = None,
        committed_at: datetime | int | None = None,
        email: str | None = None,
    ) -> int:
        """One commit on `branch` (default: main); `merge` names a branch merged into it.

        `at` is a datetime or seconds after T0. Returns the commit's mark.
        """
        branch = branch or self.default_branch
        self._mark += 1
        mark = self._mark
        ts = self._ts(at)
        cts = self._ts(committed_at) if committed_at is not None else ts
        email = email or f"{author.lower().replace(' ', '.')}@example.com"
        out = [
            f"commit refs/heads/{branch}\n".encode(),
            f"mark :{mark}\n".encode(),
            f"author {author} <{email}> {ts} +0000\n".encode(),
            f"committer {author} <{email}> {cts} +0000\n".encode(),
            _data(message.encode()),
        ]
        if branch in self._tips:
            out.append(f"from :{self._tips[branch]}\n".encode())
        elif self._tips.get(self.default_branch) and branch != self.default_branch:
            out.append(f"from :{self._tips[self.default_branch]}\n".encode())
            self._trees[branch] = dict(self._trees[self.default_branch])
        tree = self._trees.setdefault(branch, {})
        changes: dict[str, bytes | None] = {}
        if merge:
            # fast-import does not merge trees: bring the merged branch's files across
            out.append(f"merge :{self._tips[merge]}\n".encode())
            changes.update({p: c for p, c in self._trees[merge].items() if tree.get(p) != c})
        for old, new in (renames or {}).items():
            out.append(f"R {_quote(old)} {_quote(new)}\n".encode())
            tree[new] = tree.pop(old)
        for path, content in (files or {}).items():
            changes[path] = None if content is None else (
                content if isinstance(content, bytes) else content.encode())
        for path, raw in changes.items():
            if raw is None:
                out.append(f"D {_quote(path)}\n".encode())
                tree.pop(path, None)
            else:
                out.append(f"M 100644 inline {_quote(path)}\n".encode() + _data(raw))
                tree[path] = raw
        out.append(b"\n")
        self._stream.extend(out)
        self._tips[branch] = mark
        if name:
            self._marks_by_name[name] = mark
        return mark

    def tag(self, name: str, *, at: datetime | int, of: str | int | None = None,
            annotated: bool = True) -> None:
        """Tag a commit (a mark, a branch name, or the main tip)."""
        mark = of if isinstance(of, int) else self._tips[of or self.default_branch]
        if annotated:
            self._stream.append(
                f"tag {name}\nfrom :{mark}\ntagger Rel <rel@example.com> {self._ts(at)} +0000\n"
                .encode() + _data(f"release {name}".encode()))
        else:
            self._stream.append(f"reset refs/tags/{name}\nfrom :{mark}\n\n".encode())

    def branch_from(self, branch: str, mark: int) -> None:
        """Start `branch` at an existing commit."""
        self._stream.append(f"reset refs/heads/{branch}\nfrom :{mark}\n\n".encode())
        self._tips[branch] = mark
        self._trees[branch] = dict(self._trees[self._branch_of(mark)])

    def _branch_of(self, mark: int) -> str:
        """The branch whose tip is `mark` (tests branch only from tips)."""
        return next(b for b, m in self._tips.items() if m == mark)

    @staticmethod
    def _ts(at: datetime | int) -> int:
        return int(at.timestamp()) if isinstance(at, datetime) else int(T0.timestamp()) + at

    def build(self) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        init = ["git", "init", "-q", f"--initial-branch={self.default_branch}"]
        subprocess.run([*init, *(["--bare"] if self.bare else []), str(self.path)], check=True)
        subprocess.run(["git", "fast-import", "--quiet", "--done"], cwd=self.path, check=True,
                       input=b"".join(self._stream) + b"done\n")
        if not self.bare:
            subprocess.run(["git", "checkout", "-q", "-f", self.default_branch], cwd=self.path,
                           check=True)
        return self.path


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout
