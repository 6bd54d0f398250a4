"""Calibration: archetypal projects, built as real repositories, must get the verdict a
practitioner would give them. Each runs the real collectors and the real catalogue.

The bands are deliberately coarse (which signs are present or suspected, the overall
level's range): they pin down the meaning of the verdict, not its decimals.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.questionnaires import __file__ as _questionnaires
from tests.gitbuilder import RepoBuilder

D = 86400
WINDOW = ["--since", "2025-07-01", "--until", "2026-01-10"]
EXAMPLES = Path(_questionnaires).parent / "examples"
OPERATIONAL = {"rollbacks_undefined", "customers_detect_issues", "monitoring_without_insight",
               "heavy_dev_ops_coordination",
               "improvised_incident_response", "slow_environment_setup",
               "recovery_depends_on_individuals", "undocumented_workarounds",
               "no_shared_service_ownership"}
RANK = {"unknown": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
runner = CliRunner()


def history(b: RepoBuilder, authors: list[str], *, days: int = 150, per_week: int = 6,
            with_tests: bool = True, first: dict[str, str] | None = None) -> None:
    """Commits spread over `days` before T0, round-robin over `authors`."""
    n = days * per_week // 7
    b.commit("start", at=-days * D, author=authors[0], files=first or {})
    for i in range(n):
        who = authors[i % len(authors)]
        files = {f"src/module_{i % 12}.py": f"VALUE = {i}\n"}
        if with_tests and i % 2 == 0:
            files[f"tests/test_module_{i % 12}.py"] = f"def test_{i}():\n    assert True\n"
        if i % 25 == 0:
            files["docs/index.md"] = f"# Docs\n\nrevision {i}\n"
        b.commit(f"change {i}", at=-days * D + (i + 1) * (days * D // (n + 1)), author=who,
                 files=files)


def run(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code in (0, 1), result.output
    return result


def assess(tmp: Path, repo: Path, *, answers: Path | None = None,
           extra: list[Path] = ()) -> dict[str, Any]:
    """git + ci (+ extra evidence files) scored with the real catalogue."""
    evidence = []
    for kind in ("git", "ci"):
        out = tmp / f"{repo.name}-{kind}.json"
        run("collect", kind, str(repo), "--out", str(out), *(WINDOW if kind == "git" else []))
        evidence += ["--evidence", str(out)]
    for path in extra:
        evidence += ["--evidence", str(path)]
    out = tmp / f"{repo.name}-assessment.json"
    run("score", *evidence, *(["--answers", str(answers)] if answers else []),
        "--out", str(out), "--quiet")
    return json.loads(out.read_text())


def finding(a: dict[str, Any], sign: str) -> dict[str, Any]:
    return next(f for f in a["findings"] if f["sign_id"] == sign)


def at_least(a: dict[str, Any], level: str) -> list[str]:
    return [f["sign_id"] for f in a["findings"] if RANK[f["risk_level"]] >= RANK[level]]


# ---------------------------------------------------------------- archetypes

LIBRARY_CI = """\
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -e .[test]
      - run: pytest
"""
LIBRARY_PUBLISH = """\
on:
  push:
    tags: ["v*"]
jobs:
  publish:
    runs-on: ubuntu-latest
    environment: pypi
    permissions: {id-token: write}
    steps:
      - uses: actions/checkout@v4
      - run: python -m build
      - uses: pypa/gh-action-pypi-publish@release/v1
"""

SERVICE_CI = """\
stages: [test, build, deploy]
unit:
  stage: test
  script: [pytest]
image:
  stage: build
  script: [docker build -t $IMAGE ., docker push $IMAGE]
review:
  stage: deploy
  script: [helm upgrade --install review-$CI_COMMIT_REF_SLUG chart/]
  environment: {name: review/$CI_COMMIT_REF_SLUG, on_stop: stop_review}
  rules: [{if: $CI_MERGE_REQUEST_ID}]
stop_review:
  stage: deploy
  script: [helm uninstall review-$CI_COMMIT_REF_SLUG]
  environment: {name: review/$CI_COMMIT_REF_SLUG, action: stop}
  rules: [{if: $CI_MERGE_REQUEST_ID, when: manual}]
staging:
  stage: deploy
  script: [helm upgrade --install app chart/ -f values-staging.yaml]
  environment: {name: staging}
  rules: [{if: $CI_COMMIT_BRANCH == "main"}]
production:
  stage: deploy
  script: [helm upgrade --install app chart/ -f values-production.yaml]
  environment: {name: production}
  rules: [{if: $CI_COMMIT_BRANCH == "main"}]
rollback_production:
  stage: deploy
  script: [helm rollback app]
  environment: {name: production, action: stop}
  when: manual
"""
SERVICE_RULES = """\
groups:
  - name: payments
    rules:
