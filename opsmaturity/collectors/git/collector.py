"""Evidence from git history: activity, batch size, integration, instability, releases,
testing, infrastructure as code, and where knowledge sits.

Design (see issue "Evidence from git"): one streaming `git log -z` per history
segment, parsed as it arrives. Line counts (`--numstat`, ~20x the cost of the
history itself) are computed only inside the window; the history before and
after it is read with `--name-status`, which is all that ownership and the
truck factor need. The repository is never written to: settings go in with
`git -c`, and `--no-optional-locks` keeps git from refreshing the index.

Conventions measured (all documented in details):
- a *revert* has a subject starting `Revert "` or a body with `This reverts commit <sha>`;
- a *hotfix* has a subject matching HOTFIX below (hotfix/hot-fix, `fix!:`, `[hotfix]`,
  `emergency`, or a merge of a `hotfix/` branch);
- a *very large* commit changes more than `large_commit_lines` lines (default 400);
- a *release tag* is a semantic version (`v1.2.3`, `1.2`) or a date (`2026.11.02`, `2026-11`).
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from opsmaturity.core.evidence import Coverage, EvidenceSet, Measure, Window, window_between
from opsmaturity.core.files import default_cache_dir, write_atomic
from opsmaturity.core.messages import text as _msg
from opsmaturity.core.privacy import pseudonym, without_credentials
from opsmaturity.core.stats import median, p90
from opsmaturity.core.times import now_utc

from .. import paths
from ..base import CollectorError, Progress, no_progress
from . import blobs, early, manifests, telemetry
from .log import Commit, GitLogError, log, stop_started
from .ownership import Authorship, is_bot, truck_factor
from .repository import head_commit, is_url, open_repository

HOTFIX = re.compile(
    r"(^|\W)(hot-?fix(es)?|emergency fix)(\W|$)|^\w+(\([^)]*\))?!:|\[hotfix\]", re.I
)
REVERTS = re.compile(r"This reverts commit ([0-9a-f]{7,40})")
SEMVER = re.compile(r"^(?:[\w.-]*[-/_])?v?\d+\.\d+(\.\d+)?([-+][\w.-]+)?$")
DATE_TAG = re.compile(
    r"^(?:[\w-]*[-/_])?v?(19|20)\d{2}[.-]?(0[1-9]|1[0-2])([.-]?\d{2})?([.-]\d+)?$"
)
MAX_DETAILS = 50
MAX_RELEASES = 500

MEASURES: tuple[str, ...] = (
    "git.commits",
    "git.merge_commits",
    "git.active_authors",
    "git.commits_per_week",
    "git.active_days",
    "git.lines_changed_per_commit_median",
    "git.lines_changed_per_commit_p90",
    "git.files_changed_per_commit_median",
    "git.files_changed_per_commit_p90",
    "git.large_commit_share",
    "git.branch_lifetime_hours_median",
    "git.branch_lifetime_hours_p90",
    "git.direct_commit_share",
    "git.trunk_based",
    "git.revert_commits",
    "git.revert_ratio",
    "git.hotfix_commits",
    "git.hotfix_ratio",
    "git.time_to_revert_hours_median",
    "git.tags",
    "git.release_tags",
    "git.release_interval_days_median",
    "git.release_interval_days_p90",
    "git.commits_per_release_median",
    "git.lead_time_to_tag_hours_median",
    "git.lead_time_to_tag_hours_p90",
    "git.test_file_share",
    "git.commits_with_tests_share",
    "git.iac_present",
    "git.iac_kinds",
    "git.runtime_manifests_present",
    "git.db_migrations_present",
    "git.db_migration_kinds",
    "git.backup_failover_scripts_present",
    "git.observability_config_present",
    "git.observability_config_kinds",
    "git.opentelemetry_in_dependencies",
    "git.structured_logging_present",
    "git.structured_logging_libraries",
    "git.runbooks_present",
    "git.runbooks_last_changed_days",
    "git.docs_present",
    "git.docs_last_changed_days",
    "git.adr_present",
    "git.codeowners_present",
    "git.files",
    "git.top_level_dirs",
    "git.truck_factor",
    "git.main_author_share_max",
    "git.single_author_file_share",
)


class GitOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="a local repository path or a clone URL")
    since: datetime | None = Field(default=None, description="window start (default: until-180d)")
    until: datetime | None = Field(default=None, description="window end (default: end of today)")
    display_source: str | None = Field(
        default=None, description="how to name the source in evidence (e.g. the URL of a clone)"
    )
    show_names: bool = False
    large_commit_lines: int = Field(default=early.LARGE_COMMIT_LINES, gt=0)
    main_author_min_changes: int = Field(default=early.MAIN_AUTHOR_MIN_CHANGES, gt=0)
    cache_dir: Path | None = None
    use_cache: bool = True


# --------------------------------------------------------------------------- repository access


def _git(repo: str, *args: str, check: bool = True) -> str:
    proc = subprocess.run(
        ["git", "-c", "core.quotepath=off", "--no-optional-locks", *args],
        cwd=repo,
        capture_output=True,
        check=False,
    )
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CollectorError(_msg("git.command_failed", command=args[0], repo=repo,
                                  reason=msg[-1] if msg else proc.returncode))
    return proc.stdout.decode("utf-8", "surrogateescape")


# --------------------------------------------------------------------------- small statistics


def _round(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(x, digits)


# --------------------------------------------------------------------------- mining


@dataclass(slots=True)
class WindowCommit:
    sha: str
    parents: list[str]
    author: str
    commit_time: int
    lines: int | None
    files: int | None  # None: a shallow clone's boundary commit, whose diff is its whole tree
    touches_test: bool
    touches_source: bool
    revert_of: str | None
    is_revert: bool
    is_hotfix: bool


@dataclass
class Mining:
    """Everything one pass over the history accumulates."""

    show_names: bool
    head_files: set[str]
    boundary: frozenset[str] = frozenset()  # a shallow clone's grafted commits
    authorship: Authorship = field(default_factory=Authorship)
    alias: dict[str, str] = field(default_factory=dict)
    dir_authors: dict[str, Counter[str]] = field(default_factory=dict)
    last_change: dict[str, int] = field(default_factory=dict)  # docs/runbooks/adr -> time
    window: list[WindowCommit] = field(default_factory=list)
    later: dict[str, list[str]] = field(default_factory=dict)  # after the window: sha -> parents
    names: dict[str, str] = field(default_factory=dict)  # person key -> name
    ended: set[str] = field(default_factory=set)  # HEAD paths once deleted (older: other files)
    commits_seen: int = 0
    _name_counts: Counter[str] | None = None
    bots: set[str] = field(default_factory=set)  # automated authors: no one's knowledge

    def person(self, commit: Commit) -> str:
        """The key a person is counted by: the mailmapped e-mail (the name when there is
        none), whatever is shown; two people sharing a name stay two people."""
        key = commit.author_email or commit.author_name
        if key not in self.names:
            self.names[key] = commit.author_name
            if is_bot(commit.author_name, commit.author_email or ""):
                self.bots.add(key)
        return key

    def display(self, key: str) -> str:
        """How a person appears in evidence: a stable pseudonym, or with --show-names the
        name (followed by the e-mail when another person has the same name)."""
        if not self.show_names:
            return pseudonym(key, "author")
        name = self.names.get(key, key)
        if self._name_counts is None:
            self._name_counts = Counter(self.names.values())
        return f"{name} <{key}>" if self._name_counts[name] > 1 and name != key else name

    def resolve(self, path: str) -> str:
        seen = 0
        while path in self.alias and seen < 64:  # rename chains; the bound guards cycles
            path = self.alias[path]
            seen += 1
        return path

    def add(self, commit: Commit, segment: str, line_counts: bool = False) -> None:
        """Fold one commit in. This runs once per commit of the whole history: keep it lean."""
        self.commits_seen += 1
        who = self.person(commit)
        human = who not in self.bots
        dirs: set[str] = set()
        alias, head_files, changes = self.alias, self.head_files, self.authorship.changes
        lines = tests = source = 0
        cut = commit.sha in self.boundary  # its parents are missing: its diff is no change
        for change in () if cut else commit.files:
            path = change.path
            current = self.resolve(path) if alias else path
            if change.old_path is not None and change.old_path != path:
                alias[change.old_path] = current
            if change.status == "D" and current in head_files:
                # newest first: the HEAD file was created after this deletion, so what came
                # before belongs to an earlier file of the same name
                self.ended.add(current)
            elif human and current in head_files and current not in self.ended:
                counts = changes.get(current)
                if counts is None:
                    counts = changes[current] = Counter()
                counts[who] += 1
                self.authorship.creator[current] = who  # newest first: the oldest stays
                dirs.add(current.split("/", 1)[0] if "/" in current else "(root)")
            kind = paths.classify(path)
            tests |= kind.test
            source |= kind.source
            if line_counts:
                lines += (change.added or 0) + (change.deleted or 0)  # binaries count 0
            if len(self.last_change) < 3 and kind.doc and segment != "after":
                # newest first: the first seen up to the window's end is the latest
                for name, hit in (("docs", True), ("runbooks", kind.runbook), ("adr", kind.adr)):
                    if hit and name not in self.last_change:
                        self.last_change[name] = commit.commit_time
        if segment == "window":
            # who changes a part of the system now: older history is the truck factor's
            for d in dirs:
                per_dir = self.dir_authors.get(d)
                if per_dir is None:
                    per_dir = self.dir_authors[d] = Counter()
                per_dir[who] += 1
            subject = commit.subject
            reverted = REVERTS.search(commit.body) if "reverts commit" in commit.body else None
            self.window.append(
                WindowCommit(
                    sha=commit.sha,
                    parents=commit.parents,
                    author=who,
                    commit_time=commit.commit_time,
                    lines=lines if line_counts and not cut else None,
                    files=None if cut else len(commit.files),
                    touches_test=bool(tests),
                    touches_source=bool(source),
                    revert_of=reverted.group(1) if reverted else None,
                    is_revert=subject.startswith('Revert "') or reverted is not None,
                    is_hotfix=bool(HOTFIX.search(subject)) or "hotfix/" in subject.lower(),
                )
            )
        elif segment == "after":
            self.later[commit.sha] = commit.parents


@dataclass
class Tag:
    name: str
    commit: str
    time: int


def _tags(repo: str) -> list[Tag]:
    out = _git(
        repo,
        "for-each-ref",
        "--format=%(refname:short)%00%(objecttype)%00%(objectname)"
        "%00%(*objecttype)%00%(*objectname)%00%(creatordate:unix)",
        "refs/tags",
    )
    tags = []
    for line in out.splitlines():
        parts = line.split("\0")
        if len(parts) != 6:
            continue
        name, otype, oid, ptype, pid, created = parts
        commit = oid if otype == "commit" else pid if ptype == "commit" else None
        if commit and created.strip():
            tags.append(Tag(name=name, commit=commit, time=int(created)))
    return sorted(tags, key=lambda t: (t.time, t.name))


def is_release_tag(name: str) -> bool:
    return bool(SEMVER.match(name) or DATE_TAG.match(name))


def _window(options: GitOptions) -> tuple[datetime, datetime]:
    try:
        window = window_between(options.since, options.until)
    except ValueError as exc:
        raise CollectorError(str(exc)) from None
    return window.start, window.end


class GitCollector:
    """Mines a git repository's history over a time window."""

    name: ClassVar[str] = "git"
    measures: ClassVar[tuple[str, ...]] = MEASURES
    config_model: ClassVar[type[BaseModel]] = GitOptions

    def collect(self, config: BaseModel, progress: Progress = no_progress) -> EvidenceSet:
        options = GitOptions.model_validate(config.model_dump())
        cache_dir = options.cache_dir or default_cache_dir()
        repo = open_repository(options.source, cache_dir, progress)
        since, until = _window(options)
        source = options.display_source or (
            without_credentials(options.source) if is_url(options.source) else repo
        )
        found = head_commit(repo)
        if found is None:
            return _empty(source, since, until)
        head, head_time = found
        cached = early.cache_file(cache_dir, head, repo, source, since, until,
                                  options.show_names, options.large_commit_lines,
                                  options.main_author_min_changes)
        if options.use_cache and cached.exists():
            try:
                if progress is not no_progress:  # the texts are not read for no one
                    progress(_msg("progress.cached"), 1.0)
                return EvidenceSet.from_json(cached.read_text(encoding="utf-8"))
            except ValueError:
                cached.unlink(missing_ok=True)  # a damaged cache entry is recomputed
        evidence = mine(repo, source, head_time, since, until, options, progress)
        if options.use_cache:
            write_atomic(cached, evidence.to_json())
        return evidence


