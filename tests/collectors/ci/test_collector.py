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
from opsmaturity.collectors.ci.analysis import AnalysisResult, analyse
from opsmaturity.collectors.ci.collector import CiConfigCollector, CiConfigOptions
from opsmaturity.collectors.ci.config import MEASURES
from opsmaturity.collectors.ci.files import load_ci_files
from opsmaturity.core.evidence import EvidenceSet
from tests.conftest import FIXTURES as SHARED_FIXTURES

FIXTURES = SHARED_FIXTURES / "ci"
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
        "ci.deploy_mechanism": "manual_gate", "ci.deploys_to_environment": True,
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
        "ci.deploy_mechanism": "pipeline_to_platform", "ci.deploys_to_environment": True,
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


def test_extends_of_a_job_from_a_template_not_fetched_is_no_problem():
    """Seen in gitlab-runner: `.fuzz_base` comes from a GitLab template include."""
    text = """
        include:
          - template: Security/Coverage-Fuzzing.latest.gitlab-ci.yml
        fuzz:
          extends: .fuzz_base
          script: make fuzz
        """
    result = analyse_texts({".gitlab-ci.yml": text})
    assert result.problems == []
    assert result.unresolved[-1] == (".gitlab-ci.yml:4: job 'fuzz' extends '.fuzz_base', not "
                                     "found (an include not resolved may define it)")
    # without an unresolved include the same reference is a mistake in the file
    alone = analyse_texts({".gitlab-ci.yml": """
        fuzz:
          extends: .fuzz_base
          script: make fuzz
        """})
    assert alone.problems == [".gitlab-ci.yml:2: job 'fuzz' extends unknown '.fuzz_base'"]


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
        "ci.deploy_mechanism": "unrecognised", "ci.deploys_to_environment": True,
        "ci.hand_run_deploy_scripts": 0,
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


SHARED_DEPLOY = "my-org/shared-actions/.github/workflows/deploy_env.yml@v2"
DISPATCH_DEPLOY = f"""
    on:
      workflow_dispatch:
        inputs:
          environment: {{type: choice, options: [dev, preprod, prod]}}
          version: {{required: true, type: string}}
    jobs:
      helm_lint:
        uses: my-org/shared-actions/.github/workflows/test_helm_lint.yml@v2
        with: {{environment: "${{{{ inputs.environment }}}}"}}
      deploy_env:
        needs: [helm_lint]
        uses: {SHARED_DEPLOY}
        with:
          environment: ${{{{ inputs.environment }}}}
          app_version: ${{{{ inputs.version }}}}
    """


def test_github_environment_handed_to_a_shared_deploy_workflow():
    """A template many services use (seen in a UK government service): every deploy job
    calls another repository's workflow with `with: environment: prod`, which set no
    environment at all, so production was recognised by job names only, and a manual
    "deploy a version" workflow made the pipeline read as manual."""
    result = analyse_texts({
        ".github/workflows/pipeline.yml": f"""
            on: {{push: {{branches: ['**']}}}}
            jobs:
              helm_lint:
                uses: my-org/shared-actions/.github/workflows/test_helm_lint.yml@v2
                with: {{environment: dev}}
              deploy_dev:
                needs: [helm_lint]
                uses: {SHARED_DEPLOY}
                with: {{environment: 'dev', app_version: '1.0'}}
              deploy_prod:
                needs: [deploy_dev]
                uses: {SHARED_DEPLOY}
                with: {{environment: 'prod', app_version: '1.0'}}
            """,
        ".github/workflows/deploy_to_env.yml": DISPATCH_DEPLOY,
    })
    assert details(result, "ci.environments_count")["environments"] == ["dev", "preprod", "prod"]
    assert "helm_lint" not in jobs_of(result, "ci.deploy_job_present")  # takes one, deploys none
    # the regular way to production is automatic; the manual one redeploys a chosen version
    assert values(result)["ci.production_deploy_automatic"] is True
    assert values(result)["ci.deploy_mechanism"] == "pipeline_to_platform"
    manual = [j for j in details(result, "ci.production_deploy_automatic")["jobs"]
              if not j["automatic"]]
    assert [(j["job"], j["redeploys_chosen_version"]) for j in manual] == [
        ("deploy_env", "version")]
    assert values(result)["ci.rollback_job_defined"] is True
    assert details(result, "ci.rollback_job_defined")["jobs"][0]["reasons"] == [
        "deploys a version a person chooses (input: version)"]


