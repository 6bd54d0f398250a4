"""The command groups' plumbing: multi-value options and tidy, plain `--help`.

Every typer app of the CLI is made with `command_group()` (or `cls=OpsGroup`), which gives
each command below it, without anything to do in the command module:

- **Multi-value options.** An option declared as a list (`list[Path] | None`, so click
  sees `multiple=True`) takes several values after one flag, as argparse's `nargs="+"`
  and most CLIs do: `--rules a.yml b.yml` is read as `--rules a.yml --rules b.yml`.
  The values run up to the next token that starts with `-` (a lone `-` is a value) or
  `--`; repeating the flag keeps working. Put positional arguments before such an option,
  or end its values with `--`.
- **Help.** Flags show no value (`--quiet`, not `--quiet <bool>`), list options show
  their metavar with `...`, and with `NO_COLOR` or when standard output is not a terminal
  the help and usage errors are plain text without boxes. The help prose comes from
  help.yaml in the language asked for (help_texts.py), filled in only when help is printed.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from .output import no_color

# typer may bring its own copy of click: its classes are matched by what they have, not by
# isinstance against the click package.
Command = Any


def _is_option(param: Any) -> bool:
    return getattr(param, "param_type_name", None) == "option"


def _is_group(command: Any) -> bool:
    return hasattr(command, "commands")


def multi_value_options(command: Command) -> dict[str, Any]:
    """The option strings (`--rules`, `-r`) of the command's multi-value options."""
    found: dict[str, Any] = {}
    for param in command.params:
        if (_is_option(param) and param.multiple and not param.is_flag
                and param.nargs == 1 and not param.count):
            for opt in (*param.opts, *param.secondary_opts):
                found[opt] = param
    return found


def _is_option_like(token: str) -> bool:
    return token.startswith("-") and token != "-"


def expand_multi_values(command: Command, args: list[str]) -> list[str]:
    """`--rules a b --out x` -> `--rules a --rules b --out x` for the command's list options."""
    multi = multi_value_options(command)
    if not multi:
        return args
    result: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            result.extend(args[i:])
            break
        flag = token.split("=", 1)[0] if token.startswith("--") else token
        if flag not in multi:
            result.append(token)
            i += 1
            continue
        if "=" in token and token.startswith("--"):  # --rules=a.yml b.yml
            result.append(token)
            i += 1
        else:  # the first value is taken as given, even when it starts with '-'
            result.extend(args[i:i + 2])
            i += 2
        while i < len(args) and not _is_option_like(args[i]) and args[i] != "--":
            result.extend([flag, args[i]])
            i += 1
    return result


def plain_help() -> bool:
    """Plain help: NO_COLOR is set, or standard output is not a terminal (nor FORCE_COLOR)."""
    import os
    import sys

    return no_color() or not (sys.stdout.isatty() or os.environ.get("FORCE_COLOR"))


COMMAND_ORDER: list[str] = []
"""Top-level command names in the order `--help` lists them (filled by cli/__init__.py)."""

EXAMPLE = "Example: "


def tidy(command: Command, ctx: Any = None) -> Command:
    """Flags without a value in the help; `NAME...` for list options; plain help when asked."""
    params = list(command.params)
    if ctx is not None and (help_option := command.get_help_option(ctx)) is not None:
        params.append(help_option)  # cached by the command, so this one is shown
    for param in params:
        if _is_option(param):
            if param.is_flag and param.metavar is None:
                param.metavar = ""
            elif param.multiple and param.metavar is None:
                param.metavar = _metavar(param) + "..."
    plain = plain_help()
    if plain and hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None  # type: ignore[attr-defined]
    epilog = getattr(command, "epilog", None) or ""
    if plain and epilog.startswith(EXAMPLE):  # keep the example on one line, to copy it
        command.epilog = "\b\n" + epilog
    elif not plain and epilog.startswith("\b\n"):
        command.epilog = epilog[2:]
    return command


def _metavar(param: Any) -> str:
    kind = type(param.type).__name__
    if kind.endswith("Path"):
        return "PATH"
    if kind.endswith("Choice"):
        return "[" + "|".join(map(str, param.type.choices)) + "]"
    return str(param.type.name).upper() if getattr(param.type, "name", None) else "VALUE"


class _Help:
    lang = "en"
    """The language of the help of this command line (help_texts.help_language)."""


def command_path(ctx: Any) -> str:
    """The command's path below the root ("collect gitlab"; "" for the root)."""
    names: list[str] = []
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name)
        ctx = ctx.parent
    return " ".join(reversed(names))


def _localise(command: Any, path: str, ctx: Any = None) -> None:
    from .help_texts import localise_command

    localise_command(command, path, _Help.lang, ctx)


def _frame_words(command: Any) -> Any:
    from .help_texts import frame_words

    return frame_words(_Help.lang, getattr(command, "rich_markup_mode", None) is not None)


class OpsCommand(TyperCommand):
    """A command whose help is said in the language asked for (help.yaml)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _localise(self, command_path(ctx), ctx)
        with _frame_words(self):
            super().format_help(ctx, formatter)


class OpsGroup(TyperGroup):
    """A typer group whose commands take multi-value options and show tidy help."""

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        import sys

        from .help_texts import help_language

        if plain_help():  # usage errors too: no box, no colour in a pipe or with NO_COLOR
            self.rich_markup_mode = None
        _Help.lang, args = help_language(list(sys.argv[1:] if args is None else args))
        return super().main(args, *rest, **kwargs)

    def get_command(self, ctx: Any, cmd_name: str) -> Command | None:
        command = super().get_command(ctx, cmd_name)
        return tidy(command, ctx) if command is not None else None

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(COMMAND_ORDER)}
        return sorted(names, key=lambda n: rank.get(n, len(rank)))  # stable: others keep theirs

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[Any, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and not _is_group(command):
            rest = expand_multi_values(command, rest)
        return name, command, rest

    def format_help(self, ctx: Any, formatter: Any) -> None:
        tidy(self, ctx)
        path = command_path(ctx)
        _localise(self, path, ctx)
        for name in self.list_commands(ctx):  # their lines in the list of commands
            if (command := self.commands.get(name)) is not None:
                _localise(command, f"{path} {name}".strip())
        with _frame_words(self):
            super().format_help(ctx, formatter)


def command_group(**kwargs: Any) -> typer.Typer:
    """A typer app for a command group (or the root): OpsGroup, no completion, no tracebacks.

    Its help is in help.yaml, under the group's name."""
    return typer.Typer(cls=OpsGroup, no_args_is_help=True,
                       pretty_exceptions_enable=False, add_completion=False, **kwargs)
