"""How a project is deployed, read from the commands of its CI jobs and the scripts they call.

Why a module of its own: the rest of `collectors/ci/` says *whether* a pipeline deploys;
this says *by what means* (copying files to hosts by hand-made commands, publishing to a
package index or registry, a platform tool) and *when* a release goes out (tag, release
event, default branch).
Those decide how much a deploy job is worth: an automatic `scp` to a server is not the same
practice as an automatic `helm upgrade`. Everything here is pure text matching on commands,
action references and trigger declarations; it imports nothing else of ours, so every
module of `collectors/ci/` can use it without cycles.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

MAX_SCRIPTS = 20  # scripts read per repository (deploy jobs' scripts and what they call)
MAX_SCRIPT_BYTES = 256 * 1024  # a bigger "script" is not read (likely generated or binary)
SCRIPT_DEPTH = 2  # a job's script, and the scripts that one calls

_BLANK = r"(?:[ \t]|\\\n)+"  # spaces within one command line (a `\` continues it)
_LINE = r"[^\n;&|]*"  # the rest of one command


def _commands(*patterns: tuple[str, str]) -> list[tuple[str, re.Pattern[str]]]:
    """Command words: not part of a path, variable, option or longer word (`~/.ssh`,
    `$SSH_KEY`, `ssh-keyscan`, `openssh`)."""
    return [
        (name, re.compile(r"(?<![\w$./-])(?:" + rx.replace(r"\s+", _BLANK) + r")(?![\w.-])", re.I))
        for name, rx in patterns
    ]


# ---------------------------------------------------------------- copying to hosts

_REMOTE_ARG = re.compile(r"(?:^|\s)['\"]?(?:[\w.$-]+@)?[\w.${}-]+::?[\w~/.${}'\"-]*(?=\s|$)")
COPY_COMMANDS = _commands(
    ("scp", r"scp(?=[ \t])|pscp(?=[ \t])"),
    ("sftp", r"sftp(?=[ \t])"),
    ("rsync", r"rsync(?=[ \t])"),
    ("ftp", r"(?:lftp|ncftp(?:put)?|ftp|wput|ftp-upload)(?=[ \t])"),
    ("curl ftp upload", r"curl" + _LINE + r"(?:-T|--upload-file)" + _LINE + r"s?ftps?://[^\s;&|]*"),
    ("ssh", r"ssh(?=[ \t]+[^\s-]|[ \t]+-)"),
    ("sshpass", r"sshpass(?=[ \t])"),
    ("smbclient", r"smbclient(?=[ \t])"),
)
_INSTALLING = re.compile(
    r"(?<![\w-])(?:install|add|upgrade|which|command\s+-v|type|--version)(?![\w-])"
)
_COMMAND_START = re.compile(r"[;&|\n]")
_ECHO = re.compile(r"(?<![\w$-])(?:echo|printf)\b[^\n;&|]*")
# a GitHub action that copies or runs commands over ssh/ftp (not one that only sets up a key)
_COPY_ACTION_WORDS = frozenset({"scp", "ssh", "sftp", "ftp", "rsync", "lftp"})
_KEY_SETUP_WORDS = frozenset({"agent", "key", "keys", "known", "hosts", "setup", "keyscan"})


def _tokens(text: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return [t for t in re.split(r"[^a-z0-9]+", spaced.lower()) if t]


def _command_line(text: str, pos: int) -> tuple[int, str]:
    """Start and text of the one command around `pos` (continuation lines joined)."""
    start = max((m.end() for m in _COMMAND_START.finditer(text, 0, pos)), default=0)
    end = pos
    while end < len(text) and text[end] not in ";&|\n":
        end += 2 if text.startswith("\\\n", end) else 1
    return start, text[start:end]


def quiet(text: str) -> str:
    """`text` with echo/printf arguments blanked (offsets kept): a message saying "ftp" or
    "ssh" copies nothing."""
    return _ECHO.sub(lambda m: " " * len(m.group(0)), text)


_SHELL_EXT = re.compile(r"\.(?:sh|bash|zsh|ksh|ps1)$", re.I)
_SHEBANG = re.compile(r"#!\s*(?:/usr)?/bin/(?:env\s+)?(?:ba|z|k|da)?sh\b")


def is_shell(path: str, text: str) -> bool:
    """A script whose lines are commands (a shell or PowerShell script): a Python, Ruby or
    Perl script is not searched for `scp` or `ssh` (its strings and comments say such words
    without running them)."""
    if _SHELL_EXT.search(path):
        return True
    return "." not in posixpath.basename(path) and bool(_SHEBANG.match(text))


def copies(text: str) -> list[tuple[int, str]]:
    """(offset, command) of each hand-made copy or remote command in shell text, in order."""
    return sorted(_copies(text))


def _copies(text: str) -> Iterator[tuple[int, str]]:
    blanked = quiet(text)
    seen: set[int] = set()
    for name, rx in COPY_COMMANDS:
        for m in rx.finditer(blanked):
            start, line = _command_line(blanked, m.start())
            if start in seen or _INSTALLING.search(blanked, start, m.start()):
                continue
            rest = blanked[m.end() : start + len(line)]
            if name == "rsync" and not (_REMOTE_ARG.search(rest) or "rsync://" in rest):
                continue  # a local copy
            if name == "ssh" and not re.search(r"\s[^\s-]", rest):
                continue  # `ssh -V` and the like: no host
            seen.add(start)
            yield m.start(), " ".join(text[m.start() : start + len(line)].split())[:200]


# copy actions whose name says neither scp, ssh, sftp, ftp nor rsync
_COPY_ACTIONS = frozenset({"samkirkland/web-deploy"})


def copy_action(ref: str) -> bool:
    """True for a GitHub action that copies files or runs commands on hosts (scp/ssh/ftp)."""
    repo = "/".join(ref.split("@")[0].lower().split("/")[:2])
    tokens = set(_tokens(ref.split("@")[0]))
    if repo in _COPY_ACTIONS:
        return True
    return bool(tokens & _COPY_ACTION_WORDS) and not tokens & _KEY_SETUP_WORDS


# ---------------------------------------------------------------- scripts in the repository

_WORD = re.compile(r"(?:^|(?<=[\s;&|(\"'`=]))([^\s;&|()\"'`]+)", re.M)
_SCRIPT_EXT = re.compile(r"\.(?:sh|bash|zsh|ps1|py|rb|pl)$")
_WORKSPACE = re.compile(
    r"^(?:\$\{\{\s*github\.workspace\s*\}\}|\$\{?(?:CI_PROJECT_DIR|GITHUB_WORKSPACE|WORKSPACE)\}?)/"
)
_WRAPPERS = frozenset({"gradlew", "mvnw", "configure"})


def script_refs(text: str) -> list[str]:
    """Repository paths of scripts a command text calls: `./deploy.sh`, `scripts/upload.sh`,
    `bash deploy/ftp-upload.sh`, `$CI_PROJECT_DIR/ci/release.sh`. Paths outside the repository,
    with variables left in them, and URLs are not scripts we can read; build-tool wrappers
    (`./gradlew`) are not deploy scripts."""
    text = re.sub(r"\$\{\{\s*github\.workspace\s*\}\}", "$GITHUB_WORKSPACE", text)
    out: list[str] = []
    for m in _WORD.finditer(quiet(text)):
        raw = _WORKSPACE.sub("./", m.group(1))
        if raw.startswith(("/", "-")) or "://" in raw or any(c in raw for c in "${}*?"):
            continue
        if not (_SCRIPT_EXT.search(raw) or (raw.startswith("./") and len(raw) > 2)):
            continue  # `ci/bin/x` could be any argument; `./x` is run from the repository
        path = posixpath.normpath(raw)
        if path.startswith("../") or path in {".", ".."} or path in out:
            continue
        if posixpath.basename(path) not in _WRAPPERS:
            out.append(path)
    return out


def read_scripts(roots: list[str], read: Callable[[list[str]], dict[str, str]]) -> dict[str, str]:
    """The scripts `roots` names and the scripts they call, at most MAX_SCRIPTS, SCRIPT_DEPTH
    deep; `read` returns the readable ones (missing or too big ones are left out)."""
    scripts: dict[str, str] = {}
    asked: set[str] = set()
    level = list(dict.fromkeys(roots))
    for _ in range(SCRIPT_DEPTH):
        wanted = [p for p in level if p not in asked][: MAX_SCRIPTS - len(asked)]
        if not wanted:
            break
        asked.update(wanted)
        found = read(wanted)
        scripts.update(found)
        level = [ref for text in found.values() for ref in script_refs(text)]
    return scripts


# ---------------------------------------------------------------- publishing releases

_ARGS = r"(?:\s+[^\s;&|]+)*?"
PUBLISH_COMMANDS = _commands(
    ("python package", r"twine\s+upload|(?:poetry|flit|hatch|uv|pdm)" + _ARGS + r"\s+publish"),
    (
        "npm package",
        r"(?:npm|yarn|pnpm|bun)" + _ARGS + r"\s+publish|changeset\s+publish|lerna\s+publish",
    ),
    ("crate", r"cargo" + _ARGS + r"\s+publish"),
    ("gem", r"gem\s+push"),
    ("nuget", r"(?:dotnet\s+)?nuget\s+push"),
    (
        "maven",
        r"(?:\./)?mvnw?" + _ARGS + r"\s+deploy(?::deploy)?|(?:\./)?mvnw?" + _ARGS + r"\s+jib:build",
    ),
    (
        "gradle",
        r"(?:\./)?gradlew?"
        + _ARGS
        + r"\s+(?::?[\w-]+:)*publish\w*|(?:\./)?gradlew?"
        + _ARGS
        + r"\s+jib",
    ),
    ("sbt", r"sbt" + _ARGS + r"\s+\+?publish\w*"),
    (
        "image push",
        r"(?:docker|podman|buildah)\s+(?:image\s+|manifest\s+)?push|"
        r"docker\s+(?:buildx\s+)?(?:build|bake)[^\n;&|]*\s--push|crane\s+(?:push|copy)|"
        r"skopeo\s+copy|oras\s+push|ko\s+(?:build|publish|resolve)",
    ),
    ("helm chart push", r"helm\s+(?:push|cm-push)"),
    (
        "release tool",
        r"goreleaser|semantic-release|release-please|(?:gh|glab|hub)\s+release\s+create|"
        r"release-cli\s+create|ghr(?=\s)",
    ),
    (
        "other registry",
        r"mix\s+hex\.publish|pod\s+trunk\s+push|(?:vsce|ovsx)\s+publish|"
        r"snapcraft\s+(?:upload|push)|(?:dart|flutter)\s+pub\s+publish|anaconda\s+upload",
    ),
)
_DRAFT = re.compile(r"(?<![\w-])--draft(?![\w-])")
# GitHub actions that publish: matched on the repository part of `uses:` (lower case)
PUBLISH_ACTIONS = {
    "pypa/gh-action-pypi-publish": "python package",
    "softprops/action-gh-release": "GitHub release",
    "ncipollo/release-action": "GitHub release",
    "actions/create-release": "GitHub release",
    "svenstaro/upload-release-action": "GitHub release",
    "marvinpinto/action-automatic-releases": "GitHub release",
    "googleapis/release-please-action": "GitHub release",
    "google-github-actions/release-please-action": "GitHub release",
    "goreleaser/goreleaser-action": "release tool",
    "js-devtools/npm-publish": "npm package",
    "cycjimmy/semantic-release-action": "release tool",
    "katyo/publish-crates": "crate",
    "helm/chart-releaser-action": "helm chart",
    "docker/build-push-action": "image push",
    "redhat-actions/push-to-registry": "image push",
    "changesets/action": "npm package",
}
_NEEDS_WITH = {"docker/build-push-action": "push", "changesets/action": "publish"}


def publishes(text: str) -> Iterator[tuple[str, str]]:
    """(kind, command) of each command that publishes a release or pushes to a registry;
    a draft GitHub release (`gh release create --draft`) publishes nothing yet."""
    spans: list[tuple[int, int]] = []
    for kind, rx in PUBLISH_COMMANDS:
        for m in rx.finditer(text):
            start, line = _command_line(text, m.start())
            if any(a < m.end() and m.start() < b for a, b in spans):
                continue
            if kind == "release tool" and _DRAFT.search(line):
                continue
            if _INSTALLING.search(text, start, m.start()):
                continue
            spans.append(m.span())
            yield kind, " ".join(m.group(0).split())


def publish_action(uses: str, with_: Mapping[Any, Any] | None) -> str | None:
    """The kind of release a `uses:` step publishes, or None (also for a draft release or a
    build-push step that does not push)."""
    repo = "/".join(uses.split("@")[0].lower().split("/")[:2])
    kind = PUBLISH_ACTIONS.get(repo)
    if kind is None:
        return None
    with_ = with_ if isinstance(with_, Mapping) else {}
    if repo in _NEEDS_WITH:
        value = with_.get(_NEEDS_WITH[repo])
        if value is None or str(value).strip().lower() in {"false", ""}:
            return None
    if str(with_.get("draft", "")).strip().lower() == "true":
        return None
    return kind


# ---------------------------------------------------------------- triggers

MAIN_BRANCHES = ("main", "master", "trunk")
"""The names a default branch goes by, for filters and triggers that name branches."""


def _is_main(pattern: str) -> bool:
    pattern = pattern.strip().removeprefix("refs/heads/").removeprefix("origin/")
    return any(fnmatch.fnmatchcase(b, pattern) for b in MAIN_BRANCHES)


def github_triggers(on: Any) -> list[str]:
    """What of a workflow's `on:` starts it without a person: a tag push, a release event, a
    push to the default branch, or another workflow's completion (`workflow_run`)."""
    out: list[str] = []
    events = on if isinstance(on, Mapping) else {e: None for e in _as_list(on)}
    for event, spec in events.items():
        event = str(event)
        if event == "release":
            out.append("release event")
        elif event == "workflow_run":
            out.append("workflow_run (after another workflow)")
        elif event == "push":
            spec = spec if isinstance(spec, Mapping) else {}
            tags, branches = spec.get("tags"), spec.get("branches")
            if tags is not None or spec.get("tags-ignore") is not None:
                out.append("push of a tag")
            if branches is None and tags is None and spec.get("tags-ignore") is None:
                out.append("push to any branch (the default branch too)")
            elif branches is not None and any(_is_main(str(b)) for b in _as_list(branches)):
                out.append("push to the default branch")
            elif spec.get("branches-ignore") is not None:
                out.append("push to any branch (the default branch too)")
    return out


