"""Static analysis of CI configuration: GitLab CI, GitHub Actions and Jenkins pipelines.

Why static: the configuration in the repository says what the pipeline *can* do (run tests,
deploy, roll back, wait for a person) without API tokens or pipeline history, so it works on
any checkout, even a bare mirror. It measures; the catalogue's probes judge.

Files read (from the working tree, or from HEAD of a bare repository): `.gitlab-ci.yml` and
its local includes, `.github/workflows/*.yml|*.yaml`, and `Jenkinsfile` at the top level; and
the repository scripts that deploy jobs call (bounded, see `ci_deploy.py`), because `scp` in
`./deploy.sh` decides how the project deploys. docs/ci-evidence.md defines every measure.
Remote, project, template and component includes are not fetched: they are listed as "not
resolved" in coverage.missing, which also makes the evidence partial.

Heuristics (every match is listed in the measure's `details`, with file and line):

- *Job*: a GitLab job (a top-level mapping that is not a reserved keyword and not a hidden
  `.template`), a GitHub Actions job, or a Jenkins stage that contains no other stage.
- *Deploy job*: has an environment (GitLab: unless its `action` is stop, prepare, verify or
  access); or its name (GitLab: or its stage; GitHub: or a step named "deploy ...") has a word
  deploy/deployment/release/publish/rollout/ship/promote; or its commands run a deploy tool
  (`kubectl|oc apply|replace|set image|rollout restart`, `helm upgrade|install`, `helmfile
  apply|sync`, `terraform|tofu|terragrunt apply`, `pulumi up`, `argocd app sync`,
  `skaffold run|deploy`, `ansible-playbook`, `aws ecs update-service`, `az webapp deploy`,
  `npm|yarn|cargo|poetry|uv ... publish`, `twine upload`, `gem push`, `nuget push`,
  `gh release create`, `semantic-release`, `goreleaser`, or the command word `deploy` as in
  `make deploy`, `mvn deploy`, `./deploy.sh`, `firebase deploy`); GitHub: an action whose name
  says deploy/release/publish or `gh-pages`; a registry push (`docker push`, `buildx --push`,
  `helm push`) or another publishing command or action (`ci_deploy.PUBLISH_*`); a file copy to
  a host in its commands (`scp`, `rsync host:`, `lftp`, ...; not a bare `ssh`). Jobs named
  rollback and GitLab stop jobs are not deploy jobs. `dotnet publish`, `--release` build
  flags and "publish test results" are not deploys; nor are, when only words say deploy: a
  test job named e.g. `test-deploy-utils`, and a job that keeps test reports (GitLab
  `artifacts:reports`, junit uploads, Jenkins `junit`/`archiveArtifacts`). Deploy commands in
  a job that makes a throwaway cluster (kind, k3d, minikube) are tests of that cluster.
- *Production*: an environment name with the token prod/production/prd/live (not "pre-prod"
  or "non-prod"), or `deployment_tier: production`; an explicit staging/testing/development
  tier wins over the name. A deploy job without an environment is judged by its name (and
  GitLab stage). GitHub `environment: ${{ inputs.x }}` / `${{ matrix.x }}` take the choice
  options / matrix values. Jenkins has no environments: a deploy stage's environment is the
  environment word in its name ("Deploy to Staging" -> staging).
- *Manual*: GitLab `when: manual` at the top level or in any rule, `only: [web]`, or job or
  `workflow:` rules that only run for `$CI_PIPELINE_SOURCE == "web"`; GitHub: a workflow whose
  triggers are only `workflow_dispatch` (a reusable workflow takes its local callers'
  triggers), or a job `if:` that only runs on `workflow_dispatch`; Jenkins: a stage with an
  `input` step or directive (also in an enclosing stage), unless the stage runs on the main
  branch and the input sits in a `when { branch ... }` or `if (...)` the main branch does not
  take. An input's message is not read as a command. A deploy also waits for a person
  when it `needs` a manual job, (GitLab) when a blocking manual job (`allow_failure: false`,
  the default for `when: manual` in rules; not a stop job) sits in an earlier stage, or
  (Jenkins) when an `input` comes before its stage. Approvals configured outside the
  repository (GitHub environment protection rules, GitLab protected environments) are not
  visible here.
- *Production basis* (production_deploy_automatic, production_deploy_copies_to_hosts):
  production deploy jobs; else jobs that publish on a tag or release (automatic if one is);
  else deploy jobs that name no non-production environment; else not applicable: review
  and staging deploys do not stand for production.
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
  { ... } }`.
- *Review environments*: GitLab environments (not production) whose name uses
  `$CI_COMMIT_REF_*`, `$CI_MERGE_REQUEST_*`, `$CI_COMMIT_BRANCH` or a commit SHA, starts
  with review/ or preview/, or that have `on_stop` / `auto_stop_in`; GitHub environments named
  review/preview/pr (or keyed on the PR number / head ref) in pull_request workflows; Jenkins
  deploy stages guarded by `when { changeRequest() }`.
- *Environments count*: distinct names, case-insensitive, with variables and `${{ }}`
  expressions replaced by `*` (so `review/$CI_COMMIT_REF_SLUG` counts once).
- *Security scanning*: GitLab Security/Jobs/Auto-DevOps templates or scanning components,
  and in job names, commands, images and actions, the tools listed in
  `ci_security_tools.yaml` (data, read once): sast, dast, secret detection, dependency or
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

import os
import posixpath
import re
import shutil
import subprocess
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from opsmaturity.core.evidence import Coverage, EvidenceSet, Measure
from opsmaturity.core.sources import LineDict, LineList, LineLoader
from opsmaturity.core.times import now_utc

from . import ci_deploy
from .base import CollectorError, Progress, no_progress

GITLAB_FILE = ".gitlab-ci.yml"
JENKINS_FILE = "Jenkinsfile"
WORKFLOW_PATH = re.compile(r"^\.github/workflows/[^/]+\.ya?ml$")

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
_UNITS = {
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
    "rules, GitLab protected environments and deployment approvals) are not visible "
    "in CI files"
)

# ---------------------------------------------------------------- YAML with line numbers


_Map = LineDict
_Seq = LineList


class _Ref(list[Any]):
    """GitLab's `!reference [job, key]`; resolved when the strings of a job are read."""


class _Loader(LineLoader):
    """Line-recording loader that also reads GitLab's `!reference` tag."""


def _construct_reference(loader: _Loader, node: yaml.Node) -> _Ref:
    if isinstance(node, yaml.SequenceNode):
        return _Ref(loader.construct_sequence(node, deep=True))
    return _Ref()


_Loader.add_constructor("!reference", _construct_reference)


def _where(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line else path


def _empty_map() -> _Map:
    data = _Map()
    data.key_lines = {}
    return data


def _parse_yaml(path: str, text: str) -> tuple[_Map | None, str | None]:
    """The file's top-level mapping, or a `file:line: message` problem."""
    try:
        docs = [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "cannot be parsed"
        if exc.problem and exc.context and exc.context_mark and mark is not exc.context_mark:
            what += f" ({exc.context} at line {exc.context_mark.line + 1})"
        return None, f"{_where(path, mark.line + 1 if mark else None)}: invalid YAML: {what}"
    except yaml.YAMLError as exc:
        return None, f"{path}: invalid YAML: {exc}"
    except RecursionError:
        return None, f"{path}: invalid YAML: nested too deeply"
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. an impossible date
        return None, f"{path}: invalid YAML: {exc}"
    if not docs:
        return _empty_map(), None
    doc = docs[0]
    if len(docs) > 1 and isinstance(doc, dict) and set(doc) == {"spec"}:
        doc = docs[1]  # a GitLab `spec:` header document comes before the configuration
    if not isinstance(doc, _Map):
        return None, f"{_where(path, getattr(doc, 'line', 1))}: top level is not a mapping"
    return doc, None


def _text(value: Any, default: str = "(not text)") -> str:
    """A scalar as text; containers are not stringified (an aliased one can be huge)."""
    if value is None or isinstance(value, (dict, list)):
        return default
    return str(value)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _deep_merge(base: Any, over: Any, memo: dict[tuple[int, int], Any] | None = None) -> Any:
    """GitLab's merge for include and extends: mappings merge key by key, the rest replaces.

    Pairs already merged are reused, so YAML aliases cannot make the merge exponential."""
    if not (isinstance(base, dict) and isinstance(over, dict)) or base is over:
        return over
    memo = {} if memo is None else memo
    pair = (id(base), id(over))
    if pair not in memo:
        merged = memo[pair] = dict(base)
        for key, value in over.items():
            merged[key] = _deep_merge(merged.get(key), value, memo)
    return memo[pair]


def _lookup(config: Mapping[Any, Any], path: list[Any]) -> Any:
    node: Any = config
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _strings(value: Any, config: Mapping[Any, Any] | None = None, limit: int = 5000) -> list[str]:
    """Every string under `value`, each container visited once (safe on YAML alias bombs)."""
    out: list[str] = []
    seen: set[int] = set()
    stack = [value]
    while stack and limit > 0:
        item = stack.pop()
        limit -= 1
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, (dict, list)):
            if id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, _Ref):
                if config is not None:
                    stack.append(_lookup(config, list(item)))
                continue
            stack.extend(reversed(list(item.values() if isinstance(item, dict) else item)))
    return out


# ---------------------------------------------------------------- words and commands