def test_a_restore_started_by_hand_beside_an_automatic_deploy_is_on_demand():
    """DFE-Digital/get-into-teaching-app deploys production on every push to main; its
    restore and maintenance-mode workflows (dispatch only, `environment: production`) made
    the production deploy read as manual."""
    result = analyse_texts({
        ".github/workflows/build.yml": """
            on: {push: {branches: [main]}}
            jobs:
              production:
                environment: production
                steps:
                  - run: make production deploy
            """,
        ".github/workflows/postgres-restore.yml": """
            on:
              workflow_dispatch:
                inputs:
                  environment: {type: choice, options: [test, production]}
            jobs:
              restore:
                environment: ${{ inputs.environment }}
                steps:
                  - run: make ${{ inputs.environment }} restore-postgres
            """,
    })
    assert values(result)["ci.production_deploy_automatic"] is True
    assert values(result)["ci.deploy_mechanism"] != "manual_gate"
    jobs = {j["job"]: j for j in details(result, "ci.production_deploy_automatic")["jobs"]}
    assert jobs["restore"]["on_demand"] is True and "on_demand" not in jobs["production"]
    assert values(result)["ci.rollback_job_defined"] is False  # no version to choose


def test_beside_a_nightly_build_a_release_someone_starts_is_the_release():
    """uptime-kuma: nightly images are pushed automatically, the release is started by hand;
    neither names production, so the hand-started one is not set aside as on demand."""
    result = analyse_texts({
        ".github/workflows/release-nightly.yml": """
            on: {schedule: [{cron: "0 2 * * *"}]}
            jobs:
              release-nightly:
                steps:
                  - run: npm run build-docker-nightly
            """,
        ".github/workflows/release.yml": """
            on: {workflow_dispatch: {inputs: {version: {required: true}}}}
            jobs:
              draft-release:
                steps:
                  - run: npm run release-final
            """,
    })
    assert values(result)["ci.production_deploy_automatic"] is False
    assert values(result)["ci.deploy_mechanism"] == "manual_gate"


def test_a_manual_deploy_of_a_chosen_version_alone_is_still_manual():
    result = analyse_texts({".github/workflows/deploy_to_env.yml": DISPATCH_DEPLOY})
    assert values(result)["ci.production_deploy_automatic"] is False
    assert values(result)["ci.deploy_mechanism"] == "manual_gate"
    assert values(result)["ci.rollback_job_defined"] is True  # any earlier build, on demand


def test_a_version_that_a_release_workflow_cuts_is_no_way_back():
    """stylo: "Release" (dispatch, input `version`) tags, builds and calls the repository's
    own deploy workflow by its full name; that one can also be started with an existing
    `release-version`. Production is reached by hand; the deploy workflow is a way back,
    the release workflow is not."""
    result = analyse_texts({
        ".github/workflows/release.yml": """
            on:
              workflow_dispatch:
                inputs:
                  version: {required: true}
            jobs:
              release:
                steps:
                  - run: git tag "v${{ inputs.version }}" && git push origin --tags
              call-deploy-prod:
                needs: [release]
                uses: acme/app/.github/workflows/deploy-tag.yml@main
                with: {release-version: "${{ inputs.version }}"}
            """,
        ".github/workflows/deploy-tag.yml": """
            on:
              workflow_dispatch:
                inputs:
                  release-version: {required: true}
              workflow_call:
                inputs:
                  release-version: {required: true, type: string}
            jobs:
              deployment:
                environment: production
                steps:
                  - run: ansible-playbook -i prod site.yml
            """,
    })
    # the called workflow's job takes its caller's trigger: a person starts it
    assert values(result)["ci.production_deploy_automatic"] is False
    assert values(result)["ci.deploy_mechanism"] == "manual_gate"
    assert [(j["job"], j["reasons"]) for j in details(result, "ci.rollback_job_defined")[
        "jobs"]] == [("deployment", ["deploys a version a person chooses (input: "
                                     "release-version)"])]


