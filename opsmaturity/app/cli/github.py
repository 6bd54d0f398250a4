"""`opsmaturity collect github`: delivery evidence (DORA and pipelines) from GitHub.

The token is read from GITHUB_TOKEN, or asked for (hidden) on a terminal; it is handed to
the collector in memory only and never printed, logged or written.
"""

from __future__ import annotations

from enum import StrEnum
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

TOKEN_ENV = "GITHUB_TOKEN"
DEFAULT_API_URL = "https://api.github.com"  # the collector's default too (a test checks)


class DeploymentsFrom(StrEnum):
    auto = "auto"
    deployments = "deployments"
    workflow_runs = "workflow-runs"
    releases = "releases"


def collect_github(
    repo: Annotated[str, typer.Option("--repo", "-r")],
    url: Annotated[str, typer.Option("--url")]
    = DEFAULT_API_URL,
    out: EvidenceOutOpt = Path("evidence-github.json"),
    since: SinceOpt = None,
    until: UntilOpt = None,
    mapping: MappingOpt = None,
    deployments_from: Annotated[DeploymentsFrom, typer.Option(
        "--deployments-from")] = DeploymentsFrom.auto,
    lookback_days: LookbackOpt = 30,
    ask_token: Annotated[bool, typer.Option("--ask-token")] = False,
    no_cache: NoCacheOpt = False,
    lang: LangOpt = "en",
) -> None:
    """Read deployments, workflow runs, pull requests, releases and incidents from GitHub."""
    from pydantic import ValidationError

    from opsmaturity.collectors.delivery.github.collector import GitHubOptions

    options: dict[str, Any] = {
        "repo": repo, "api_url": url, "since": utc(since), "until": utc(until),
        "lookback_days": lookback_days, "use_cache": not no_cache,
        "deployments_from": deployments_from.value.replace("-", "_"),
    }
    if (chosen := delivery_mapping(mapping)) is not None:
        options["mapping"] = chosen
    try:
        GitHubOptions.model_validate(options)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = "--repo" if first["loc"][:1] == ("repo",) else "--url"
        raise fail(f"{where}: " + str(first["msg"]).removeprefix("Value error, ")) from None
    options["token"] = platform_token(TOKEN_ENV, say("platform.github_prompt"),
                                      say("platform.github_anonymous"), ask_token)
    evidence = run_collector("github", options, "github")
    write_platform_evidence(out, evidence)