def _tokens(text: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return [t for t in re.split(r"[^a-z0-9]+", spaced.lower()) if t]


_BLANK = r"(?:[ \t]|\\\n)+"  # spaces within one command line (a `\` continues it)


def _commands(*patterns: tuple[str, str]) -> list[tuple[str, re.Pattern[str]]]:
    """Command patterns: not after `$`, `-` or a word character (flags, variables), whole words;
    whitespace between words stays on one command line."""
    return [
        (name, re.compile(r"(?<![\w$-])(?:" + rx.replace(r"\s+", _BLANK) + r")(?!\w)", re.I))
        for name, rx in patterns
    ]


_FLAGS = r"(?:\s+--?[^\s;&|]+(?:\s+[^-\s;&|][^\s;&|]*)?)*"  # options (with values) before a verb
_ARGS = r"(?:\s+[^\s;&|]+)*?"

TEST_COMMANDS = _commands(
    ("pytest", r"py\.?test|python3?\s+-m\s+(?:pytest|unittest)|nose2"),
    ("tox", r"tox|nox"),
    ("npm test", r"(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?test[\w:-]*|npm\s+t"),
    ("js test runner", r"jest|vitest|mocha|karma\s+start|cypress\s+run|playwright\s+test"),
    ("maven", r"(?:\./)?mvnw?" + _ARGS + r"\s+(?:test|verify|integration-test)"),
    ("gradle", r"(?:\./)?gradlew?" + _ARGS + r"\s+(?::?[\w-]+:)*(?:\w*test\w*|check)"),
    ("go test", r"go\s+test"),
    ("cargo test", r"cargo\s+(?:test|nextest)"),
    ("dotnet test", r"dotnet\s+test"),
    ("rspec", r"rspec|rake\s+(?:test|spec)"),
    ("phpunit", r"phpunit"),
    ("make test", r"make" + _ARGS + r"\s+(?:tests?|check)[\w-]*"),
    (
        "other test runner",
        r"ctest|mix\s+test|sbt" + _ARGS + r"\s+test|swift\s+test|flutter\s+test|"
        r"deno\s+test|bun\s+test|xcodebuild[ \t][^\n;&|]*[ \t]test",
    ),
)
DEPLOY_COMMANDS = _commands(
    ("kubectl", r"(?:kubectl|oc)" + _FLAGS + r"\s+(?:apply|replace|set\s+image|rollout\s+restart)"),
    ("helm", r"helm" + _FLAGS + r"\s+(?:upgrade|install)"),
    ("helmfile", r"helmfile" + _FLAGS + r"\s+(?:apply|sync)"),
    ("terraform apply", r"(?:terraform|tofu|terragrunt)" + _FLAGS + r"\s+(?:run-all\s+)?apply"),
    ("pulumi up", r"pulumi" + _FLAGS + r"\s+up"),
    (
        "cloud cli",
        r"aws\s+ecs\s+update-service|aws\s+lambda\s+update-function-code|"
        r"aws\s+cloudformation\s+(?:deploy|update-stack)|az\s+webapp\s+(?:deploy|up)|"
        r"az\s+containerapp\s+update|az\s+deployment\s+\w+\s+create",
    ),
    (
        "paas",
        r"vercel[ \t][^\n;&|]*--prod|git\s+push[ \t][^\n;&|]*heroku|"
        r"heroku\s+container:release",
    ),
    ("gitops", r"argocd\s+app\s+sync|skaffold\s+(?:run|deploy)|ansible-playbook"),
    (
        "registry push",
        r"(?:docker|podman|buildah)\s+(?:image\s+|manifest\s+)?push|"
        r"docker\s+(?:buildx\s+)?(?:build|bake)[^\n;&|]*\s--push|helm\s+(?:push|cm-push)|"
        r"crane\s+push|oras\s+push",
    ),
    (
        "publish",
        r"(?:npm|yarn|pnpm|poetry|cargo|flit|hatch|uv|(?:\./)?gradlew?)"
        + _ARGS
        + r"\s+publish|twine\s+upload|gem\s+push|(?:dotnet\s+)?nuget\s+push|"
        r"gh\s+release\s+create|semantic-release|goreleaser|changeset\s+publish",
    ),
    ("deploy", r"deploy"),
)
ROLLBACK_COMMANDS = _commands(
    ("helm rollback", r"helm" + _FLAGS + r"\s+rollback"),
    ("rollout undo", r"(?:kubectl|oc)" + _FLAGS + r"\s+(?:argo\s+)?rollouts?\s+(?:undo|abort)"),
    ("rollback", r"roll-?back"),
)
SECURITY_TOOLS_FILE = Path(__file__).with_name("ci_security_tools.yaml")


@cache
def _security_tools() -> re.Pattern[str]:
    """The scanner names of `ci_security_tools.yaml` as one whole-word pattern (read once):
    the list is data, so adding a tool needs no code change."""
    data = yaml.safe_load(SECURITY_TOOLS_FILE.read_text(encoding="utf-8"))
    tools = [str(t) for t in data["tools"]]
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(tools) + r")(?![a-z0-9])", re.I)



DEPLOY_WORDS = frozenset(
    {
        "deploy",
        "deploys",
        "deployment",
        "deploying",
        "release",
        "releases",
        "releasing",
        "publish",
        "publishing",
        "rollout",
        "ship",
        "promote",
    }
)
NOT_PUBLISHED = frozenset({"test", "tests", "coverage", "report", "reports", "results", "junit"})
# what archiving test results is about: a "Publish" stage or action that only does this deploys
# nothing
REPORT_WORDS = frozenset(
    {"test", "tests", "junit", "xunit", "nunit", "trx", "coverage", "lcov", "cobertura",
     "report", "reports", "reporter", "results", "allure", "codecov", "sarif"}
)
# deploy commands that, in a job that made a throwaway cluster, only target that cluster
CLUSTER_KINDS = frozenset({"kubectl", "helm", "helmfile", "gitops", "deploy"})
# platforms a deploy command or action delivers to (not hand-made copies, not registries)
PLATFORM_KINDS = frozenset(
    {"kubectl", "helm", "helmfile", "terraform apply", "pulumi up", "cloud cli", "paas", "gitops"}
)
# environments that receive packages, releases or documentation, not a running system
PUBLISHING_ENV_WORDS = frozenset(
    {"pypi", "testpypi", "npm", "npmjs", "release", "releases", "publish", "publishing", "pages",
     "docs", "documentation", "crates", "rubygems", "nuget", "maven", "registry", "dockerhub",
     "ghcr", "package", "packages", "artifacts"}
)
NON_PROD_WORDS = frozenset(
    {"staging", "stage", "stg", "qa", "uat", "dev", "development", "test", "testing", "review",
     "preview", "sandbox", "demo", "testpypi", "pr", "integration", "nonprod", "preprod",
     "tests", "e2e"}
)
TEST_WORDS = frozenset({"test", "tests", "testing", "unittest", "unittests", "e2e"})
PROD_WORDS = frozenset({"prod", "production", "prd", "live"})
NON_PROD_TIERS = frozenset({"staging", "testing", "development"})
JENKINS_ENVS = {
    "production": "production",
    "prod": "production",
    "prd": "production",
    "live": "production",
    "staging": "staging",
    "stage": "staging",
    "stg": "staging",
    "qa": "qa",
    "uat": "uat",
    "dev": "development",
    "development": "development",
    "test": "test",
    "testing": "test",
    "review": "review",
    "preview": "review",
    "sandbox": "sandbox",
    "demo": "demo",
}
_VARIABLE = re.compile(r"\$\{\{.*?\}\}|\$\{?[A-Za-z_]\w*\}?|%\w+%")
_REVIEW_VARIABLE = re.compile(
    r"\$\{?(?:CI_COMMIT_REF|CI_MERGE_REQUEST|CI_COMMIT_BRANCH|CI_COMMIT_SHORT_SHA|CI_COMMIT_SHA)"
)
_WEB_ONLY = re.compile(r"""\$CI_PIPELINE_SOURCE\s*==\s*["']web["']""")
_DISPATCH_ONLY = re.compile(r"""github\.event_name\s*==\s*["']workflow_dispatch["']""")


_INSTALLING = re.compile(r"(?<![\w-])(?:install|add|upgrade)(?![\w-])")
_COMMAND_START = re.compile(r"[;&|\n]")


def _installing(text: str, pos: int) -> bool:
    """True if the command around `pos` installs a tool (`pip install pytest`) not runs it."""
    start = max((m.end() for m in _COMMAND_START.finditer(text, 0, pos)), default=0)
    return bool(_INSTALLING.search(text, start, pos))


def _scan(patterns: list[tuple[str, re.Pattern[str]]], text: str) -> Iterator[re.Match[str]]:
    """Matches of the patterns, skipping those inside an earlier pattern's match and tools
    that are only being installed."""
    spans: list[tuple[int, int]] = []
    for _, rx in patterns:
        for m in rx.finditer(text):
            if patterns is TEST_COMMANDS and _installing(text, m.start()):
                continue
            if not any(a < m.end() and m.start() < b for a, b in spans):
                spans.append(m.span())
                yield m


def _first_match(patterns: list[tuple[str, re.Pattern[str]]], text: str) -> list[str]:
    """One matched command per pattern, whitespace collapsed (for details)."""
    found: list[str] = []
    for m in _scan(patterns, text):
        command = " ".join(m.group(0).split())
        if command not in found:
            found.append(command)
    return found


def _named_matches(
    patterns: list[tuple[str, re.Pattern[str]]], text: str
) -> list[tuple[str, str]]:
    """(pattern name, command) of the first match of each command, like `_first_match`."""
    names = {id(rx): name for name, rx in patterns}
    found: list[tuple[str, str]] = []
    for m in _scan(patterns, text):
        command = " ".join(m.group(0).split())
        if all(command != c for _, c in found):
            found.append((names[id(m.re)], command))
    return found


def _has_deploy_word(tokens: list[str]) -> bool:
    for i, t in enumerate(tokens):
        if t in DEPLOY_WORDS:
            following = tokens[i + 1] if i + 1 < len(tokens) else ""
            if t.startswith("publish") and following in NOT_PUBLISHED:
                continue
            if t.startswith("releas") and following in {"notes", "note", "drafter"}:
                continue
            return True
    return False


