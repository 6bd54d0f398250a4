"""Start the history's `git log` of `collect git` and `assess` before typer parses options.

Mining a repository waits mostly for `git log`. Typer builds its commands and validates
the options with pydantic (about a tenth of a second of CPU before the command runs), and
git can work meanwhile: `start_git_log` reads the few options the git walk depends on
from the raw arguments and starts it (`collectors/git/early.py`). It is best effort and
cannot change a result: anything it does not recognise starts nothing, and a `git log`
the command then does not ask for (other options than guessed) is never read and is
stopped at exit. The command itself still parses and checks every option.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .common import DATE_FORMATS, utc

COMMANDS = (("collect", "git"), ("assess",))
VALUE_OPTIONS = {  # options that take a value, of the commands above
    "--out", "-o", "--since", "--until", "--lang", "--answers", "-a", "--format", "-f",
    "--evidence-out", "--fail-on", "--catalogue",
}
FLAGS = {"--show-names", "--no-cache", "--quiet", "-q"}


def _date(text: str) -> datetime | None:
    for pattern in DATE_FORMATS:
        try:
            return utc(datetime.strptime(text, pattern))
        except ValueError:
            continue
    return None


ROOT_VALUE_OPTIONS = {"--lang", "--db"}  # options before the command (common._root)


def _after_root_options(argv: list[str]) -> list[str]:
    """`argv` from the command on: `opsmaturity --lang de assess .` is `assess .`."""
    i = 0
    while i < len(argv):
        name, eq, _ = argv[i].partition("=")
        if name not in ROOT_VALUE_OPTIONS:
            break
        i += 1 if eq else 2
    return argv[i:]


def git_options(argv: list[str]) -> dict[str, Any] | None:
    """The git collector's options `argv` (without the program name) asks for, or None when
    it is not `collect git`/`assess` on a local path or holds anything unexpected."""
    argv = _after_root_options(argv)
    command = next((c for c in COMMANDS if tuple(argv[:len(c)]) == c), None)
    if command is None:
        return None
    values: dict[str, str] = {}
    flags: set[str] = set()
    sources: list[str] = []
    rest = iter(argv[len(command):])
    for arg in rest:
        name, eq, value = arg.partition("=")
        if name in VALUE_OPTIONS:
            got = value if eq else next(rest, None)
            if got is None:
                return None
            values[name] = got
        elif arg in FLAGS:
            flags.add(arg)
        elif arg.startswith("-") and arg != "-":
            return None  # --help, a typo, an option added later: leave it to typer
        else:
            sources.append(arg)
    if len(sources) > 1:
        return None
    options: dict[str, Any] = {"source": sources[0] if sources else ".",
                               "show_names": "--show-names" in flags,
                               "use_cache": "--no-cache" not in flags}
    for option in ("--since", "--until"):
        if option in values:
            if (when := _date(values[option])) is None:
                return None
            options[option.removeprefix("--")] = when
    return options


def start_git_log(argv: list[str]) -> None:
    """Start the `git log` the command's git collector will read first (see the module)."""
    options = git_options(argv)
    if options is None:
        return
    from opsmaturity.collectors.base import CollectorError
    from opsmaturity.collectors.git.early import start_history
    from opsmaturity.collectors.git.repository import is_url, open_repository
    from opsmaturity.core.files import default_cache_dir

    if is_url(options["source"]):
        return  # a clone or fetch first: the command's own progress shows it
    try:
        options["source"] = open_repository(options["source"], default_cache_dir())
    except CollectorError:
        return  # the command says what is wrong
    start_history(options)