def _empty(source: str, since: datetime, until: datetime) -> EvidenceSet:
    return EvidenceSet(
        collector="git",
        source=source,
        window=Window(start=since, end=until),
        collected_at=now_utc(),
        coverage=Coverage(ratio=0.0, missing=["empty repository: no commits"]),
        partial=True,
        measures=[Measure(id="git.commits", value=0, unit="commits")],
    )


def mine(
    repo: str,
    source: str,
    head_time: int,
    since: datetime,
    until: datetime,
    options: GitOptions,
    progress: Progress = no_progress,
) -> EvidenceSet:
    missing: list[str] = []
    s, u = int(since.timestamp()), int(until.timestamp())
    # What the measures need besides the history (tags, the commits each release holds,
    # the mainline's tip, what files at HEAD say inside) is asked of git while the history
    # streams in, not after it.
    background = ThreadPoolExecutor(max_workers=2)
    refs = background.submit(_refs, repo, s, u)
    tip = background.submit(_tip, repo, u)
    head_files = {
        f for f in _git(repo, "ls-tree", "-r", "-z", "--name-only", "HEAD").split("\0") if f
    }
    facts = background.submit(_head_facts, repo, sorted(head_files))
    shallow = _git(repo, "rev-parse", "--is-shallow-repository").strip() == "true"
    boundary = _shallow_boundary(repo) if shallow else frozenset()
    # The commit count only feeds the progress bar: count in the background, and only if shown.
    total = (
        background.submit(lambda: int(_git(repo, "rev-list", "--count", "HEAD").strip() or 0))
        if progress is not no_progress
        else None
    )
    background.shutdown(wait=False)
    try:
        m = _history(repo, head_files, boundary, s, u, head_time, True, options, progress,
                     total)
        line_counts = True
    except GitLogError as exc:
        # e.g. a partial clone whose blobs are missing: measure all but line counts
        reason = str(exc).splitlines()[-1] if str(exc) else _msg("git.log_failed")
        missing.append(_msg("git.line_counts", reason=reason))
        line_counts = False
        try:
            m = _history(repo, head_files, boundary, s, u, head_time, False, options, progress,
                         total)
        except GitLogError as again:
            raise CollectorError(_msg("git.command_failed", command="log", repo=source,
                                      reason=again)) from None
    finally:
        stop_started(repo)  # walks started ahead that this run did not need
    if progress is not no_progress:  # reading the texts (40 ms) for no one delayed the end
        progress(_msg("progress.computing"), 1.0)
    measures = _measures(m, refs.result(), tip.result(), facts.result(), since, until, options,
                         line_counts)
    if shallow:
        measures, notes = _shallow(repo, measures, boundary, since)
        missing.extend(notes)
    known = [x for x in measures if x.applicable]
    ratio = sum(1 for x in known if x.value is not None) / len(known) if known else 0.0
    return EvidenceSet(
        collector="git",
        source=source,
        window=Window(start=since, end=until),
        collected_at=now_utc(),
        coverage=Coverage(ratio=round(ratio, 4), missing=missing),
        partial=bool(missing),
        measures=measures,
    )


