"""Job classification: the words and commands that make a job a test, a deploy, a rollback
or a security scan, production or not, and whether a person must start it.
The rules are listed in the collector's docstring (collector.py)."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from opsmaturity.core.sources import safe_load

from . import deploy as ci_deploy

# ---------------------------------------------------------------- words and commands


def word_tokens(text: str) -> list[str]:
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
        r"heroku\s+container:release|cf\s+push|cf-blue-green|"
        r"gcloud\s+(?:app|run|functions)\s+deploy|firebase\s+deploy|"
        r"(?:fly|flyctl|kamal)\s+deploy",
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
SECURITY_TOOLS_FILE = Path(__file__).with_name("security_tools.yaml")


@cache
def security_tools() -> re.Pattern[str]:
    """The scanner names of `security_tools.yaml` as one whole-word pattern (read once):
    the list is data, so adding a tool needs no code change."""
    data = safe_load(SECURITY_TOOLS_FILE.read_text(encoding="utf-8"),
                     SECURITY_TOOLS_FILE)
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
# what a reader calls the deploying steps it puts in `Job.deploy_actions` (GitHub's are
# found from its actions' names in classify_job itself)
READER_ACTIONS = {"azure": "task", "circleci": "orb", "bitbucket": "pipe"}
# environments that receive packages, releases or documentation, not a running system
PUBLISHING_ENV_WORDS = frozenset(
    {"pypi", "testpypi", "npm", "npmjs", "release", "releases", "publish", "publishing", "pages",
     "docs", "documentation", "crates", "rubygems", "nuget", "maven", "registry", "dockerhub",
     "ghcr", "package", "packages", "artifacts"}
)
# GitHub environments that hold a bot's secrets or an approval for repository chores (an
# auto-merge of dependency updates), not a place anything is deployed to
CHORE_ENV_WORDS = frozenset(
    {"renovate", "dependabot", "automerge", "merge", "bot", "bots", "copilot", "signing"}
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
VARIABLE = re.compile(r"\$\{\{.*?\}\}|\$\{?[A-Za-z_]\w*\}?|%\w+%")
_REVIEW_VARIABLE = re.compile(
    r"\$\{?(?:CI_COMMIT_REF|CI_MERGE_REQUEST|CI_COMMIT_BRANCH|CI_COMMIT_SHORT_SHA|CI_COMMIT_SHA)"
)
WEB_ONLY = re.compile(r"""\$CI_PIPELINE_SOURCE\s*==\s*["']web["']""")
DISPATCH_ONLY = re.compile(r"""github\.event_name\s*==\s*["']workflow_dispatch["']""")


_INSTALLING = re.compile(r"(?<![\w-])(?:install|add|upgrade)(?![\w-])")
_COMMAND_START = re.compile(r"[;&|\n]")


def _installing(text: str, pos: int) -> bool:
    """True if the command around `pos` installs a tool (`pip install pytest`) not runs it."""
    start = max((m.end() for m in _COMMAND_START.finditer(text, 0, pos)), default=0)
    return bool(_INSTALLING.search(text, start, pos))


def scan(patterns: list[tuple[str, re.Pattern[str]]], text: str) -> Iterator[re.Match[str]]:
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
    for m in scan(patterns, text):
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
    for m in scan(patterns, text):
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


def is_production(name: str, tier: str | None = None) -> bool:
    if tier:
        if tier.lower() == "production":
            return True
        if tier.lower() in NON_PROD_TIERS:
            return False
    tokens = word_tokens(VARIABLE.sub(" ", name))
    for i, t in enumerate(tokens):
        if t.rstrip("0123456789") in PROD_WORDS and not (i and tokens[i - 1] in {"pre", "non"}):
            return True
    return False


def env_key(name: str) -> str:
    return VARIABLE.sub("*", name.strip()).lower()




# ---------------------------------------------------------------- jobs


@dataclass
class Job:
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
    passed_env_names: list[str] = field(default_factory=list)
    """Environments handed to a called reusable workflow (`with: environment: prod`); they
    are the job's own once it is a deploy job for other reasons (github.py)."""
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
    deploy_actions: list[str] = field(default_factory=list)  # deploying actions or tasks
    publish: list[str] = field(default_factory=list)  # what it publishes (kind: command)
    copy_actions: list[str] = field(default_factory=list)  # GitHub: scp/ssh/ftp actions
    archives_reports: bool = False  # keeps test reports as artifacts
    triggers: list[str] = field(default_factory=list)  # what starts it without a person
    calls_own_workflow: bool = False  # GitHub: calls a workflow of this repository, whose
    # own jobs count (github.py)
    on_demand: bool = False
    """Started only by a person, outside the pipeline changes take: a GitHub workflow that
    runs only on workflow_dispatch (or a job whose `if:` only then), a Bitbucket custom
    pipeline. Beside an automatic production deploy such a job is a tool (measures.py)."""
    version_input: str | None = None
    """GitHub: the workflow_dispatch input that names the version to deploy (`version`,
    `image_tag`): a person can deploy any earlier build with it, which is how such teams
    roll back. None in a workflow that tags or publishes: there it is the number of the
    release being cut (github.py)."""
    condition: str | None = None  # GitHub: the job's `if:`

    def ref(self, **extra: Any) -> dict[str, Any]:
        return {
            "system": self.system,
            "file": self.file,
            "line": self.line,
            "job": self.name,
            **extra,
        }


def classify_job(job: Job) -> None:
    """Fill test/deploy/rollback/security/production/review from the job's facts."""
    label = word_tokens(job.label)
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
        job.env_names = [n for n in job.env_names if not _chore_environment(n)]
        if job.env_names:
            job.deploy.append(f"environment: {', '.join(job.env_names)}")
        reasons: list[tuple[str, bool]] = []  # (reason, only a word: name, stage, report action)
        if _has_deploy_word(label):
            reasons.append(("name", True))
        if job.stage and _has_deploy_word(word_tokens(job.stage)):
            reasons.append((f"stage: {job.stage}", True))
        if "deploy" in word_tokens(job.step_names):
            reasons.append(("step name", True))
        # an echo or printf saying "skipping deploy" deploys nothing
        for kind, command in _named_matches(DEPLOY_COMMANDS, ci_deploy.quiet(job.text)):
            if throwaway and kind in CLUSTER_KINDS:
                continue  # applied to the throwaway cluster the job made
            job.deploy_kinds.add(kind)
            reasons.append((f"script: {command}", False))
        if said := READER_ACTIONS.get(job.system):  # deploying steps its reader found
            reasons += [(f"{said}: {action}", False) for action in job.deploy_actions]
        for ref in job.refs.split("\n"):
            tokens = word_tokens(ref.split("@")[0])
            local = ref.startswith("./") or (  # a local reusable workflow: its jobs count
                job.calls_own_workflow and "/.github/workflows/" in ref)
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
    if job.deploy and not job.env_names and job.passed_env_names:
        job.env_names = job.passed_env_names
    if job.system in {"jenkins", "circleci"} and job.deploy and not job.env_names:
        job.env_names = sorted({JENKINS_ENVS[t] for t in label if t in JENKINS_ENVS})

    if job.stage and job.stage.lower().startswith("test"):
        job.test.append(f"stage: {job.stage}")
    if not job.deploy and TEST_WORDS & set(label + word_tokens(job.step_names)):
        job.test.append("name")
    job.test += [f"script: {m}" for m in _first_match(TEST_COMMANDS, job.text)]
    if throwaway:
        job.test.append(f"throwaway cluster: {throwaway}")

    if "security" in label:
        job.security.append("name")
    hits = sorted(
        {
            m.group(0).lower()
            for m in security_tools().finditer("\n".join((job.label, job.text, job.refs)))
        }
    )
    job.security += hits

    if job.deploy:
        if job.env_names:
            job.production = any(is_production(n, job.env_tier) for n in job.env_names)
        else:
            job.production = is_production(f"{job.label} {job.stage or ''}")
    if job.production:
        return
    for name in job.env_names:
        if is_production(name, job.env_tier):
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
                {"review", "preview", "pr"} & set(word_tokens(name))
                or re.search(r"head_ref|event\.number|pull_request\.number", name)
            )
        ):
            job.review.append(f"{name}: environment of a pull_request workflow")
    if job.review_hint and job.deploy:
        job.review.append(job.review_hint)


