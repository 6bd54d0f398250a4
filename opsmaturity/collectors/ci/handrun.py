"""Deployments a person runs: scripts in the repository that copy files to hosts or run
commands on them (scp, rsync, ssh, ftp, ...) or deploy to an application platform (cf push,
gcloud app deploy, heroku, ...) which no pipeline calls, and deploy tools run from
a workstation (Capistrano, Deployer, Fabric) which no pipeline runs.

Why: a hand-deployed legacy service often has no pipeline at all, only `deploy.sh` with an
`rsync` to the production host. Without this, such a repository showed no deploy job, read
as "not operated", and its manual deployments stayed a mere suspicion. Pure text matching on
file names and contents; the collector reads the files (`files.load_hand_run_candidates`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from pydantic import BaseModel

from .. import paths
from .classify import DEPLOY_COMMANDS, PLATFORM_KINDS, scan
from .deploy import copies, quiet, script_refs

MAX_FILES = 20  # candidate files read per repository
_DEPLOY_WORDS = r"deploy|upload|publish|release|rollout|ship|sync|ftp|push|update|install|prod"
CANDIDATE = re.compile(
    rf"(?:^|/)(?:[\w.-]*(?:{_DEPLOY_WORDS})[\w.-]*\.(?:sh|bash|zsh|ps1|bat|cmd)"
    r"|Makefile|makefile|GNUmakefile|fabfile\.py|Capfile|deploy\.php)$"
    # Rails' script/deploy, bin/release: executables without an extension
    rf"|(?:^|/)(?:script|scripts|bin|tools|ops|deploy)/[\w-]*(?:{_DEPLOY_WORDS})[\w-]*$",
    re.I,
)
_SKIP_DIRS = frozenset({".git", "node_modules", "vendor", "third_party", "dist", "build",
                        "target", ".venv", "venv", "__pycache__"})
_MAKE_TARGET = re.compile(r"^([\w.-]+)\s*:(?!=)", re.M)
_DEPLOY_TARGET = re.compile(rf"{_DEPLOY_WORDS}", re.I)
# deploy tools run from a workstation, and how a pipeline would run them
TOOLS: dict[str, tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]] = {
    # tool: (its file, what in the file says so, how a CI command runs it)
    "capistrano": (re.compile(r"(^|/)Capfile$"), re.compile(r"capistrano", re.I),
                   re.compile(r"(?<![\w-])cap\s+\w+\s+deploy|capistrano", re.I)),
    "deployer": (re.compile(r"(^|/)deploy\.php$"), re.compile(r"namespace\s+Deployer"),
                 re.compile(r"(?<![\w-])dep\s+deploy|deployer", re.I)),
    "fabric": (re.compile(r"(^|/)fabfile\.py$"), re.compile(r"def\s+deploy\b"),
               re.compile(r"(?<![\w-])fab\s+[^\n;&|]*deploy")),
}


class HandRunDeploy(BaseModel):
    """One file by which a person deploys: the command (or tool) and where it is."""

    file: str
    line: int
    command: str


def is_candidate(path: str) -> bool:
    """A file that may deploy by hand: a deploy-ish script, a Makefile or a deploy tool's
    file; not a test's, an example's, a document's or vendored code's."""
    return bool(CANDIDATE.search(path)) and not (
        paths.is_test(path) or paths.is_example(path) or paths.is_vendored(path)
        or paths.is_doc(path))


def candidates(names: Iterable[str]) -> list[str]:
    """The candidate files among `names`, shallow ones and deploy-named ones first, bounded."""
    found = [n for n in names if is_candidate(n)]
    found.sort(key=lambda n: (n.count("/"), "deploy" not in n.lower(), n))
    return found[:MAX_FILES]


def skip_dir(name: str) -> bool:
    return name in _SKIP_DIRS


def hand_run_deploys(texts: Mapping[str, str], ci_files: Mapping[str, str],
                     ci_scripts: Mapping[str, str]) -> list[HandRunDeploy]:
    """The candidate files (`texts`) that deploy to hosts or with a workstation tool and that
    no pipeline calls (`ci_files` and the scripts their deploy jobs call, `ci_scripts`)."""
    ci_text = "\n".join([*ci_files.values(), *ci_scripts.values()])
    called = set(ci_scripts) | set(script_refs(ci_text))
    out: list[HandRunDeploy] = []
    for path, text in sorted(texts.items()):
        if path in called or _named_in(path, ci_text):
            continue  # a pipeline runs it
        if (hit := _tool(path, text, ci_text)) or (hit := _script(path, text, ci_text)):
            out.append(hit)
    return out


_TOOL_FILES = frozenset({"makefile", "gnumakefile", "capfile"})


def _named_in(path: str, ci_text: str) -> bool:
    """`script/deploy` in a job's commands: a script without an extension is not picked up
    as a script call (`ci/bin/x` could be any argument), but the job does run it. Not for
    Makefiles and Capfiles, which CI files name for other reasons (`changes:` rules): their
    targets and tasks are checked one by one."""
    name = path.rsplit("/", 1)[-1]
    if "." in name or name.lower() in _TOOL_FILES:
        return False
    return bool(re.search(rf"(?<![\w/.-])(?:\./)?{re.escape(path)}(?![\w/.-])", ci_text))


def _tool(path: str, text: str, ci_text: str) -> HandRunDeploy | None:
    for tool, (file, says, run_by_ci) in TOOLS.items():
        if file.search(path) and says.search(text) and not run_by_ci.search(ci_text):
            return HandRunDeploy(file=path, line=1, command=tool)
    return None


def _script(path: str, text: str, ci_text: str) -> HandRunDeploy | None:
    name = path.rsplit("/", 1)[-1]
    if name.lower() in {"makefile", "gnumakefile"}:
        return _make_target(path, text, ci_text)
    if name.endswith((".py", ".php")) or name == "Capfile":
        return None  # a deploy tool's file that says nothing of that tool
    hits = copies(text) or _platform_deploys(text)
    if not hits:
        return None
    offset, command = hits[0]
    return HandRunDeploy(file=path, line=text.count("\n", 0, offset) + 1, command=command)


# Only application platforms: `kubectl apply` or `helm upgrade` in a script as often point
# at a developer's own kind or k3s cluster (kube-prometheus' developer-workspace/) as at
# production, so they say nothing about how the system is released.
_HAND_PLATFORMS = frozenset({"paas", "cloud cli"})
_PLATFORM = [(name, rx) for name, rx in DEPLOY_COMMANDS
             if name in PLATFORM_KINDS and name in _HAND_PLATFORMS]


def _platform_deploys(text: str) -> list[tuple[int, str]]:
    """(offset, command) of deploys to an application platform (cf push, gcloud app deploy,
    heroku, fly deploy, aws ecs update-service, az webapp deploy, ...), not `echo` texts."""
    return [(m.start(), " ".join(text[m.start():m.end()].split())[:200])
            for m in scan(_PLATFORM, quiet(text))]


def _make_target(path: str, text: str, ci_text: str) -> HandRunDeploy | None:
    """A deploy-named Makefile target whose recipe copies to hosts, unless CI runs it."""
    targets = list(_MAKE_TARGET.finditer(text))
    for i, target in enumerate(targets):
        name = target.group(1)
        if not _DEPLOY_TARGET.search(name):
            continue
        if re.search(rf"(?<![\w-])make\s+(?:-\S+\s+)*[^\n;&|]*(?<![\w-]){re.escape(name)}(?![\w-])",
                     ci_text):
            continue
        end = targets[i + 1].start() if i + 1 < len(targets) else len(text)
        recipe = text[target.end():end]
        hits = copies(recipe)
        if hits:
            offset, command = hits[0]
            line = text.count("\n", 0, target.end() + offset) + 1
            return HandRunDeploy(file=path, line=line, command=command)
    return None
