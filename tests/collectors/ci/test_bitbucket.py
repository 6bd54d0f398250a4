"""Bitbucket Pipelines read into jobs: pipelines by branch, tag, pull request and custom,
parallel groups and stages, pipes, deployments, manual triggers and YAML anchors, through
`analyse` and through the real collector on a directory and a bare clone."""

from __future__ import annotations

from pathlib import Path

from tests.collectors.ci.test_collector import (
    _bare_clone,
    analyse_texts,
    collect,
    details,
    jobs_of,
    values,
    write,
)

FILE = "bitbucket-pipelines.yml"
SHOP = """\
image: node:20

definitions:
  caches:
    npm: ~/.npm
  steps:
    - step: &test
        name: Test
        caches: [npm]
        script:
          - npm ci
          - npm test
        after-script:
          - pipe: atlassian/slack-notify:2.1.0
            variables: {WEBHOOK_URL: $SLACK_WEBHOOK}
    - step: &deploy
        name: Deploy
        script:
          - pipe: atlassian/aws-ecs-deploy:1.12.1
            variables:
              AWS_DEFAULT_REGION: eu-central-1
              CLUSTER_NAME: shop
              SERVICE_NAME: shop-web

pipelines:
  default:
    - step: *test
  pull-requests:
    '**':
      - step: *test
  branches:
    main:
      - parallel:
          - step: *test
          - step:
              name: Dependencies
              script:
                - pipe: snyk/snyk-scan:1.0.1
                  variables: {SNYK_TOKEN: $SNYK_TOKEN}
      - step:
          <<: *deploy
          name: Deploy to staging
          deployment: staging
      - step:
          <<: *deploy
          name: Deploy to production
          deployment: production
          trigger: manual
"""


def _analyse(text: str):
    return analyse_texts({FILE: text})


def test_a_branch_pipeline_tests_in_parallel_deploys_staging_and_waits_before_production():
    result = _analyse(SHOP)
    got = values(result)
    assert got["ci.systems"] == "bitbucket"
    assert not result.partial, result.problems
    assert jobs_of(result, "ci.jobs_count") == [
        "default.Test", "branches.main.Test", "branches.main.Dependencies",
        "branches.main.Deploy to staging", "branches.main.Deploy to production",
        "pull-requests.**.Test"]
    assert jobs_of(result, "ci.test_stage_present") == [
        "default.Test", "branches.main.Test", "pull-requests.**.Test"]
    scans = details(result, "ci.security_scanning_present")["jobs"]
    assert [(j["job"], j["tools"]) for j in scans] == [("branches.main.Dependencies", ["snyk"])]
    deploys = details(result, "ci.deploy_job_present")["jobs"]
    assert [(j["job"], j["line"], j["environments"]) for j in deploys] == [
        ("branches.main.Deploy to staging", 40, ["staging"]),
        ("branches.main.Deploy to production", 44, ["production"])]
    assert "pipe: atlassian/aws-ecs-deploy:1.12.1" in deploys[1]["reasons"]
    assert details(result, "ci.environments_count")["environments"] == ["production", "staging"]
    assert got["ci.production_deploy_automatic"] is False
    assert details(result, "ci.production_deploy_automatic")["jobs"][0]["waits_for"] == (
        "step trigger: manual")
    assert "Bitbucket deployment permissions" in details(
        result, "ci.production_deploy_automatic")["not_visible"]
    assert got["ci.manual_jobs_count"] == 1
    assert got["ci.deploy_mechanism"] == "manual_gate"
    automatic = _analyse(SHOP.replace("          trigger: manual\n", ""))
    assert values(automatic)["ci.production_deploy_automatic"] is True
    assert values(automatic)["ci.deploy_mechanism"] == "pipeline_to_platform"
    assert details(automatic, "ci.deploys_to_environment")["jobs"][1]["reasons"] == [
        "environment: production", "command: cloud cli",
        "uses: atlassian/aws-ecs-deploy:1.12.1"]