WHOLE_HISTORY = frozenset({
    "git.tags", "git.release_tags", "git.release_interval_days_median",
    "git.release_interval_days_p90", "git.commits_per_release_median",
    "git.lead_time_to_tag_hours_median", "git.lead_time_to_tag_hours_p90",
    "git.truck_factor", "git.single_author_file_share",
})
"""Measures that need the whole history (authorship since a file's creation, every tag and
what each contains): a shallow clone has only its depth."""


def _shallow_boundary(repo: str) -> frozenset[str]:
    """A shallow clone's grafted commits (their parents are missing)."""
    grafts = Path(_git(repo, "rev-parse", "--git-path", "shallow").strip())
    if not grafts.is_absolute():
        grafts = Path(repo) / grafts
    return frozenset(grafts.read_text().split()) if grafts.is_file() else frozenset()


def _shallow(repo: str, measures: list[Measure], boundary: frozenset[str],
             since: datetime) -> tuple[list[Measure], list[str]]:
    """A shallow clone: whole-history measures become "not measured", with the reason;
    window measures stay, and a note says so when the window reaches past the depth.
    (Boundary commits count as commits, but not their diff, which is their whole tree.)"""
    reason = _msg("git.shallow_missing")
    notes = [_msg("git.shallow_not_measured", measures=", ".join(sorted(WHOLE_HISTORY)))]
    # the shallow file may name commits the clone never received (seen in a bare
    # --shallow-since clone of a real repository): those are skipped
    times = [int(t) for t in _git(repo, "log", "--no-walk", "--ignore-missing", "--format=%ct",
                                  *sorted(boundary)).split()] if boundary else []
    if times and max(times) >= since.timestamp():
        depth = datetime.fromtimestamp(max(times), UTC)
        notes.append(_msg("git.shallow_window", depth=f"{depth:%Y-%m-%d %H:%M}"))
    out = [
        x.model_copy(update={"value": None, "details": {**x.details, "not_measured": reason}})
        if x.id in WHOLE_HISTORY else x
        for x in measures
    ]
    return out, notes