def _chore_environment(name: str) -> bool:
    """An environment that scopes a chore's secrets (`renovate-auto-merge`), not a target."""
    return bool(CHORE_ENV_WORDS & set(word_tokens(VARIABLE.sub(" ", name))))


VERSION_INPUT = re.compile(
    r"(app|application|image|docker|release|build|artifact|deploy)?[-_]?"
    r"(version|tag|image[-_]?tag|sha|commit|ref)", re.I)
"""A workflow_dispatch input naming the version a person deploys (`version`, `app_version`,
`image_tag`, `sha`)."""

_TAGS = re.compile(r"\bgit\s+tag\b|\bgit\s+push\b[^\n]*(--tags|\brefs/tags/)|\bnpm\s+version\b")


def _makes_a_release(job: Job) -> bool:
    """The job publishes, or makes a tag or version: its pipeline cuts a release."""
    return bool(job.publish) or bool(_TAGS.search(job.text))


def forget_release_numbers(jobs: list[Job]) -> None:
    """In a pipeline that cuts a release, a version input numbers the new release; it does
    not choose an earlier build to deploy again (`Job.version_input`)."""
    if any(_makes_a_release(j) for j in jobs):
        for job in jobs:
            job.version_input = None


def _unit_test_job(job: Job, label: list[str]) -> bool:
    """A test job with a deploy word in its name (`test-deploy-utils`): it tests, it deploys
    nothing."""
    if not TEST_WORDS & set(label):
        return False
    return label[0] in TEST_WORDS | {"unit"} or bool(_first_match(TEST_COMMANDS, job.text))