def _has_rollback_word(tokens: list[str]) -> bool:
    if "rollback" in tokens or "rollbacks" in tokens:
        return True
    if any(a == "roll" and b == "back" for a, b in pairwise(tokens)):
        return True
    return bool({"revert", "undo"} & set(tokens)) and _has_deploy_word(tokens)


def _is_production(name: str, tier: str | None = None) -> bool:
    if tier:
        if tier.lower() == "production":
            return True
        if tier.lower() in NON_PROD_TIERS:
            return False
    tokens = _tokens(_VARIABLE.sub(" ", name))
    for i, t in enumerate(tokens):
        if t.rstrip("0123456789") in PROD_WORDS and not (i and tokens[i - 1] in {"pre", "non"}):
            return True
    return False


def _env_key(name: str) -> str:
    return _VARIABLE.sub("*", name.strip()).lower()


# ---------------------------------------------------------------- jobs


@dataclass
class _Job:
    """One job (GitLab, GitHub) or leaf stage (Jenkins) with the facts the measures read."""

    system: str
    file: str
    line: int | None
    name: str
    label: str = ""  # names matched for words (job id, display name)
    stage: str | None = None
    step_names: str = ""
    text: str = ""  # commands (scripts, run steps)
    refs: str = ""  # actions used, images, templates extended
    env_names: list[str] = field(default_factory=list)
    env_action: str | None = None
    env_tier: str | None = None
    on_stop: str | None = None
    auto_stop: bool = False
    manual: str | None = None  # why this job itself waits for a person
    blocking: bool = False  # GitLab: a manual job that holds back later stages
    needs: list[str] | None = None
    order: int = 0
    pr_trigger: bool = False
    review_hint: str | None = None
    conditions: list[str] = field(default_factory=list)  # Jenkins `when { ... }` blocks
    gated: str | None = None  # why it, or a job it waits for, waits for a person
    test: list[str] = field(default_factory=list)
    deploy: list[str] = field(default_factory=list)
    rollback: list[str] = field(default_factory=list)
    security: list[str] = field(default_factory=list)
    production: bool = False
    review: list[str] = field(default_factory=list)
    deploy_kinds: set[str] = field(default_factory=set)  # DEPLOY_COMMANDS names matched
    deploy_actions: list[str] = field(default_factory=list)  # GitHub: deploying actions
    publish: list[str] = field(default_factory=list)  # what it publishes (kind: command)
    copy_actions: list[str] = field(default_factory=list)  # GitHub: scp/ssh/ftp actions
    archives_reports: bool = False  # keeps test reports as artifacts
    triggers: list[str] = field(default_factory=list)  # what starts it without a person
    condition: str | None = None  # GitHub: the job's `if:`

    def ref(self, **extra: Any) -> dict[str, Any]:
        return {
            "system": self.system,
            "file": self.file,
            "line": self.line,
            "job": self.name,
            **extra,
        }


def _classify(job: _Job) -> None:
    """Fill test/deploy/rollback/security/production/review from the job's facts."""
    label = _tokens(job.label)
    named_rollback = _has_rollback_word(label)
    if named_rollback:
        job.rollback.append("name")
    if job.env_action == "stop":
        job.rollback.append("environment action: stop")
    if job.on_stop:
        job.rollback.append(f"on_stop: {job.on_stop}")
    job.rollback += [f"script: {m}" for m in _first_match(ROLLBACK_COMMANDS, job.text)]

    throwaway = ci_deploy.throwaway_cluster(job.text, job.refs)
    job.publish += [f"{kind}: {command}" for kind, command in ci_deploy.publishes(job.text)]
    if not named_rollback and job.env_action not in {"stop", "prepare", "verify", "access"}:
        if job.env_names:
            job.deploy.append(f"environment: {', '.join(job.env_names)}")
        reasons: list[tuple[str, bool]] = []  # (reason, only a word: name, stage, report action)
        if _has_deploy_word(label):
            reasons.append(("name", True))
        if job.stage and _has_deploy_word(_tokens(job.stage)):
            reasons.append((f"stage: {job.stage}", True))
        if "deploy" in _tokens(job.step_names):
            reasons.append(("step name", True))
        for kind, command in _named_matches(DEPLOY_COMMANDS, job.text):
            if throwaway and kind in CLUSTER_KINDS:
                continue  # applied to the throwaway cluster the job made
            job.deploy_kinds.add(kind)
            reasons.append((f"script: {command}", False))
        for ref in job.refs.split("\n"):
            tokens = _tokens(ref.split("@")[0])
            local = ref.startswith("./")  # a local reusable workflow: its own jobs count
            if (
                job.system == "github"
                and ref
                and not local
                and "drafter" not in tokens
                and (_has_deploy_word(tokens) or "gh-pages" in ref.lower())
            ):
                report = bool(REPORT_WORDS & set(tokens))  # publish-unit-test-result-action
                reasons.append((f"uses: {ref}", report))
                if not report:
                    job.deploy_actions.append(ref)
        for _, command in ci_deploy.copies(job.text):  # a file copy to a host delivers
            if not command.lower().startswith("ssh"):
                reasons.append((f"copies to hosts: {command}", False))
        if job.publish and all(weak for _, weak in reasons):
            reasons += [(f"publishes: {p}", False) for p in job.publish]
        words_only = not job.env_names and all(weak for _, weak in reasons)
        if throwaway:
            reasons = [r for r in reasons if not r[1]]
        elif words_only and reasons and (_unit_test_job(job, label) or _reports_job(job, label)):
            reasons = []
        job.deploy += [reason for reason, _ in reasons]
    if job.system == "jenkins" and job.deploy and not job.env_names:
        job.env_names = sorted({JENKINS_ENVS[t] for t in label if t in JENKINS_ENVS})

    if job.stage and job.stage.lower().startswith("test"):
        job.test.append(f"stage: {job.stage}")
    if not job.deploy and TEST_WORDS & set(label + _tokens(job.step_names)):
        job.test.append("name")
    job.test += [f"script: {m}" for m in _first_match(TEST_COMMANDS, job.text)]
    if throwaway:
        job.test.append(f"throwaway cluster: {throwaway}")

    if "security" in label:
        job.security.append("name")
    hits = sorted(
        {
            m.group(0).lower()
            for m in _security_tools().finditer("\n".join((job.label, job.text, job.refs)))
        }
    )
    job.security += hits

    if job.deploy:
        if job.env_names:
            job.production = any(_is_production(n, job.env_tier) for n in job.env_names)
        else:
            job.production = _is_production(f"{job.label} {job.stage or ''}")
    if job.production:
        return
    for name in job.env_names:
        if _is_production(name, job.env_tier):
            continue
        if job.system == "gitlab":
            if _REVIEW_VARIABLE.search(name):
                job.review.append(f"{name}: name from the branch or merge request")
            elif re.match(r"(?:review|preview)s?(?:/|-|$)", name, re.I):
                job.review.append(f"{name}: review/ name")
            elif job.on_stop or job.auto_stop:
                job.review.append(f"{name}: stopped automatically (on_stop/auto_stop_in)")
        elif (
            job.system == "github"
            and job.pr_trigger
            and (
                {"review", "preview", "pr"} & set(_tokens(name))
                or re.search(r"head_ref|event\.number|pull_request\.number", name)
            )
        ):
            job.review.append(f"{name}: environment of a pull_request workflow")
    if job.review_hint and job.deploy:
        job.review.append(job.review_hint)


def _unit_test_job(job: _Job, label: list[str]) -> bool:
    """A test job with a deploy word in its name (`test-deploy-utils`): it tests, it deploys
    nothing."""
    if not TEST_WORDS & set(label):
        return False
    return label[0] in TEST_WORDS | {"unit"} or bool(_first_match(TEST_COMMANDS, job.text))


def _reports_job(job: _Job, label: list[str]) -> bool:
    """A job that keeps test results (a "Publish" stage archiving junit reports, a "publish
    test results" action): it deploys nothing."""
    if job.archives_reports:
        return True
    words = set(label + _tokens(job.step_names) + _tokens(job.refs)) - {"test", "tests"}
    return bool(REPORT_WORDS & words)


def _gate(jobs: list[_Job], *, stage_blocking: bool) -> None:
    """Set `gated` for jobs that are manual or wait for a manual job (one pipeline/workflow)."""
    by_name = {j.name: j for j in jobs}
    memo: dict[str, str | None] = {}

    def gate(job: _Job, seen: frozenset[str]) -> str | None:
        if job.name in memo:
            return memo[job.name]
        reason = job.manual
        if reason is None and job.needs is not None:
            for need in job.needs:
                dep = by_name.get(need)
                if dep is not None and need not in seen and gate(dep, seen | {need}):
                    reason = f"needs manual job '{need}'"
                    break
        elif reason is None and stage_blocking:
            blocker = next(
                (
                    o
                    for o in jobs
                    if o.manual and o.blocking and o.order < job.order and o.env_action != "stop"
                ),
                None,
            )  # stop jobs run last
            if blocker is not None:
                reason = (
                    f"blocked by manual job '{blocker.name}' (allow_failure: false) "
                    f"in earlier stage '{blocker.stage}'"
                )
        memo[job.name] = reason
        return reason

    for job in jobs:
        job.gated = gate(job, frozenset({job.name}))


# ---------------------------------------------------------------- analysis


@dataclass(frozen=True)
class AnalysisResult:
    """Measures plus what could not be read: problems (`file:line: message`) and includes
    that were not fetched. Found/parsed files give the coverage ratio."""

    measures: list[Measure]
    problems: list[str]
    unresolved: list[str]
    files_found: list[str]
    files_parsed: list[str]

    @property
    def coverage(self) -> Coverage:
        found = len(self.files_found)
        ratio = round(len(self.files_parsed) / found, 4) if found else 1.0
        return Coverage(ratio=ratio, missing=[*self.problems, *self.unresolved])

    @property
    def partial(self) -> bool:
        return bool(self.problems or self.unresolved)

    def measure(self, measure_id: str) -> Measure | None:
        return next((m for m in self.measures if m.id == measure_id), None)


