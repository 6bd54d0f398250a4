"""What every command module shares: the typer apps, console, options and error handling.

Command modules (cli.py, and one module per command group) import from here and register
their commands on these apps; cli.py imports them all, so adding a command group touches
one new module and one import line.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console

from opsmaturity.collectors import get_collector
from opsmaturity.collectors.base import CollectorError
from opsmaturity.core.evidence import EvidenceFileError, EvidenceSet
from opsmaturity.core.files import OutputError, check_output
from opsmaturity.core.sources import SourceError
from opsmaturity.scoring.catalogue import Catalogue, load_catalogue

from ..store import Store, StoreError
from .progress import progress_bar

app = typer.Typer(
    name="opsmaturity",
    help="DevOps maturity assessment: evidence from your systems, answers from your people.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
catalogue_app = typer.Typer(help="Check and inspect a maturity catalogue.", no_args_is_help=True)
collect_app = typer.Typer(help="Collect evidence from a source into an evidence JSON file.",
                          no_args_is_help=True)

P = ParamSpec("P")
R = TypeVar("R")

out_console = Console()
err_console = Console(stderr=True)


class Gate(StrEnum):
    medium = "medium"
    high = "high"
    critical = "critical"


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out_console.print(f"opsmaturity {version('opsmaturity')}")
        raise typer.Exit()


class _State:
    """Options given before the command (`opsmaturity --db URL org list`)."""

    db_url: str | None = None


state = _State()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
    db: Annotated[str | None, typer.Option(
        "--db", help="Store database URL (default: $OPSMATURITY_DATABASE_URL, else the SQLite "
        "file in the data directory).", show_default=False)] = None,
) -> None:
    """DevOps maturity assessment: evidence from your systems, answers from your people."""
    state.db_url = db


def open_store() -> Store:
    """The store named by --db / $OPSMATURITY_DATABASE_URL / the default file, migrated."""
    try:
        return Store.open(state.db_url)
    except StoreError as exc:
        raise fail(str(exc)) from None


CatalogueOpt = Annotated[
    Path | None,
    typer.Option("--catalogue", help="Catalogue directory (default: the built-in one).",
                 exists=True, file_okay=False, dir_okay=True),
]
LangOpt = Annotated[str, typer.Option("--lang", help="Language of texts (falls back to en).")]
DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"]
SinceOpt = Annotated[datetime | None, typer.Option(
    "--since", formats=DATE_FORMATS, help="Window start, YYYY-MM-DD (default: 180 days back).")]
UntilOpt = Annotated[datetime | None, typer.Option(
    "--until", formats=DATE_FORMATS, help="Window end, YYYY-MM-DD (default: end of today, UTC).")]
ShowNamesOpt = Annotated[bool, typer.Option(
    "--show-names", help="Show people's names instead of stable pseudonyms.")]
NoCacheOpt = Annotated[bool, typer.Option(
    "--no-cache", help="Ignore and do not write the evidence cache.")]
FailOnOpt = Annotated[Gate | None, typer.Option(
    "--fail-on", help="Exit 1 if any warning sign reaches this risk level.")]


def fail(message: str) -> typer.Exit:
    err_console.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


OUTPUT_OPTIONS = ("out", "evidence_out", "json_out", "pdf", "xlsx")
"""The parameter names of files a command writes (`--out`, `--pdf`, ...)."""


def guarded(command: Callable[P, R]) -> Callable[P, R]:
    """The command, with every known input or output problem turned into one `error:` line
    and exit 2 (the backstop: commands also catch what they can word better themselves)."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            for name in OUTPUT_OPTIONS:  # before the work, not after it
                if isinstance(kwargs.get(name), Path):
                    check_output(kwargs[name])  # type: ignore[arg-type]
            return command(*args, **kwargs)
        except (SourceError, OutputError, EvidenceFileError, StoreError, CollectorError) as exc:
            raise fail(str(exc)) from None

    return run


def catalogue_or_fail(directory: Path | None) -> Catalogue:
    try:
        return load_catalogue(directory)
    except SourceError as exc:
        raise fail(str(exc)) from None


def utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def run_collector(name: str, options: dict, label: str) -> EvidenceSet:
    collector = get_collector(name)
    config = collector.config_model.model_validate(options)
    try:
        with progress_bar(label, err_console) as progress:
            return collector.collect(config, progress)
    except CollectorError as exc:
        raise fail(str(exc)) from None


MAX_WARNINGS = 20
"""Problems printed one per line; the rest are counted (all are in coverage.missing)."""


def warn_problems(evidence: EvidenceSet) -> None:
    """One `warning: file:line: why` line per problem the collector met (coverage.missing)."""
    missing = evidence.coverage.missing
    for problem in missing[:MAX_WARNINGS]:
        err_console.print(f"[yellow]warning:[/] {problem}", highlight=False, soft_wrap=True)
    if len(missing) > MAX_WARNINGS:
        err_console.print(f"[yellow]warning:[/] ... and {len(missing) - MAX_WARNINGS} more "
                          "(see coverage.missing in the evidence)", highlight=False,
                          soft_wrap=True)


def evidence_json(sets: list[EvidenceSet]) -> str:
    data = [s.model_dump(mode="json") for s in sets]
    return json.dumps(data[0] if len(data) == 1 else data, indent=2, sort_keys=True) + "\n"