def _history(
    repo: str,
    head_files: set[str],
    boundary: frozenset[str],
    s: int,
    u: int,
    head_time: int,
    line_counts: bool,
    options: GitOptions,
    progress: Progress,
    total: Future[int] | None,
) -> Mining:
    """Newest first: after the window (names only), the window (with line counts), before it."""
    m = Mining(show_names=options.show_names, head_files=head_files, boundary=boundary)
    for segment, args in early.segments(s, u, head_time):
        if segment == "before" and _closed(m):
            continue  # every parent is already known: nothing lies before the window
        numstat = segment == "window" and line_counts
        for commit in log(repo, "HEAD", *args, numstat=numstat, renames=line_counts):
            m.add(commit, segment, numstat)
            if total is not None and m.commits_seen % 500 == 0:
                n = total.result() if total.done() else None
                progress(
                    _msg("progress.commits_of", seen=f"{m.commits_seen:,}", total=f"{n:,}") if n
                    else _msg("progress.commits", seen=f"{m.commits_seen:,}"),
                    min(1.0, m.commits_seen / n) if n else None,
                )
    return m


def _closed(m: Mining) -> bool:
    """True when nothing can lie before the window: every parent seen is already known."""
    if not m.window:
        return False
    known = set(m.later) | {c.sha for c in m.window}
    return all(p in known for c in m.window for p in c.parents) and all(
        p in known for parents in m.later.values() for p in parents
    )


# --------------------------------------------------------------------------- measures


def _tip(repo: str, until: int) -> str:
    """The mainline's tip for a window: HEAD, or the newest commit on HEAD's first-parent
    line made by the window's end (not the window's newest commit, which can be a merge
    made on someone's side branch)."""
    return _git(repo, "rev-list", "-1", "--first-parent", f"--until={early.gitdate(until)}",
                "HEAD").strip()


