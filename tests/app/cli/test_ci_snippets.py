"""The CI snippets in docs/ci.md, run as documented: every `opsmaturity` line of each
snippet, verbatim, in a real repository, with the files they leave checked as the CI
system would read them (SARIF against its schema, JUnit parsed, JSON loaded) and the
gate's exit code checked against the assessment it wrote."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from opsmaturity.scoring.catalogue import RISK_ORDER
from tests.conftest import ROOT

from .test_formats import assert_valid_sarif

DOC = (ROOT / "docs" / "ci.md").read_text()
EXE = Path(sys.executable).with_name("opsmaturity")

GITLAB_CI = """stages: [test, deploy]
unit:
  stage: test
  script: [pytest]
deploy_prod:
  stage: deploy
  script: [./deploy.sh]
  environment: {name: production}
  when: manual
"""


def snippet(name: str) -> dict:
    match = re.search(rf"<!-- ci:{name} -->\n```yaml\n(.*?)```", DOC, re.S)
    assert match, f"docs/ci.md has no ci:{name} snippet"
    return yaml.safe_load(match.group(1))


def github_steps() -> list[dict]:
    return snippet("github")["jobs"]["assess"]["steps"]


def command_lines(lines: list[str]) -> list[str]:
    return [ln for ln in lines if ln.split()[0] == "opsmaturity"]


SNIPPETS = {
    "github": lambda: command_lines([s["run"] for s in github_steps() if "run" in s]),
    "gitlab": lambda: command_lines(snippet("gitlab")["opsmaturity"]["script"]),
}


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A small real repository with recent history (the default window is the last 180 days)
    and a GitLab CI configuration whose production deploy is manual."""
    repo = tmp_path / "service"
    repo.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "Alice", "GIT_AUTHOR_EMAIL": "alice@example.com",
           "GIT_COMMITTER_NAME": "Alice", "GIT_COMMITTER_EMAIL": "alice@example.com"}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    (repo / "README.md").write_text("# service\n")
    (repo / ".gitlab-ci.yml").write_text(GITLAB_CI)
    (repo / "app.py").write_text("print(1)\n")
    git("add", ".")
    git("commit", "-q", "-m", "start")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_app.py").write_text("def test():\n    pass\n")
    git("add", ".")
    git("commit", "-q", "-m", "tests")
    return repo


def run_documented(lines: list[str], repo: Path, cache: Path) -> list[subprocess.CompletedProcess]:
    env = {**os.environ, "OPSMATURITY_CACHE_DIR": str(cache)}
    env.pop("FORCE_COLOR", None)
    done = []
    for line in lines:
        argv = shlex.split(line)
        proc = subprocess.run([str(EXE), *argv[1:]], cwd=repo, env=env, capture_output=True,
                              text=True, check=False)
        assert "Traceback" not in proc.stderr, proc.stderr
        done.append(proc)
    return done


def check_gate(line: str, proc: subprocess.CompletedProcess, repo: Path) -> None:
    """Exit 1 exactly when a sign reached the gate's level, and the JSON was written first."""
    argv = shlex.split(line)
    level = argv[argv.index("--fail-on") + 1]
    out = repo / argv[argv.index("--out") + 1]
    findings = json.loads(out.read_text())["findings"]
    hit = any(RISK_ORDER[f["risk_level"]] >= RISK_ORDER[level] for f in findings)
    assert proc.returncode == (1 if hit else 0), proc.stderr
    assert not any(f["status"] == "suspected" and RISK_ORDER[f["risk_level"]] >= RISK_ORDER[level]
                   for f in findings)


def check_outputs(lines: list[str], procs: list, repo: Path) -> dict[str, Path]:
    written: dict[str, Path] = {}
    for line, proc in zip(lines, procs, strict=True):
        argv = shlex.split(line)
        if "--fail-on" in argv:
            check_gate(line, proc, repo)
        else:
            assert proc.returncode == 0, proc.stderr
        fmt = argv[argv.index("--format") + 1] if "--format" in argv else "json"
        out = repo / argv[argv.index("--out") + 1]
        assert out.is_file(), line
        if fmt == "sarif":
            assert_valid_sarif(out.read_text())
        elif fmt == "junit":
            assert ET.parse(out).getroot().find("testsuite") is not None
        else:
            assert json.loads(out.read_text())["findings"]
        written[fmt] = out
        if "--evidence-out" in argv:
            evidence = repo / argv[argv.index("--evidence-out") + 1]
            assert {e["collector"] for e in json.loads(evidence.read_text())} == {"git", "ci"}
            written["evidence"] = evidence
        assert "\x1b[" not in proc.stdout + proc.stderr  # plain text in a CI log
    return written


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_documented_command_lines_run_as_written(name: str, repository: Path, tmp_path: Path):
    lines = SNIPPETS[name]()
    assert any("--fail-on" in ln for ln in lines), "the snippet gates"
    procs = run_documented(lines, repository, tmp_path / "cache")
    written = check_outputs(lines, procs, repository)
    assert {"sarif", "json"} <= set(written)
    if name == "github":
        steps = github_steps()
        upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
        assert repository / upload["with"]["sarif_file"] == written["sarif"]
        artifact = next(s for s in steps if "upload-artifact" in s.get("uses", ""))
        kept = {repository / p for p in artifact["with"]["path"].split()}
        assert {written["json"], written["sarif"], written["evidence"]} <= kept
        assert upload["if"] == artifact["if"] == "always()"  # kept when the gate fails
        checkout = next(s for s in steps if "checkout" in s.get("uses", ""))
        assert checkout["with"]["fetch-depth"] == 0
    else:
        job = snippet("gitlab")["opsmaturity"]
        assert repository / job["artifacts"]["reports"]["junit"] == written["junit"]
        assert {repository / p for p in job["artifacts"]["paths"]} >= {written["json"]}
        assert job["artifacts"]["when"] == "always" and job["variables"]["GIT_DEPTH"] == 0