def test_a_release_a_person_cuts_with_a_version_number_is_not_a_rollback():
    """uptime-kuma: a dispatch workflow with input `version` drafts the release."""
    result = analyse_texts({".github/workflows/release.yml": """
        on:
          workflow_dispatch:
            inputs:
              version: {required: true}
        jobs:
          draft-release:
            environment: production
            steps:
              - run: npm version ${{ inputs.version }} && npm publish
        """})
    assert values(result)["ci.rollback_job_defined"] is False
    assert values(result)["ci.production_deploy_automatic"] is False


def test_an_environment_that_scopes_a_chores_secrets_is_no_deploy_target():
    """prometheus-community/helm-charts approves Renovate's pull requests in a job with
    `environment: renovate-auto-merge` (for its secrets): it read as a deploy."""
    result = analyse_texts({".github/workflows/ci.yaml": """
        on: pull_request
        jobs:
          renovate-auto-merge:
            name: Auto-approve PRs from Renovate
            environment: renovate-auto-merge
            steps:
              - run: gh pr review --approve "$PR"
          deploy:
            environment: production
            steps:
              - run: ./ship.sh
        """})
    assert jobs_of(result, "ci.deploy_job_present") == ["deploy"]
    assert details(result, "ci.environments_count")["environments"] == ["production"]


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
        "ci.deploy_mechanism": "manual_gate", "ci.deploys_to_environment": True,
        "ci.hand_run_deploy_scripts": 0,
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
        "ci.deploys_to_environment": False, "ci.hand_run_deploy_scripts": 0,
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
    from opsmaturity.collectors.ci import classify

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
    monkeypatch.setattr(classify, "SECURITY_TOOLS_FILE", tools)
    classify.security_tools.cache_clear()
    try:
        found = details(analyse_texts(workflow), "ci.security_scanning_present")["jobs"]
        assert found[0]["tools"] == ["acmescan"]
    finally:
        classify.security_tools.cache_clear()


# ---------------------------------------------------------------- how production is reached


def test_tag_publish_is_the_production_release_even_next_to_a_manual_test_index_job():
    # the real case: PyPI on tag automatically, TestPyPI only when started by hand
    result = analyse_texts({".github/workflows/publish.yml": """
        on:
          push:
            tags: ["v*"]
          workflow_dispatch:
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: python -m build
          publish:
            if: startsWith(github.ref, 'refs/tags/')
            needs: [build]
            environment: {name: publish}
            steps:
              - uses: pypa/gh-action-pypi-publish@release/v1
          publish-test:
            if: github.event_name == 'workflow_dispatch'
            needs: [build]
            environment: {name: testpypi}
            steps:
              - uses: pypa/gh-action-pypi-publish@release/v1
                with: {repository-url: "https://test.example.org/legacy/"}
        """})
    assert values(result)["ci.production_deploy_automatic"] is True
    prod = details(result, "ci.production_deploy_automatic")
    assert prod["basis"] == "tag/release publish jobs: no deploy job is identifiable as production"
    assert [(j["job"], j["automatic"], j["triggers"]) for j in prod["jobs"]] == [
        ("publish", True, ["push of a tag"])]
    assert values(result)["ci.release_published_automatically"] is True
    released = {j["job"]: j["automatic"]
                for j in details(result, "ci.release_published_automatically")["jobs"]}
    assert released == {"publish": True, "publish-test": False}
    assert values(result)["ci.deploy_mechanism"] == "publish_to_registry"
    assert values(result)["ci.production_deploy_copies_to_hosts"] is False