def _mainline(tip: str, by_sha: dict[str, WindowCommit]) -> set[str]:
    """The window's commits on the first-parent line from `tip`."""
    line, sha = set(), tip
    while sha in by_sha and sha not in line:
        line.add(sha)
        parents = by_sha[sha].parents
        sha = parents[0] if parents else ""
    return line


def _branch_lifetimes(
    window: list[WindowCommit], by_sha: dict[str, WindowCommit], mainline: set[str]
) -> tuple[list[float], int]:
    """Hours from a branch's first commit to its merge, for merges on the mainline."""
    hours, truncated = [], 0
    for merge in window:
        if len(merge.parents) < 2 or merge.sha not in mainline:
            continue
        first, sha, steps = None, merge.parents[1], 0
        while sha in by_sha and sha not in mainline and steps < 100_000:
            first = by_sha[sha]
            parents = first.parents
            sha = parents[0] if parents else ""
            steps += 1
        if first is None:
            continue
        if sha not in by_sha and sha:
            truncated += 1  # the branch started before the window
        hours.append((merge.commit_time - first.commit_time) / 3600)
    return hours, truncated


def _walk(start: str, graph: dict[str, list[str]], reached: set[str]) -> list[str]:
    """The commits of `graph` reachable from `start` that no earlier walk reached."""
    new, stack = [], [start]
    while stack:
        sha = stack.pop()
        if sha in reached or sha not in graph:
            continue
        reached.add(sha)
        new.append(sha)
        stack.extend(graph[sha])
    return new