@dataclass
class _Include:
    kind: str  # local, remote, template, project, component, unknown
    target: str
    line: int | None


def _gitlab_includes(doc: Mapping[Any, Any]) -> list[_Include]:
    raw = doc.get("include")
    if raw is None:
        return []
    key_line = getattr(doc, "key_lines", {}).get("include")
    items = raw if isinstance(raw, list) else [raw]
    lines = getattr(raw, "item_lines", [key_line] * len(items))
    out: list[_Include] = []
    for item, line in zip(items, lines, strict=False):
        line = getattr(item, "line", None) or line or key_line
        if isinstance(item, str):
            kind = "remote" if re.match(r"https?://", item) else "local"
            out.append(_Include(kind, item, line))
        elif isinstance(item, dict):
            kind = next(
                (k for k in ("local", "remote", "template", "component", "project") if k in item),
                "unknown",
            )
            if kind == "project":
                files = _as_list(item.get("file")) or ["(no file)"]
                out += [_Include(kind, f"{_text(item['project'])}:{_text(f)}", line) for f in files]
            else:
                out.append(_Include(kind, _text(item.get(kind)), line))
        else:
            out.append(_Include("unknown", _text(item), line))
    return out


def _normalise_local(target: str) -> str | None:
    """A local include's path relative to the repository root; None if it leaves it."""
    path = posixpath.normpath(target.strip().lstrip("/"))
    if path in {".", ""} or path == ".." or path.startswith("../"):
        return None
    return path


def _match_pattern(pattern: str, names: list[str]) -> list[str]:
    """GitLab wildcards: `*` stays inside a directory, `**` crosses directories."""
    parts = [re.escape(p).replace(r"\*", "[^/]*") for p in pattern.split("**")]
    rx = re.compile(".*".join(parts) + r"\Z")
    return sorted(n for n in names if rx.match(n))


class _State:
    """Mutable state of one analysis: files, problems, jobs and extra hits."""

    def __init__(self, files: Mapping[str, str], scripts: Mapping[str, str] | None = None) -> None:
        self.files = files
        self.scripts: Mapping[str, str] = scripts or {}
        self.found: dict[str, None] = {}  # ordered set; includes unresolved includes
        self.parsed: set[str] = set()
        self.problems: list[str] = []
        self.unresolved: list[str] = []
        self.systems: dict[str, list[str]] = {}
        self.jobs: list[_Job] = []
        self.security_hits: list[dict[str, Any]] = []
        self.rollback_hits: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self._docs: dict[str, _Map | None] = {}

    def yaml(self, path: str) -> _Map | None:
        if path not in self._docs:
            self.found[path] = None
            doc, problem = _parse_yaml(path, self.files[path])
            if problem:
                self.problems.append(problem)
            else:
                self.parsed.add(path)
            self._docs[path] = doc
        return self._docs[path]

    # ------------------------------------------------------------ GitLab

    def gitlab(self) -> None:
        self.systems["gitlab"] = [GITLAB_FILE]
        layers: list[tuple[str, _Map]] = []
        self._gitlab_layers(GITLAB_FILE, [], layers)
        if not layers:
            return
        self.systems["gitlab"] = sorted({f for f, _ in layers})
        config: dict[Any, Any] = {}
        origin: dict[Any, tuple[str, int | None]] = {}
        for path, doc in layers:
            for key, value in doc.items():
                if key != "include":
                    config[key] = _deep_merge(config.get(key), value)
                    origin[key] = (path, doc.key_lines.get(key))

        stages = [
            s for s in _as_list(config.get("stages") or config.get("types")) if isinstance(s, str)
        ]
        order = [".pre", *stages, ".post"] if stages else list(GITLAB_DEFAULT_STAGES)
        workflow = config.get("workflow")
        pipeline_manual = None
        if isinstance(workflow, dict) and _rules_web_only(workflow.get("rules")):
            pipeline_manual = "workflow:rules run pipelines only when started from the web UI"

        resolved: dict[str, tuple[dict[Any, Any], list[str]]] = {}
        reported: set[frozenset[str]] = set()

        def resolve(name: str, chain: list[str]) -> tuple[dict[Any, Any], list[str]]:
            if name in resolved:
                return resolved[name]
            raw = config[name]
            merged: dict[Any, Any] = {}
            lineage: list[str] = []
            for parent in _as_list(raw.get("extends")):
                path, line = origin[name]
                if not isinstance(parent, str):
                    continue
                if parent in chain:
                    cycle = frozenset(chain[chain.index(parent) :])
                    if cycle not in reported:
                        reported.add(cycle)
                        loop = " -> ".join([*chain[chain.index(parent) :], parent])
                        self.problems.append(f"{_where(path, line)}: extends cycle: {loop}")
                    continue
                if not isinstance(config.get(parent), dict):
                    self.problems.append(
                        f"{_where(path, line)}: job '{name}' extends unknown '{parent}'"
                    )
                    continue
                if len(chain) > 50:
                    continue
                parent_cfg, parent_lineage = resolve(parent, [*chain, parent])
                merged = _deep_merge(merged, parent_cfg)
                lineage += [parent, *parent_lineage]
            own = {k: v for k, v in raw.items() if k != "extends"}
            resolved[name] = (_deep_merge(merged, own), lineage)
            return resolved[name]

        jobs: list[_Job] = []
        for key, raw in config.items():
            if (
                not isinstance(key, str)
                or key in GITLAB_RESERVED
                or key.startswith(".")
                or not isinstance(raw, dict)
            ):
                continue
            eff, lineage = resolve(key, [key])
            path, line = origin[key]
            jobs.append(
                self._gitlab_job(key, eff, lineage, path, line, config, order, pipeline_manual)
            )
        names = {j.name for j in jobs}
        for job in jobs:
            if job.on_stop and job.on_stop not in names:
                self.notes.append(
                    f"{_where(job.file, job.line)}: on_stop job "
                    f"'{job.on_stop}' of '{job.name}' is not defined"
                )
                job.on_stop = None
        _gate(jobs, stage_blocking=True)
        self.jobs += jobs

    def _gitlab_layers(self, path: str, chain: list[str], out: list[tuple[str, _Map]]) -> None:
        """The files making up the configuration, in GitLab's merge order (includes first)."""
        doc = self.yaml(path)
        if doc is None:
            return
        for inc in _gitlab_includes(doc):
            where = _where(path, inc.line)
            if inc.kind != "local" or "$" in inc.target:
                why = "uses a variable" if inc.kind == "local" else "not fetched"
                self.found[f"{inc.kind}:{inc.target}"] = None
                self.unresolved.append(
                    f"{where}: include not resolved: {inc.kind} '{inc.target}' ({why})"
                )
                if _security_tools().search(inc.target):
                    self.security_hits.append(
                        {"file": path, "line": inc.line, "include": f"{inc.kind}: {inc.target}"}
                    )
                continue
            target = _normalise_local(inc.target)
            if target is None:
                self.problems.append(f"{where}: include '{inc.target}' is outside the repository")
                continue
            matches = (
                _match_pattern(target, list(self.files))
                if "*" in target
                else [target]
                if target in self.files
                else []
            )
            if not matches:
                self.found[target] = None
                self.problems.append(f"{where}: included local file '{inc.target}' not found")
                continue
            for match in matches:
                if match == path or match in chain:
                    self.problems.append(
                        f"{where}: include loop: {' -> '.join([*chain, path, match])}"
                    )
                elif len(chain) >= MAX_INCLUDE_DEPTH or len(self.found) > MAX_INCLUDES:
                    self.problems.append(f"{where}: too many nested includes, '{match}' skipped")
                else:
                    self._gitlab_layers(match, [*chain, path], out)
        out.append((path, doc))

    def _gitlab_job(
        self,
        name: str,
        eff: dict[Any, Any],
        lineage: list[str],
        path: str,
        line: int | None,
        config: dict[Any, Any],
        order: list[str],
        pipeline_manual: str | None,
    ) -> _Job:
        stage = eff.get("stage")
        stage = _text(stage) if stage is not None else None
        image = eff.get("image")
        image = image.get("name") if isinstance(image, dict) else image
        job = _Job(
            system="gitlab",
            file=path,
            line=line,
            name=name,
            label=name,
            stage=stage,
            text="\n".join(
                _strings(
                    [eff.get(k) for k in ("before_script", "script", "after_script", "run")], config
                )
            ),
            refs="\n".join([*lineage, *(_strings(image) if image else [])]),
        )
        implicit = stage if stage is not None else "test"  # GitLab's default stage
        job.order = order.index(implicit) if implicit in order else len(order)
        env = eff.get("environment")
        if isinstance(env, dict):
            if env.get("name") is not None:
                job.env_names = [_text(env["name"])]
            job.env_action = _text(env["action"]) if env.get("action") is not None else None
            job.env_tier = _text(env["deployment_tier"]) if env.get("deployment_tier") else None
            job.on_stop = _text(env["on_stop"]) if env.get("on_stop") else None
            job.auto_stop = bool(env.get("auto_stop_in"))
        elif env is not None and not isinstance(env, list):
            job.env_names = [_text(env)]
        job.triggers = ci_deploy.gitlab_triggers(eff)
        if isinstance(eff.get("release"), dict):
            job.publish.append("GitLab release: release: keyword")
        artifacts = eff.get("artifacts")
        job.archives_reports = isinstance(artifacts, dict) and isinstance(
            artifacts.get("reports"), dict
        )
        job.manual, job.blocking = _gitlab_manual(eff)
        if job.manual is None:
            job.manual = pipeline_manual
        needs = eff.get("needs")
        if isinstance(needs, list):
            job.needs = [_text(n.get("job") if isinstance(n, dict) else n) for n in needs]
        _classify(job)
        return job

    # ------------------------------------------------------------ GitHub

    def github(self, paths: list[str]) -> None:
        self.systems["github"] = paths
        workflows: dict[str, tuple[set[str], list[_Job], set[str], int | None]] = {}
        automatic: dict[str, list[str]] = {}
        for path in paths:
            doc = self.yaml(path)
            if doc is None:
                continue
            key = "on" if "on" in doc else True  # PyYAML reads a bare `on:` key as True
            triggers, inputs = _github_triggers(doc.get(key))
            automatic[path] = ci_deploy.github_triggers(doc.get(key))
            on_line = doc.key_lines.get(key)
            if not triggers:
                self.problems.append(f"{_where(path, doc.line)}: workflow has no 'on:' triggers")
            jobs_raw = doc.get("jobs")
            if not isinstance(jobs_raw, dict):
                self.problems.append(f"{_where(path, doc.line)}: workflow has no 'jobs:' mapping")
                continue
            jobs: list[_Job] = []
            calls: set[str] = set()
            lines = getattr(jobs_raw, "key_lines", {})
            for i, (job_id, raw) in enumerate(jobs_raw.items()):
                if not isinstance(raw, dict):
                    continue
                job, call = _github_job(path, str(job_id), raw, lines.get(job_id), inputs, i)
                jobs.append(job)
                if call:
                    calls.add(call)
            workflows[path] = (triggers, jobs, calls, on_line)

        def effective(path: str, seen: frozenset[str]) -> set[str]:
            own = set(workflows[path][0])
            if "workflow_call" not in own:
                return own
            own.discard("workflow_call")
            callers = [p for p, wf in workflows.items() if path in wf[2]]
            if not callers:
                own.add("workflow_call")
            for caller in callers:
                if caller not in seen:
                    own |= effective(caller, seen | {caller})
            return own

        def effective_automatic(path: str, seen: frozenset[str]) -> list[str]:
            own = list(automatic[path])
            if "workflow_call" in workflows[path][0]:
                for caller in (p for p, wf in workflows.items() if path in wf[2]):
                    if caller not in seen:
                        own += effective_automatic(caller, seen | {caller})
            return list(dict.fromkeys(own))

        for path, (_, jobs, _, on_line) in workflows.items():
            triggers = effective(path, frozenset({path}))
            starts = effective_automatic(path, frozenset({path}))
            manual_only = bool(triggers) and triggers <= {"workflow_dispatch"}
            for job in jobs:
                job.pr_trigger = bool(triggers & {"pull_request", "pull_request_target"})
                if manual_only:
                    job.manual = (
                        f"workflow runs only on workflow_dispatch ({_where(path, on_line)})"
                    )
                if not job.manual:
                    job.triggers = ci_deploy.github_job_triggers(starts, job.condition)
                _classify(job)
            _gate(jobs, stage_blocking=False)
            self.jobs += jobs

    # ------------------------------------------------------------ Jenkins

    def jenkins(self, path: str) -> None:
        self.systems["jenkins"] = [path]
        self.found[path] = None
        self.parsed.add(path)
        text = self.files[path]
        code, plain = _groovy_views(text)
        starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

        def line_of(pos: int) -> int:
            return bisect_right(starts, pos)

        stages: list[tuple[str, int, int, int]] = []  # name, start, open brace, close brace
        for m in _STAGE.finditer(code):
            close = _closing_brace(code, m.end() - 1)
            name = plain[m.start(2) : m.end(2)].strip() or "(unnamed)"
            if close is None:
                self.problems.append(
                    f"{path}:{line_of(m.start())}: stage '{name}' has no closing brace"
                )
                close = len(code)
            stages.append((name, m.start(), m.end() - 1, close))

        def innermost(pos: int) -> int | None:
            inside = [i for i, s in enumerate(stages) if s[2] < pos < s[3]]
            return max(inside, key=lambda i: stages[i][2]) if inside else None

        whens: dict[int, list[str]] = {}
        for m in _WHEN.finditer(code):
            close = _closing_brace(code, m.end() - 1) or len(code)
            owner = innermost(m.start())
            if owner is not None:
                block = plain[m.end() : close]
                whens.setdefault(owner, []).append(" ".join(block.split())[:200])
        ifs = _groovy_ifs(code, plain)
        # (position, innermost stage, whether the main branch reaches it)
        inputs: list[tuple[int, int | None, bool]] = []
        unquoted = list(plain)  # an input's message is a question, not a command
        for m in _INPUT.finditer(code):
            pos = m.start()
            around = [
                c for j, s in enumerate(stages) if s[2] < pos < s[3] for c in whens.get(j, [])
            ]
            around += [cond for start, end, cond in ifs if start < pos < end]
            on_main = not any(ci_deploy.excludes_main(c) for c in around)
            inputs.append((pos, innermost(pos), on_main))
            end = _statement_end(code, m.end())
            unquoted[pos:end] = code[pos:end]
        stage_text = "".join(unquoted)

        for i, (name, start, open_, close) in enumerate(stages):
            children = [s for s in stages if open_ < s[1] < close]
            if children:
                continue
            ancestors = {j for j, s in enumerate(stages) if s[2] < start and close <= s[3]}
            job = _Job(
                system="jenkins",
                file=path,
                line=line_of(start),
                name=name,
                label=name,
                text=stage_text[open_:close],
                order=start,
            )
            job.conditions = [c for j in (*sorted(ancestors), i) for c in whens.get(j, [])]
            job.triggers = ci_deploy.jenkins_triggers(job.conditions)
            job.archives_reports = bool(_JENKINS_REPORTS.search(job.text))
            # on the main branch, an input that only other branches reach holds nothing back
            on_main = not any(ci_deploy.excludes_main(c) for c in job.conditions)
            reached = [(p, owner) for p, owner, main in inputs if main or not on_main]
            own_inputs = [p for p, owner in reached if owner == i or owner in ancestors]
            earlier = [p for p, _ in reached if p < start]
            if own_inputs:
                job.manual = f"input step at {path}:{line_of(own_inputs[0])}"
                job.gated = job.manual
            elif earlier:
                job.gated = f"input step at {path}:{line_of(earlier[0])} before this stage"
            if any("changeRequest" in c for c in job.conditions):
                job.review_hint = f"{name}: runs for change requests (when {{ changeRequest }})"
            _classify(job)
            self.jobs.append(job)

        outside = list(plain)
        for _, start, _, close in stages:
            outside[start : close + 1] = " " * (min(close + 1, len(outside)) - start)
        rest = "".join(outside)
        for m in _scan(ROLLBACK_COMMANDS, rest):
            self.rollback_hits.append(
                {"file": path, "line": line_of(m.start()), "match": " ".join(m.group(0).split())}
            )
        for m in _security_tools().finditer(rest):
            self.security_hits.append(
                {"file": path, "line": line_of(m.start()), "match": m.group(0)}
            )


