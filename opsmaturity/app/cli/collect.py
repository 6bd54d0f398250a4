"""`collect git` and `collect ci`: evidence from one repository, local or cloned."""


from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import (
    EvidenceOutOpt,
    LangOpt,
    NoCacheOpt,
    ShowNamesOpt,
    SinceOpt,
    UntilOpt,
    err_console,
    fail,
    measures_note,
    run_collector,
    utc,
    warn,
    warn_problems,
    write_evidence,
)
from .output import is_stdout

if TYPE_CHECKING:
    from opsmaturity.core.evidence import EvidenceSet


def collect_git(
    source: Annotated[str, typer.Argument()] = ".",
    out: EvidenceOutOpt = Path("evidence-git.json"),
    since: SinceOpt = None,
    until: UntilOpt = None,
    show_names: ShowNamesOpt = False,
    no_cache: NoCacheOpt = False,
    lang: LangOpt = "en",
) -> None:
    """Mine git history into evidence JSON (people pseudonymised unless --show-names)."""
    repo, shown = open_repository(source)
    sets = [collect_git_evidence(repo, shown, since, until, show_names, no_cache)]
    note = "" if is_stdout(out) else measures_note(sets[0], with_state=False)  # not shown
    write_evidence(out, sets, note)


def collect_ci(
    source: Annotated[str, typer.Argument()] = ".",
    out: EvidenceOutOpt = Path("evidence-ci.json"),
    lang: LangOpt = "en",
) -> None:
    """Analyse CI configuration (GitLab, GitHub Actions, Jenkins, Azure) into evidence JSON."""
    repo, _ = open_repository(source)
    sets = [run_collector("ci", {"repo": repo}, "ci")]
    warn_problems(sets[0])
    write_evidence(out, sets, measures_note(sets[0], with_state=False))


def open_repository(source: str) -> tuple[str, str | None]:
    """A local path to read (a URL is cloned or fetched once) and the name to show for it."""
    from opsmaturity.collectors.base import CollectorError
    from opsmaturity.collectors.git.repository import is_url, subdirectory_warning
    from opsmaturity.collectors.git.repository import open_repository as open_repo
    from opsmaturity.core.files import default_cache_dir
    from opsmaturity.core.privacy import without_credentials

    from .progress import progress_bar

    try:
        with progress_bar("git", err_console) as progress:
            repo = open_repo(source, default_cache_dir(), progress)
    except CollectorError as exc:
        raise fail(str(exc)) from None
    if warning := subdirectory_warning(source, repo):
        warn(warning)
    return repo, without_credentials(source) if is_url(source) else None


def collect_git_evidence(repo: str, shown: str | None, since: datetime | None,
                         until: datetime | None, show_names: bool, no_cache: bool) -> EvidenceSet:
    """Run the git collector on an opened repository (shared with `assess`). Its first
    `git log` starts before the collector is imported, so git works while Python loads."""
    from opsmaturity.collectors.git.early import start_history

    options = {"source": repo, "display_source": shown, "since": utc(since),
               "until": utc(until), "show_names": show_names, "use_cache": not no_cache}
    start_history(options)
    return run_collector("git", options, "git")
