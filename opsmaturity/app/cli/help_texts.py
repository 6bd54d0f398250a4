"""The commands' `--help` in the reader's language: `help.yaml` beside this file, {en, de}.

The help prose lives there, not in the command modules: a command and each of its options
are looked up by the command's path ("collect gitlab") and the parameter's name, falling
back to the options many commands share. It is filled in when help is printed
(group.py), so `--version` and the commands themselves never read the file; reading it
costs `--help` about 30 ms (PyYAML and the loader), measured in the branch's report.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

HELP_FILE = Path(__file__).with_name("help.yaml")
LANG_ENV = "OPSMATURITY_LANG"
ROOT = "opsmaturity"
HELP_FLAGS = ("--help",)


@cache
def help_table() -> dict[str, Any]:
    """The parsed help.yaml: {options: {name: texts}, commands: {path: {help, options}}}."""
    from opsmaturity.core.sources import safe_load  # the one YAML reader; no pydantic

    return safe_load(HELP_FILE.read_text(encoding="utf-8"), HELP_FILE)


def _say(texts: dict[str, str] | None, lang: str) -> str | None:
    return (texts.get(lang) or texts["en"]) if texts else None


def command_help(path: str, lang: str) -> str | None:
    """The help of the command `path` ("" or "opsmaturity" for the root) in `lang`."""
    entry = help_table()["commands"].get(path or ROOT)
    return _say(entry["help"], lang) if entry else None


def option_help(path: str, name: str, lang: str) -> str | None:
    """The help of parameter `name` of the command `path` in `lang` (shared ones too)."""
    table = help_table()
    own = (table["commands"].get(path or ROOT) or {}).get("options") or {}
    return _say(own.get(name) or table["options"].get(name), lang)


def word(key: str, lang: str) -> str:
    """A word of the help's frame (`Example:`), from the file's `words` section."""
    return _say(help_table()["words"][key], lang) or key


def line_language(args: list[str]) -> str:
    """`--lang X` (or `--lang=X`) anywhere on the command line, else $OPSMATURITY_LANG, else
    English: the language of the help and of typer's own errors."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return os.environ.get(LANG_ENV) or "en"


def help_language(args: list[str]) -> tuple[str, list[str]]:
    """The language the help of this command line is asked in, and the arguments to parse.

    A help request may carry `--lang de` anywhere (`opsmaturity --lang de org --help`),
    even where no command takes it: it is taken out of such a line, which prints help only.
    Else `$OPSMATURITY_LANG`, else English.
    """
    lang = line_language(args)
    if not any(a in HELP_FLAGS for a in args):
        return lang, args
    kept: list[str] = []
    i = 0
    while i < len(args):
        if args[i] == "--lang" and i + 1 < len(args):
            i += 2
            continue
        if not args[i].startswith("--lang="):
            kept.append(args[i])
        i += 1
    return lang, kept


def localise_command(command: Any, path: str, lang: str, ctx: Any = None) -> None:
    """Put the help of `command` (a click command) and of its parameters in `lang` (with
    `ctx`, the `--help` option's too)."""
    if (text := command_help(path, lang)) is not None:
        command.help = text
        command.short_help = None  # derived from the help again
    for param in command.get_params(ctx) if ctx is not None else command.params:
        if (text := option_help(path, param.name, lang)) is not None:
            param.help = text
    epilog = getattr(command, "epilog", None)
    if epilog:
        examples = "|".join(re.escape(w) for w in help_table()["words"]["example"].values())
        command.epilog = re.sub(rf"^(\x08\n)?({examples}) ", rf"\g<1>{word('example', lang)} ",
                                epilog)


def usage_writer(lang: str) -> Any:
    """click's `HelpFormatter.write_usage` with the line's `Usage:` in `lang` (typer writes
    the word as a literal, out of gettext's reach)."""
    from typer._click.formatting import HelpFormatter

    english = HelpFormatter.write_usage
    said = word("usage", lang) + " "

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        english(self, prog, args, said if prefix is None else prefix)

    return write_usage


FRAME_WORDS = ("arguments", "options", "commands", "default", "required", "env_var")


@contextmanager
def frame_words(lang: str, rich: bool) -> Iterator[None]:
    """typer's own words around the help (`Options`, `[default: 5]`) in `lang` while the help
    is printed: typer looks them up through gettext (plain help) or module constants (rich
    help), which it reads at that moment."""
    if lang == "en":
        yield
        return
    import typer.core

    table = help_table()["words"]
    said = {table[k]["en"]: _say(table[k], lang) for k in FRAME_WORDS}
    from typer._click import formatting

    patches: list[tuple[Any, str, Any]] = [
        (typer.core, "_", lambda s: said.get(s, s)),
        (formatting.HelpFormatter, "write_usage", usage_writer(lang))]
    if rich:
        from typer import rich_utils

        brackets = lambda k, name: "[" + said[table[k]["en"]].replace(name, "{}") + "]"  # noqa: E731
        patches += [(rich_utils, "ARGUMENTS_PANEL_TITLE", said["Arguments"]),
                    (rich_utils, "OPTIONS_PANEL_TITLE", said["Options"]),
                    (rich_utils, "COMMANDS_PANEL_TITLE", said["Commands"]),
                    (rich_utils, "DEFAULT_STRING", brackets("default", "{default}")),
                    (rich_utils, "ENVVAR_STRING", brackets("env_var", "{var}")),
                    (rich_utils, "REQUIRED_LONG_STRING", f"[{said['required']}]")]
    saved = [(module, name, getattr(module, name)) for module, name, _ in patches]
    try:
        for module, name, value in patches:
            setattr(module, name, value)
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)
