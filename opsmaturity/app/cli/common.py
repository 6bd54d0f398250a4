"""What every command module shares: the typer apps, consoles, options and error handling.

Command modules import from here; `cli/__init__.py` registers their commands on these apps
(conventions in its docstring). Only typer and the standard library are imported at the
top: everything else is imported inside the function that needs it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer

from .group import command_group
from .help_texts import LANG_ENV
from .output import err_console, out_console

if TYPE_CHECKING:  # imported where used: `opsmaturity --version` must start fast
    from opsmaturity.core.evidence import EvidenceSet
    from opsmaturity.scoring.catalogue import Catalogue

    from ..store import Store

__all__ = ["err_console", "out_console"]

app = command_group(name="opsmaturity")
catalogue_app = command_group()
collect_app = command_group()

P = ParamSpec("P")
R = TypeVar("R")


class Gate(StrEnum):
    medium = "medium"
    high = "high"
    critical = "critical"


def _version(value: bool) -> None:
    if value:
        import sys

        from opsmaturity import __version__

        sys.stdout.write(f"opsmaturity {__version__}\n")
        raise typer.Exit()


class _State:
    """Options given before the command (`opsmaturity --db URL org list`)."""

    db_url: str | None = None
    lang: str = "en"
    """The language of this command's output (--lang), also for its error messages."""


state = _State()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
    db: Annotated[str | None, typer.Option("--db", show_default=False)] = None,
    lang: Annotated[str | None, typer.Option("--lang", show_default=False)] = None,
) -> None:
    """DevOps maturity assessment: evidence from your systems, answers from your people."""
    state.db_url = db
    import os

    # `opsmaturity --lang de org list`: the language of every command on the line, until
    # the command's own --lang says otherwise; else the environment's, else English.
    state.lang = lang or os.environ.get(LANG_ENV) or "en"


def open_store() -> Store:
    """The store named by --db / $OPSMATURITY_DATABASE_URL / the default file, migrated."""
    from ..store import Store, StoreError

    try:
        return Store.open(state.db_url)
    except StoreError as exc:
        raise fail(str(exc)) from None


@contextmanager
def store_session() -> Iterator[Store]:
    """The store, closed afterwards; a store error is one `error:` line (exit 2)."""
    from ..store import StoreError

    store = open_store()
    try:
        yield store
    except StoreError as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()


def multi_option(*names: str, metavar: str = "FILE") -> typer.models.OptionInfo:
    """An option taking one or more values after one flag, or the flag repeated.

    Declare the parameter as a list: `evidence: Annotated[list[Path] | None,
    multi_option("--evidence", "-e")] = None`. Any list option takes several
    values (see group.py); this gives them one look in the help (`--evidence FILE...`).
    """
    return typer.Option(*names, metavar=f"{metavar}...")


def out_option(*names: str) -> typer.models.OptionInfo:
    """The `--out` option of a command: a file, `-` meaning standard output (its help,
    help.yaml, says so).

    Write with `output.write_out(path, text)`, which knows about `-`.
    """
    return typer.Option(*(names or ("--out", "-o")), metavar="FILE")


EvidenceOutOpt = Annotated[Path, out_option()]
CatalogueOpt = Annotated[
    Path | None,
    typer.Option("--catalogue", exists=True, file_okay=False, dir_okay=True),
]
def _set_lang(ctx: typer.Context, param: typer.CallbackParam, value: str) -> str:
    """A command's own --lang wins; without it the command speaks the language set before
    it (`opsmaturity --lang de assess .`, $OPSMATURITY_LANG: see `_root`)."""
    source = ctx.get_parameter_source(param.name or "lang")
    if source is not None and source.name == "COMMANDLINE":
        state.lang = value
    return state.lang