def _reports_job(job: Job, label: list[str]) -> bool:
    """A job that keeps test results (a "Publish" stage archiving junit reports, a "publish
    test results" action): it deploys nothing."""
    if job.archives_reports:
        return True
    words = set(label + word_tokens(job.step_names) + word_tokens(job.refs)) - {"test", "tests"}
    return bool(REPORT_WORDS & words)


def gate_jobs(jobs: list[Job], *, stage_blocking: bool) -> None:
    """Set `gated` for jobs that are manual or wait for a manual job (one pipeline/workflow)."""
    by_name = {j.name: j for j in jobs}
    memo: dict[str, str | None] = {}
    # the first (in file order) blocking manual job of an earlier stage, found by bisection
    # over the running minimum of their stages rather than by a scan per job (a big file
    # has thousands of jobs); stop jobs run last, so they block nothing
    blockers = [o for o in jobs if o.manual and o.blocking and o.env_action != "stop"]
    lowest = list(itertools.accumulate((-o.order for o in blockers), max))

    def _first_blocker(order: int) -> Job | None:
        i = bisect.bisect_right(lowest, -order)
        return blockers[i] if i < len(blockers) else None

    def gate(job: Job, seen: frozenset[str]) -> str | None:
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
            blocker = _first_blocker(job.order)
            if blocker is not None:
                reason = (
                    f"blocked by manual job '{blocker.name}' (allow_failure: false) "
                    f"in earlier stage '{blocker.stage}'"
                )
        memo[job.name] = reason
        return reason

    for job in jobs:
        job.gated = gate(job, frozenset({job.name}))