def _rules_web_only(rules: Any) -> bool:
    """True if every rule that can run needs `$CI_PIPELINE_SOURCE == "web"` (a manual run)."""
    if not isinstance(rules, list):
        return False
    live = [r for r in rules if isinstance(r, dict) and r.get("when") != "never"]
    return bool(live) and all(
        isinstance(r.get("if"), str) and _WEB_ONLY.search(r["if"]) and "||" not in r["if"]
        for r in live
    )


def _gitlab_manual(job: Mapping[Any, Any]) -> tuple[str | None, bool]:
    """(why the job is manual, whether it blocks later stages)."""
    rules = job.get("rules")
    if isinstance(rules, list):
        for i, rule in enumerate(rules):
            if isinstance(rule, dict) and rule.get("when") == "manual":
                allow = rule.get("allow_failure", job.get("allow_failure", False))
                return f"rules[{i}]: when: manual", allow is False
    if job.get("when") == "manual":
        return "when: manual", job.get("allow_failure", True) is False
    if _rules_web_only(rules):
        return "rules run the job only in pipelines started from the web UI", False
    only = job.get("only")
    refs = only.get("refs") if isinstance(only, dict) else only
    if isinstance(refs, list) and refs and all(r == "web" for r in refs):
        return "only: web (pipelines started from the web UI)", False
    return None, False


def _github_triggers(raw: Any) -> tuple[set[str], dict[str, Any]]:
    """Trigger event names and the workflow_dispatch inputs."""
    if isinstance(raw, str):
        return {raw}, {}
    if isinstance(raw, list):
        return {_text(t) for t in raw}, {}
    if isinstance(raw, dict):
        dispatch = raw.get("workflow_dispatch")
        inputs = dispatch.get("inputs") if isinstance(dispatch, dict) else None
        return {str(t) for t in raw}, inputs if isinstance(inputs, dict) else {}
    return set(), {}