LangOpt = Annotated[str, typer.Option("--lang", callback=_set_lang, show_default=False)]
DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"]
SinceOpt = Annotated[datetime | None, typer.Option("--since", formats=DATE_FORMATS)]
UntilOpt = Annotated[datetime | None, typer.Option("--until", formats=DATE_FORMATS)]
ShowNamesOpt = Annotated[bool, typer.Option("--show-names")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache")]
FailOnOpt = Annotated[Gate | None, typer.Option("--fail-on")]


def say(key: str, **values: object) -> str:
    """A terminal text in the command's language (cli/texts.yaml)."""
    from .texts import cli_texts  # imported where used: start-up stays light

    return cli_texts(state.lang)(key, **values)


def localised(message: str) -> str:
    """A loader's or collector's message (English, core/messages.yaml) in the command's
    language."""
    from opsmaturity.core.messages import localise

    return localise(message, state.lang)


def fail(message: str) -> typer.Exit:
    from rich.markup import escape  # imported where used: start-up stays light

    err_console.print(f"[red]{say('error')}[/] {escape(localised(message))}", highlight=False,
                      soft_wrap=True)
    return typer.Exit(code=2)


def warn(message: str) -> None:
    err_console.print(f"{say('warning')} {localised(message)}", markup=False,
                      highlight=False, soft_wrap=True)


OUTPUT_OPTIONS = ("out", "evidence_out", "json_out", "pdf", "xlsx")
"""The parameter names of files a command writes (`--out`, `--pdf`, ...)."""


KNOWN_ERRORS = (("opsmaturity.core.sources", "SourceError"),
                ("opsmaturity.core.files", "OutputError"),
                ("opsmaturity.core.evidence", "EvidenceFileError"),
                ("opsmaturity.app.store.db", "StoreError"),
                ("opsmaturity.collectors.base", "CollectorError"))
"""The errors that are the user's to fix, by module: a module not imported raised none, so
the check imports nothing (the store's error would bring SQLAlchemy to every command)."""


def _known_error(exc: Exception) -> bool:
    import sys

    return any(isinstance(exc, getattr(sys.modules[module], name))
               for module, name in KNOWN_ERRORS if module in sys.modules)


def guarded(command: Callable[P, R]) -> Callable[P, R]:
    """The command, with every known input or output problem turned into one `error:` line
    and exit 2 (the backstop: commands also catch what they can word better themselves)."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        from opsmaturity.core.files import check_output

        from .output import is_stdout

        try:
            for name in OUTPUT_OPTIONS:  # before the work, not after it
                if isinstance(kwargs.get(name), Path) and not is_stdout(kwargs[name]):
                    check_output(kwargs[name])  # type: ignore[arg-type]
            return command(*args, **kwargs)
        except Exception as exc:
            if _known_error(exc):
                raise fail(str(exc)) from None
            raise

    return run


def catalogue_or_fail(directory: Path | None) -> Catalogue:
    """The catalogue, checked; from the cache when its files have not changed."""
    from opsmaturity.core.sources import SourceError
    from opsmaturity.scoring.catalogue import load_catalogue

    from .catalogue_cache import cached_catalogue, remember_catalogue

    if (cat := cached_catalogue(directory)) is None:
        try:
            cat = load_catalogue(directory)
        except SourceError as exc:
            raise fail(str(exc)) from None
        remember_catalogue(directory, cat)
    if state.lang not in cat.languages:
        raise fail(say("lang.unknown", lang=state.lang, languages=", ".join(cat.languages)))
    return cat


def utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def run_collector(name: str, options: dict, label: str) -> EvidenceSet:
    from opsmaturity.collectors import get_collector
    from opsmaturity.collectors.base import CollectorError

    from .progress import progress_bar

    collector = get_collector(name)
    config = collector.config_model.model_validate(options)
    try:
        with progress_bar(label, err_console) as progress:
            return collector.collect(config, progress)
    except CollectorError as exc:
        raise fail(str(exc)) from None


def write_evidence(out: Path, sets: list[EvidenceSet], note: str = "") -> None:
    """Write evidence JSON to `--out` (a file, or standard output for `-`)."""
    from .output import write_out

    write_out(out, evidence_json(sets), note)


MAX_WARNINGS = 20
"""Problems printed one per line; the rest are counted (all are in coverage.missing)."""


def warn_problems(evidence: EvidenceSet) -> None:
    """One `warning: file:line: why` line per problem the collector met (coverage.missing)."""
    from rich.markup import escape

    missing = evidence.coverage.missing
    label = f"[yellow]{say('warning')}[/]"
    for problem in missing[:MAX_WARNINGS]:
        err_console.print(f"{label} {escape(localised(problem))}", highlight=False,
                          soft_wrap=True)
    if len(missing) > MAX_WARNINGS:
        err_console.print(f"{label} {say('collect.more_problems', n=len(missing) - MAX_WARNINGS)}",
                          highlight=False, soft_wrap=True)


def measures_note(evidence: EvidenceSet, with_state: bool = True) -> str:
    """`N measures, complete` (or partial with its coverage) for the `wrote` line."""
    n = len(evidence.measures)
    if not with_state:
        return say("collect.measures", n=n)
    state_ = (say("collect.partial", ratio=f"{evidence.coverage.ratio:.0%}")
              if evidence.partial else say("collect.complete"))
    return say("collect.measures_state", n=n, state=state_)


def evidence_json(sets: list[EvidenceSet]) -> str:
    data = [s.model_dump(mode="json") for s in sets]
    return json.dumps(data[0] if len(data) == 1 else data, indent=2, sort_keys=True) + "\n"