def test_anchored_steps_keep_their_merged_keys():
    """`<<: *deploy` brings the pipe; the step's own `name:` wins over the anchor's."""
    result = _analyse(SHOP.replace("  default:\n    - step: *test\n", "  default:\n"
                                   "    - step:\n        <<: *test\n        name: Unit\n"))
    test = details(result, "ci.test_stage_present")["jobs"][0]
    assert (test["job"], test["reasons"]) == ("default.Unit", ["script: npm test"])
    deploys = details(result, "ci.deploy_job_present")["jobs"]
    assert all("pipe: atlassian/aws-ecs-deploy:1.12.1" in j["reasons"] for j in deploys)


def test_a_manual_step_holds_back_every_later_step():
    result = _analyse("""\
        pipelines:
          branches:
            master:
              - step:
                  name: Build
                  script: [./gradlew build]
              - step:
                  name: Approve release
                  trigger: manual
                  script: [echo approved]
              - step:
                  name: Ship
                  deployment: production
                  script: [kubectl apply -f k8s/]
        """)
    assert jobs_of(result, "ci.manual_jobs_count") == ["branches.master.Approve release"]
    prod = details(result, "ci.production_deploy_automatic")["jobs"][0]
    assert (prod["job"], prod["waits_for"]) == (
        "branches.master.Ship", "needs manual job 'branches.master.Approve release'")
    assert values(result)["ci.production_deploy_automatic"] is False


def test_a_stage_gives_its_steps_its_deployment_and_a_manual_stage_waits_before_its_first():
    text = """\
        pipelines:
          branches:
            main:
              - parallel:
                  fail-fast: true
                  steps:
                    - step: {name: Unit, script: [pytest]}
                    - step: {name: Lint, script: [ruff check .]}
              - stage:
                  name: Production
                  deployment: production
                  trigger: manual
                  steps:
                    - step:
                        name: Migrate
                        script: [./manage.py migrate]
                    - step:
                        name: Release
                        script: [helm upgrade --install shop ./chart]
        """
    result = _analyse(text)
    assert jobs_of(result, "ci.test_stage_present") == ["branches.main.Unit"]
    assert details(result, "ci.environments_count")["jobs"]["production"] == [
        {"system": "bitbucket", "file": FILE, "line": 14, "job": "branches.main.Migrate",
         "name": "production"},
        {"system": "bitbucket", "file": FILE, "line": 17, "job": "branches.main.Release",
         "name": "production"}]
    assert details(result, "ci.manual_jobs_count")["jobs"] == [
        {"system": "bitbucket", "file": FILE, "line": 14, "job": "branches.main.Migrate",
         "reason": "stage trigger: manual (Production)"}]
    waits = {j["job"]: j["waits_for"]
             for j in details(result, "ci.production_deploy_automatic")["jobs"]}
    assert waits == {"branches.main.Migrate": "stage trigger: manual (Production)",
                     "branches.main.Release": "needs manual job 'branches.main.Migrate'"}
    automatic = _analyse(text.replace("\n                  trigger: manual\n", "\n"))
    assert values(automatic)["ci.production_deploy_automatic"] is True
    assert values(automatic)["ci.deploy_mechanism"] == "pipeline_to_platform"


def test_tags_publish_automatically_and_other_branches_do_not_release():
    text = """\
        pipelines:
          tags:
            'v*':
              - step:
                  name: Publish
                  script: [npm ci, npm publish]
          branches:
            'release/*':
              - step:
                  name: Publish next
                  script: [npm publish --tag next]
        """
    result = _analyse(text)
    jobs = details(result, "ci.release_published_automatically")["jobs"]
    assert [(j["job"], j["triggers"]) for j in jobs] == [
        ("branches.release/*.Publish next", []), ("tags.v*.Publish", ["push of a tag"])]
    assert values(result)["ci.release_published_automatically"] is True
    assert details(result, "ci.production_deploy_automatic")["basis"].startswith(
        "tag/release publish jobs")
    branch_only = _analyse(text.split("          branches:\n")[0].replace("tags", "branches"))
    assert values(branch_only)["ci.release_published_automatically"] is False


