"""The CI configuration collector on real files: working trees, plain directories and a real
bare git repository (no mocks of git)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsmaturity.collectors.base import Collector, CollectorError
from opsmaturity.collectors.ci_config import (
    MEASURES,
    AnalysisResult,
    CiConfigCollector,
    CiConfigOptions,
    analyse,
    load_ci_files,
)
from opsmaturity.collectors.evidence import EvidenceSet

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ci"
GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com"}


def write(root: Path, files: Mapping[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8")
    return root


def git(*args: str, cwd: Path) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, capture_output=True, text=True,
                          check=True)
    return proc.stdout


def values(result: AnalysisResult | EvidenceSet) -> dict[str, Any]:
    return {m.id: m.value for m in result.measures}


def not_applicable(result: AnalysisResult | EvidenceSet) -> set[str]:
    return {m.id for m in result.measures if not m.applicable}


def details(result: AnalysisResult | EvidenceSet, measure_id: str) -> dict[str, Any]:
    measure = result.measure(measure_id)
    assert measure is not None
    return measure.details


def jobs_of(result: AnalysisResult | EvidenceSet, measure_id: str) -> list[str]:
    return [j["job"] for j in details(result, measure_id)["jobs"]]


def collect(path: Path) -> EvidenceSet:
    return CiConfigCollector().collect(CiConfigOptions(repo=path))


def analyse_texts(files: Mapping[str, str]) -> AnalysisResult:
    return analyse({k: dedent(v) for k, v in files.items()})


# ---------------------------------------------------------------- GitLab


def test_gitlab_include_extends_manual_production_stop_job_and_review_env():
    files = load_ci_files(FIXTURES / "gitlab")
    assert sorted(files) == [".gitlab-ci.yml", "ci/jobs/lint.yml", "ci/templates.yml"]
    result = analyse(files)
    assert values(result) == {
        "ci.present": True,
        "ci.systems": "gitlab",
        "ci.test_stage_present": True,
        "ci.deploy_job_present": True,
        "ci.production_deploy_automatic": False,
        "ci.rollback_job_defined": True,
        "ci.environments_count": 3,
        "ci.review_environments_present": True,
        "ci.security_scanning_present": True,
        "ci.manual_jobs_count": 2,
        "ci.jobs_count": 7,
        "ci.production_deploy_copies_to_hosts": False,
        "ci.release_published_automatically": None,
        "ci.deploy_mechanism": "manual_gate",
    }
    assert not_applicable(result) == {"ci.release_published_automatically"}
    assert result.problems == []
    # the GitLab template is named, not fetched: it costs coverage and makes the run partial
    assert result.unresolved == [".gitlab-ci.yml:6: include not resolved: template "
                                 "'Security/SAST.gitlab-ci.yml' (not fetched)"]
    assert result.coverage.ratio == 0.75
    assert result.partial

    assert set(jobs_of(result, "ci.deploy_job_present")) == {
        "deploy_review", "deploy_staging", "deploy_production"}
    prod = details(result, "ci.production_deploy_automatic")
    assert prod["basis"] == "production deploy jobs"
    assert prod["jobs"] == [{"system": "gitlab", "file": ".gitlab-ci.yml", "line": 48,
                             "job": "deploy_production", "environments": ["production"],
                             "automatic": False, "waits_for": "rules[0]: when: manual"}]
    # extends resolved from the included template: the deploy script comes from .deploy
    staging = next(j for j in details(result, "ci.deploy_job_present")["jobs"]
                   if j["job"] == "deploy_staging")
    assert "script: helm upgrade" in staging["reasons"]
    rollback = {j["job"]: j["reasons"] for j in details(result, "ci.rollback_job_defined")["jobs"]}
    assert rollback == {"deploy_review": ["on_stop: stop_review"],
                        "stop_review": ["environment action: stop"]}
    assert details(result, "ci.environments_count")["environments"] == [
        "production", "review/*", "staging"]
    assert set(jobs_of(result, "ci.review_environments_present")) == {
        "deploy_review", "stop_review"}
    assert details(result, "ci.security_scanning_present")["elsewhere"] == [
        {"file": ".gitlab-ci.yml", "line": 6, "include": "template: Security/SAST.gitlab-ci.yml"}]
    assert set(jobs_of(result, "ci.manual_jobs_count")) == {"stop_review", "deploy_production"}
    tests = {j["job"]: j["reasons"] for j in details(result, "ci.test_stage_present")["jobs"]}
    assert tests == {"unit_tests": ["stage: test", "name", "script: pytest"],
                     "lint": ["stage: test"]}
    # `!reference` resolves against the merged configuration
    assert "build" in jobs_of(result, "ci.jobs_count")


def test_gitlab_production_deploy_via_rules_without_manual_is_automatic():
    result = analyse_texts({".gitlab-ci.yml": """
        stages: [build, deploy]
        build:
          stage: build
          script: docker build -t app .
        perf_check:            # manual but allow_failure: true (default): blocks nothing
          stage: build
          script: ./perf.sh
          when: manual
        deploy_prod:
          stage: deploy
          script: kubectl apply -f k8s/
          environment:
            name: Production-EU
          rules:
            - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
            - if: $CI_COMMIT_TAG
              when: delayed
              start_in: 5 minutes
        """})
    assert values(result) == {
        "ci.present": True, "ci.systems": "gitlab", "ci.test_stage_present": False,
        "ci.deploy_job_present": True, "ci.production_deploy_automatic": True,
        "ci.rollback_job_defined": False, "ci.environments_count": 1,
        "ci.review_environments_present": False, "ci.security_scanning_present": False,
        "ci.manual_jobs_count": 1, "ci.jobs_count": 3,
        "ci.production_deploy_copies_to_hosts": False,
        "ci.release_published_automatically": None,
        "ci.deploy_mechanism": "pipeline_to_platform",
    }
    assert not result.partial
    assert result.coverage.ratio == 1.0


def test_gitlab_blocking_manual_job_or_needs_gate_the_production_deploy():
    blocking = analyse_texts({".gitlab-ci.yml": """
        approve:
          stage: build
          script: echo ok
          rules:
            - when: manual      # in rules, allow_failure defaults to false: blocks the stage
        deploy:
          stage: deploy
          environment: prod
          script: ./deploy.sh
        """})
    assert values(blocking)["ci.production_deploy_automatic"] is False
    waits = details(blocking, "ci.production_deploy_automatic")["jobs"][0]["waits_for"]
    assert waits.startswith("blocked by manual job 'approve'")

    needs = analyse_texts({".gitlab-ci.yml": """
        approve:
          stage: deploy
          script: echo ok
          when: manual
        deploy:
          stage: deploy
          needs: [approve]
          environment: {name: live}
          script: ./deploy.sh
        """})
    assert values(needs)["ci.production_deploy_automatic"] is False
    assert details(needs, "ci.production_deploy_automatic")["jobs"][0]["waits_for"] == (
        "needs manual job 'approve'")


def test_gitlab_workflow_rules_for_web_pipelines_only_make_every_job_manual():
    result = analyse_texts({".gitlab-ci.yml": """
        workflow:
          rules:
            - if: $CI_PIPELINE_SOURCE == "web"
        deploy:
          environment: production
          script: helm upgrade app chart
        """})
    assert values(result)["ci.production_deploy_automatic"] is False
    assert values(result)["ci.manual_jobs_count"] == 1


def test_gitlab_missing_local_include_is_reported_and_the_rest_measured():
    result = analyse_texts({".gitlab-ci.yml": """
        include:
          - local: ci/missing.yml
          - remote: https://example.com/ci.yml
        unit:
          stage: test
          script: go test ./...
        """})
    assert result.problems == [".gitlab-ci.yml:3: included local file 'ci/missing.yml' not found"]
    assert result.unresolved == [".gitlab-ci.yml:4: include not resolved: remote "
                                 "'https://example.com/ci.yml' (not fetched)"]
    assert result.coverage.missing == [*result.problems, *result.unresolved]
    assert result.coverage.ratio == pytest.approx(1 / 3, abs=1e-4)
    assert result.partial
    assert values(result)["ci.jobs_count"] == 1
    assert values(result)["ci.test_stage_present"] is True
    assert values(result)["ci.production_deploy_automatic"] is None
    assert not_applicable(result) == {
        "ci.production_deploy_automatic", "ci.rollback_job_defined",
        "ci.production_deploy_copies_to_hosts", "ci.release_published_automatically"}


def test_gitlab_extends_cycle_is_a_problem_and_other_jobs_still_count():
    result = analyse_texts({".gitlab-ci.yml": """
        .a:
          extends: .b
          script: pytest
        .b:
          extends: .a
        unit:
          extends: .a
        deploy:
          environment: staging
          script: ./deploy.sh
        """})
    assert len(result.problems) == 1
    assert result.problems[0].startswith(".gitlab-ci.yml:")
    assert "extends cycle: " in result.problems[0]
    assert ".a -> .b -> .a" in result.problems[0] or ".b -> .a -> .b" in result.problems[0]
    assert result.partial
    assert values(result)["ci.jobs_count"] == 2
    assert values(result)["ci.deploy_job_present"] is True
    # only a staging deploy: how production is reached is not judged from it
    assert values(result)["ci.production_deploy_automatic"] is None
    assert "ci.production_deploy_automatic" in not_applicable(result)
    assert details(result, "ci.production_deploy_automatic")["note"].startswith(
        "no deploy job is identifiable as production")
    assert values(result)["ci.deploy_mechanism"] == "non_production_only"


def test_gitlab_unknown_tags_anchors_and_spec_header():
    result = analyse_texts({".gitlab-ci.yml": """
        spec:
          inputs:
            env: {default: staging}
        ---
        .base: &base
          script: [npm ci, npm test]
        test:
          <<: *base
          stage: test
        custom:
          script: !custom-tag echo hi
        """})
    assert result.problems == []
    assert values(result)["ci.jobs_count"] == 2
    assert values(result)["ci.test_stage_present"] is True


# ---------------------------------------------------------------- GitHub Actions


def test_github_push_triggered_production_deploy_is_automatic_and_codeql_scans():
    result = collect(FIXTURES / "github")
    assert values(result) == {
        "ci.present": True, "ci.systems": "github", "ci.test_stage_present": True,
        "ci.deploy_job_present": True, "ci.production_deploy_automatic": True,
        "ci.rollback_job_defined": False, "ci.environments_count": 1,
        "ci.review_environments_present": False, "ci.security_scanning_present": True,
        "ci.manual_jobs_count": 0, "ci.jobs_count": 3,
        # ./scripts/deploy.sh is not in the fixture: the means are unknown
        "ci.production_deploy_copies_to_hosts": False,
        "ci.release_published_automatically": None,
        "ci.deploy_mechanism": "unrecognised",
    }
    assert result.coverage.ratio == 1.0
    assert not result.partial
    assert details(result, "ci.security_scanning_present")["jobs"] == [
        {"system": "github", "file": ".github/workflows/codeql.yml", "line": 6,
         "job": "analyze", "tools": ["codeql"]}]
    assert jobs_of(result, "ci.production_deploy_automatic") == ["deploy"]


def test_github_workflow_dispatch_only_deploy_is_manual():
    result = analyse_texts({".github/workflows/release.yml": """
        on: workflow_dispatch
        jobs:
          release:
            runs-on: ubuntu-latest
            environment: Production
            steps:
              - run: helm upgrade --install app chart/
        """})
    assert values(result)["ci.production_deploy_automatic"] is False
    assert values(result)["ci.manual_jobs_count"] == 1
    assert details(result, "ci.production_deploy_automatic")["jobs"][0]["waits_for"] == (
        "workflow runs only on workflow_dispatch (.github/workflows/release.yml:2)")


def test_github_on_key_that_yaml_reads_as_true():
    text = "on:\n  workflow_dispatch:\njobs:\n  d:\n    environment: prod\n    steps: []\n"
    assert True in yaml.safe_load(text)          # why the collector must look under True
    for on in ("on", '"on"'):
        result = analyse({".github/workflows/d.yml": text.replace("on:", f"{on}:", 1)})
        assert result.problems == []
        assert values(result)["ci.production_deploy_automatic"] is False, on


def test_github_reusable_workflow_takes_callers_triggers_and_dispatch_input_options():
    result = analyse_texts({
        ".github/workflows/main.yml": """
            on: {push: {branches: [main]}}
            jobs:
              call-deploy:
                uses: ./.github/workflows/deploy.yml
            """,
        ".github/workflows/deploy.yml": """
            on:
              workflow_call:
              workflow_dispatch:
                inputs:
                  target:
                    type: choice
                    options: [staging, production]
            jobs:
              ship:
                runs-on: ubuntu-latest
                environment: ${{ inputs.target }}
                steps:
                  - run: ./deploy.sh
            """,
        ".github/workflows/preview.yml": """
            on: pull_request
            jobs:
              preview:
                environment:
                  name: preview-${{ github.event.number }}
                steps:
                  - uses: actions/checkout@v4
                  - run: npx vercel deploy
            """,
    })
    assert values(result)["ci.production_deploy_automatic"] is True
    assert values(result)["ci.environments_count"] == 3
    assert details(result, "ci.environments_count")["environments"] == [
        "preview-*", "production", "staging"]
    assert values(result)["ci.review_environments_present"] is True
    assert jobs_of(result, "ci.review_environments_present") == ["preview"]


def test_github_workflow_without_jobs_or_triggers_is_a_problem():
    result = analyse_texts({".github/workflows/x.yml": "name: nothing\n"})
    assert result.problems == [".github/workflows/x.yml:1: workflow has no 'on:' triggers",
                               ".github/workflows/x.yml:1: workflow has no 'jobs:' mapping"]


# ---------------------------------------------------------------- Jenkins


def test_jenkinsfile_stages_input_approval_and_when_branch():
    result = collect(FIXTURES / "jenkins")
    assert values(result) == {
        "ci.present": True, "ci.systems": "jenkins", "ci.test_stage_present": True,
        "ci.deploy_job_present": True, "ci.production_deploy_automatic": False,
        "ci.rollback_job_defined": True, "ci.environments_count": 2,
        "ci.review_environments_present": False, "ci.security_scanning_present": False,
        "ci.manual_jobs_count": 1, "ci.jobs_count": 4,
        "ci.production_deploy_copies_to_hosts": False,
        "ci.release_published_automatically": None,
        "ci.deploy_mechanism": "manual_gate",
    }
    assert jobs_of(result, "ci.jobs_count") == ["Build", "Test", "Deploy Staging",
                                                "Deploy Production"]
    prod = details(result, "ci.production_deploy_automatic")
    assert prod["jobs"] == [{"system": "jenkins", "file": "Jenkinsfile", "line": 17,
                             "job": "Deploy Production", "environments": ["production"],
                             "automatic": False, "waits_for": "input step at Jenkinsfile:20"}]
    deploys = details(result, "ci.deploy_job_present")["jobs"]
    assert deploys[0]["when"] == ["branch 'main'"]
    assert details(result, "ci.rollback_job_defined")["elsewhere"] == [
        {"file": "Jenkinsfile", "line": 26, "match": "helm rollback"}]
    assert details(result, "ci.test_stage_present")["jobs"][0]["reasons"] == [
        "name", "script: ./mvnw -B verify"]


def test_jenkins_approval_stage_before_an_unnamed_deploy():
    result = analyse_texts({"Jenkinsfile": """
        pipeline {
          stages {
            stage("Approve") { steps { input 'Ship it?' } }
            stage("Deploy") {
              steps {
                /* stage('Commented') { } */
                sh 'helm upgrade --install app chart'  // input in a comment: ignored
                echo "input { stage('in a string') }"
              }
            }
          }
        }
        """})
    assert values(result)["ci.jobs_count"] == 2
    assert values(result)["ci.manual_jobs_count"] == 1
    assert values(result)["ci.production_deploy_automatic"] is False
    prod = details(result, "ci.production_deploy_automatic")
    assert prod["basis"] == (
        "deploy jobs that name no environment: none is identifiable as production")
    assert prod["jobs"][0]["waits_for"] == "input step at Jenkinsfile:4 before this stage"


def test_jenkins_unclosed_stage_is_a_problem_but_measured():
    result = analyse({"Jenkinsfile": "pipeline { stages {\n stage('Test') { sh 'make test'\n"})
    assert result.problems == ["Jenkinsfile:2: stage 'Test' has no closing brace"]
    assert values(result)["ci.test_stage_present"] is True


# ---------------------------------------------------------------- no CI, broken files


def test_no_ci_configuration_at_all(tmp_path: Path):
    write(tmp_path, {"README.md": "# nothing here\n"})
    result = collect(tmp_path)
    assert values(result) == {
        "ci.present": False, "ci.systems": "", "ci.test_stage_present": False,
        "ci.deploy_job_present": False, "ci.production_deploy_automatic": None,
        "ci.rollback_job_defined": None, "ci.environments_count": 0,
        "ci.review_environments_present": False, "ci.security_scanning_present": False,
        "ci.manual_jobs_count": 0, "ci.jobs_count": 0,
        "ci.production_deploy_copies_to_hosts": None,
        "ci.release_published_automatically": None, "ci.deploy_mechanism": "none",
    }
    assert not_applicable(result) == {
        "ci.production_deploy_automatic", "ci.rollback_job_defined",
        "ci.production_deploy_copies_to_hosts", "ci.release_published_automatically"}
    assert result.coverage.ratio == 1.0
    assert result.coverage.missing == []
    assert not result.partial


def test_broken_yaml_next_to_a_good_workflow(tmp_path: Path):
    write(tmp_path, {
        ".github/workflows/broken.yml": """
            on: push
            jobs:
              build:
                steps: [
              deploy: 1
            """,
        ".github/workflows/good.yml": (FIXTURES / "github/.github/workflows/ci.yml").read_text(),
    })
    result = collect(tmp_path)
    assert result.partial
    assert result.coverage.ratio == 0.5
    [problem] = result.coverage.missing
    assert problem.startswith(".github/workflows/broken.yml:7: invalid YAML: ")
    assert "line 5" in problem                     # where the unclosed sequence started
    assert values(result)["ci.production_deploy_automatic"] is True
    assert values(result)["ci.jobs_count"] == 2
    assert details(result, "ci.present")["files"] == [".github/workflows/broken.yml",
                                                     ".github/workflows/good.yml"]


def test_only_file_unparsable_means_not_measured():
    result = analyse({".gitlab-ci.yml": "stages: [build\n"})
    assert values(result)["ci.present"] is True
    assert all(values(result)[m] is None for m in MEASURES[2:])
    assert result.coverage.ratio == 0.0
    assert result.problems[0].startswith(".gitlab-ci.yml:2: invalid YAML")


def test_top_level_not_a_mapping():
    result = analyse({".gitlab-ci.yml": "- a\n- b\n"})
    assert result.problems == [".gitlab-ci.yml:1: top level is not a mapping"]


def test_words_that_are_not_deploys_tests_or_rollbacks():
    result = analyse_texts({".gitlab-ci.yml": """
        build:
          stage: build
          script:
            - pip install pytest tox
            - cargo build --release
            - dotnet publish -c Release -o out
        publish-test-results:
          stage: build
          script: ./upload-junit.sh
        deploy:
          environment: production
          script: helm upgrade --install --atomic --auto-rollback app chart
        """})
    # installing pytest is not running it; the results job is test-related by its name only
    assert details(result, "ci.test_stage_present")["jobs"] == [
        {"system": "gitlab", "file": ".gitlab-ci.yml", "line": 8, "job": "publish-test-results",
         "stage": "build", "reasons": ["name"]}]
    assert jobs_of(result, "ci.deploy_job_present") == ["deploy"]
    assert values(result)["ci.rollback_job_defined"] is False


# ---------------------------------------------------------------- reading from git


def _bare_repo(tmp_path: Path, files: Mapping[str, str]) -> tuple[Path, Path]:
    bare = tmp_path / "bare.git"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare), cwd=tmp_path)
    work = tmp_path / "work"
    git("clone", "--quiet", str(bare), str(work), cwd=tmp_path)
    write(work, files)
    git("add", "--all", cwd=work)
    git("commit", "--quiet", "-m", "CI configuration", cwd=work)
    git("push", "--quiet", "origin", "HEAD:main", cwd=work)
    return bare, work


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_bare_repository_is_read_from_head_without_writing(tmp_path: Path):
    files = {
        ".gitlab-ci.yml": """
            include:
              - local: "ci/dépl oy.yml"
              - local: "ci/jobs/**.yml"
            unit:
              stage: test
              script: pytest
            """,
        "ci/dépl oy.yml": """
            deploy:
              environment: production
              script: ./deploy.sh
              when: manual
            """,
        "ci/jobs/nested/scan.yml": "trivy:\n  script: trivy fs .\n",
        ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    steps: [{run: make test}]\n",
        "Jenkinsfile": "pipeline { stages { stage('Test') { steps { sh 'go test ./...' } } } }\n",
        "src/app.py": "print('hello')\n",
    }
    bare, work = _bare_repo(tmp_path, files)
    before = _snapshot(bare)

    loaded = load_ci_files(bare)
    assert loaded == {k: dedent(v) for k, v in files.items() if k != "src/app.py"}
    evidence = collect(bare)
    assert evidence.source == str(bare)
    assert values(evidence)["ci.systems"] == "github,gitlab,jenkins"
    assert values(evidence)["ci.jobs_count"] == 5
    assert values(evidence)["ci.production_deploy_automatic"] is False
    assert values(evidence)["ci.security_scanning_present"] is True
    assert not evidence.partial
    assert _snapshot(bare) == before               # nothing written to the repository

    # a working tree is read from disk, uncommitted edits included; its .git dir from HEAD
    (work / "ci" / "dépl oy.yml").write_text("deploy:\n  environment: production\n  script: x\n")
    assert values(collect(work))["ci.production_deploy_automatic"] is True
    assert load_ci_files(work / ".git") == loaded


def test_empty_bare_repository_has_no_files(tmp_path: Path):
    bare = tmp_path / "empty.git"
    git("init", "--quiet", "--bare", str(bare), cwd=tmp_path)
    assert load_ci_files(bare) == {}
    assert values(collect(bare))["ci.present"] is False


# ---------------------------------------------------------------- the collector


def test_collector_protocol_and_json_round_trip():
    collector = CiConfigCollector()
    assert isinstance(collector, Collector)
    assert collector.name == "ci"
    evidence = collect(FIXTURES / "gitlab")
    assert [m.id for m in evidence.measures] == list(CiConfigCollector.measures)
    assert evidence.collector == "ci"
    assert evidence.window is None
    assert evidence.source == str(FIXTURES / "gitlab")
    assert evidence.partial
    assert EvidenceSet.from_json(evidence.to_json()) == evidence
    units = {m.id: m.unit for m in evidence.measures}
    assert units["ci.jobs_count"] == "jobs"
    assert units["ci.present"] == "boolean"


def test_collector_rejects_missing_path_and_files(tmp_path: Path):
    with pytest.raises(CollectorError, match="no such directory"):
        collect(tmp_path / "nope")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(CollectorError, match="not a directory"):
        collect(tmp_path / "file.txt")


def test_collector_reports_progress(tmp_path: Path):
    seen: list[tuple[str, float | None]] = []
    CiConfigCollector().collect(CiConfigOptions(repo=tmp_path),
                                lambda message, fraction: seen.append((message, fraction)))
    assert seen[-1][1] == 1.0


def test_plain_directory_needs_no_git(tmp_path: Path):
    shutil.copytree(FIXTURES / "jenkins", tmp_path / "plain")
    assert values(collect(tmp_path / "plain"))["ci.jobs_count"] == 4


# ---------------------------------------------------------------- robustness


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from([".gitlab-ci.yml", ".github/workflows/x.yml", "Jenkinsfile"]),
       text=st.text(alphabet=st.sampled_from(list("abc:-[]{}()'\"\n #*&!|$/.=")), max_size=200))
def test_analyse_never_raises_on_arbitrary_text(path: str, text: str):
    result = analyse({path: text})
    assert [m.id for m in result.measures] == list(MEASURES)
    assert 0.0 <= result.coverage.ratio <= 1.0


# ---------------------------------------------------------------- security tools as data


def test_security_tool_names_are_read_from_the_data_file(tmp_path: Path, monkeypatch):
    from opsmaturity.collectors import ci_config

    workflow = {".github/workflows/audit.yml": """
        on: push
        jobs:
          audit:
            steps:
              - uses: zizmorcore/zizmor-action@v0.2
              - run: acmescan --all
        """}
    found = details(analyse_texts(workflow), "ci.security_scanning_present")["jobs"]
    assert found[0]["tools"] == ["zizmor"]  # zizmor is in the shipped list, acmescan is not

    tools = tmp_path / "tools.yaml"
    tools.write_text("tools:\n  - acmescan\n", encoding="utf-8")
    monkeypatch.setattr(ci_config, "SECURITY_TOOLS_FILE", tools)
    ci_config._security_tools.cache_clear()
    try:
        found = details(analyse_texts(workflow), "ci.security_scanning_present")["jobs"]
        assert found[0]["tools"] == ["acmescan"]
    finally:
        ci_config._security_tools.cache_clear()
