"""Static analysis of CI configuration: GitLab CI, GitHub Actions, Jenkins, Azure Pipelines and
Bitbucket Pipelines.

Why static: the configuration in the repository says what the pipeline *can* do (run tests,
deploy, roll back, wait for a person) without API tokens or pipeline history, so it works on
any checkout, even a bare mirror. It measures; the catalogue's probes judge.

Files read (from the working tree, or from HEAD of a bare repository): `.gitlab-ci.yml` and
its local includes, `.github/workflows/*.yml|*.yaml`, and Jenkins pipelines
(`config.JENKINS_PATH`: `Jenkinsfile`, `Jenkinsfile_k8s`, `ci/deploy.jenkinsfile`), Azure
Pipelines (`config.AZURE_PATH`: `azure-pipelines*.yml`, `.azure-pipelines/**.yml`) and the
local templates they name, Bitbucket Pipelines (`bitbucket-pipelines.yml` at the top); and
the repository scripts that deploy jobs call (bounded, see `deploy.py`), because `scp` in
`./deploy.sh` decides how the project deploys. docs/ci-evidence.md defines every measure.
Remote, project, template and component includes, and Azure templates of other repositories
(`x.yml@templates`), are not fetched: they are listed as "not resolved" in coverage.missing,
which also makes the evidence partial. Files of CI systems that are recognised but not
analysed (CircleCI 1.0 `circle.yml`, Travis CI, ..., `UNANALYSED_CI`)
are listed there too, and leave every measure they could change not measured.

CircleCI 2.x (`config.CIRCLECI_PATH`: `.circleci/config.yml`, version 2 and 2.1, read by
`circleci.py`): a *job* is each job entry of a workflow (named `workflow.job`, or by the
entry's `name:`; without `workflows:` the `build` job); its commands are its `run:` (and
2.0 `deploy:`) steps, with the config's own `commands:` and `steps` parameters expanded and
`<< parameters.x >>` replaced by what the workflow hands it, `when`/`unless` steps opened,
the entry's `pre-steps`/`post-steps` included; orb commands and orb jobs
(`aws-ecs/deploy-service-update`) are references, known by name only (orbs are not
fetched): one whose command says deploy, update-service, helm-upgrade,
upgrade/install-helm-chart, create-or-update or rollout deploys, one that says push or
publish publishes. A `type: approval` entry is manual, and every entry that `requires` it,
directly or through others, waits for a person; a `type: no-op` job runs nothing.
`filters` say when an entry runs without a person (every branch by default; `branches:
only|ignore` by name or `/regex/`; tags only with `tags: only`); a workflow with `triggers:
- schedule:` runs on its schedule. CircleCI has no environments: a deploy job's environment
is a `context:` named like one (`shop-production`), else the environment word in its name
(`deploy_staging`), as for Jenkins. Restricted contexts and who may approve are CircleCI
settings, not visible here.

Heuristics (every match is listed in the measure's `details`, with file and line):

- *Job*: a GitLab job (a top-level mapping that is not a reserved keyword and not a hidden
  `.template`), a GitHub Actions job, a Jenkins stage that contains no other stage, or an
  Azure `- job:` or `- deployment:` (named `stage.job`; top-level `steps:` are one job
  `Job`), local templates expanded with their parameters, `${{ if }}` blocks opened.
  Bitbucket: every step of every pipeline (`default`, `branches`, `tags`, `pull-requests`,
  `custom`), also inside `- parallel:` and `- stage:`, named `branches.main.<name>`;
  anchors and `<<:` merges resolved.
- *Deploy job*: has an environment (GitLab: unless its `action` is stop, prepare, verify or
  access); or its name (GitLab: or its stage; GitHub: or a step named "deploy ...") has a
  word deploy/deployment/release/publish/rollout/ship/promote; or its commands run a deploy
  tool (`kubectl|oc apply|replace|set image|rollout restart`, `helm upgrade|install`,
  `helmfile apply|sync`, `terraform|tofu|terragrunt apply`, `pulumi up`, `argocd app sync`,
  `skaffold run|deploy`, `ansible-playbook`, `aws ecs update-service`, `az webapp deploy`,
  `cf push`, `gcloud run|app deploy`, `fly|kamal deploy`, `npm|yarn|cargo|poetry|uv ...
  publish`, `twine upload`, `gem push`, `nuget push`, `gh release create`,
  `semantic-release`, `goreleaser`, or the command word `deploy` as in `make deploy`, `mvn
  deploy`, `./deploy.sh`, `firebase deploy`; not in an echo or printf); GitHub: an action
  whose name says deploy/release/publish or `gh-pages`; Azure: a `deployment:` job (its
  `environment`), its stage's name, or a deploying task (`AzureWebApp`,
  `AzureRmWebAppDeployment`, `AzureFunctionApp`, `AzureContainerApps`, `KubernetesManifest`
  with `action: deploy`, `HelmDeploy` with `command: upgrade|install`, `Kubernetes` with
  `command: apply`, ..., `azure.DEPLOY_TASKS`; an `AzureCLI` task's `inlineScript` is read
  as commands); Bitbucket: a step's `deployment:` (or its stage's), a deploying pipe
  (`bitbucket.DEPLOY_PIPES`, or a pipe named deploy), a copy pipe (`ssh-run`,
  `scp-deploy`, `rsync-deploy`, `ftp-deploy`: copies to hosts) or a publishing pipe
  (`aws-ecr-push-image`); a registry push (`docker push`,
  `buildx --push`, `helm push`) or another publishing command or action
  (`ci_deploy.PUBLISH_*`); a file copy to a host in its commands (`scp`, `rsync host:`,
  `lftp`, ...; not a bare `ssh`). Jobs named rollback and GitLab stop jobs are not deploy
  jobs. `dotnet publish`, `--release` build flags and "publish test results" are not
  deploys; nor are, when only words say deploy: a test job named e.g. `test-deploy-utils`,
  and a job that keeps test reports (GitLab `artifacts:reports`, junit uploads, Jenkins
  `junit`/`archiveArtifacts`). Deploy commands in a job that makes a throwaway cluster
  (kind, k3d, minikube) are tests of that cluster.
- *Production*: an environment name with the token prod/production/prd/live (not "pre-prod"
  or "non-prod"), or `deployment_tier: production`; an explicit staging/testing/development
  tier wins over the name. A deploy job without an environment is judged by its name (and
  GitLab stage). GitHub `environment: ${{ inputs.x }}` / `${{ matrix.x }}` take the choice
  options / matrix values. A GitHub job that calls another repository's reusable workflow
  (which is not read) and is a deploy job for other reasons takes the environment it hands
  over (`with: environment: prod`, also `environment_name`, `target_environment`,
  `deploy_environment`). Jenkins has no environments: a deploy stage's environment is the
  environment word in its name ("Deploy to Staging" -> staging). A Bitbucket deploy step
  without `deployment:` whose name names no environment is production when its branch or
  custom pipeline says so (`branches: production:`), unless it only publishes.
- *Manual*: GitLab `when: manual` at the top level or in any rule, `only: [web]`, or job or
  `workflow:` rules that only run for `$CI_PIPELINE_SOURCE == "web"`; GitHub: a workflow
  whose triggers are only `workflow_dispatch` (a reusable workflow takes its local callers'
  triggers; a call by full name, `owner/repo/.github/workflows/x.yml@ref`, is local when the
  repository has that workflow), or a job `if:` that only runs on `workflow_dispatch`;
  Azure: a `ManualValidation` task (an agentless `pool: server` job), a stage `trigger:
  manual`, a stage or job `condition:` on `eq(variables['Build.Reason'], 'Manual')`, or a
  pipeline with `trigger: none`, no schedules and no pipeline resource trigger;
  stages run in order unless `dependsOn` says otherwise, and each job waits for the jobs
  of the stages it depends on (and of its own `dependsOn`);
  Bitbucket: `trigger: manual` on a step or a stage (its first step), every step of a
  `custom:` pipeline (run on demand beside an automatic production deploy); steps run in
  order, so each waits for the steps before it (parallel steps for the group before);
  Jenkins: a stage with an `input` step or directive (also in an enclosing stage), unless
  the stage runs on the main branch and the input sits in a `when { branch ... }` or `if
  (...)` the main branch does not take. An input's message is not read as a command. A
  deploy also waits for a person when it `needs` a manual job, (GitLab) when a blocking
  manual job (`allow_failure: false`, the default for `when: manual` in rules; not a stop
  job) sits in an earlier stage, or (Jenkins) when an `input` comes before its stage.
  Approvals configured outside the repository (GitHub environment protection rules, GitLab
  protected environments, Azure DevOps environment approvals and checks, Bitbucket
  deployment permissions) are not visible here.
- *Production basis* (production_deploy_automatic, production_deploy_copies_to_hosts):
  production deploy jobs; else jobs that publish on a tag or release (automatic if one is);
  else deploy jobs that name no non-production environment; else not applicable: review
  and staging deploys do not stand for production. Beside an automatic production deploy, a
  GitHub job only a person starts (a dispatch-only workflow: a restore, maintenance mode, a
  redeploy) is used on demand, not the way changes go: it leaves production_deploy_automatic
  and the mechanism to the others. With the version to deploy as an input (`version`,
  `app_version`, `image_tag`, `sha`) it is also a rollback.
- *Mechanism*: copy_to_hosts (the basis copies files or runs commands on hosts by scp, rsync,
  ssh, ftp, ...), manual_gate, pipeline_to_platform (kubectl, helm, terraform, cloud CLIs,
  deploy actions), publish_to_registry, unrecognised, non_production_only or none.
- *Test*: a GitLab job whose explicit `stage` starts with "test" (the implicit default stage
  does not count); a job/stage (GitHub: or step) name with a word test/tests/testing/e2e
  unless the job deploys; or a test command (pytest, `python -m unittest`, tox, nox,
  `npm|yarn|pnpm test`, jest, vitest, mocha, cypress, playwright, `mvn test|verify`,
  `gradle test|check`, `go test`, `cargo test`, `dotnet test`, rspec, phpunit, `make test`,
  ctest, ...); a tool only being installed (`pip install pytest`) does not count.
- *Rollback*: a GitLab stop job (`environment.action: stop`) or an `on_stop` that names an
  existing job; a job named rollback / roll-back, or revert/undo with a deploy word; or a
  command `helm rollback`, `kubectl rollout undo`, or the command word `rollback` (not
  `--auto-rollback` style flags). Jenkins: also anywhere in the file, e.g. `post { failure
  { ... } }`. GitHub: a production deploy a person starts with the version to deploy as an
  input (any earlier build can be deployed again), to a named environment, in a workflow
  that neither tags nor publishes (there the input numbers the release being cut).
- *Review environments*: GitLab environments (not production) whose name uses
  `$CI_COMMIT_REF_*`, `$CI_MERGE_REQUEST_*`, `$CI_COMMIT_BRANCH` or a commit SHA, starts
  with review/ or preview/, or that have `on_stop` / `auto_stop_in`; GitHub environments named
  review/preview/pr (or keyed on the PR number / head ref) in pull_request workflows; Jenkins
  deploy stages guarded by `when { changeRequest() }`; Bitbucket deploy steps of
  `pull-requests:` pipelines.
- *Environments count*: distinct names, case-insensitive, with variables and `${{ }}`
  expressions replaced by `*` (so `review/$CI_COMMIT_REF_SLUG` counts once).
- *Security scanning*: GitLab Security/Jobs/Auto-DevOps templates or scanning components,
  and in job names, commands, images and actions, the tools listed in
  `security_tools.yaml` (data, read once): sast, dast, secret detection, dependency or
  container scanning, CodeQL, Trivy, Grype/Anchore, Snyk, Semgrep, Bandit, gitleaks,
  TruffleHog, OSV-Scanner, OWASP Dependency-Check/ZAP, pip-audit, safety, npm/yarn audit,
  cargo audit/deny, govulncheck, gosec, brakeman, checkov, tfsec, kics, SonarQube, Gemnasium,
  dependency-review, OSSF Scorecard, zizmor, ...

GitLab `default:` and top-level `before_script`/`image` are recognised (not jobs) but not
read for classification: they apply to every job and would make every job look alike.

Coverage: ratio = files parsed / files found, where "found" also counts local includes that
do not exist and includes that were not fetched. Problems (invalid YAML with the line from
PyYAML's problem mark, a missing local include, an include loop, an `extends` cycle or unknown
parent, an unclosed Jenkins stage, a workflow without triggers or jobs) are `file:line:
message` entries in coverage.missing, next to the unresolved includes; either makes the
evidence partial, and the rest is still measured. If no CI file parses at all, every measure
but `ci.present` and `ci.systems` is None (not measured).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from opsmaturity.core.evidence import Coverage, EvidenceSet, Measure
from opsmaturity.core.messages import text as _msg
from opsmaturity.core.times import now_utc

from ..base import CollectorError, Progress, no_progress
from .analysis import analyse
from .config import MAX_DETAILS, MEASURES, SCRIPT_MEASURES
from .files import (
    load_ci_files,
    load_deploy_scripts,
    load_hand_run_candidates,
    repository_names,
    unanalysed_ci_files,
)
from .handrun import HandRunDeploy, hand_run_deploys

# ---------------------------------------------------------------- collector


class CiConfigOptions(BaseModel):
    """Where to look: a working tree, a bare repository or a plain directory."""

    model_config = ConfigDict(extra="forbid")

    repo: Path = Field(description="repository (working tree or bare) or directory with CI files")


class CiConfigCollector:
    """The `ci` collector: static facts about the pipeline definitions in one repository."""

    name: ClassVar[str] = "ci"
    measures: ClassVar[tuple[str, ...]] = MEASURES + SCRIPT_MEASURES
    config_model: ClassVar[type[BaseModel]] = CiConfigOptions

    def collect(self, config: BaseModel, progress: Progress = no_progress) -> EvidenceSet:
        """Read the CI files of `config.repo` and measure them."""
        try:
            options = (
                config
                if isinstance(config, CiConfigOptions)
                else CiConfigOptions.model_validate(config.model_dump())
            )
        except ValidationError as exc:
            raise CollectorError(
                _msg("ci.invalid_options", problem=exc.errors()[0]["msg"])) from None
        repo = options.repo
        if not repo.exists():
            raise CollectorError(_msg("ci.no_such_directory", path=repo))
        if not repo.is_dir():
            raise CollectorError(_msg("ci.not_a_directory", path=repo))
        progress("reading CI configuration", None)
        unreadable: list[str] = []
        files = load_ci_files(repo, unreadable)
        scripts = load_deploy_scripts(repo, files)
        progress(f"analysing {len(files)} CI file(s)", 0.5)
        result = analyse(files, scripts)
        git_dir, names = repository_names(repo)
        hand_run = hand_run_deploys(load_hand_run_candidates(repo, git_dir, names), files,
                                    scripts)
        progress("CI configuration analysed", 1.0)
        coverage, measures = result.coverage, [*result.measures, _hand_run(hand_run)]
        if unreadable:
            measures, coverage = _without_unread(measures, coverage, unreadable,
                                                 _msg("ci.not_measured_unread"))
        others = unanalysed_ci_files(names)
        if others:
            found = [_msg("ci.not_analysed", system=system, files=", ".join(paths[:5]))
                     for system, paths in sorted(others.items())]
            measures, coverage = _without_unread(measures, coverage, found,
                                                 _msg("ci.not_measured_other_ci"), others)
        return EvidenceSet(
            collector=self.name,
            source=str(repo),
            window=None,
            collected_at=now_utc(),
            coverage=coverage,
            partial=result.partial or bool(unreadable) or bool(others),
            measures=measures,
        )


def _hand_run(found: list[HandRunDeploy]) -> Measure:
    return Measure(id="ci.hand_run_deploy_scripts", value=len(found), unit="scripts",
                   details={"scripts": [f.model_dump() for f in found[:MAX_DETAILS]],
                            "definition": _msg("ci.hand_run_definition")})


def _without_unread(measures: list[Measure], coverage: Coverage, unreadable: list[str],
                    note: str, systems: dict[str, list[str]] | None = None,
                    ) -> tuple[list[Measure], Coverage]:
    """CI files exist whose content is not read: the repository lacks it (a partial clone, a
    missing object), or they belong to a CI system this collector does not analyse (CircleCI,
    Drone, ...). What the read files show to exist stays true; every
    other value could be changed by the unread files, so it is not measured. Unknown is not
    zero: a repository deploying from Azure Pipelines must not read as deployed by hand."""
    out = []
    for m in measures:
        if m.id == "ci.present":
            m = m.model_copy(update={"value": True})
        elif m.id == "ci.systems" and systems:
            names = [n for n in str(m.value or "").split(",") if n]
            m = m.model_copy(update={"value": ",".join([*names, *sorted(systems)]),
                                     "details": {**m.details, "not_analysed": systems}})
        elif m.value is not True:
            m = m.model_copy(update={"value": None, "details": {**m.details, "note": note}})
        out.append(m)
    applicable = [m for m in out if m.applicable]
    ratio = sum(m.value is not None for m in applicable) / len(applicable) if applicable else 0.0
    return out, Coverage(ratio=round(min(ratio, coverage.ratio), 4),
                         missing=[*unreadable, *coverage.missing])