def test_default_braces_and_pull_request_triggers_read_as_github_triggers():
    result = _analyse("""\
        pipelines:
          default:
            - step: {name: Publish snapshot, script: [./gradlew publish]}
          branches:
            '{main,develop}':
              - step: {name: Publish, script: [./gradlew publish]}
          pull-requests:
            '**':
              - step: {name: Publish preview, script: [./gradlew publish]}
        """)
    triggers = {j["job"]: j["triggers"]
                for j in details(result, "ci.release_published_automatically")["jobs"]}
    assert triggers == {
        "default.Publish snapshot": ["push to any branch (the default branch too)"],
        "branches.{main,develop}.Publish": ["push to the default branch"],
        "pull-requests.**.Publish preview": []}
    assert details(result, "ci.review_environments_present")["jobs"] == [
        {"system": "bitbucket", "file": FILE, "line": 9, "job": "pull-requests.**.Publish preview",
         "reasons": ["deploys in the pull-requests pipeline '**'"]}]


CUSTOM = """\
  custom:
    redeploy-production:
      - variables:
          - name: VERSION
      - step:
          name: Redeploy
          deployment: production
          script: [./deploy.sh $VERSION]
"""
MAIN = """\
  branches:
    main:
      - step:
          name: Deploy
          deployment: production
          script: [./deploy.sh latest]
"""


def test_custom_pipelines_are_manual_and_on_demand_beside_an_automatic_production_deploy():
    only = _analyse("pipelines:\n" + CUSTOM)
    assert details(only, "ci.manual_jobs_count")["jobs"][0]["reason"] == (
        "custom pipeline 'redeploy-production' runs only when started by hand")
    assert values(only)["ci.production_deploy_automatic"] is False
    assert values(only)["ci.deploy_mechanism"] == "manual_gate"
    beside = _analyse("pipelines:\n" + MAIN + CUSTOM)
    assert values(beside)["ci.production_deploy_automatic"] is True
    on_demand = details(beside, "ci.production_deploy_automatic")["jobs"][1]
    assert on_demand["job"] == "custom.redeploy-production.Redeploy"
    assert on_demand["on_demand"] is True and on_demand["redeploys_chosen_version"] == "VERSION"
    assert "deploys a version a person chooses (input: VERSION)" in details(
        beside, "ci.rollback_job_defined")["jobs"][0]["reasons"]


def test_copy_pipes_copy_to_hosts_and_deploy_pipes_are_named():
    result = _analyse("""\
        pipelines:
          branches:
            main:
              - step:
                  name: Upload
                  deployment: production
                  script:
                    - pipe: atlassian/rsync-deploy:0.12.0
                      variables: {USER: deploy, SERVER: web1.example.ch, REMOTE_PATH: /srv/www}
                    - pipe: atlassian/ssh-run:0.8.1
                      variables: {SSH_USER: deploy, SERVER: web1.example.ch, COMMAND: reload}
              - step:
                  name: Assets
                  deployment: test
                  script:
                    - pipe: atlassian/aws-s3-deploy:1.6.0
                      variables: {S3_BUCKET: shop-assets-test, LOCAL_PATH: dist}
              - step:
                  name: Notify
                  script:
                    - pipe: atlassian/slack-notify:2.1.0
        """)
    got = values(result)
    assert jobs_of(result, "ci.deploy_job_present") == ["branches.main.Upload",
                                                        "branches.main.Assets"]
    assert details(result, "ci.deploy_job_present")["jobs"][1]["reasons"] == [
        "environment: test", "pipe: atlassian/aws-s3-deploy:1.6.0"]
    assert got["ci.production_deploy_copies_to_hosts"] is True
    assert [c["command"] for c in details(result, "ci.production_deploy_copies_to_hosts")[
        "jobs"]] == ["uses: atlassian/rsync-deploy:0.12.0", "uses: atlassian/ssh-run:0.8.1"]
    assert got["ci.deploy_mechanism"] == "copy_to_hosts"