""" + "".join(f"""\
      - alert: {name}
        expr: {expr}
        for: 5m
        labels: {{severity: {sev}, team: payments}}
        annotations:
          summary: "{name} on {{{{ $labels.instance }}}}"
          runbook_url: https://runbooks.example/payments/{name.lower()}
""" for name, expr, sev in [
    ("PaymentsDown", "absent(up{job=\"payments\"})", "critical"),
    ("HighErrorRate", "sum(rate(http_requests_total{code=~\"5..\"}[5m])) > 1", "critical"),
    ("HighLatency", "histogram_quantile(0.99, rate(http_duration_seconds_bucket[5m])) > 1",
     "warning"),
    ("CheckoutFailures", "rate(checkout_failed_total[5m]) > 0.1", "critical"),
    ("QueueBacklog", "queue_depth > 1000", "warning"),
    ("DiskFull", "node_filesystem_avail_bytes < 1e9", "warning"),
])

LEGACY_CI = """\
stages: [build, deploy]
build:
  stage: build
  script: [make]
deploy_production:
  stage: deploy
  script: [./deploy/upload.sh]
  environment: {name: production}
  when: manual
"""
LEGACY_UPLOAD = """\
#!/bin/sh
set -e
lftp -u "$FTP_USER,$FTP_PASSWORD" ftp://web01.example.internal \\
  -e "mirror -R build/ /var/www/shop; quit"