def _github_job(
    path: str,
    job_id: str,
    raw: Mapping[Any, Any],
    line: int | None,
    inputs: Mapping[Any, Any],
    order: int,
) -> tuple[_Job, str | None]:
    steps = [s for s in _as_list(raw.get("steps")) if isinstance(s, dict)]
    uses = [_text(s["uses"]) for s in steps if s.get("uses")]
    call = raw.get("uses")
    container = raw.get("container")
    image = container.get("image") if isinstance(container, dict) else container
    job = _Job(
        system="github",
        file=path,
        line=line,
        name=job_id,
        label=f"{job_id} {_text(raw.get('name'), '')}".strip(),
        step_names="\n".join(_text(s.get("name"), "") for s in steps),
        text="\n".join(_text(s["run"], "") for s in steps if s.get("run")),
        refs="\n".join([*uses, *(_text(v) for v in (call, image) if v)]),
        needs=[_text(n) for n in _as_list(raw.get("needs"))],
        order=order,
    )
    for step in steps:
        ref = _text(step.get("uses"), "")
        if not ref:
            continue
        kind = ci_deploy.publish_action(ref, step.get("with"))
        if kind:
            job.publish.append(f"{kind}: uses {ref}")
        if ci_deploy.copy_action(ref):
            job.copy_actions.append(ref)
        if ref.lower().startswith("actions/upload-artifact"):
            with_ = step.get("with") if isinstance(step.get("with"), dict) else {}
            what = " ".join(_text(with_.get(k), "") for k in ("name", "path"))
            job.archives_reports |= bool(REPORT_WORDS & set(_tokens(what)))
    env = raw.get("environment")
    name = env.get("name") if isinstance(env, dict) else env
    if name is not None and not isinstance(name, (dict, list)):
        job.env_names = _github_env_names(_text(name), inputs, raw.get("strategy"))
    condition = raw.get("if")
    if isinstance(condition, str) and _DISPATCH_ONLY.search(condition) and "||" not in condition:
        job.manual = "if: runs only on workflow_dispatch"
    job.condition = condition if isinstance(condition, str) else None
    local = None
    if isinstance(call, str) and call.startswith("./"):
        local = posixpath.normpath(call[2:].split("@")[0])
    return job, local


def _github_env_names(name: str, inputs: Mapping[Any, Any], strategy: Any) -> list[str]:
    """An environment name, or the values an `inputs.x`/`matrix.x` expression can take."""
    m = re.fullmatch(r"\$\{\{\s*(?:github\.event\.)?(inputs|matrix)\.([\w-]+)\s*\}\}", name.strip())
    if m:
        values: Any = None
        if m.group(1) == "inputs":
            spec = inputs.get(m.group(2))
            if isinstance(spec, dict):
                values = spec.get("options") or _as_list(spec.get("default"))
        elif isinstance(strategy, dict) and isinstance(strategy.get("matrix"), dict):
            values = strategy["matrix"].get(m.group(2))
        if isinstance(values, list) and values and all(isinstance(v, (str, int)) for v in values):
            return [str(v) for v in values]
    return [name]


_STAGE = re.compile(r"(?<![\w.$])stage\s*\(\s*(?:name\s*:\s*)?(['\"])( *)\1\s*\)\s*\{")
_INPUT = re.compile(r"(?<![\w.$])input\b\s*(?=[({'\"]|[A-Za-z_]\w*\s*:)")
_WHEN = re.compile(r"(?<![\w.$])when\s*\{")


def _groovy_views(text: str) -> tuple[str, str]:
    """(code, plain): comments blanked in both, string contents also blanked in `code`.

    Both keep every offset and newline, so positions found in one index the other."""
    code, plain = list(text), list(text)
    n = len(text)

    def blank(chars: list[str], start: int, end: int) -> None:
        for k in range(start, min(end, n)):
            if chars[k] != "\n":
                chars[k] = " "

    i = 0
    while i < n:
        if text.startswith("//", i) or text.startswith("/*", i):
            end = text.find("\n", i) if text[i + 1] == "/" else text.find("*/", i + 2)
            end = n if end < 0 else end + (2 if text[i + 1] == "*" else 0)
            blank(code, i, end)
            blank(plain, i, end)
            i = end
            continue
        c = text[i]
        if c in "'\"":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                if text[j] == "\\":
                    j += 1
                elif len(quote) == 1 and text[j] == "\n":
                    break
                j += 1
            blank(code, i + len(quote), j)
            i = j + len(quote) if text.startswith(quote, j) else j
            continue
        i += 1
    return "".join(code), "".join(plain)


_IF = re.compile(r"(?<![\w.$])if\s*\(")
_JENKINS_REPORTS = re.compile(
    r"(?<![\w.$])(?:junit|xunit|archiveArtifacts|recordCoverage|publishCoverage|publishHTML|"
    r"jacoco|cobertura|recordIssues|allure|publishChecks)\b"
)


def _closing(code: str, open_index: int, pair: str) -> int | None:
    depth = 0
    for k in range(open_index, len(code)):
        if code[k] == pair[0]:
            depth += 1
        elif code[k] == pair[1]:
            depth -= 1
            if depth == 0:
                return k
    return None


def _groovy_ifs(code: str, plain: str) -> list[tuple[int, int, str]]:
    """(block start, block end, condition) of each `if (...) { ... }` in Groovy code."""
    out: list[tuple[int, int, str]] = []
    for m in _IF.finditer(code):
        close = _closing(code, m.end() - 1, "()")
        if close is None:
            continue
        brace = close + 1
        while brace < len(code) and code[brace] in " \t\n":
            brace += 1
        if brace < len(code) and code[brace] == "{":
            end = _closing(code, brace, "{}") or len(code)
            out.append((brace, end, plain[m.end() : close]))
    return out


def _statement_end(code: str, pos: int) -> int:
    """Where the statement starting at `pos` ends: its closing parenthesis or brace, or the
    end of the line."""
    while pos < len(code) and code[pos] in " \t":
        pos += 1
    if pos < len(code) and code[pos] in "({":
        end = _closing(code, pos, "()" if code[pos] == "(" else "{}")
        return len(code) if end is None else end + 1
    end = code.find("\n", pos)
    return len(code) if end < 0 else end


def _closing_brace(code: str, open_index: int) -> int | None:
    depth = 0
    for k in range(open_index, len(code)):
        if code[k] == "{":
            depth += 1
        elif code[k] == "}":
            depth -= 1
            if depth == 0:
                return k
    return None


def _run(files: Mapping[str, str], scripts: Mapping[str, str] | None = None) -> _State:
    state = _State(files, scripts)
    if GITLAB_FILE in files:
        state.gitlab()
    workflows = sorted(p for p in files if WORKFLOW_PATH.match(p))
    if workflows:
        state.github(workflows)
    if JENKINS_FILE in files:
        state.jenkins(JENKINS_FILE)
    return state


def analyse(files: Mapping[str, str], scripts: Mapping[str, str] | None = None) -> AnalysisResult:
    """Measure CI configuration given as path -> text (pure: no I/O, no clock); `scripts` are
    repository scripts the deploy jobs call (path -> text, see `deploy_script_paths`).

    Unreadable parts become problems and the rest is still measured."""
    state = _run(files, scripts)
    return AnalysisResult(
        measures=_measures(state),
        problems=state.problems,
        unresolved=state.unresolved,
        files_found=list(state.found),
        files_parsed=[f for f in state.found if f in state.parsed],
    )


def deploy_script_paths(files: Mapping[str, str]) -> list[str]:
    """Repository scripts that deploy jobs call, production deploy jobs' first: the loader
    reads these so the mechanism (`scp` inside `./deploy.sh`) can be seen."""
    deploys = [j for j in _run(files).jobs if j.deploy]
    deploys.sort(key=lambda j: not j.production)
    return list(dict.fromkeys(p for j in deploys for p in ci_deploy.script_refs(j.text)))


def _cap(items: list[Any]) -> list[Any]:
    return items[:MAX_DETAILS]


def _measures(st: _State) -> list[Measure]:
    out: list[Measure] = []

    def add(mid: str, value: Any, applicable: bool = True, **details: Any) -> None:
        out.append(
            Measure(
                id=mid,
                value=value,
                unit=_UNITS.get(mid, "boolean"),
                applicable=applicable,
                details=details,
            )
        )

    systems = sorted(st.systems)
    present = [f for f in st.found if f in st.files]
    add("ci.present", bool(systems), files=present)
    add("ci.systems", ",".join(systems), files=st.systems)
    if systems and not st.parsed:
        for mid in MEASURES[2:]:
            add(mid, None, note="no CI file could be parsed; see coverage.missing")
        return out

    jobs = st.jobs
    deploys = [j for j in jobs if j.deploy]
    for job in deploys:  # what the scripts a deploy job calls publish
        for ref in _called_scripts(st, job):
            job.publish += [
                f"{kind}: {command} (in {ref})"
                for kind, command in ci_deploy.publishes(st.scripts[ref])
            ]
    tests = [j for j in jobs if j.test]
    add(
        "ci.test_stage_present",
        bool(tests),
        jobs=_cap([j.ref(stage=j.stage, reasons=j.test) for j in tests]),
    )
    add(
        "ci.deploy_job_present",
        bool(deploys),
        jobs=_cap(
            [
                j.ref(
                    environments=j.env_names,
                    reasons=j.deploy,
                    **({"when": j.conditions} if j.conditions else {}),
                )
                for j in deploys
            ]
        ),
    )

    basis_name, basis = _production_basis(deploys)
    if not deploys:
        add("ci.production_deploy_automatic", None, applicable=False, note="no deploy job found")
    elif not basis:
        add(
            "ci.production_deploy_automatic",
            None,
            applicable=False,
            note=NOT_PRODUCTION,
            jobs=_cap([j.ref(environments=j.env_names) for j in deploys]),
        )
    else:
        releases = basis_name.startswith("tag/release")
        automatic = [
            _publishes_automatically(j) if releases else j.gated is None for j in basis
        ]
        add(
            "ci.production_deploy_automatic",
            any(automatic) if releases else all(automatic),
            basis=basis_name,
            jobs=_cap(
                [
                    j.ref(
                        environments=j.env_names,
                        automatic=automatic[i],
                        waits_for=j.gated,
                        **({"triggers": j.triggers} if releases else {}),
                    )
                    for i, j in enumerate(basis)
                ]
            ),
            not_visible=NOT_VISIBLE,
        )

    rollbacks = [j for j in jobs if j.rollback]
    found_rollback = bool(rollbacks or st.rollback_hits)
    add(
        "ci.rollback_job_defined",
        found_rollback if deploys else None,
        applicable=bool(deploys),
        jobs=_cap([j.ref(reasons=j.rollback) for j in rollbacks]),
        elsewhere=_cap(st.rollback_hits),
        notes=st.notes,
        **({} if deploys else {"note": "no deploy job found"}),
    )

    environments: dict[str, list[dict[str, Any]]] = {}
    for job in jobs:
        for name in job.env_names:
            environments.setdefault(_env_key(name), []).append(job.ref(name=name))
    add(
        "ci.environments_count",
        len(environments),
        environments=sorted(environments),
        jobs={k: _cap(v) for k, v in environments.items()},
    )

    reviews = [j for j in jobs if j.review]
    add(
        "ci.review_environments_present",
        bool(reviews),
        jobs=_cap([j.ref(reasons=j.review) for j in reviews]),
    )

    scanners = [j for j in jobs if j.security]
    add(
        "ci.security_scanning_present",
        bool(scanners or st.security_hits),
        jobs=_cap([j.ref(tools=j.security) for j in scanners]),
        elsewhere=_cap(st.security_hits),
    )

    manual = [j for j in jobs if j.manual]
    add("ci.manual_jobs_count", len(manual), jobs=_cap([j.ref(reason=j.manual) for j in manual]))
    by_system: dict[str, int] = {}
    for job in jobs:
        by_system[job.system] = by_system.get(job.system, 0) + 1
    add("ci.jobs_count", len(jobs), by_system=by_system, jobs=_cap([j.ref() for j in jobs]))
    _mechanism_measures(st, deploys, basis_name, basis, add)
    return out