def test_review_and_staging_deploys_do_not_judge_production():
    result = analyse_texts({".gitlab-ci.yml": """
        review:
          stage: deploy
          script: helm upgrade --install review-$CI_COMMIT_REF_SLUG chart/
          environment: {name: review/$CI_COMMIT_REF_SLUG, on_stop: stop}
        stop:
          stage: deploy
          script: helm uninstall review-$CI_COMMIT_REF_SLUG
          environment: {name: review/$CI_COMMIT_REF_SLUG, action: stop}
          when: manual
        staging:
          stage: deploy
          script: scp -r dist/ deploy@staging1:/srv/app
          environment: staging
        """})
    for mid in ("ci.production_deploy_automatic", "ci.production_deploy_copies_to_hosts"):
        assert values(result)[mid] is None
        assert mid in not_applicable(result)
    assert "not judged from non-production deploys" in details(
        result, "ci.production_deploy_automatic")["note"]
    assert values(result)["ci.deploy_mechanism"] == "non_production_only"
    # the staging copy is still listed, beside the measure
    others = details(result, "ci.production_deploy_copies_to_hosts")["other_deploy_jobs"]
    assert [(o["job"], o["command"], o["line"]) for o in others] == [
        ("staging", "scp -r dist/ deploy@staging1:/srv/app", 13)]


def test_production_deploy_copying_with_rsync_and_ssh_in_its_commands():
    result = analyse_texts({".gitlab-ci.yml": """
        deploy_prod:
          stage: deploy
          environment: production
          before_script:
            - apk add --no-cache openssh-client rsync
            - mkdir -p ~/.ssh && echo "$SSH_KEY" > ~/.ssh/id_ed25519
            - ssh-keyscan web1.example.com >> ~/.ssh/known_hosts
          script:
            - echo "uploading with rsync over ssh"
            - rsync -az --delete public/ deploy@web1.example.com:/var/www/site/
            - ssh deploy@web1.example.com "sudo systemctl reload nginx"
          only: [main]
        """})
    assert values(result)["ci.production_deploy_copies_to_hosts"] is True
    found = details(result, "ci.production_deploy_copies_to_hosts")["jobs"]
    assert [(f["job"], f["file"], f["line"], f["command"]) for f in found] == [
        ("deploy_prod", ".gitlab-ci.yml", 11,
         "rsync -az --delete public/ deploy@web1.example.com:/var/www/site/"),
        ("deploy_prod", ".gitlab-ci.yml", 12,
         'ssh deploy@web1.example.com "sudo systemctl reload nginx"')]
    assert values(result)["ci.production_deploy_automatic"] is True
    assert values(result)["ci.deploy_mechanism"] == "copy_to_hosts"


def test_local_copies_installs_and_messages_are_not_copies_to_hosts():
    result = analyse_texts({".gitlab-ci.yml": """
        deploy_prod:
          environment: production
          script:
            - apt-get install -y rsync openssh-client lftp
            - rsync -a build/ public/
            - echo "no ftp or scp here"
            - eval $(ssh-agent -s) && ssh-add - <<< "$KEY"
            - kubectl apply -f k8s/
        """})
    assert values(result)["ci.production_deploy_copies_to_hosts"] is False
    assert values(result)["ci.deploy_mechanism"] == "pipeline_to_platform"


def test_copies_in_scripts_the_deploy_job_calls_are_read_from_the_repository(tmp_path: Path):
    files = {
        ".gitlab-ci.yml": """
            deploy:
              stage: deploy
              environment: production
              script:
                - ./deploy.sh
                - bash scripts/notify.sh
            unit:
              script: ./run-tests.sh
            """,
        "deploy.sh": """\
            #!/bin/sh
            set -e
            npm run build
            bash scripts/ftp-upload.sh dist
            """,
        "scripts/ftp-upload.sh": """\
            #!/bin/sh
            lftp -u "$FTP_USER,$FTP_PASS" ftp.example.com -e "mirror -R $1 /htdocs; quit"
            """,
        "scripts/notify.sh": "#!/bin/sh\ncurl -X POST \"$HOOK\"\n",
        "run-tests.sh": "#!/bin/sh\nscp never-read.txt elsewhere:/tmp\n",
    }
    write(tmp_path, files)
    expected = [{"system": "gitlab", "file": "scripts/ftp-upload.sh", "line": 2, "job": "deploy",
                 "command": 'lftp -u "$FTP_USER,$FTP_PASS" ftp.example.com -e "mirror -R $1 '
                            '/htdocs', "called_from": "deploy.sh"}]
    for repo in (tmp_path, _bare_clone(tmp_path)):
        result = collect(repo)
        assert values(result)["ci.production_deploy_copies_to_hosts"] is True, repo
        measure = details(result, "ci.production_deploy_copies_to_hosts")
        assert measure["jobs"] == expected
        # only the deploy job's scripts (and what they call) are read, not the test script
        assert measure["scripts_read"] == ["deploy.sh", "scripts/ftp-upload.sh",
                                           "scripts/notify.sh"]
        assert values(result)["ci.deploy_mechanism"] == "copy_to_hosts"


