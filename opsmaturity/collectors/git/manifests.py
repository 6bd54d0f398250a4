"""Kubernetes manifests found by what they say, not only by where they sit.

Path rules (`paths.IAC_RULES`) find `k8s/`, `manifests/` and kustomizations, but small
services often keep `deployment.yaml` and `service.yaml` at the top of the repository. Such
a file is a Kubernetes object when a YAML document in it has top-level `apiVersion:` and
`kind:` keys. Only YAML files the path rules leave unclassified are read, at HEAD, in one
`git cat-file` process, and at most `MAX_FILES` of them, so a large repository pays little.
"""

from __future__ import annotations

import re

from . import blobs, paths

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


def is_kubernetes_object(text: str) -> bool:
    """True when the YAML has a document with top-level `apiVersion:` and `kind:` keys."""
    return bool(_API_VERSION.search(text)) and bool(_KIND.search(text))


def kubernetes_manifests(repo: str, head_files: list[str]) -> list[str]:
    """The candidate files whose content is a Kubernetes object."""
    texts = blobs.read_blobs(repo, "HEAD", candidates(head_files))
    return [f for f, text in texts.items() if is_kubernetes_object(text)]
