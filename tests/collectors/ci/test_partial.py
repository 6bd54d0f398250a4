"""CI configuration from a repository that lacks file contents (issue 15): a partial clone
whose remote is gone, or a mirror missing an object. What cannot be read is named, and
nothing is judged from its absence."""

from __future__ import annotations

import subprocess
from pathlib import Path

from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.collectors.ci.collector import CiConfigCollector, CiConfigOptions
from tests.gitbuilder import RepoBuilder

D = 86400
TESTS = """
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps: [{run: pytest}]
"""


def _partial_clone(tmp_path: Path) -> Path:
    b = RepoBuilder(tmp_path / "origin")
    b.commit("ci", at=D, files={".github/workflows/tests.yml": TESTS, "app.py": "print(1)\n"})
    origin = b.build()
    subprocess.run(["git", "config", "uploadpack.allowFilter", "true"], cwd=origin, check=True)
    clone = tmp_path / "partial.git"
    subprocess.run(["git", "clone", "-q", "--bare", "--filter=blob:none", origin.as_uri(),
                    str(clone)], check=True)
    subprocess.run(["rm", "-rf", str(origin)], check=True)  # contents can no longer be fetched
    return clone


def test_unreadable_ci_files_are_named_and_not_judged(tmp_path: Path):
    clone = _partial_clone(tmp_path)
    ev = CiConfigCollector().collect(CiConfigOptions(repo=clone))
    values = {m.id: m.value for m in ev.measures}
    assert values["ci.present"] is True
    assert values["ci.test_stage_present"] is None  # not False: the file was not read
    assert values["ci.jobs_count"] is None and values["ci.security_scanning_present"] is None
    assert ev.partial and ev.coverage.ratio < 0.5
    assert ev.coverage.missing[0].startswith(".github/workflows/tests.yml: its content is not "
                                             "in the repository")


def test_assess_on_a_partial_clone_gives_an_assessment(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("OPSMATURITY_CACHE_DIR", str(tmp_path / "cache"))
    clone = _partial_clone(tmp_path)
    out = tmp_path / "a.json"
    result = CliRunner().invoke(app, ["assess", str(clone), "--out", str(out), "-q",
                                      "--since", "2026-01-01", "--until", "2026-02-01"])
    assert result.exit_code == 0, result.output
    assert out.exists()