_TAG_IF = re.compile(
    r"startsWith\(\s*github\.ref\s*,\s*['\"]refs/tags/|github\.ref_type\s*==\s*['\"]tag['\"]|"
    r"github\.event_name\s*==\s*['\"]release['\"]"
)


def github_job_triggers(workflow: list[str], condition: Any) -> list[str]:
    """A job's automatic triggers: the workflow's, narrowed to tags by a job `if:` on the ref."""
    if isinstance(condition, str) and _TAG_IF.search(condition) and "||" not in condition:
        narrowed = [t for t in workflow if "tag" in t or "release" in t]
        return narrowed or []
    return workflow


_GITLAB_TAG = re.compile(r"\$\{?CI_COMMIT_TAG\}?(?!\s*==\s*null)(?!\s*=~\s*/\^?\$?/)")
_GITLAB_NOT_TAG = re.compile(r"(?:!\s*\$\{?CI_COMMIT_TAG|\$\{?CI_COMMIT_TAG\}?\s*==\s*null)")
_GITLAB_MAIN = re.compile(
    r"\$\{?CI_DEFAULT_BRANCH|\$\{?CI_COMMIT_(?:BRANCH|REF_NAME)\}?\s*==\s*['\"](?:main|master|trunk)['\"]"
)


def gitlab_triggers(job: Mapping[Any, Any]) -> list[str]:
    """When a GitLab job runs without a person: on tags, on the default branch, or in every
    pipeline (no rules/only: the default branch's pipelines too)."""
    rules, only = job.get("rules"), job.get("only")
    out: list[str] = []
    if isinstance(rules, list):
        for rule in rules:
            if not isinstance(rule, Mapping) or rule.get("when") in {"never", "manual"}:
                continue
            cond = rule.get("if")
            if not isinstance(cond, str):
                out.append("a rule without if: (every pipeline)")
            elif _GITLAB_TAG.search(cond) and not _GITLAB_NOT_TAG.search(cond):
                out.append(f"tag (rules: {cond})")
            elif _GITLAB_MAIN.search(cond):
                out.append(f"default branch (rules: {cond})")
        return list(dict.fromkeys(out))
    if only is not None:
        refs = only.get("refs") if isinstance(only, Mapping) else only
        for ref in _as_list(refs):
            ref = str(ref)
            if ref == "tags":
                out.append("tag (only: tags)")
            elif ref in {"branches", "pushes"} or _is_main(ref):
                out.append(f"default branch (only: {ref})")
        return out
    return ["every pipeline (no rules or only:)"]