"""


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("calibration")


@pytest.fixture(scope="module", autouse=True)
def _cache(tmp: Path) -> Any:
    mp = pytest.MonkeyPatch()
    mp.setenv("OPSMATURITY_CACHE_DIR", str(tmp / "cache"))
    yield
    mp.undo()


@pytest.fixture(scope="module")
def library(tmp: Path) -> Path:
    b = RepoBuilder(tmp / "library")
    history(b, ["Ana", "Ben", "Cleo", "Dev", "Eli"], first={
        ".github/workflows/ci.yml": LIBRARY_CI, ".github/workflows/publish.yml": LIBRARY_PUBLISH,
        "pyproject.toml": "[project]\nname = 'lib'\n", "README.md": "# lib\n"})
    for k in range(10):
        b.tag(f"v1.{k}.0", at=-140 * D + k * 14 * D)
    return b.build()


@pytest.fixture(scope="module")
def service(tmp: Path) -> Path:
    b = RepoBuilder(tmp / "service")
    history(b, ["Ana", "Ben", "Cleo", "Dev"], first={
        ".gitlab-ci.yml": SERVICE_CI, "CODEOWNERS": "* @payments-team\n",
        "chart/Chart.yaml": "name: payments\n", "chart/templates/deployment.yaml": "kind: X\n",
        "docs/runbooks/payments-down.md": "# Payments down\n1. Check the pods\n",
        "ops/backup_database.sh": "pg_dump payments > backup.sql\n",
        "db/migrate/20260101_create_payments.rb": "class CreatePayments; end\n"})
    for k in range(10):
        b.tag(f"v2.{k}.0", at=-140 * D + k * 14 * D)
    return b.build()


@pytest.fixture(scope="module")
def service_monitoring(tmp: Path) -> Path:
    rules = tmp / "rules.yml"
    rules.write_text(SERVICE_RULES)
    out = tmp / "monitoring.json"
    run("collect", "prometheus", "--rules", str(rules), "--no-promtool", "--out", str(out))
    return out


@pytest.fixture(scope="module")
def legacy(tmp: Path) -> Path:
    b = RepoBuilder(tmp / "legacy")
    history(b, ["Hans"], with_tests=False, per_week=3, first={
        ".gitlab-ci.yml": LEGACY_CI, "deploy/upload.sh": LEGACY_UPLOAD, "Makefile": "all:\n"})
    b.commit("typo", at=-3 * D, author="Eva", files={"src/module_1.py": "VALUE = 0\n"})
    return b.build()


@pytest.fixture(scope="module")
def no_pipeline(tmp: Path) -> Path:
    """No CI at all: the developer runs deploy.sh, which rsyncs to the production host."""
    b = RepoBuilder(tmp / "no-pipeline")
    history(b, ["Hans"], with_tests=False, per_week=3, first={
        "deploy.sh": "#!/bin/sh\nset -e\nrsync -az --delete src/ www@prod-web-01:/srv/app/\n"
                     "ssh www@prod-web-01 'sudo systemctl restart app'\n"})
    return b.build()


@pytest.fixture(scope="module")
def code_only(tmp: Path) -> Path:
    b = RepoBuilder(tmp / "code")
    history(b, ["Ana", "Ben", "Cleo"], per_week=4)
    return b.build()


# ---------------------------------------------------------------- evidence only

def test_well_run_library_is_not_a_risk(tmp: Path, library: Path):
    a = assess(tmp, library)
    assert RANK[a["overall"]["risk_level"]] <= RANK["medium"], at_least(a, "medium")
    assert at_least(a, "high") == []
    assert finding(a, "manual_deployments")["status"] == "absent"
    # a library shows no operation: its missing runbooks say nothing about operations
    assert "not_operated" in a["notes"]
    assert all(finding(a, s)["status"] == "unknown" for s in OPERATIONAL)
    assert "impact_assumed" in a["notes"]
    # nothing established: nothing to do first (absent signs once drew measures)
    assert a["recommendations"] == []


def test_well_run_service_is_not_a_risk(tmp: Path, service: Path, service_monitoring: Path):
    a = assess(tmp, service, extra=[service_monitoring])
    assert at_least(a, "high") == []
    assert RANK[a["overall"]["risk_level"]] <= RANK["medium"]
    for sign in ("manual_deployments", "improvised_incident_response", "customers_detect_issues",
                 "monitoring_without_insight", "slow_environment_setup"):
        assert finding(a, sign)["status"] == "absent", sign
    assert "not_operated" not in a["notes"]


def test_hand_deployed_legacy_service_is_not_safe(tmp: Path, legacy: Path):
    a = assess(tmp, legacy)
    manual = finding(a, "manual_deployments")
    assert (manual["status"], manual["support"]) == ("present", "evidence")
    assert RANK[manual["risk_level"]] >= RANK["high"]
    copies = next(p for p in manual["probes"]
                  if p["probe_id"] == "production_deploy_copies_to_hosts")
    assert copies["outcome"] == "true" and copies["healthy"] is False
    assert finding(a, "knowledge_held_by_individuals")["status"] == "present"
    # no tests, no test stage: but whether releases are needed more often is the business's
    # demand, which no repository shows (the sign's not_observable): a workshop question
    pace = finding(a, "release_pace_outgrows_process")
    assert pace["status"] == "suspected" and pace["evidence_log_odds"] >= 2
    # the only monitoring evidence (no telemetry config in the repository) weighs nothing
    # either way: the sign stays unknown instead of "as likely as not, absent"
    quiet = finding(a, "monitoring_without_insight")
    assert quiet["status"] == "unknown" and quiet["likelihood"] is None
    assert RANK[a["overall"]["risk_level"]] >= RANK["high"]
    # deployed by hand to a host: operated, so operational signs are asked about, not dropped
    assert "not_operated" not in a["notes"]


def test_service_deployed_by_a_script_run_by_hand_is_not_safe(tmp: Path, no_pipeline: Path):
    """It read "not operated", low, with manual deployments only suspected: no pipeline
    showed a deploy job, and the rsync in deploy.sh was read only when a pipeline called it."""
    a = assess(tmp, no_pipeline)
    manual = finding(a, "manual_deployments")
    assert (manual["status"], manual["support"]) == ("present", "evidence")
    by_hand = next(p for p in manual["probes"] if p["probe_id"] == "no_hand_run_deploy_scripts")
    assert (by_hand["outcome"], by_hand["healthy"], by_hand["value"]) == ("false", False, 1)
    assert "not_operated" not in a["notes"]  # it runs somewhere: operations are asked about
    assert RANK[a["overall"]["risk_level"]] >= RANK["high"]


def test_repository_of_code_only_leaves_operations_unknown(tmp: Path, code_only: Path):
    a = assess(tmp, code_only)
    assert "not_operated" in a["notes"]
    assert all(finding(a, s)["status"] == "unknown" for s in OPERATIONAL)
    assert at_least(a, "high") == []
    # weak hints are questions for the workshop, never risks to act on
    for f in a["findings"]:
        if f["status"] == "suspected":
            assert f["risk_level"] == "low"


# ---------------------------------------------------------------- with answers

def test_answers_only_bands(tmp: Path):
    for name, low, high in (("weak-team", "high", "critical"), ("strong-team", "low", "medium")):
        out = tmp / f"{name}.json"
        run("score", "--answers", str(EXAMPLES / f"{name}.yaml"), "--out", str(out), "--quiet")
        level = json.loads(out.read_text())["overall"]["risk_level"]
        assert RANK[low] <= RANK[level] <= RANK[high], (name, level)


def test_optimistic_answers_meet_hand_deployment(tmp: Path, legacy: Path):
    a = assess(tmp, legacy, answers=EXAMPLES / "strong-team.yaml")
    manual = finding(a, "manual_deployments")
    assert manual["perception_gap"]["direction"] == "answers_more_optimistic"
    assert manual["status"] in ("present", "suspected")


def test_pessimistic_answers_meet_a_well_run_service(tmp: Path, service: Path,
                                                     service_monitoring: Path):
    a = assess(tmp, service, answers=EXAMPLES / "weak-team.yaml", extra=[service_monitoring])
    manual = finding(a, "manual_deployments")
    assert manual["perception_gap"]["direction"] == "answers_more_pessimistic"
    # the people who run it say it is manual: that stays a finding, tempered by the evidence
    assert manual["likelihood"] < manual["likelihood_from_answers"]
