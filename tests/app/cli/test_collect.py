"""`opsmaturity collect git|ci` and `opsmaturity assess` on real repositories."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.scoring.assessment import Assessment
from opsmaturity.scoring.catalogue import default_catalogue_dir, load_catalogue, localise
from tests.gitbuilder import RepoBuilder

runner = CliRunner()
D = 86400

GITLAB_CI = """
stages: [test, deploy]
unit:
  stage: test
  script: [pytest]
deploy_prod:
  stage: deploy
  script: [./deploy.sh]
  environment: {name: production}
  when: manual
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("OPSMATURITY_CACHE_DIR", str(tmp_path / "cache"))
    b = RepoBuilder(tmp_path / "service")
    b.commit("start", at=-3 * D, files={"app.py": "print(1)\n", ".gitlab-ci.yml": GITLAB_CI})
    b.commit("tests", at=-2 * D, author="Bob", files={"tests/test_app.py": "def test(): pass\n"})
    b.commit("feature", at=-D, files={"app.py": "print(2)\n"})
    return b.build()


def run(*args: str):
    return runner.invoke(app, list(args))


def since_args() -> list[str]:
    return ["--since", "2025-12-01", "--until", "2026-02-01"]


def test_collect_git_writes_pseudonymised_evidence(repo: Path, tmp_path: Path):
    out = tmp_path / "ev.json"
    result = run("collect", "git", str(repo), "--out", str(out), *since_args())
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["collector"] == "git"
    ids = {m["id"]: m["value"] for m in data["measures"]}
    assert ids["git.commits"] == 3 and ids["git.active_authors"] == 2
    assert "Alice" not in out.read_text() and "alice@example.com" not in out.read_text()
    assert "Traceback" not in result.output


def test_collect_ci(repo: Path, tmp_path: Path):
    out = tmp_path / "ci.json"
    result = run("collect", "ci", str(repo), "--out", str(out))
    assert result.exit_code == 0, result.output
    ids = {m["id"]: m["value"] for m in json.loads(out.read_text())["measures"]}
    assert ids["ci.present"] is True and ids["ci.production_deploy_automatic"] is False


def test_assess_without_answers_rests_on_evidence(repo: Path, tmp_path: Path):
    out, ev = tmp_path / "a.json", tmp_path / "ev.json"
    result = run("assess", str(repo), "--out", str(out), "--evidence-out", str(ev),
                 *since_args())
    assert result.exit_code == 0, result.output
    assert "findings rest on evidence alone" in result.stdout
    a = json.loads(out.read_text())
    assert a["team"] == "service"  # named after the repository
    assert a["notes"][0] == "no_answers"
    assert {c["collector"] for c in a["coverage"]} == {"git", "ci"}
    manual = next(f for f in a["findings"] if f["sign_id"] == "manual_deployments")
    probe = next(p for p in manual["probes"] if p["probe_id"] == "production_deploy_is_automatic")
    assert (probe["outcome"], probe["healthy"]) == ("false", False)
    assert manual["status"] != "unknown"
    assert len(json.loads(ev.read_text())) == 2  # git and ci evidence kept for later


def test_assess_of_code_only_lists_what_to_settle_in_words(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("OPSMATURITY_CACHE_DIR", str(tmp_path / "cache"))
    b = RepoBuilder(tmp_path / "library")
    b.commit("start", at=-3 * D, files={"lib.py": "def f(): return 1\n"})
    b.commit("tests", at=-D, files={"tests/test_lib.py": "def test(): pass\n"})
    out = tmp_path / "a.json"
    result = runner.invoke(app, ["assess", str(b.build()), "--out", str(out), *since_args()],
                           env={"COLUMNS": "400"})  # one table row per line
    assert result.exit_code == 0, result.output
    a = Assessment.model_validate_json(out.read_text())
    cat = load_catalogue()
    o = a.overall
    assert a.suspected(), "a repository of code alone leaves signs to settle"
    assert (f"signs present {o.signs_present}, suspected {o.signs_suspected}, absent "
            f"{o.signs_absent}, unknown {o.signs_unknown}") in result.stdout
    settle = result.stdout.index("To settle in the workshop")
    assert result.stdout.index("Top warning signs") < settle < result.stdout.index("Do first")
    for f in a.suspected():
        assert localise(cat.sign(f.sign_id).settle) in result.stdout[settle:]
    words = set(re.findall(r"[a-z_]+", result.stdout))
    assert not set(a.notes) & words, "a note id reached the terminal"
    assert "impact_assumed" in a.notes and "neutral" in result.stdout


def test_assess_with_answers_and_gate(repo: Path, tmp_path: Path):
    answers = default_catalogue_dir() / "examples" / "weak-team.yaml"
    out = tmp_path / "a.json"
    result = run("assess", str(repo), "--answers", str(answers), "--out", str(out),
                 "--fail-on", "high", *since_args())
    assert result.exit_code == 1, result.output
    a = json.loads(out.read_text())
    assert a["inputs"]["respondents"] == 1 and a["inputs"]["evidence_sets"] == 2
    assert "no_answers" not in a["notes"]


def test_assess_a_clone_url(repo: Path, tmp_path: Path):
    out = tmp_path / "a.json"
    result = run("assess", repo.as_uri(), "--out", str(out), "-q", *since_args())
    assert result.exit_code == 0, result.output
    sources = {c["collector"]: c["source"] for c in json.loads(out.read_text())["coverage"]}
    assert sources["git"] == repo.as_uri()


def test_assess_bad_paths_are_one_line(tmp_path: Path):
    for target, message in [(tmp_path / "missing", "no such file"),
                            (tmp_path, "not a git repository")]:
        result = run("assess", str(target))
        assert result.exit_code == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], result.stderr


def test_assess_empty_repository(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("OPSMATURITY_CACHE_DIR", str(tmp_path / "cache"))
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path / "empty")], check=True)
    out = tmp_path / "a.json"
    result = run("assess", str(tmp_path / "empty"), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    coverage = {c["collector"]: c for c in json.loads(out.read_text())["coverage"]}
    assert coverage["git"]["ratio"] == 0 and coverage["git"]["partial"]


def test_out_dash_is_standard_output_for_collect_and_assess(repo: Path, tmp_path: Path,
                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    git = run("collect", "git", str(repo), "--out", "-", *since_args())
    assert git.exit_code == 0, git.output
    assert json.loads(git.stdout)["collector"] == "git"
    ci = run("collect", "ci", str(repo), "-o", "-")
    assert json.loads(ci.stdout)["collector"] == "ci"
    evidence = run("assess", str(repo), "--evidence-out", "-", "-q", *since_args())
    assert [e["collector"] for e in json.loads(evidence.stdout)] == ["git", "ci"]
    assert not (tmp_path / "-").exists()
    both = run("assess", str(repo), "--format", "sarif", "--evidence-out", "-")
    assert both.exit_code == 2
    assert "only one output can go to standard output" in both.stderr
