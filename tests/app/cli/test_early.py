"""The `git log` started before typer parses the options is the one the command reads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.app.cli.early import git_options, start_git_log
from opsmaturity.collectors.git import log
from tests.gitbuilder import RepoBuilder

D = 86400
WINDOW = ["--since", "2025-12-01", "--until=2026-02-01"]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("OPSMATURITY_CACHE_DIR", str(tmp_path / "cache"))
    b = RepoBuilder(tmp_path / "service")
    b.commit("start", at=-3 * D, files={"app.py": "print(1)\n"})
    b.commit("feature", at=-D, author="Bob", files={"app.py": "print(2)\n"})
    return b.build()


def test_reads_the_options_the_git_walk_depends_on():
    got = git_options(["collect", "git", "repo", "-o", "-", "--show-names", *WINDOW])
    assert got == {"source": "repo", "show_names": True, "use_cache": True,
                   "since": datetime(2025, 12, 1, tzinfo=UTC),
                   "until": datetime(2026, 2, 1, tzinfo=UTC)}
    assert git_options(["assess", "--no-cache", "-q", "--format", "json"]) == {
        "source": ".", "show_names": False, "use_cache": False}
    # the options before the command (`opsmaturity --lang de assess .`) are not the command's
    assert git_options(["--lang", "de", "--db=sqlite://", "assess", "repo"]) == {
        "source": "repo", "show_names": False, "use_cache": True}


@pytest.mark.parametrize("argv", [
    ["collect", "ci", "."], ["score", "--answers", "a.yaml"], ["collect", "git", "--help"],
    ["collect", "git", "a", "b"], ["collect", "git", "--since", "yesterday"],
    ["assess", "--new-option"], ["collect", "git", "--out"], [],
])
def test_anything_unexpected_starts_nothing(argv: list[str]):
    assert git_options(argv) is None
    start_git_log(argv)
    assert not log._started


@pytest.mark.parametrize("command", [["collect", "git"], ["assess"]])
def test_the_command_takes_the_early_git_log_over(repo: Path, tmp_path: Path,
                                                   command: list[str]):
    argv = [*command, str(repo), *WINDOW, "--no-cache", "--out", str(tmp_path / "out.json")]
    start_git_log(argv)
    assert log._started  # every walk of the history, at once
    early, _ = next(iter(log._started.values()))  # the first: the window or after it
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert not log._started and early.returncode == 0  # read to its end, not stopped
    assert (tmp_path / "out.json").stat().st_size > 0


def test_a_cached_run_starts_no_git_log(repo: Path, tmp_path: Path):
    argv = ["collect", "git", str(repo), *WINDOW, "--out", str(tmp_path / "out.json")]
    assert CliRunner().invoke(app, argv).exit_code == 0
    start_git_log(argv)
    assert not log._started
