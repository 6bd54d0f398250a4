"""Runtime manifests found by what they say, not only by where they sit.

Path rules (`paths.IAC_RULES`) find `k8s/`, `manifests/` and kustomizations, but small
services often keep `deployment.yaml` and `service.yaml` at the top of the repository. Such
a file is a Kubernetes object when a YAML document in it has top-level `apiVersion:` and
`kind:` keys. A Cloud Foundry app manifest (`manifest.yml`, `manifest-prod.yml`, pushed
with `cf push`) has a top-level `applications:` list of named apps. Only YAML files the
path rules leave unclassified are read (at HEAD, with the other files the collector reads,
`blobs.read_blobs`), and at most `MAX_FILES` of them.

Terraform says where a system runs only in a root configuration, the one someone applies:
it configures a provider or a state backend, or comes with variable values (`.tfvars`), a
provider lock file or Terragrunt. A reusable module (terraform-aws-vpc and the like) declares
only the providers it needs (HashiCorp's guidance: provider configurations belong in root
modules), so its `.tf` files are infrastructure as code, not a deployment of this team's.

Helm charts that the repository's CI publishes (chart-releaser, `helm push`) are what it
releases for others to install, as a library publishes packages and an app pushes images:
they do not say where this team's system runs (prometheus-community/helm-charts read as
operated). A pipeline that also deploys them shows it in the CI evidence.
"""

from __future__ import annotations

import re

from .. import paths

MAX_FILES = 400
_YAML = re.compile(r"\.ya?ml$", re.I)
_SKIP = re.compile(r"(^|/)(\.github|\.gitlab|\.circleci|\.buildkite|\.azure-pipelines)/"
                   r"|(^|/)\.gitlab-ci\.ya?ml$|(^|/)\.pre-commit", re.I)
_API_VERSION = re.compile(r"^apiVersion:\s*\S", re.M)
_KIND = re.compile(r"^kind:\s*[A-Z]\w*", re.M)


def candidates(head_files: list[str]) -> list[str]:
    """YAML files at HEAD that no path rule classified and that could describe a runtime."""
    return [f for f in head_files
            if _YAML.search(f) and paths.iac_kind(f) is None and not _SKIP.search(f)
            and not paths.is_test(f) and not paths.is_doc(f)
            and paths.observability_kind(f) is None
            and not paths.is_example(f) and not paths.is_vendored(f)][:MAX_FILES]


_CF_NAME = re.compile(r"(^|/)manifest[\w.-]*\.ya?ml$", re.I)
_APPLICATIONS = re.compile(r"^applications:\s*(#.*)?\n(\s*#.*\n|\s*\n)*\s*-\s+name:\s*\S", re.M)


def is_cloud_foundry_manifest(path: str, text: str) -> bool:
    """True for a Cloud Foundry app manifest: named manifest*.yml, with a top-level
    `applications:` list whose first item has a name."""
    return bool(_CF_NAME.search(path)) and bool(_APPLICATIONS.search(text))


def is_kubernetes_object(text: str) -> bool:
    """True when the YAML has a document with top-level `apiVersion:` and `kind:` keys."""
    return bool(_API_VERSION.search(text)) and bool(_KIND.search(text))


_TF_CODE = re.compile(r"\.tf(\.json)?$")
_TF_CONFIG = re.compile(  # HCL blocks, and the same keys in Terraform's JSON syntax
    r'^\s*(provider|backend)\s+"[^"]+"\s*\{|^\s*cloud\s*\{'
    r'|"(provider|backend)"\s*:\s*\{', re.M)


def terraform_code(runtime_files: list[str]) -> list[str]:
    """The `.tf` files among runtime manifests: whether they are a root configuration or a
    reusable module is read from what they say (`is_terraform_root`)."""
    return [f for f in runtime_files if _TF_CODE.search(f)][:MAX_FILES]


def is_terraform_root(text: str) -> bool:
    """True when a Terraform file configures a provider or a state backend (`provider "aws"
    {`, `backend "s3" {`, `cloud {`): a root configuration that someone applies."""
    return bool(_TF_CONFIG.search(text))


_CI_FILE = re.compile(r"(^|/)(\.github/workflows/[^/]+\.ya?ml|\.gitlab-ci\.ya?ml"
                      r"|Jenkinsfile([._-][\w.-]+)?|[\w.-]+\.[Jj]enkinsfile|\.circleci/config\.ya?ml)$")
_CHART_PUBLISHING = re.compile(
    r"helm/chart-releaser-action|(?<![\w-])cr\s+upload\b|(?<![\w-])helm\s+(?:push|cm-push)\b")


def ci_files(head_files: list[str]) -> list[str]:
    """The CI configurations at HEAD, read for whether they publish Helm charts."""
    return [f for f in head_files if _CI_FILE.search(f)][:MAX_FILES]


def publishes_charts(text: str) -> bool:
    """True when a CI configuration publishes Helm charts (chart-releaser, `cr upload`,
    `helm push` / `helm cm-push`)."""
    return bool(_CHART_PUBLISHING.search(text))
