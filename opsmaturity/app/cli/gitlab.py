"""`opsmaturity collect gitlab`: delivery evidence (DORA and pipelines) from GitLab.

The token is read from GITLAB_TOKEN, or asked for (hidden) on a terminal; it is handed to
the collector in memory only and never printed, logged or written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .common import (
    EvidenceOutOpt,
    LangOpt,
    NoCacheOpt,
    SinceOpt,
    UntilOpt,
    fail,
    multi_option,
    run_collector,
    say,
    utc,
)
from .platform import (
    LookbackOpt,
    MappingOpt,
    delivery_mapping,
    platform_token,
    write_platform_evidence,
)

TOKEN_ENV = "GITLAB_TOKEN"


def collect_gitlab(
    url: Annotated[str, typer.Option("--url")]
    = "https://gitlab.com",
    project: Annotated[list[str] | None, multi_option("--project", "-p", metavar="PATH")] = None,
    group: Annotated[list[str] | None, multi_option("--group", "-g", metavar="PATH")]
    = None,
    out: EvidenceOutOpt = Path("evidence-gitlab.json"),
    since: SinceOpt = None,
    until: UntilOpt = None,
    mapping: MappingOpt = None,
    lookback_days: LookbackOpt = 30,
    workers: Annotated[int, typer.Option("--workers", min=1, max=32)] = 4,
    include_archived: Annotated[bool, typer.Option("--include-archived")] = False,
    no_platform_dora: Annotated[bool, typer.Option("--no-platform-dora")] = False,
    ask_token: Annotated[bool, typer.Option("--ask-token")] = False,
    no_cache: NoCacheOpt = False,
    lang: LangOpt = "en",
) -> None:
    """Read deployments, pipelines, merge requests and incidents from GitLab into evidence."""
    if not project and not group:
        raise fail(say("platform.name_what"))
    from pydantic import ValidationError

    from opsmaturity.collectors.delivery.gitlab.collector import GitLabOptions

    options: dict[str, Any] = {
        "url": url, "projects": project or [], "groups": group or [],
        "since": utc(since), "until": utc(until), "lookback_days": lookback_days,
        "workers": workers, "include_archived": include_archived,
        "platform_dora": not no_platform_dora, "use_cache": not no_cache,
    }
    if (chosen := delivery_mapping(mapping)) is not None:
        options["mapping"] = chosen
    try:
        GitLabOptions.model_validate(options)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise fail(str(first["msg"]).removeprefix("Value error, ")) from None
    options["token"] = platform_token(TOKEN_ENV, say("platform.gitlab_prompt"),
                                      say("platform.gitlab_anonymous"), ask_token)
    evidence = run_collector("gitlab", options, "gitlab")
    write_platform_evidence(out, evidence)
