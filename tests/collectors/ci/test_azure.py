"""Azure Pipelines read into jobs: stages, deployment jobs, tasks, local and other
repositories' templates, triggers and ManualValidation gates, through `analyse` and through
the real collector on a directory and a bare clone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.collectors.ci.test_collector import (
    _bare_clone,
    analyse_texts,
    collect,
    details,
    jobs_of,
    values,
    write,
)

MULTI_STAGE = """\
trigger:
  branches:
    include: [main]
pr:
  branches:
    include: [main]

variables:
  buildConfiguration: Release

stages:
  - stage: Build
    displayName: Build and test
    jobs:
      - job: Build
        pool:
          vmImage: ubuntu-latest
        steps:
          - task: UseDotNet@2
            inputs:
              version: 8.x
          - script: dotnet build --configuration $(buildConfiguration)
            displayName: Build
          - task: DotNetCoreCLI@2
            displayName: Unit tests
            inputs:
              command: test
              projects: '**/*Tests.csproj'
          - task: PublishBuildArtifacts@1
            inputs:
              artifactName: drop

  - stage: Deploy_Staging
    dependsOn: Build
    jobs:
      - deployment: Web
        environment: shop-staging
        pool:
          vmImage: ubuntu-latest
        strategy:
          runOnce:
            deploy:
              steps:
                - bash: |
                    helm upgrade --install shop ./chart --namespace staging
                  displayName: Helm upgrade

  - stage: Deploy_Prod
    dependsOn: Deploy_Staging
    condition: and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'))
    jobs:
      - deployment: Web
        environment:
          name: shop-production
          resourceType: Kubernetes
        strategy:
          runOnce:
            deploy:
              steps:
                - bash: helm upgrade --install shop ./chart --namespace production
"""

GATE = """\
  - stage: Approve
    dependsOn: Deploy_Staging
    jobs:
      - job: WaitForValidation
        displayName: Wait for external validation
        pool: server
        timeoutInMinutes: 4320
        steps:
          - task: ManualValidation@0
            timeoutInMinutes: 1440
            inputs:
              notifyUsers: release-managers@example.com
              instructions: Please validate the staging deployment
              onTimeout: reject