_JENKINS_BRANCH = re.compile(r"""\bbranch\s*(?:pattern\s*:\s*)?['"]([^'"]+)['"]""")


def jenkins_triggers(conditions: list[str]) -> list[str]:
    """When a Jenkins stage runs without a person: on tag builds, on the main branch, or on
    every build (no `when`)."""
    if not conditions:
        return ["every build (no when)"]
    out: list[str] = []
    for cond in conditions:
        if re.search(r"\btag\b|buildingTag\s*\(", cond):
            out.append(f"tag (when {{ {cond} }})")
        elif any(_is_main(b) for b in _JENKINS_BRANCH.findall(cond)) and "not" not in cond:
            out.append(f"default branch (when {{ {cond} }})")
    return out


_BRANCH_TEST = re.compile(
    r"""(?:BRANCH_NAME|GIT_BRANCH|\bbranch)\s*(==|!=|\s|\(|pattern\s*:)\s*['"]([^'"]+)['"]"""
)


def excludes_main(condition: str) -> bool:
    """True if a Jenkins `when { ... }` block or `if (...)` condition is false on the main
    branch: every branch test in it names another branch, or says `!= 'main'`/`not { branch
    'main' }`. A condition without a branch test does not exclude main."""
    tests = _BRANCH_TEST.findall(condition)
    if not tests:
        return False
    negated = bool(re.search(r"\bnot\s*\{", condition))
    for op, branch in tests:
        main = _is_main(branch)
        if op == "!=" or negated:
            if not main:
                return False
        elif main:
            return False
    return True


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