NOT_PRODUCTION = (
    "no deploy job is identifiable as production (the deploy jobs name only review, staging "
    "or other non-production environments) and no job publishes on a tag or release: "
    "not judged from non-production deploys"
)


def _non_production(job: _Job) -> bool:
    names = job.env_names or [f"{job.label} {job.stage or ''}"]
    return bool(job.review) or all(
        NON_PROD_WORDS & set(_tokens(_VARIABLE.sub(" ", n))) for n in names
    )


def _release_triggered(job: _Job) -> bool:
    return any("tag" in t or "release" in t for t in job.triggers)


def _publishes_automatically(job: _Job) -> bool:
    """Publishes without a person on some automatic trigger. A GitLab job whose rules make it
    manual in some pipelines (a fork's) but run it on its own in others (the canonical
    project's tags) publishes automatically there: its triggers come from those rules."""
    if not job.triggers:
        return False
    if job.gated is None:
        return True
    own_rules = job.gated == job.manual and job.manual.startswith("rules[")
    return job.system == "gitlab" and own_rules


def _production_basis(deploys: list[_Job]) -> tuple[str, list[_Job]]:
    """The deploy jobs that stand for production, and why: production jobs; else jobs that
    publish on a tag or release (publishing a release is the production release of a
    library); else deploy jobs that name no non-production environment. None else: review and
    staging deploys say nothing about how production is reached."""
    production = [j for j in deploys if j.production]
    if production:
        return "production deploy jobs", production
    releases = [j for j in deploys if j.publish and _release_triggered(j)]
    if releases:
        return (
            "tag/release publish jobs: no deploy job is identifiable as production",
            releases,
        )
    unnamed = [j for j in deploys if not _non_production(j)]
    if unnamed:
        return (
            "deploy jobs that name no environment: none is identifiable as production",
            unnamed,
        )
    return "", []


def _copies(st: _State, job: _Job) -> tuple[list[dict[str, Any]], list[str]]:
    """Hand-made copies to hosts a job makes, in its commands, its actions and the repository
    scripts it calls (and those they call); plus the scripts that could not be read."""
    found: list[dict[str, Any]] = []
    unread: list[str] = []
    for offset, command in ci_deploy.copies(job.text):
        start = job.text.rfind("\n", 0, offset) + 1
        end = job.text.find("\n", offset)
        text_line = job.text[start : end if end >= 0 else len(job.text)]
        line = ci_deploy.locate(st.files.get(job.file), job.line, text_line)
        found.append(job.ref(line=line, command=command))
    found += [job.ref(command=f"uses: {ref}") for ref in job.copy_actions]
    pending = [(ref, _where(job.file, job.line)) for ref in ci_deploy.script_refs(job.text)]
    seen: set[str] = set()
    while pending:
        ref, caller = pending.pop(0)
        if ref in seen:
            continue
        seen.add(ref)
        text = st.scripts.get(ref)
        if text is None:
            unread.append(ref)
            continue
        for offset, command in ci_deploy.copies(text):
            found.append(
                job.ref(file=ref, line=ci_deploy.line_in(text, offset), command=command,
                        called_from=caller)
            )
        pending += [(r, ref) for r in ci_deploy.script_refs(text) if r in st.scripts]
    return found, unread


def _called_scripts(st: _State, job: _Job) -> list[str]:
    """The readable repository scripts a job calls, and those they call."""
    out: list[str] = []
    pending = ci_deploy.script_refs(job.text)
    while pending:
        ref = pending.pop(0)
        if ref in st.scripts and ref not in out:
            out.append(ref)
            pending += ci_deploy.script_refs(st.scripts[ref])
    return out


def _mechanism_measures(
    st: _State,
    deploys: list[_Job],
    basis_name: str,
    basis: list[_Job],
    add: Callable[..., None],
) -> None:
    """How the project deploys: copies to hosts, publishes releases, which mechanism."""
    copies = {id(j): _copies(st, j) for j in deploys}
    unread = sorted({p for j in deploys for p in copies[id(j)][1]})
    in_basis = [c for j in basis for c in copies[id(j)][0]]
    others = [c for j in deploys if j not in basis for c in copies[id(j)][0]]
    read = sorted(p for p in st.scripts)
    if basis:
        add(
            "ci.production_deploy_copies_to_hosts",
            bool(in_basis),
            basis=basis_name,
            jobs=_cap(in_basis),
            other_deploy_jobs=_cap(others),
            scripts_read=_cap(read),
            scripts_not_read=_cap(unread),
        )
    else:
        add(
            "ci.production_deploy_copies_to_hosts",
            None,
            applicable=False,
            note="no deploy job found" if not deploys else NOT_PRODUCTION,
            other_deploy_jobs=_cap(others),
        )

    publishers = [j for j in st.jobs if j.publish]
    automatic = [j for j in publishers if _publishes_automatically(j)]
    entries = _cap(
        [
            j.ref(
                publishes=j.publish,
                triggers=j.triggers,
                automatic=j in automatic,
                waits_for=j.gated,
            )
            for j in publishers
        ]
    )
    if publishers:
        add("ci.release_published_automatically", bool(automatic), jobs=entries)
    else:
        add(
            "ci.release_published_automatically",
            None,
            applicable=False,
            note="no job publishes a release or pushes to a package index or registry",
        )

    reasons: list[str] = []
    if not deploys:
        mechanism = "none"
        reasons.append("no deploy job found")
    elif not basis:
        mechanism = "non_production_only"
        reasons.append(NOT_PRODUCTION)
    elif in_basis:
        mechanism = "copy_to_hosts"
        reasons += [
            f"{c['job']}: {c['command']} ({_where(c['file'], c['line'])})" for c in in_basis
        ]
    elif any(j.gated for j in basis) and not (
        basis_name.startswith("tag/release") and any(_publishes_automatically(j) for j in basis)
    ):
        mechanism = "manual_gate"
        reasons += [f"{j.name}: waits for {j.gated}" for j in basis if j.gated]
    else:
        platform = [
            f"{j.name}: {', '.join(sorted(j.deploy_kinds & PLATFORM_KINDS) or j.deploy_actions)}"
            for j in basis
            if j.deploy_kinds & PLATFORM_KINDS or _platform_actions(j)
        ]
        published = [f"{j.name}: {', '.join(j.publish)}" for j in basis if j.publish]
        if platform:
            mechanism, reasons = "pipeline_to_platform", platform
        elif published:
            mechanism, reasons = "publish_to_registry", published
        else:
            mechanism = "unrecognised"
            reasons += [f"{j.name}: {', '.join(j.deploy)}" for j in basis]
    add("ci.deploy_mechanism", mechanism, basis=basis_name or None, reasons=_cap(reasons))

    running = [(j, _runtime_target(j, copies[id(j)][0])) for j in deploys]
    running = [(j, why) for j, why in running if why]
    add(
        "ci.deploys_to_environment",
        bool(running),
        jobs=_cap([j.ref(reasons=why) for j, why in running]),
        **({} if running else {"note": "no deploy job delivers to a running system (only "
                               "publishing packages, images, releases or documentation)"
                               if deploys else "no deploy job found"}),
    )


def _runtime_target(job: _Job, copies: list[dict[str, Any]]) -> list[str]:
    """Why a deploy job delivers to a running system (an environment, a cluster, a cloud
    service or servers) rather than only publishing a package or documentation."""
    why = [f"environment: {n}" for n in job.env_names
           if not PUBLISHING_ENV_WORDS & set(_tokens(_VARIABLE.sub(" ", n)))]
    why += sorted(f"command: {k}" for k in job.deploy_kinds & (PLATFORM_KINDS | {"deploy"}))
    why += [  # an action that deploys (not one named for releases, publishing or Pages)
        f"uses: {r}"
        for r in _platform_actions(job)
        if {"deploy", "deployment", "rollout", "promote"} & set(_tokens(r.split("@")[0]))
        and "pages" not in r.lower()
    ]
    why += [f"copies to hosts: {c['command']}" for c in copies[:1]]
    return why


def _platform_actions(job: _Job) -> list[str]:
    """Deploying actions that deliver to a platform (not publishing, not scp/ssh/ftp)."""
    return [
        r
        for r in job.deploy_actions
        if ci_deploy.publish_action(r, {"push": "true", "publish": "true"}) is None
        and not ci_deploy.copy_action(r)
    ]


# ---------------------------------------------------------------- reading files


