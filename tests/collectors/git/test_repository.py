"""Opening repositories as users have them, including odd but real layouts."""

from __future__ import annotations

from pathlib import Path

from opsmaturity.collectors.git.repository import head_commit
from tests.gitbuilder import RepoBuilder, git


def test_head_of_a_bare_repository_without_config(tmp_path: Path):
    # mirrors made by copying objects and refs have no `config`; git reads them, and so must we
    b = RepoBuilder(tmp_path / "mirror", bare=True)
    b.commit("one", at=0, files={"a.txt": "a\n"})
    repo = b.build()
    (repo / "config").unlink()
    expected = git(repo, "log", "-1", "--format=%H %ct", "HEAD").split()
    assert head_commit(str(repo)) == (expected[0], int(expected[1]))


def test_head_of_a_repository_without_commits(tmp_path: Path):
    repo = tmp_path / "empty"
    repo.mkdir()
    git(repo, "init", "-q")
    assert head_commit(str(repo)) is None