# ---------------------------------------------------------------- throwaway clusters

_THROWAWAY = re.compile(
    r"(?<![\w$./-])(?:kind\s+create\s+cluster|k3d\s+cluster\s+create|minikube\s+start|"
    r"ctlptl\s+create\s+cluster|microk8s\s+install)(?![\w-])",
    re.I,
)
_THROWAWAY_ACTIONS = (
    "helm/kind-action",
    "engineerd/setup-kind",
    "container-tools/kind-action",
    "absaoss/k3d-action",
    "nolar/setup-k3d-k3s",
    "medyagh/setup-minikube",
    "manusa/actions-setup-minikube",
    "debianmaster/actions-k3s",
)


def throwaway_cluster(text: str, refs: str) -> str | None:
    """How a job makes a throwaway Kubernetes cluster (kind, k3d, minikube) to test in, or
    None: manifests applied there are tests, not deployments."""
    m = _THROWAWAY.search(quiet(text))
    if m:
        return " ".join(m.group(0).split())
    for ref in refs.lower().split("\n"):
        if any(ref.startswith(a) for a in _THROWAWAY_ACTIONS):
            return f"uses: {ref}"
    return None


# ---------------------------------------------------------------- line numbers


def line_in(text: str, offset: int) -> int:
    """The 1-based line of `offset` (for findings in scripts, which are read as plain text)."""
    return text.count("\n", 0, offset) + 1


def locate(file_text: str | None, job_line: int | None, snippet_line: str) -> int | None:
    """The line of `snippet_line` in a CI file, searched from the job's line on (commands in
    YAML are strings, so their own line is not recorded); the job's line if not found."""
    needle = snippet_line.strip()
    if not file_text or not needle:
        return job_line
    lines = file_text.splitlines()
    start = max((job_line or 1) - 1, 0)
    for i in range(start, len(lines)):
        if needle in lines[i]:
            return i + 1
    return job_line