def _released_graph(repo: str, tags: list[Tag], earlier: list[Tag]) -> dict[str, list[str]]:
    """Every commit some tag of `tags` contains and no tag of `earlier` does, with its
    parents. One `git rev-list --parents` answers what one git process per tag used to
    (`rev-list <tag> ^<earlier>...`): walking this graph tag by tag, each walk stopping at
    what earlier walks reached, gives the same sets. Empty when git cannot answer."""
    if not tags:
        return {}
    wanted = dict.fromkeys(t.commit for t in tags)
    proc = subprocess.run(
        ["git", "--no-optional-locks", "rev-list", "--parents", "--stdin"],
        input="".join([*(f"{c}\n" for c in wanted),
                       *(f"^{c}\n" for c in dict.fromkeys(t.commit for t in earlier))]).encode(),
        cwd=repo,
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        return {}
    graph: dict[str, list[str]] = {}
    for line in proc.stdout.decode().splitlines():
        sha, *parents = line.split()
        graph[sha] = parents
    return graph


def _release_containment(
    releases: list[Tag], graph: dict[str, list[str]], released: dict[str, list[str]],
    counted: set[str], since: int
) -> dict[str, Tag]:
    """For each counted commit, the first release tag that contains it (tags from the window's
    start on, including those made after it: a window commit released later is released).

    Tags are taken in time order; a walk from each tag stops at commits an earlier
    tag already reached, so the whole pass is linear in the window's commits. A tag
    whose commit is not on HEAD's history (a release branch) is walked in `released`
    (_released_graph), which excludes what tags before the window contain.
    """
    first: dict[str, Tag] = {}
    reached: set[str] = set()
    reached_released: set[str] = set()
    for tag in [t for t in releases if t.time >= since][-MAX_RELEASES:]:
        other = _walk(tag.commit, released, reached_released)
        if tag.commit in graph:
            new = _walk(tag.commit, graph, reached)
        else:
            new = [x for x in other if x in graph and x not in reached]
            reached.update(new)
        for sha in new:
            if sha in counted:
                first[sha] = tag
    return first


def _commits_per_release(releases: list[Tag], released: dict[str, list[str]], since: int,
                         until: int) -> list[int]:
    """For each release tag created in the window (time order): the non-merge commits it
    contains that no earlier release tag contains (what `git rev-list --no-merges --count
    <tag> ^<earlier>...` counts, walked in `released`). Tags made after the window are
    not the window's releases."""
    reached: set[str] = set()
    return [sum(1 for sha in _walk(tag.commit, released, reached) if len(released[sha]) < 2)
            for tag in _window_releases(releases, since, until)]


def _window_releases(releases: list[Tag], since: int, until: int) -> list[Tag]:
    return [t for t in releases if since <= t.time <= until][-MAX_RELEASES:]


@dataclass
class Refs:
    tags: list[Tag]
    releases: list[Tag]
    released: dict[str, list[str]]  # see _released_graph


def _refs(repo: str, since: int, until: int) -> Refs:
    """The tags, the release tags, and the commits the releases from `since` on hold."""
    tags = _tags(repo)
    releases = [t for t in tags if is_release_tag(t.name)]
    walked = [*_window_releases(releases, since, until),
              *[t for t in releases if t.time >= since][-MAX_RELEASES:]]
    released = _released_graph(repo, walked, [t for t in releases if t.time < since])
    return Refs(tags, releases, released)


@dataclass
class HeadFacts:
    """What files at HEAD say inside, where their paths cannot tell."""

    runtime: list[str]  # runtime manifests (manifests.py): named ones, except reusable
    # Terraform modules, else YAML files holding a Kubernetes object or a Cloud Foundry app
    otel: list[str]
    loggers: dict[str, list[str]]


def _head_facts(repo: str, head: list[str]) -> HeadFacts:
    """One `git cat-file` for every file whose content is asked about."""
    named = [f for f in head if paths.is_runtime_manifest(f)]
    charts = [f for f in named if paths.iac_kind(f) == "helm"]
    ci_files = manifests.ci_files(head) if charts else []
    terraform = manifests.terraform_code(named)
    judged = {*terraform, *charts}  # by what they say, below
    others = [f for f in named if f not in judged]
    yaml_files = [] if others else manifests.candidates(head)
    dependency_files = telemetry.candidates(head)
    texts = blobs.read_blobs(repo, "HEAD", sorted({*yaml_files, *dependency_files,
                                                   *terraform, *ci_files}))
    if not any(manifests.publishes_charts(texts.get(f, "")) for f in ci_files):
        others += charts
    if any(manifests.is_terraform_root(texts.get(f, "")) for f in terraform):
        others += terraform
    others.sort()
    runtime = others or [f for f in yaml_files
                         if f in texts and (manifests.is_kubernetes_object(texts[f])
                                            or manifests.is_cloud_foundry_manifest(f, texts[f]))]
    otel, loggers = telemetry.telemetry_facts(
        {f: texts[f] for f in dependency_files if f in texts})
    return HeadFacts(runtime, otel, loggers)


def _measures(
    m: Mining, refs: Refs, tip: str, facts: HeadFacts, since: datetime, until: datetime,
    options: GitOptions, line_counts: bool,
) -> list[Measure]:
    out: list[Measure] = []
    window_str = f"{since:%Y-%m-%d}..{until:%Y-%m-%d}"

    def add(mid: str, value: Any, unit: str = "", applicable: bool = True, **details: Any) -> None:
        out.append(
            Measure(
                id=mid,
                value=value,
                unit=unit,
                applicable=applicable,
                details={"window": window_str, **details} if details else {"window": window_str},
            )
        )

    commits = [c for c in m.window if len(c.parents) < 2]
    merges = [c for c in m.window if len(c.parents) >= 2]
    weeks = (until - since).total_seconds() / (7 * 86400)
    authors = Counter(c.author for c in commits if c.author not in m.bots)
    bots = Counter(c.author for c in commits if c.author in m.bots)
    add("git.commits", len(commits), "commits", definition="non-merge commits in the window")
    add("git.merge_commits", len(merges), "commits")
    add(
        "git.active_authors",
        len(authors),
        "people",
        commits_per_author={m.display(k): n for k, n in authors.most_common(MAX_DETAILS)},
        bot_commits={m.display(k): n for k, n in bots.most_common(MAX_DETAILS)},
        definition="people who made non-merge commits in the window; automated authors "
        "(dependabot, renovate, github-actions, GitLab project bots, ...) are not people",
    )
    add(
        "git.commits_per_week",
        _round(len(commits) / weeks, 2),
        "commits/week",
        weeks=_round(weeks, 2),
    )
    days = sorted({datetime.fromtimestamp(c.commit_time, UTC).date().isoformat() for c in commits})
    add("git.active_days", len(days), "days")

    # batch size
    sized = [c for c in commits if c.lines is not None]
    lines = [float(c.lines) for c in sized if c.lines is not None]
    files = [float(c.files) for c in commits if c.files is not None]
    lines_ok = line_counts and bool(commits)
    largest = sorted(sized, key=lambda c: -(c.lines or 0))[:10]
    add(
        "git.lines_changed_per_commit_median",
        median(lines) if lines_ok else None,
        "lines",
        applicable=bool(commits),
    )
    add(
        "git.lines_changed_per_commit_p90",
        p90(lines) if lines_ok else None,
        "lines",
        applicable=bool(commits),
        largest=[{"commit": c.sha[:12], "lines": c.lines} for c in largest],
    )
    add("git.files_changed_per_commit_median", median(files), "files", applicable=bool(commits))
    add("git.files_changed_per_commit_p90", p90(files), "files", applicable=bool(commits))
    large = [c for c in sized if (c.lines or 0) > options.large_commit_lines]
    add(
        "git.large_commit_share",
        _round(len(large) / len(sized)) if lines_ok and sized else None,
        "ratio",
        applicable=bool(commits),
        threshold_lines=options.large_commit_lines,
        large_commits=[c.sha[:12] for c in large[:MAX_DETAILS]],
    )

    # integration
    by_sha = {c.sha: c for c in m.window}
    mainline = _mainline(tip, by_sha)
    lifetimes, truncated = _branch_lifetimes(m.window, by_sha, mainline)
    has_merges = bool(lifetimes)
    add(
        "git.branch_lifetime_hours_median",
        _round(median(lifetimes), 2),
        "hours",
        applicable=has_merges,
        merges_measured=len(lifetimes),
        started_before_window=truncated,
    )
    add("git.branch_lifetime_hours_p90", _round(p90(lifetimes), 2), "hours", applicable=has_merges)
    direct = [c for c in commits if c.sha in mainline]
    direct_share = len(direct) / len(commits) if commits else None
    add(
        "git.direct_commit_share",
        _round(direct_share),
        "ratio",
        applicable=bool(commits),
        definition="non-merge commits made on the first-parent line of the tip (HEAD, or the "
        "last commit on it made by the window's end)",
    )
    trunk = None
    if commits:
        trunk = (direct_share or 0) >= 0.5 or (has_merges and (median(lifetimes) or 0) <= 24)
    add(
        "git.trunk_based",
        trunk,
        "",
        applicable=bool(commits),
        definition="at least half the commits land directly on the mainline, or branches live "
        "24 hours or less (median)",
    )

    # instability
    reverts = [c for c in commits if c.is_revert]
    delays = []
    pairs = []
    for r in reverts:
        if r.revert_of:
            target = by_sha.get(r.revert_of) or next(
                (c for s, c in by_sha.items() if s.startswith(r.revert_of)), None
            )
            if target:
                delays.append((r.commit_time - target.commit_time) / 3600)
                pairs.append({"revert": r.sha[:12], "of": target.sha[:12]})
    hotfixes = [c for c in commits if c.is_hotfix and not c.is_revert]
    add(
        "git.revert_commits",
        len(reverts),
        "commits",
        commits=[c.sha[:12] for c in reverts[:MAX_DETAILS]],
    )
    add(
        "git.revert_ratio",
        _round(len(reverts) / len(commits)) if commits else None,
        "ratio",
        applicable=bool(commits),
    )
    add(
        "git.hotfix_commits",
        len(hotfixes),
        "commits",
        commits=[c.sha[:12] for c in hotfixes[:MAX_DETAILS]],
        convention=HOTFIX.pattern,
    )
    add(
        "git.hotfix_ratio",
        _round(len(hotfixes) / len(commits)) if commits else None,
        "ratio",
        applicable=bool(commits),
    )
    add(
        "git.time_to_revert_hours_median",
        _round(median(delays), 2),
        "hours",
        applicable=bool(delays),
        pairs=pairs[:MAX_DETAILS],
    )

    # releases
    tags, releases, released = refs.tags, refs.releases, refs.released
    s, u = int(since.timestamp()), int(until.timestamp())
    in_window = [t for t in releases if s <= t.time <= u]
    intervals = [(b.time - a.time) / 86400 for a, b in pairwise(in_window)]
    add("git.tags", len(tags), "tags")
    add(
        "git.release_tags", len(in_window), "tags", names=[t.name for t in in_window][-MAX_DETAILS:]
    )
    add(
        "git.release_interval_days_median",
        _round(median(intervals), 2),
        "days",
        applicable=len(in_window) >= 2,
    )
    add(
        "git.release_interval_days_p90",
        _round(p90(intervals), 2),
        "days",
        applicable=len(in_window) >= 2,
    )
    window_commits = {c.sha: c for c in commits}
    graph = {**m.later, **{c.sha: c.parents for c in m.window}}
    first = _release_containment(releases, graph, released, set(window_commits), s)
    per_release = _commits_per_release(releases, released, s, u)
    leads = [(tag.time - window_commits[sha].commit_time) / 3600 for sha, tag in first.items()]
    add(
        "git.commits_per_release_median",
        median([float(n) for n in per_release]),
        "commits",
        applicable=bool(per_release),
        per_release=per_release[-MAX_DETAILS:],
        definition="for each release tag created in the window: non-merge commits it contains "
        "that no earlier release tag contains",
    )
    add(
        "git.lead_time_to_tag_hours_median",
        _round(median(leads), 2),
        "hours",
        applicable=bool(releases),
        commits_released=len(leads),
        commits_unreleased=len(commits) - len(leads),
    )
    add("git.lead_time_to_tag_hours_p90", _round(p90(leads), 2), "hours", applicable=bool(releases))

    # testing
    head = sorted(m.head_files)
    code_files = [f for f in head if not paths.is_vendored(f)]
    tests = [f for f in code_files if paths.is_test(f)]
    add(
        "git.test_file_share",
        _round(len(tests) / len(code_files)) if code_files else None,
        "ratio",
        applicable=bool(code_files),
        test_files=len(tests),
        files=len(code_files),
    )
    prod = [c for c in commits if c.touches_source]
    with_tests = [c for c in prod if c.touches_test]
    add(
        "git.commits_with_tests_share",
        _round(len(with_tests) / len(prod)) if prod else None,
        "ratio",
        applicable=bool(prod),
        commits_touching_code=len(prod),
    )

    # infrastructure as code, databases
    iac: dict[str, list[str]] = {}
    migrations: dict[str, list[str]] = {}
    for f in head:
        if (k := paths.iac_kind(f)) is not None:
            iac.setdefault(k, []).append(f)
        if (k := paths.migration_kind(f)) is not None:
            migrations.setdefault(k, []).append(f)
    backups = [f for f in head if paths.is_backup_script(f)]
    add("git.iac_present", bool(iac), "", files={k: v[:10] for k, v in sorted(iac.items())})
    add("git.iac_kinds", ",".join(sorted(iac)) or None, "", applicable=bool(iac))
    runtime = facts.runtime
    add("git.runtime_manifests_present", bool(runtime), "", files=runtime[:10],
        definition="Kubernetes, Helm, Terraform, Ansible, Pulumi or CloudFormation files outside "
        "tests, examples and docs (Terraform's .tf files only in a root configuration: a "
        "provider or state backend configured; a reusable module's do not count; Helm charts "
        "not when the repository's CI publishes them); YAML files "
        "elsewhere count when they hold a Kubernetes object (top-level apiVersion and kind) "
        "or are a Cloud Foundry app manifest (manifest*.yml with a top-level applications "
        "list)")
    add(
        "git.db_migrations_present",
        bool(migrations),
        "",
        files={k: v[:10] for k, v in sorted(migrations.items())},
    )
    add(
        "git.db_migration_kinds",
        ",".join(sorted(migrations)) or None,
        "",
        applicable=bool(migrations),
    )
    add("git.backup_failover_scripts_present", bool(backups), "", files=backups[:MAX_DETAILS])
    shippers: dict[str, list[str]] = {}
    for f in head:
        kind = paths.observability_kind(f)
        if kind:
            shippers.setdefault(kind, []).append(f)
    add("git.observability_config_present", bool(shippers), "",
        files={k: v[:10] for k, v in sorted(shippers.items())})
    add("git.observability_config_kinds", ",".join(sorted(shippers)) or None, "",
        applicable=bool(shippers))
    otel, loggers = facts.otel, facts.loggers
    add("git.opentelemetry_in_dependencies", bool(otel), "", files=otel[:MAX_DETAILS],
        definition="a dependency manifest names an OpenTelemetry API, SDK or instrumentation")
    add("git.structured_logging_present", bool(loggers), "",
        files={k: v[:10] for k, v in sorted(loggers.items())},
        definition="a manifest or logging configuration names a structured (JSON or "
        "key-value) logger")
    add("git.structured_logging_libraries", ",".join(sorted(loggers)) or None, "",
        applicable=bool(loggers))

    # knowledge
    def days_since(kind: str) -> float | None:
        t = m.last_change.get(kind)
        return None if t is None else _round(max(0.0, (u - t) / 86400), 1)

    runbooks = [f for f in head if paths.is_runbook(f)]
    docs = [f for f in head if paths.is_doc(f)]
    add("git.runbooks_present", bool(runbooks), "", files=runbooks[:MAX_DETAILS])
    add("git.runbooks_last_changed_days", days_since("runbooks"), "days", applicable=bool(runbooks))
    add("git.docs_present", bool(docs), "", files=len(docs))
    add("git.docs_last_changed_days", days_since("docs"), "days", applicable=bool(docs))
    add("git.adr_present", any(paths.is_adr(f) for f in head), "")
    add("git.codeowners_present", any(paths.is_codeowners(f) for f in head), "")

    owned = [f for f in head if not paths.is_vendored(f)]
    authors_of = {f: m.authorship.authors_of(f) for f in owned}
    tf, tf_people = truck_factor({f: a for f, a in authors_of.items() if a})
    touched = [f for f in owned if m.authorship.changes.get(f)]
    single = [f for f in touched if len(m.authorship.changes[f]) == 1]
    tops = sorted({paths.top_level(f) for f in head})
    shares = {}
    for d, counts in sorted(m.dir_authors.items()):
        n = sum(counts.values())
        if n >= options.main_author_min_changes:
            who, k = counts.most_common(1)[0]
            shares[d] = {"main_author": m.display(who), "share": _round(k / n), "changes": n}
    add("git.files", len(head), "files")
    add("git.top_level_dirs", len([t for t in tops if t != "(root)"]), "directories")
    add(
        "git.truck_factor",
        tf,
        "people",
        applicable=bool(touched),
        authors=[m.display(k) for k in tf_people],
        method="degree of authorship, Avelino et al. 2016",
    )
    add(
        "git.main_author_share_max",
        max((v["share"] for v in shares.values()), default=None),
        "ratio",
        applicable=bool(shares),
        per_directory=shares,
        min_changes=options.main_author_min_changes,
    )
    add(
        "git.single_author_file_share",
        _round(len(single) / len(touched)) if touched else None,
        "ratio",
        applicable=bool(touched),
    )
    return out