def test_a_file_without_pipelines_is_a_problem():
    result = _analyse("image: python:3.12\noptions: {max-time: 30}\n")
    assert result.problems == [
        f"{FILE}:1: file has no 'pipelines:' with steps (default, branches, tags, "
        "pull-requests, custom)"]
    assert values(result)["ci.jobs_count"] == 0


def test_the_collector_reads_bitbucket_pipelines_from_disk_and_a_bare_clone(tmp_path: Path):
    work = write(tmp_path / "shop", {
        FILE: SHOP,
        "docs/bitbucket-pipelines.yml": "pipelines: {default: [{step: {script: [make]}}]}\n",
        "src/app.js": "module.exports = 1\n",
    })
    for repo in (work, _bare_clone(work)):
        ev = collect(repo)
        got = values(ev)
        assert details(ev, "ci.systems")["files"] == {"bitbucket": [FILE]}, repo
        assert got["ci.systems"] == "bitbucket"
        assert not ev.partial and ev.coverage.missing == []
        assert got["ci.jobs_count"] == 6
        assert got["ci.production_deploy_automatic"] is False
        assert got["ci.deploy_mechanism"] == "manual_gate"


def test_parallel_steps_run_side_by_side_and_after_script_commands_count():
    result = _analyse("""\
        pipelines:
          branches:
            main:
              - parallel:
                  - step:
                      name: Deploy EU
                      deployment: production-eu
                      trigger: manual
                      script: [helm upgrade shop ./chart --kube-context eu]
                  - step:
                      name: Deploy CH
                      deployment: production
                      script: [helm upgrade shop ./chart --kube-context ch]
                      after-script: [trivy image shop:latest]
              - step:
                  name: Smoke test
                  script: [npm run test:smoke]
        """)
    waits = {j["job"]: j["waits_for"]
             for j in details(result, "ci.production_deploy_automatic")["jobs"]}
    assert waits == {"branches.main.Deploy EU": "step trigger: manual",
                     "branches.main.Deploy CH": None}
    assert jobs_of(result, "ci.security_scanning_present") == ["branches.main.Deploy CH"]
    assert details(result, "ci.test_stage_present")["jobs"][0]["job"] == (
        "branches.main.Smoke test")


def test_a_branch_named_production_makes_an_unnamed_deploy_step_production():
    """2hats-co/2hats-admin-portal: `branches: staging:` and `production:` each run one
    unnamed step ending in `firebase deploy`, without `deployment:`."""
    result = _analyse("""\
        pipelines:
          branches:
            staging:
              - step:
                  script: [yarn install, CI=false yarn build, firebase deploy --only hosting]
            production:
              - step:
                  script: [yarn install, CI=false yarn build, firebase deploy --only hosting]
            'prod/**':
              - step:
                  name: Deploy on Development environment
                  script: [./deploy.sh dev]
              - step:
                  name: Build and Push Docker Image to ECR
                  script:
                    - pipe: atlassian/aws-ecr-push-image:2.5.0
                      variables: {IMAGE_NAME: shop}
        """)
    prod = details(result, "ci.production_deploy_automatic")
    assert prod["basis"] == "production deploy jobs"
    assert [j["job"] for j in prod["jobs"]] == ["branches.production.step1"]
    assert values(result)["ci.production_deploy_automatic"] is True
    assert details(result, "ci.release_published_automatically")["jobs"][0]["publishes"] == [
        "image push: pipe atlassian/aws-ecr-push-image:2.5.0"]