def test_a_python_script_saying_ssh_and_an_echo_saying_deploy_do_neither(tmp_path: Path):
    """fdroidserver: a CI job runs tests/key-tricks.py, whose message mentions "SSH keys, so
    it should only be run in CI" (read as a copy to a host), and GitLab Pages job's printf
    says "skipping deploy" (read as a deploy command)."""
    write(tmp_path, {
        ".gitlab-ci.yml": """
            mirrors:
              stage: deploy
              environment: production
              script:
                - ./tests/key-tricks.py
                - ./tools/push.sh
            pages:
              stage: deploy
              script:
                - if ! test -d docs; then printf "no docs, skipping deploy.\\n"; exit 0; fi
                - cp -r docs public
            """,
        "tests/key-tricks.py": "#!/usr/bin/env python3\n"
                               "print('writes SSH keys, so it should only be run in CI')\n",
        "tools/push": "unused\n",
        "tools/push.sh": "#!/bin/bash\nrsync -a repo/ mirror.example.org:/srv/repo/\n",
    })
    result = collect(tmp_path)
    copied = details(result, "ci.production_deploy_copies_to_hosts")["jobs"]
    assert [(c["file"], c["command"]) for c in copied] == [
        ("tools/push.sh", "rsync -a repo/ mirror.example.org:/srv/repo/")]
    pages = next(j for j in details(result, "ci.deploy_job_present")["jobs"]
                 if j["job"] == "pages")
    assert pages["reasons"] == ["stage: deploy"]  # the stage's word, no deploy command
    assert "pages" not in jobs_of(result, "ci.deploys_to_environment")


def test_jenkins_pipelines_under_other_names_are_read(tmp_path: Path):
    """jenkins-infra/kubernetes-management applies its clusters from `Jenkinsfile_k8s`; with
    only `Jenkinsfile` looked for, it read as having no CI and as not operated."""
    write(tmp_path, {
        "Jenkinsfile_k8s": """\
            pipeline {
              agent any
              stages {
                stage('Apply') {
                  when { branch 'main' }
                  steps { sh 'helmfile -f clusters/public.yaml apply' }
                }
              }
            }
            """,
        "ci/release.jenkinsfile": """\
            pipeline { agent any
              stages { stage('Test') { steps { sh 'make test' } } } }
            """,
        "src/test/resources/Jenkinsfile": "pipeline { stages { stage('Deploy to prod') "
                                          "{ steps { sh 'kubectl apply -f x' } } } }\n",
    })
    for repo in (tmp_path, _bare_clone(tmp_path)):
        result = collect(repo)
        assert details(result, "ci.systems")["files"] == {
            "jenkins": ["Jenkinsfile_k8s", "ci/release.jenkinsfile"]}, repo
        assert jobs_of(result, "ci.deploys_to_environment") == ["Apply"]
        assert values(result)["ci.test_stage_present"] is True


def _bare_clone(work: Path) -> Path:
    git("init", "-q", "-b", "main", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "ci", cwd=work)
    bare = work.parent / f"{work.name}.git"
    git("clone", "-q", "--bare", str(work), str(bare), cwd=work.parent)
    return bare


