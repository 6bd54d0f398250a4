"""The history's first `git log`, started before the collector is imported, is the one the
collector reads: the same evidence, no second git process, nothing left running."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from opsmaturity.collectors.git import log
from opsmaturity.collectors.git.collector import GitCollector, GitOptions
from opsmaturity.collectors.git.early import start_history
from tests.gitbuilder import T0, RepoBuilder, git

D = 86400


def _repo(tmp_path: Path) -> Path:
    b = RepoBuilder(tmp_path / "r")
    b.commit("before", at=-5 * D, files={"src/app.py": "a\n"})
    b.commit("in the window", at=1 * D, author="Bob", files={"src/app.py": "a\nb\n"})
    b.commit("after it", at=40 * D, files={"docs/runbook.md": "1\n"})
    return b.build()


def _options(repo: Path, cache: Path, **kw: object) -> dict[str, object]:
    return {"source": str(repo), "since": T0, "until": T0 + timedelta(days=28),
            "cache_dir": cache, "use_cache": False, **kw}


def _measures(options: dict[str, object]) -> dict[str, object]:
    evidence = GitCollector().collect(GitOptions.model_validate(options))
    return {m.id: (m.value, m.details) for m in evidence.measures}


def test_the_early_git_log_is_the_one_the_collector_reads(tmp_path: Path, monkeypatch):
    repo = _repo(tmp_path)
    expected = _measures(_options(repo, tmp_path / "c"))
    spawned: list[list[str]] = []
    spawn = log._spawn
    monkeypatch.setattr(log, "_spawn", lambda r, cmd: spawned.append(cmd) or spawn(r, cmd))

    start_history(_options(repo, tmp_path / "c"))
    # HEAD is newer than the window: after, in and before the window, all three at once
    assert len(log._started) == 3
    early = [popen for popen, _ in log._started.values()]
    got = _measures(_options(repo, tmp_path / "c"))

    assert got == expected
    assert not log._started  # taken over
    assert [p.returncode for p in early] == [0, 0, 0]  # and each read to its end
    assert sum("--name-status" in cmd for cmd in spawned) == 2  # after + before, not 3
    assert sum("--numstat" in cmd for cmd in spawned) == 1


def test_nothing_starts_when_the_evidence_is_cached(tmp_path: Path):
    repo = _repo(tmp_path)
    _measures(_options(repo, tmp_path / "c", use_cache=True))  # fills the cache
    start_history(_options(repo, tmp_path / "c", use_cache=True))
    assert not log._started
    start_history(_options(repo, tmp_path / "c", use_cache=False))
    assert len(log._started) == 3
    log.stop_started()  # what exit does with one nobody took over
    assert not log._started


def test_an_empty_repository_or_a_bad_window_starts_nothing(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    git(tmp_path / "empty", "init", "-q")
    start_history(_options(tmp_path / "empty", tmp_path / "c"))
    start_history(_options(_repo(tmp_path), tmp_path / "c", since=T0 + timedelta(days=40)))
    assert not log._started


def test_the_early_git_log_runs_to_its_end_before_anyone_reads_it(tmp_path: Path):
    """A pipe holds 64 KiB: git started ahead stopped there and waited for the imports to
    end. Its output is now read into memory (bounded) from the start."""
    b = RepoBuilder(tmp_path / "big")
    for i in range(1500):  # about 200 KiB of `git log --numstat`
        b.commit(f"change number {i} with a subject long enough to fill the pipe", at=i * 60,
                 files={f"src/module_{i % 40}.py": f"{i}\n"})
    repo = b.build()
    log.start(str(repo), "HEAD", numstat=True)
    popen, _ = next(iter(log._started.values()))
    try:
        popen.wait(timeout=60)  # nobody reads: with a bare pipe this never returns
        assert popen.returncode == 0
        commits = list(log.log(str(repo), "HEAD", numstat=True))
        assert len(commits) == 1500 and not log._started
    finally:
        log.stop_started()


def test_a_walk_the_window_makes_unneeded_is_stopped_by_the_collector(tmp_path: Path):
    """The repository begins inside the window: nothing lies before it, so the "before"
    walk started ahead is not read; the collector stops it instead of leaving it to exit."""
    b = RepoBuilder(tmp_path / "young")
    b.commit("first", at=2 * D, files={"app.py": "1\n"})
    b.commit("second", at=3 * D, files={"app.py": "2\n"})
    options = _options(b.build(), tmp_path / "c")
    start_history(options)
    early = {cmd: popen for (_, cmd), (popen, _) in log._started.items()}
    assert len(early) == 2  # the window and before it
    _measures(options)
    assert not log._started
    before = next(p for cmd, p in early.items() if "--name-status" in cmd)
    window = next(p for cmd, p in early.items() if "--numstat" in cmd)
    assert window.returncode == 0 and before.returncode is not None
