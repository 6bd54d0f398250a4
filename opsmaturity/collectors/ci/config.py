"""What a CI file is allowed to contain and what is measured: file names, measure ids and
units, GitLab's reserved keys and limits."""

from __future__ import annotations

import re

GITLAB_FILE = ".gitlab-ci.yml"
JENKINS_PATH = re.compile(
    r"^(?:(?:\.?jenkins|\.?ci|pipelines?)/)?"
    r"(?:Jenkinsfile(?:[._-][\w.-]+)?|[\w.-]+\.[Jj]enkinsfile)$")
"""Jenkins pipelines: `Jenkinsfile`, and the variants a repository with several pipelines
names (`Jenkinsfile.release`, `Jenkinsfile_k8s`, `deploy.jenkinsfile`), at the top or in a
jenkins/, ci/ or pipelines/ folder (a multibranch job can point at any of them)."""
WORKFLOW_PATH = re.compile(r"^\.github/workflows/[^/]+\.ya?ml$")
AZURE_PATH = re.compile(r"^(azure-pipelines[\w.-]*|\.azure-pipelines/.+)\.ya?ml$")
"""Azure Pipelines: `azure-pipelines.yml`, `azure-pipelines-release.yml` at the top, or any
YAML file under `.azure-pipelines/` (templates among them are read as their pipeline's
parts, see azure.py)."""
CIRCLECI_PATH = re.compile(r"^\.circleci/config\.ya?ml$")
"""CircleCI 2.x (version 2 and 2.1); the 1.0 `circle.yml` is not analysed."""
BITBUCKET_PATH = re.compile(r"^bitbucket-pipelines\.ya?ml$")
"""Bitbucket Pipelines: `bitbucket-pipelines.yml` at the top (see bitbucket.py)."""
ANALYSED_PATHS = (JENKINS_PATH, WORKFLOW_PATH, AZURE_PATH, BITBUCKET_PATH, CIRCLECI_PATH)
"""Every analysed CI file but `.gitlab-ci.yml` (and the files it includes)."""
UNANALYSED_CI: dict[str, re.Pattern[str]] = {
    "circleci-1.0": re.compile(r"^circle\.ya?ml$"),
    "travis-ci": re.compile(r"^\.travis\.ya?ml$"),
    "drone": re.compile(r"^\.drone\.ya?ml$"),
    "woodpecker": re.compile(r"^(\.woodpecker\.ya?ml|\.woodpecker/[^/]+\.ya?ml)$"),
    "buildkite": re.compile(r"^\.buildkite/pipeline[\w.-]*\.ya?ml$"),
    "tekton": re.compile(r"^\.tekton/[^/]+\.ya?ml$"),
    "forgejo-actions": re.compile(r"^\.(forgejo|gitea)/workflows/[^/]+\.ya?ml$"),
    "aws-codebuild": re.compile(r"^buildspec[\w.-]*\.ya?ml$"),
    "google-cloud-build": re.compile(r"^cloudbuild[\w.-]*\.ya?ml$"),
    "teamcity": re.compile(r"^\.teamcity/settings\.kts$"),
}
"""Pipelines of CI systems whose files are recognised but not analysed: where one exists, the
repository has CI this collector cannot see into, so what it did not find stays unknown."""

MEASURES: tuple[str, ...] = (
    "ci.present",
    "ci.systems",
    "ci.test_stage_present",
    "ci.deploy_job_present",
    "ci.production_deploy_automatic",
    "ci.rollback_job_defined",
    "ci.environments_count",
    "ci.review_environments_present",
    "ci.security_scanning_present",
    "ci.manual_jobs_count",
    "ci.jobs_count",
    "ci.production_deploy_copies_to_hosts",
    "ci.release_published_automatically",
    "ci.deploy_mechanism",
    "ci.deploys_to_environment",
)
SCRIPT_MEASURES: tuple[str, ...] = ("ci.hand_run_deploy_scripts",)
"""Measured from the repository's scripts beside the CI files (`handrun.py`)."""
UNITS = {
    "ci.hand_run_deploy_scripts": "scripts",
    "ci.present": "boolean",
    "ci.systems": "systems",
    "ci.environments_count": "environments",
    "ci.manual_jobs_count": "jobs",
    "ci.jobs_count": "jobs",
    "ci.deploy_mechanism": "mechanism",
}

GITLAB_RESERVED = frozenset(
    {
        "image",
        "services",
        "variables",
        "stages",
        "types",
        "include",
        "default",
        "workflow",
        "before_script",
        "after_script",
        "cache",
        "spec",
    }
)
GITLAB_DEFAULT_STAGES = (".pre", "build", "test", "deploy", ".post")
MAX_INCLUDE_DEPTH = 100  # GitLab's own nesting limit
MAX_INCLUDES = 150  # GitLab's own limit per pipeline
MAX_DETAILS = 50
NOT_VISIBLE = (
    "approvals configured outside the repository (GitHub environment protection "
    "rules, GitLab protected environments and deployment approvals, Azure DevOps "
    "environment approvals and checks, CircleCI restricted contexts and who may approve an "
    "approval job, Bitbucket deployment permissions) are not visible in CI files"
)