def test_script_reading_is_bounded_and_stays_in_the_repository(tmp_path: Path):
    from opsmaturity.collectors.ci import deploy as ci_deploy

    outside = tmp_path / "outside.sh"
    outside.write_text("scp secret host:/tmp\n", encoding="utf-8")
    repo = write(tmp_path / "repo", {
        ".github/workflows/d.yml": """
            on: push
            jobs:
              deploy:
                environment: production
                steps:
                  - run: ./big.sh && ./link.sh && ./missing.sh && ../outside.sh
            """,
        "big.sh": "scp a b:/c\n" + "#" * ci_deploy.MAX_SCRIPT_BYTES,
    })
    (repo / "link.sh").symlink_to(outside)
    result = collect(repo)
    measure = details(result, "ci.production_deploy_copies_to_hosts")
    assert values(result)["ci.production_deploy_copies_to_hosts"] is False
    assert measure["scripts_read"] == []
    assert measure["scripts_not_read"] == ["big.sh", "link.sh", "missing.sh"]


def test_github_copy_actions_and_script_refs():
    result = analyse_texts({".github/workflows/site.yml": """
        on: {push: {branches: [main]}}
        jobs:
          deploy:
            environment: live
            steps:
              - uses: webfactory/ssh-agent@v0.9.0
              - uses: appleboy/scp-action@v0.1.7
                with: {source: "dist/*", target: /var/www}
        """})
    assert values(result)["ci.production_deploy_copies_to_hosts"] is True
    assert [f["command"] for f in details(result, "ci.production_deploy_copies_to_hosts")["jobs"]
            ] == ["uses: appleboy/scp-action@v0.1.7"]


def test_release_publishing_triggers_and_gates():
    result = analyse_texts({
        ".gitlab-ci.yml": """
            release:
              stage: deploy
              rules:
                - if: $CI_COMMIT_TAG
              script: echo release
              release: {tag_name: $CI_COMMIT_TAG, description: notes}
            push-image:
              stage: deploy
              script: docker push registry.example.com/app:$CI_COMMIT_SHA
              when: manual
            """,
        ".github/workflows/image.yml": """
            on: {push: {branches: [main]}, pull_request: {}}
            jobs:
              image:
                steps:
                  - uses: docker/build-push-action@v6
                    with: {push: "${{ github.event_name != 'pull_request' }}"}
              check:
                steps:
                  - uses: docker/build-push-action@v6
                    with: {push: false}
              draft:
                steps:
                  - run: gh release create --draft v1 dist/*
            """,
    })
    jobs = {j["job"]: (j["automatic"], j["triggers"])
            for j in details(result, "ci.release_published_automatically")["jobs"]}
    assert jobs == {
        "release": (True, ["tag (rules: $CI_COMMIT_TAG)"]),
        "push-image": (False, ["every pipeline (no rules or only:)"]),
        "image": (True, ["push to the default branch"]),
    }
    assert values(result)["ci.release_published_automatically"] is True
    # a registry push is a release: a deploy job; a build that does not push is not; a draft
    # release publishes nothing yet
    assert "check" not in jobs_of(result, "ci.deploy_job_present")
    assert {"release", "push-image", "image"} <= set(jobs_of(result, "ci.deploy_job_present"))


def test_release_published_automatically_false_when_every_publish_waits_or_only_on_prs():
    result = analyse_texts({".github/workflows/p.yml": """
        on: [pull_request, workflow_dispatch]
        jobs:
          npm:
            steps:
              - run: npm publish --tag next
        """})
    assert values(result)["ci.release_published_automatically"] is False
    none = analyse_texts({".github/workflows/t.yml": "on: push\njobs:\n  t:\n    steps:\n"
                                                     "      - run: pytest\n"})
    assert values(none)["ci.release_published_automatically"] is None
    assert "ci.release_published_automatically" in not_applicable(none)


# ---------------------------------------------------------------- classification fixes