_GIT_LOCATION_VARS = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_COMMON_DIR",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_NAMESPACE",
        "GIT_PREFIX",
        "GIT_CEILING_DIRECTORIES",
    }
)
_BATCH_HEADER = re.compile(rb"^[0-9a-f]{40,64} (blob|tree|commit|tag) (\d+)$")


def _run_git(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run git read-only: settings only via -c, no optional locks, the caller's repo vars unset."""
    env = {k: v for k, v in os.environ.items() if k not in _GIT_LOCATION_VARS}
    env.update(GIT_OPTIONAL_LOCKS="0", GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    return subprocess.run(
        ["git", "-c", "core.quotepath=off", *args],
        input=stdin,
        capture_output=True,
        env=env,
        check=False,
    )


def _stderr(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"git exited with {proc.returncode}"


def _looks_like_git_dir(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


def _git_dir_without_worktree(repo: Path) -> Path | None:
    """The git directory if `repo` is a bare repository (or a .git directory), else None."""
    if shutil.which("git") is None:
        if _looks_like_git_dir(repo):
            raise CollectorError(
                f"{repo}: looks like a bare git repository, but git is not installed"
            )
        return None
    proc = _run_git(
        [
            "-C",
            str(repo),
            "rev-parse",
            "--is-bare-repository",
            "--is-inside-git-dir",
            "--absolute-git-dir",
        ]
    )
    if proc.returncode != 0:
        if _looks_like_git_dir(repo):
            raise CollectorError(f"{repo}: cannot read the git repository: {_stderr(proc)}")
        return None  # a plain directory: read it from disk
    lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) >= 3 and "true" in lines[:2]:
        return Path(lines[2])
    return None


def _cat_files(git_dir: Path, paths: list[str]) -> dict[str, str]:
    """Read files from HEAD with one `git cat-file --batch`; absent ones are left out."""
    paths = [p for p in paths if "\n" not in p]
    if not paths:
        return {}
    request = b"".join(b"HEAD:" + p.encode() + b"\n" for p in paths)
    proc = _run_git(["--git-dir", str(git_dir), "cat-file", "--batch"], request)
    if proc.returncode != 0:
        raise CollectorError(f"{git_dir}: cannot read files from HEAD: {_stderr(proc)}")
    data, pos, out = proc.stdout, 0, {}
    for path in paths:
        end = data.find(b"\n", pos)
        if end < 0:
            break
        header = _BATCH_HEADER.match(data[pos:end])
        pos = end + 1
        if header:
            size = int(header.group(2))
            if header.group(1) == b"blob":
                out[path] = data[pos : pos + size].decode("utf-8", "replace")
            pos += size + 1
    return out


def _local_include_targets(text: str) -> list[str]:
    doc, _ = _parse_yaml(GITLAB_FILE, text)
    if doc is None:
        return []
    targets = []
    for inc in _gitlab_includes(doc):
        if inc.kind == "local" and "$" not in inc.target:
            target = _normalise_local(inc.target)
            if target is not None:
                targets.append(target)
    return targets


def _gather(
    candidates: list[str],
    read: Callable[[list[str]], dict[str, str]],
    names: Callable[[str], list[str]],
) -> dict[str, str]:
    """Read the CI files, then follow GitLab local includes (transitively)."""
    files = read(candidates)
    pending = [GITLAB_FILE] if GITLAB_FILE in files else []
    done: set[str] = set()
    while pending and len(done) < MAX_INCLUDES:
        current = pending.pop()
        if current in done:
            continue
        done.add(current)
        for target in _local_include_targets(files[current]):
            matches = _match_pattern(target, names(target)) if "*" in target else [target]
            files.update(read([m for m in matches if m not in files]))
            pending += [m for m in matches if m in files]
    return files


def _load_from_git(git_dir: Path) -> dict[str, str]:
    head = _run_git(
        ["--git-dir", str(git_dir), "rev-parse", "--verify", "--quiet", "HEAD^{commit}"]
    )
    if head.returncode != 0:
        return {}  # an empty repository
    proc = _run_git(["--git-dir", str(git_dir), "ls-tree", "-r", "--name-only", "-z", "HEAD"])
    if proc.returncode != 0:
        raise CollectorError(f"{git_dir}: cannot list files at HEAD: {_stderr(proc)}")
    names: list[str] = []
    for raw in proc.stdout.split(b"\0"):
        try:
            names.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            continue  # not nameable from a UTF-8 YAML include either
    candidates = [n for n in names if n in {GITLAB_FILE, JENKINS_FILE} or WORKFLOW_PATH.match(n)]
    return _gather(candidates, lambda paths: _cat_files(git_dir, paths), lambda _: names)


def _load_from_disk(root: Path) -> dict[str, str]:
    def read(paths: list[str]) -> dict[str, str]:
        out = {}
        for rel in paths:
            path = root / rel
            try:
                if path.is_file():
                    out[rel] = path.read_bytes().decode("utf-8", "replace")
            except OSError as exc:
                raise CollectorError(f"{path}: cannot read ({exc.strerror or exc})") from None
        return out

    def names(pattern: str) -> list[str]:
        prefix = pattern[: pattern.find("*")].rpartition("/")[0]
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(root / prefix):
            dirnames[:] = sorted(d for d in dirnames if d != ".git")
            rel = Path(dirpath).relative_to(root).as_posix()
            found += [f if rel == "." else f"{rel}/{f}" for f in filenames]
            if len(found) > 100_000:
                break
        return found

    candidates = [GITLAB_FILE, JENKINS_FILE]
    workflows = root / ".github" / "workflows"
    if workflows.is_dir():
        candidates += sorted(
            f".github/workflows/{p.name}"
            for p in workflows.iterdir()
            if WORKFLOW_PATH.match(f".github/workflows/{p.name}")
        )
    return _gather(candidates, read, names)


def load_ci_files(repo: Path) -> dict[str, str]:
    """CI files of `repo` as path -> text: from disk for a working tree or plain directory,
    from HEAD for a bare repository (read-only; an empty repository gives {})."""
    repo = Path(repo)
    git_dir = _git_dir_without_worktree(repo)
    return _load_from_disk(repo) if git_dir is None else _load_from_git(git_dir)


def _blob_sizes(git_dir: Path, paths: list[str]) -> dict[str, int]:
    """Sizes of the blobs at HEAD among `paths` (missing paths and trees are left out)."""
    paths = [p for p in paths if "\n" not in p]
    request = b"".join(b"HEAD:" + p.encode() + b"\n" for p in paths)
    proc = _run_git(["--git-dir", str(git_dir), "cat-file", "--batch-check"], request)
    if proc.returncode != 0:
        raise CollectorError(f"{git_dir}: cannot read files from HEAD: {_stderr(proc)}")
    out: dict[str, int] = {}
    for path, line in zip(paths, proc.stdout.splitlines(), strict=False):
        header = _BATCH_HEADER.match(line)
        if header and header.group(1) == b"blob":
            out[path] = int(header.group(2))
    return out


def load_deploy_scripts(repo: Path, files: Mapping[str, str]) -> dict[str, str]:
    """Repository scripts that deploy jobs call (`./deploy.sh`, `bash scripts/upload.sh`) and
    the scripts those call, as path -> text: from disk, or from HEAD of a bare repository.
    Bounded: at most `ci_deploy.MAX_SCRIPTS` files of `ci_deploy.MAX_SCRIPT_BYTES` each; paths
    that leave the repository (also by a symlink) are not read."""
    roots = deploy_script_paths(files)
    if not roots:
        return {}
    repo = Path(repo)
    git_dir = _git_dir_without_worktree(repo)

    def from_git(paths: list[str]) -> dict[str, str]:
        assert git_dir is not None
        sizes = _blob_sizes(git_dir, paths)
        small = [p for p in paths if sizes.get(p, 1 << 62) <= ci_deploy.MAX_SCRIPT_BYTES]
        return _cat_files(git_dir, small)

    def from_disk(paths: list[str]) -> dict[str, str]:
        root = repo.resolve()
        out: dict[str, str] = {}
        for rel in paths:
            path = (repo / rel).resolve()
            try:
                if (
                    path.is_relative_to(root)
                    and path.is_file()
                    and path.stat().st_size <= ci_deploy.MAX_SCRIPT_BYTES
                ):
                    out[rel] = path.read_bytes().decode("utf-8", "replace")
            except OSError:
                continue  # an unreadable script is listed as not read, not an error
        return out

    return ci_deploy.read_scripts(roots, from_disk if git_dir is None else from_git)


# ---------------------------------------------------------------- collector


class CiConfigOptions(BaseModel):
    """Where to look: a working tree, a bare repository or a plain directory."""

    model_config = ConfigDict(extra="forbid")

    repo: Path = Field(description="repository (working tree or bare) or directory with CI files")


class CiConfigCollector:
    """The `ci` collector: static facts about the pipeline definitions in one repository."""

    name: ClassVar[str] = "ci"
    measures: ClassVar[tuple[str, ...]] = MEASURES
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
                f"ci collector: invalid options: {exc.errors()[0]['msg']}"
            ) from None
        repo = options.repo
        if not repo.exists():
            raise CollectorError(f"{repo}: no such directory")
        if not repo.is_dir():
            raise CollectorError(
                f"{repo}: not a directory (expected a repository checkout, a "
                f"bare repository or a directory with CI files)"
            )
        progress("reading CI configuration", None)
        files = load_ci_files(repo)
        scripts = load_deploy_scripts(repo, files)
        progress(f"analysing {len(files)} CI file(s)", 0.5)
        result = analyse(files, scripts)
        progress("CI configuration analysed", 1.0)
        return EvidenceSet(
            collector=self.name,
            source=str(repo),
            window=None,
            collected_at=now_utc(),
            coverage=result.coverage,
            partial=result.partial,
            measures=result.measures,
        )
