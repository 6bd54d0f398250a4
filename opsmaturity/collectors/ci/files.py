"""Reading the CI files (and the scripts deploy jobs call) out of a checkout or a bare
repository (HEAD), local includes followed, without a work tree."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from opsmaturity.core.messages import text as _msg

from ..base import CollectorError
from . import deploy as ci_deploy
from . import handrun
from .analysis import deploy_script_paths
from .azure import template_targets
from .config import ANALYSED_PATHS, AZURE_PATH, GITLAB_FILE, MAX_INCLUDES, UNANALYSED_CI
from .gitlab import gitlab_includes, match_pattern, normalise_local
from .parsing import parse_yaml

# ---------------------------------------------------------------- reading files


_GIT_LOCATION_VARS = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_COMMON_DIR",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_NAMESPACE",
        "GIT_PREFIX",
        "GIT_CEILING_DIRECTORIES",
    }
)
_BATCH_HEADER = re.compile(rb"^[0-9a-f]{40,64} (blob|tree|commit|tag) (\d+)$")


def _run_git(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run git read-only: settings only via -c, no optional locks, the caller's repo vars unset."""
    env = {k: v for k, v in os.environ.items() if k not in _GIT_LOCATION_VARS}
    env.update(GIT_OPTIONAL_LOCKS="0", GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    return subprocess.run(
        ["git", "-c", "core.quotepath=off", *args],
        input=stdin,
        capture_output=True,
        env=env,
        check=False,
    )


def _stderr(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else _msg("ci.git_exited", code=proc.returncode)


def _looks_like_git_dir(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


def _git_dir_without_worktree(repo: Path) -> Path | None:
    """The git directory if `repo` is a bare repository (or a .git directory), else None."""
    if shutil.which("git") is None:
        if _looks_like_git_dir(repo):
            raise CollectorError(_msg("ci.bare_without_git", path=repo))
        return None
    proc = _run_git(
        [
            "-C",
            str(repo),
            "rev-parse",
            "--is-bare-repository",
            "--is-inside-git-dir",
            "--absolute-git-dir",
        ]
    )
    if proc.returncode != 0:
        if _looks_like_git_dir(repo):
            raise CollectorError(_msg("ci.cannot_read_repository", path=repo,
                                          problem=_stderr(proc)))
        return None  # a plain directory: read it from disk
    lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) >= 3 and "true" in lines[:2]:
        return Path(lines[2])
    return None


def _missing_at_head(git_dir: Path, paths: list[str]) -> set[str]:
    """Those of `paths` whose content the object store lacks (a partial clone, or a mirror
    missing an object), found without fetching: `--missing=print` never asks a remote."""
    proc = _run_git(["--git-dir", str(git_dir), "rev-list", "--objects", "--no-walk",
                     "--missing=print", "HEAD"])
    absent = {ln[1:] for ln in proc.stdout.decode("ascii", "replace").splitlines()
              if ln.startswith("?")}
    listing = _run_git(["--git-dir", str(git_dir), "ls-tree", "-z", "HEAD", "--", *paths])
    out = set()
    for entry in listing.stdout.split(b"\0"):
        meta, _, name = entry.partition(b"\t")
        fields = meta.split()
        if len(fields) == 3 and fields[2].decode("ascii", "replace") in absent:
            out.add(name.decode("utf-8", "replace"))
    return out


def _batch(git_dir: Path, mode: str, paths: list[str], unreadable: list[str] | None
           ) -> tuple[list[str], bytes]:
    """One `git cat-file --batch[-check]` over HEAD:<path>. Where some content is not in the
    repository, git stops (a partial clone tries its remote): those paths are left out,
    named in `unreadable`, and the rest read."""
    request = b"".join(b"HEAD:" + p.encode() + b"\n" for p in paths)
    proc = _run_git(["--git-dir", str(git_dir), "cat-file", mode], request)
    if proc.returncode != 0:
        absent = _missing_at_head(git_dir, paths)
        if not absent:
            raise CollectorError(_msg("ci.cannot_read_head", path=git_dir,
                                      problem=_stderr(proc)))
        if unreadable is not None:
            unreadable += [_msg("ci.content_missing", path=p) for p in paths if p in absent]
        paths = [p for p in paths if p not in absent]
        request = b"".join(b"HEAD:" + p.encode() + b"\n" for p in paths)
        proc = _run_git(["--git-dir", str(git_dir), "cat-file", mode], request)
        if proc.returncode != 0:
            raise CollectorError(_msg("ci.cannot_read_head", path=git_dir,
                                      problem=_stderr(proc)))
    return paths, proc.stdout


def _cat_files(git_dir: Path, paths: list[str],
               unreadable: list[str] | None = None) -> dict[str, str]:
    """Read files from HEAD with one `git cat-file --batch`; absent ones are left out."""
    paths = [p for p in paths if "\n" not in p]
    if not paths:
        return {}
    paths, stdout = _batch(git_dir, "--batch", paths, unreadable)
    data, pos, out = stdout, 0, {}
    for path in paths:
        end = data.find(b"\n", pos)
        if end < 0:
            break
        header = _BATCH_HEADER.match(data[pos:end])
        pos = end + 1
        if header:
            size = int(header.group(2))
            if header.group(1) == b"blob":
                out[path] = data[pos : pos + size].decode("utf-8", "replace")
            pos += size + 1
    return out


def _local_include_targets(text: str) -> list[str]:
    doc, _ = parse_yaml(GITLAB_FILE, text)
    if doc is None:
        return []
    targets = []
    for inc in gitlab_includes(doc):
        if inc.kind == "local" and "$" not in inc.target:
            target = normalise_local(inc.target)
            if target is not None:
                targets.append(target)
    return targets


def _azure_template_targets(path: str, text: str) -> list[str]:
    doc, _ = parse_yaml(path, text)
    return [] if doc is None else template_targets(path, doc)


def _gather(
    candidates: list[str],
    read: Callable[[list[str]], dict[str, str]],
    names: Callable[[str], list[str]],
) -> dict[str, str]:
    """Read the CI files, then follow GitLab local includes and Azure Pipelines local
    templates (transitively)."""
    files = read(candidates)
    pending = [(GITLAB_FILE, True)] if GITLAB_FILE in files else []
    pending += [(p, False) for p in files if AZURE_PATH.match(p)]
    done: set[str] = set()
    while pending and len(done) < MAX_INCLUDES:
        current, gitlab = pending.pop()
        if current in done:
            continue
        done.add(current)
        if not gitlab:
            targets = _azure_template_targets(current, files[current])
            files.update(read([t for t in targets if t not in files]))
            pending += [(t, False) for t in targets if t in files]
            continue
        for target in _local_include_targets(files[current]):
            matches = match_pattern(target, names(target)) if "*" in target else [target]
            files.update(read([m for m in matches if m not in files]))
            pending += [(m, True) for m in matches if m in files]
    return files


def _load_from_git(git_dir: Path, unreadable: list[str] | None = None) -> dict[str, str]:
    head = _run_git(
        ["--git-dir", str(git_dir), "rev-parse", "--verify", "--quiet", "HEAD^{commit}"]
    )
    if head.returncode != 0:
        return {}  # an empty repository
    proc = _run_git(["--git-dir", str(git_dir), "ls-tree", "-r", "--name-only", "-z", "HEAD"])
    if proc.returncode != 0:
        raise CollectorError(_msg("ci.cannot_list_head", path=git_dir, problem=_stderr(proc)))
    names: list[str] = []
    for raw in proc.stdout.split(b"\0"):
        try:
            names.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            continue  # not nameable from a UTF-8 YAML include either
    candidates = [n for n in names
                  if n == GITLAB_FILE or any(p.match(n) for p in ANALYSED_PATHS)]
    return _gather(candidates, lambda paths: _cat_files(git_dir, paths, unreadable),
                   lambda _: names)


def _load_from_disk(root: Path) -> dict[str, str]:
    def read(paths: list[str]) -> dict[str, str]:
        out = {}
        for rel in paths:
            path = root / rel
            try:
                if path.is_file():
                    out[rel] = path.read_bytes().decode("utf-8", "replace")
            except OSError as exc:
                raise CollectorError(f"{path}: " + _msg("source.cannot_read",
                                                         reason=exc.strerror or exc)) from None
        return out

    def names(pattern: str) -> list[str]:
        prefix = pattern[: pattern.find("*")].rpartition("/")[0]
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(root / prefix):
            dirnames[:] = sorted(d for d in dirnames if d != ".git")
            rel = Path(dirpath).relative_to(root).as_posix()
            found += [f if rel == "." else f"{rel}/{f}" for f in filenames]
            if len(found) > 100_000:
                break
        return found

    # the top and the folders analysed CI files sit in (.azure-pipelines/ at any depth)
    listed = [p.name for p in root.iterdir()]
    for folder in ("jenkins", ".jenkins", "ci", ".ci", "pipeline", "pipelines", ".github/workflows",
                   ".circleci"):
        if (root / folder).is_dir():
            listed += [f"{folder}/{p.name}" for p in (root / folder).iterdir()]
    if (root / ".azure-pipelines").is_dir():
        listed += names(".azure-pipelines/*")
    candidates = [GITLAB_FILE, *sorted(n for n in listed
                                       if any(p.match(n) for p in ANALYSED_PATHS))]
    return _gather(candidates, read, names)


def load_ci_files(repo: Path, unreadable: list[str] | None = None) -> dict[str, str]:
    """CI files of `repo` as path -> text: from disk for a working tree or plain directory,
    from HEAD for a bare repository (read-only; an empty repository gives {}). CI files whose
    content the repository lacks are named in `unreadable`."""
    repo = Path(repo)
    git_dir = _git_dir_without_worktree(repo)
    return _load_from_disk(repo) if git_dir is None else _load_from_git(git_dir, unreadable)


def repository_names(repo: Path, max_depth: int = 3) -> tuple[Path | None, list[str]]:
    """The git directory of a bare repository (None for a working tree or a plain directory)
    and the file names the hand-run and not-analysed rules look at: every file at HEAD of a
    bare repository, else the working tree's files at most `max_depth` folders deep, build,
    vendored and dependency folders left out. Listed once per collection."""
    repo = Path(repo)
    git_dir = _git_dir_without_worktree(repo)
    if git_dir is not None:
        proc = _run_git(["--git-dir", str(git_dir), "ls-tree", "-r", "--name-only", "-z", "HEAD"])
        return git_dir, [n.decode("utf-8", "replace") for n in proc.stdout.split(b"\0") if n]
    names: list[str] = []
    for dirpath, dirnames, filenames in os.walk(repo):
        rel = Path(dirpath).relative_to(repo).as_posix()
        depth = 0 if rel == "." else rel.count("/") + 1
        dirnames[:] = sorted(d for d in dirnames
                             if depth < max_depth and not handrun.skip_dir(d))
        names += [f if rel == "." else f"{rel}/{f}" for f in filenames]
    return None, names


def unanalysed_ci_files(names: list[str]) -> dict[str, list[str]]:
    """System -> files of the CI systems recognised but not analysed (`UNANALYSED_CI`)."""
    found: dict[str, list[str]] = {}
    for name in names:
        for system, pattern in UNANALYSED_CI.items():
            if pattern.match(name):
                found.setdefault(system, []).append(name)
    return found


def load_hand_run_candidates(repo: Path, git_dir: Path | None,
                             names: list[str]) -> dict[str, str]:
    """Files that may deploy by hand (`handrun.candidates` among `names`: deploy-ish
    scripts, Makefiles, deploy tools' files) as path -> text, from HEAD of a bare repository
    (`git_dir`) or the working tree; bounded in number and size like deploy scripts."""
    wanted = handrun.candidates(names)
    if git_dir is not None:
        sizes = _blob_sizes(git_dir, wanted)
        return _cat_files(git_dir, [p for p in wanted
                                    if sizes.get(p, 1 << 62) <= ci_deploy.MAX_SCRIPT_BYTES])
    out: dict[str, str] = {}
    for rel in wanted:
        path = Path(repo) / rel
        try:
            if path.is_file() and path.stat().st_size <= ci_deploy.MAX_SCRIPT_BYTES:
                out[rel] = path.read_bytes().decode("utf-8", "replace")
        except OSError:
            continue  # unreadable: nothing said about it
    return out


def _blob_sizes(git_dir: Path, paths: list[str]) -> dict[str, int]:
    """Sizes of the blobs at HEAD among `paths` (missing paths and trees are left out)."""
    paths = [p for p in paths if "\n" not in p]
    if not paths:
        return {}
    paths, stdout = _batch(git_dir, "--batch-check", paths, None)
    out: dict[str, int] = {}
    for path, line in zip(paths, stdout.splitlines(), strict=False):
        header = _BATCH_HEADER.match(line)
        if header and header.group(1) == b"blob":
            out[path] = int(header.group(2))
    return out


def load_deploy_scripts(repo: Path, files: Mapping[str, str]) -> dict[str, str]:
    """Repository scripts that deploy jobs call (`./deploy.sh`, `bash scripts/upload.sh`) and
    the scripts those call, as path -> text: from disk, or from HEAD of a bare repository.
    Bounded: at most `ci_deploy.MAX_SCRIPTS` files of `ci_deploy.MAX_SCRIPT_BYTES` each; paths
    that leave the repository (also by a symlink) are not read."""
    roots = deploy_script_paths(files)
    if not roots:
        return {}
    repo = Path(repo)
    git_dir = _git_dir_without_worktree(repo)

    def from_git(paths: list[str]) -> dict[str, str]:
        assert git_dir is not None
        sizes = _blob_sizes(git_dir, paths)
        small = [p for p in paths if sizes.get(p, 1 << 62) <= ci_deploy.MAX_SCRIPT_BYTES]
        return _cat_files(git_dir, small)

    def from_disk(paths: list[str]) -> dict[str, str]:
        root = repo.resolve()
        out: dict[str, str] = {}
        for rel in paths:
            path = (repo / rel).resolve()
            try:
                if (
                    path.is_relative_to(root)
                    and path.is_file()
                    and path.stat().st_size <= ci_deploy.MAX_SCRIPT_BYTES
                ):
                    out[rel] = path.read_bytes().decode("utf-8", "replace")
            except OSError:
                continue  # an unreadable script is listed as not read, not an error
        return out

    return ci_deploy.read_scripts(roots, from_disk if git_dir is None else from_git)