def test_manifests_applied_to_a_throwaway_cluster_are_tests_not_deploys():
    result = analyse_texts({
        ".github/workflows/e2e.yml": """
            on: pull_request
            jobs:
              e2e:
                steps:
                  - uses: helm/kind-action@v1
                  - run: helm install app ./chart --wait
                  - run: kubectl apply -f k8s/ && ./e2e/run.sh
            """,
        ".gitlab-ci.yml": """
            k8s-smoke:
              stage: verify
              script:
                - k3d cluster create smoke
                - kubectl apply -f deploy/
                - kubectl rollout status deploy/app
            """,
    })
    assert values(result)["ci.deploy_job_present"] is False
    tests = {j["job"]: j["reasons"] for j in details(result, "ci.test_stage_present")["jobs"]}
    assert tests["e2e"][-1] == "throwaway cluster: uses: helm/kind-action@v1"
    assert tests["k8s-smoke"] == ["throwaway cluster: k3d cluster create"]


NOT_DEPLOYS = {
    "unit tests named deploy": {".gitlab-ci.yml": """
        test-deploy-utils:
          stage: test
          script: pytest tests/deploy_utils
        """},
    "junit reports kept in a publish stage": {".gitlab-ci.yml": """
        stages: [test, publish]
        junit:
          stage: publish
          script: ls reports/
          artifacts:
            reports: {junit: reports/junit.xml}
        """},
    "publish test results action": {".github/workflows/ci.yml": """
        on: push
        jobs:
          tests:
            steps:
              - run: pytest --junitxml=junit.xml
              - name: Publish test results
                uses: EnricoMi/publish-unit-test-result-action@v2
        """},
    "Jenkins publish stage archiving reports": {"Jenkinsfile": """
        node {
          stage('Publish') {
            junit 'target/surefire-reports/*.xml'
            archiveArtifacts artifacts: 'target/*.log'
          }
        }
        """},
}


@pytest.mark.parametrize("case", sorted(NOT_DEPLOYS))
def test_unit_tests_named_deploy_and_archived_test_reports_are_not_deploys(case: str):
    result = analyse_texts(NOT_DEPLOYS[case])
    assert values(result)["ci.deploy_job_present"] is False
    assert values(result)["ci.deploy_mechanism"] == "none"


def test_jenkins_input_message_does_not_make_a_deployment():
    result = analyse_texts({"Jenkinsfile": """
        pipeline {
          stages {
            stage('Approve') { steps { input message: 'Deploy to production?', ok: 'Deploy' } }
            stage('Ship') { steps { sh 'helm upgrade --install app chart/' } }
          }
        }
        """})
    assert jobs_of(result, "ci.deploy_job_present") == ["Ship"]
    assert values(result)["ci.production_deploy_automatic"] is False  # the input still gates


def test_jenkins_input_only_other_branches_reach_does_not_gate_main():
    result = analyse_texts({"Jenkinsfile": """
        pipeline {
          stages {
            stage('Approve hotfix') {
              when { branch 'hotfix/*' }
              steps { input message: 'Deploy the hotfix to production?' }
            }
            stage('Deploy production') {
              when { branch 'main' }
              steps {
                script {
                  if (env.BRANCH_NAME != 'main') {
                    input 'Deploy a non-main branch?'
                  }
                }
                sh 'kubectl apply -f k8s/production/'
              }
            }
          }
        }
        """})
    assert values(result)["ci.production_deploy_automatic"] is True
    assert details(result, "ci.production_deploy_automatic")["jobs"][0]["job"] == (
        "Deploy production")
    assert values(result)["ci.manual_jobs_count"] == 1
    assert values(result)["ci.deploy_mechanism"] == "pipeline_to_platform"


def test_a_registry_push_job_is_a_release():
    result = analyse_texts({".gitlab-ci.yml": """
        container:
          stage: build
          script:
            - docker build -t registry.example.com/app:$CI_COMMIT_SHA .
            - docker push registry.example.com/app:$CI_COMMIT_SHA
          rules:
            - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
        """})
    assert details(result, "ci.deploy_job_present")["jobs"][0]["reasons"] == [
        "script: docker push"]
    assert values(result)["ci.production_deploy_automatic"] is True
    assert values(result)["ci.deploy_mechanism"] == "publish_to_registry"