"""


def _gated() -> str:
    """The multi-stage pipeline with a ManualValidation stage before production."""
    head, prod = MULTI_STAGE.split("  - stage: Deploy_Prod\n")
    prod = prod.replace("dependsOn: Deploy_Staging", "dependsOn: Approve")
    return head + GATE + "\n  - stage: Deploy_Prod\n" + prod


def test_multi_stage_pipeline_builds_tests_and_deploys_staging_then_production():
    result = analyse_texts({"azure-pipelines.yml": MULTI_STAGE})
    got = values(result)
    assert got["ci.systems"] == "azure"
    assert got["ci.jobs_count"] == 3
    assert jobs_of(result, "ci.test_stage_present") == ["Build.Build"]
    assert details(result, "ci.test_stage_present")["jobs"][0]["reasons"] == [
        "task: DotNetCoreCLI@2", "name"]
    assert jobs_of(result, "ci.deploy_job_present") == ["Deploy_Staging.Web", "Deploy_Prod.Web"]
    assert details(result, "ci.environments_count")["environments"] == [
        "shop-production", "shop-staging"]
    assert got["ci.production_deploy_automatic"] is True
    prod = details(result, "ci.production_deploy_automatic")["jobs"]
    assert [(j["job"], j["line"], j["waits_for"]) for j in prod] == [
        ("Deploy_Prod.Web", 52, None)]
    assert got["ci.deploy_mechanism"] == "pipeline_to_platform"
    assert got["ci.manual_jobs_count"] == 0
    assert not result.partial


def test_a_manual_validation_stage_gates_the_production_deploy_only():
    result = analyse_texts({"azure-pipelines.yml": _gated()})
    got = values(result)
    assert got["ci.manual_jobs_count"] == 1
    assert details(result, "ci.manual_jobs_count")["jobs"][0]["reason"] == (
        "task ManualValidation@0 waits for a person")
    assert got["ci.production_deploy_automatic"] is False
    assert details(result, "ci.production_deploy_automatic")["jobs"][0]["waits_for"] == (
        "needs manual job 'Approve.WaitForValidation'")
    assert "Azure DevOps environment approvals and checks" in details(
        result, "ci.production_deploy_automatic")["not_visible"]
    assert got["ci.deploy_mechanism"] == "manual_gate"
    # a production stage that does not depend on the approval stage does not wait for it
    parallel = _gated().replace("dependsOn: Approve", "dependsOn: Deploy_Staging")
    assert values(analyse_texts({"azure-pipelines.yml": parallel}))[
        "ci.production_deploy_automatic"] is True


def test_stages_without_depends_on_run_in_order_and_wait_for_an_earlier_gate():
    text = _gated().replace("    dependsOn: Approve\n", "").replace(
        "    dependsOn: Deploy_Staging\n", "").replace("    dependsOn: Build\n", "")
    result = analyse_texts({"azure-pipelines.yml": text})
    assert values(result)["ci.production_deploy_automatic"] is False
    assert values(result)["ci.deploy_mechanism"] == "manual_gate"


@pytest.mark.parametrize("pr", ["pr: none\n", "", "pr:\n  branches:\n    include: [main]\n"])
def test_trigger_none_is_a_pipeline_run_by_hand(pr: str):
    """Clouds365-BV/azdev-api: `trigger: none` and no `pr:` key. Pull-request runs (the key,
    or Azure Repos' branch policies) validate a change; they do not release it."""
    text = MULTI_STAGE.replace(
        "trigger:\n  branches:\n    include: [main]\npr:\n  branches:\n    include: [main]\n",
        "trigger: none\n" + pr)
    result = analyse_texts({"azure-pipelines.yml": text})
    got = values(result)
    assert got["ci.manual_jobs_count"] == 3
    reason = details(result, "ci.manual_jobs_count")["jobs"][0]["reason"]
    assert reason == ("pipeline runs only when started by hand (or for a pull request): "
                      "trigger: none, no schedules (azure-pipelines.yml:1)")
    assert got["ci.production_deploy_automatic"] is False
    assert got["ci.deploy_mechanism"] == "manual_gate"
    scheduled = text + "schedules:\n  - cron: '0 3 * * *'\n    branches: {include: [main]}\n"
    assert values(analyse_texts({"azure-pipelines.yml": scheduled}))[
        "ci.production_deploy_automatic"] is True


def test_a_build_reason_manual_condition_makes_a_stage_manual():
    text = MULTI_STAGE.replace(
        "condition: and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'))",
        "condition: and(succeeded(), eq(variables['Build.Reason'], 'Manual'))")
    result = analyse_texts({"azure-pipelines.yml": text})
    assert jobs_of(result, "ci.manual_jobs_count") == ["Deploy_Prod.Web"]
    assert values(result)["ci.production_deploy_automatic"] is False


def test_local_templates_are_expanded_with_their_parameters():
    files = {
        "azure-pipelines.yml": """\
            trigger: [main]
            stages:
              - stage: Build
                jobs:
                  - job: Build
                    steps:
                      - template: .azure-pipelines/steps/test.yml
              - template: .azure-pipelines/stages/deploy.yml
                parameters:
                  environment: staging
              - template: .azure-pipelines/stages/deploy.yml
                parameters:
                  environment: production
            """,
        ".azure-pipelines/steps/test.yml": """\
            steps:
              - script: npm ci && npm test
                displayName: npm test
            """,
        ".azure-pipelines/stages/deploy.yml": """\
            parameters:
              - name: environment
                type: string
            stages:
              - stage: Deploy_${{ parameters.environment }}
                jobs:
                  - deployment: App
                    environment: ${{ parameters.environment }}
                    strategy:
                      runOnce:
                        deploy:
                          steps:
                            - template: ../steps/apply.yml
                              parameters:
                                namespace: ${{ parameters.environment }}
            """,
        ".azure-pipelines/steps/apply.yml": """\
            parameters:
              namespace: default
            steps:
              - task: KubernetesManifest@1
                inputs:
                  action: deploy
                  namespace: ${{ parameters.namespace }}
                  manifests: k8s/*.yml
            """,
    }
    result = analyse_texts(files)
    got = values(result)
    assert not result.partial, result.problems
    assert details(result, "ci.systems")["files"] == {"azure": sorted(files)}
    assert got["ci.jobs_count"] == 3  # the templates are no pipelines of their own
    assert jobs_of(result, "ci.test_stage_present") == ["Build.Build"]
    deploys = details(result, "ci.deploy_job_present")["jobs"]
    assert [(j["job"], j["file"], j["environments"]) for j in deploys] == [
        ("Deploy_staging.App", ".azure-pipelines/stages/deploy.yml", ["staging"]),
        ("Deploy_production.App", ".azure-pipelines/stages/deploy.yml", ["production"])]
    assert "task: KubernetesManifest@1" in deploys[1]["reasons"]
    assert got["ci.production_deploy_automatic"] is True
    assert got["ci.deploy_mechanism"] == "pipeline_to_platform"


def test_a_missing_local_template_is_a_problem():
    result = analyse_texts({"azure-pipelines.yml": """\
        steps:
          - template: templates/build.yml
          - script: make test
        """})
    assert result.problems == [
        "azure-pipelines.yml:2: local template 'templates/build.yml' not found"]
    assert values(result)["ci.test_stage_present"] is True


def test_a_template_of_another_repository_is_unresolved_and_makes_the_evidence_partial():
    result = analyse_texts({"azure-pipelines.yml": """\
        trigger: [main]
        resources:
          repositories:
            - repository: templates
              type: git
              name: Platform/pipeline-templates
        stages:
          - stage: Build
            jobs:
              - template: jobs/dotnet-build.yml@templates
          - stage: Deploy
            jobs:
              - deployment: Api
                environment: production
                strategy:
                  runOnce:
                    deploy:
                      steps:
                        - template: steps/deploy-webapp.yml@templates
        """})
    assert result.partial
    assert result.unresolved == [
        "azure-pipelines.yml:10: template not resolved: 'jobs/dotnet-build.yml@templates' "
        "(not fetched)",
        "azure-pipelines.yml:19: template not resolved: 'steps/deploy-webapp.yml@templates' "
        "(not fetched)"]
    assert result.coverage.ratio == 0.3333  # one file read of three found
    assert jobs_of(result, "ci.deploy_job_present") == ["Deploy.Api"]
    assert values(result)["ci.production_deploy_automatic"] is True


def test_extends_a_template_of_another_repository_reads_the_stages_handed_to_it():
    result = analyse_texts({"azure-pipelines.yml": """\
        trigger: [main]
        resources:
          repositories:
            - repository: 1esPipelines
              type: git
              name: 1ESPipelineTemplates/1ESPipelineTemplates
        extends:
          template: v1/1ES.Official.PipelineTemplate.yml@1esPipelines
          parameters:
            stages:
              - stage: Build
                jobs:
                  - job: Build
                    steps:
                      - script: ./build.sh --test
                      - script: go test ./...
        """})
    assert result.partial and len(result.unresolved) == 1
    assert jobs_of(result, "ci.test_stage_present") == ["Build.Build"]


def test_top_level_steps_are_one_implicit_job():
    result = analyse_texts({"azure-pipelines.yml": """\
        pool:
          vmImage: ubuntu-latest
        steps:
          - task: UsePythonVersion@0
            inputs: {versionSpec: '3.12'}
          - script: |
              python -m pip install -r requirements.txt
              python -m pytest --junitxml=junit/test-results.xml
            displayName: pytest
          - task: PublishTestResults@2
            inputs: {testResultsFiles: '**/test-*.xml'}
        """})
    got = values(result)
    assert got["ci.jobs_count"] == 1
    assert jobs_of(result, "ci.test_stage_present") == ["Job"]
    assert details(result, "ci.test_stage_present")["jobs"][0]["reasons"] == [
        "script: python -m pytest"]
    assert got["ci.deploy_job_present"] is False


def test_azure_web_app_task_deploys_and_a_helm_listing_does_not():
    result = analyse_texts({"azure-pipelines.yml": """\
        trigger:
          branches:
            include: [main]
        jobs:
          - job: Web
            steps:
              - task: AzureWebApp@1
                inputs:
                  azureSubscription: sc-shop
                  appType: webAppLinux
                  appName: shop-web
                  package: $(Pipeline.Workspace)/drop/*.zip
          - job: Inspect
            steps:
              - task: HelmDeploy@0
                inputs:
                  command: ls
        """})
    got = values(result)
    assert details(result, "ci.deploy_job_present")["jobs"] == [
        {"system": "azure", "file": "azure-pipelines.yml", "line": 5, "job": "Web",
         "environments": [], "reasons": ["task: AzureWebApp@1"]}]
    assert got["ci.production_deploy_automatic"] is True  # no environment named: the basis
    assert got["ci.deploy_mechanism"] == "pipeline_to_platform"
    assert details(result, "ci.deploys_to_environment")["jobs"][0]["reasons"] == [
        "command: cloud cli"]
    assert details(result, "ci.production_deploy_automatic")["basis"].startswith(
        "deploy jobs that name no environment")


def test_azure_cli_and_docker_tasks_read_their_inputs():
    result = analyse_texts({"azure-pipelines.yml": """\
        trigger:
          tags:
            include: ['v*']
        jobs:
          - job: Image
            steps:
              - task: Docker@2
                inputs:
                  command: buildAndPush
                  repository: shop/api
                  tags: $(Build.SourceBranchName)
          - job: Release
            dependsOn: Image
            steps:
              - task: AzureCLI@2
                inputs:
                  azureSubscription: sc-prod
                  scriptType: bash
                  scriptLocation: inlineScript
                  inlineScript: az containerapp update -n api -g rg-prod --image shop/api:latest
        """})
    assert details(result, "ci.release_published_automatically")["jobs"][0]["publishes"] == [
        "image push: task Docker@2"]
    assert values(result)["ci.release_published_automatically"] is True
    release = details(result, "ci.deploy_job_present")["jobs"][1]
    assert release["job"] == "Release"
    assert release["reasons"] == ["name", "script: az containerapp update"]


def test_the_collector_reads_azure_pipelines_and_templates_from_disk_and_a_bare_clone(
        tmp_path: Path):
    work = write(tmp_path / "shop", {
        "azure-pipelines.yml": _gated(),
        ".azure-pipelines/release.yml": """\
            trigger: none
            pr: none
            stages:
              - template: /ops/rollback.yml
            """,
        "ops/rollback.yml": """\
            stages:
              - stage: Rollback
                jobs:
                  - deployment: Rollback
                    environment: shop-production
                    strategy:
                      runOnce:
                        deploy:
                          steps:
                            - bash: helm rollback shop
            """,
        "docs/azure-pipelines.md": "not a pipeline\n",
    })
    for repo in (work, _bare_clone(work)):
        ev = collect(repo)
        got = values(ev)
        assert details(ev, "ci.systems")["files"] == {"azure": [
            ".azure-pipelines/release.yml", "azure-pipelines.yml", "ops/rollback.yml"]}, repo
        assert got["ci.systems"] == "azure"
        assert not ev.partial and ev.coverage.missing == []
        assert got["ci.rollback_job_defined"] is True
        assert jobs_of(ev, "ci.rollback_job_defined") == ["Rollback.Rollback"]
        assert got["ci.production_deploy_automatic"] is False
        assert got["ci.jobs_count"] == 5


def test_a_template_under_azure_pipelines_is_reported_once_not_as_a_pipeline():
    result = analyse_texts({
        "azure-pipelines.yml": "stages:\n  - template: .azure-pipelines/build.yml\n",
        ".azure-pipelines/build.yml": """\
            stages:
              - stage: Build
                jobs:
                  - job: Build
                    steps:
                      - template: steps/restore.yml
                      - template: steps/sign.yml@eng
                      - script: npm test
            """,
    })
    assert result.problems == [
        ".azure-pipelines/build.yml:6: local template 'steps/restore.yml' not found"]
    assert result.unresolved == [
        ".azure-pipelines/build.yml:7: template not resolved: 'steps/sign.yml@eng' "
        "(not fetched)"]
    assert jobs_of(result, "ci.jobs_count") == ["Build.Build"]