def test_gitlab_release_automatic_on_tags_and_manual_only_in_a_fork():
    result = analyse_texts({".gitlab-ci.yml": """
        publish:
          stage: deploy
          rules:
            - if: $CI_COMMIT_TAG && $CI_PROJECT_PATH == "group/app"
            - if: $CI_COMMIT_TAG && $CI_PROJECT_PATH == "security/app"
              when: manual
          script: twine upload dist/*
        """})
    assert values(result)["ci.release_published_automatically"] is True
    assert values(result)["ci.production_deploy_automatic"] is True
    assert values(result)["ci.manual_jobs_count"] == 1  # still counted as a manual job


def test_deploys_to_environment_tells_running_systems_from_publishing():
    library = analyse_texts({".github/workflows/publish.yml": """
        on: {push: {tags: ["v*"]}}
        jobs:
          publish:
            environment: pypi
            steps:
              - uses: pypa/gh-action-pypi-publish@release/v1
          docs:
            steps:
              - uses: peaceiris/actions-gh-pages@v4
        """})
    assert values(library)["ci.deploy_job_present"] is True
    assert values(library)["ci.deploys_to_environment"] is False
    service = analyse_texts({".gitlab-ci.yml": """
        staging:
          environment: staging
          script: helm upgrade --install app chart/
        """})
    assert values(service)["ci.deploys_to_environment"] is True
    assert details(service, "ci.deploys_to_environment")["jobs"][0]["reasons"] == [
        "environment: staging", "command: helm"]
    hosts = analyse_texts({"Jenkinsfile": """
        node { stage('Upload') { sh 'scp -r dist/ web1:/srv/www' } }
        """})
    assert values(hosts)["ci.deploy_job_present"] is True  # "upload": by its copy, not its name
    assert values(hosts)["ci.deploys_to_environment"] is True


# ---------------------------------------------------------------- CI systems not analysed

DRONE = """\
kind: pipeline
type: docker
name: default

steps:
  - name: deploy
    image: alpine
    commands: [./deploy.sh]
    when:
      branch: [main]
"""


def test_ci_of_a_system_not_analysed_leaves_the_measures_unknown(tmp_path: Path):
    """A repository deploying from Drone read as having no pipeline: no deploy job, no
    tests, so "not operated" and manual deployments suspected."""
    (tmp_path / ".drone.yml").write_text(DRONE)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("x = 1\n")
    ev = collect(tmp_path)
    got = values(ev)
    assert got["ci.present"] is True and got["ci.systems"] == "drone"
    assert all(got[m] is None for m in MEASURES[2:]), got
    assert ev.partial
    assert ev.coverage.missing == ["drone configuration found but not analysed: .drone.yml"]


def test_a_system_not_analysed_beside_github_actions_keeps_what_was_seen(tmp_path: Path):
    """microservices-demo deploys with cloudbuild.yaml; its workflows test and publish."""
    work = tmp_path / "w"
    (work / ".github" / "workflows").mkdir(parents=True)
    (work / ".github" / "workflows" / "ci.yml").write_text(dedent("""\
        on: [push]
        jobs:
          test:
            runs-on: ubuntu-latest
            steps: [{run: pytest}]
        """))
    (work / "cloudbuild.yaml").write_text("steps:\n- name: skaffold\n  args: [run]\n")
    (work / ".travis.yml").write_text("language: python\nscript: pytest\n")
    got = values(collect(work))
    assert got["ci.test_stage_present"] is True  # seen in the workflow: stays
    assert got["ci.deploy_job_present"] is None  # the Cloud Build file may deploy
    assert got["ci.systems"] == "github,google-cloud-build,travis-ci"
    assert details(collect(work), "ci.systems")["not_analysed"] == {
        "google-cloud-build": ["cloudbuild.yaml"], "travis-ci": [".travis.yml"]}


def test_a_system_not_analysed_is_found_in_a_bare_repository(tmp_path: Path):
    bare, _ = _bare_repo(tmp_path, {".drone.yml": "kind: pipeline\nsteps: []\n",
                                    "docs/azure-pipelines.md": "not a pipeline\n"})
    ev = collect(bare)
    assert values(ev)["ci.systems"] == "drone"
    assert values(ev)["ci.deploy_job_present"] is None
    assert ev.coverage.missing == ["drone configuration found but not analysed: .drone.yml"]
