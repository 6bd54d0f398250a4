"""The command line's own errors (an unknown option, a value of the wrong kind, a missing
argument) in the user's language.

typer writes them in English with f-strings, not through gettext, so there is nothing to
translate at the source: when the line asks for another language (`--lang de` anywhere, or
`$OPSMATURITY_LANG`), the two places that print them are wrapped, and each message is said
again through `core.messages.localise` (templates in `core/messages.yaml`, `usage.*`).
"""

from __future__ import annotations

from typing import Any

from .help_texts import line_language


def install(args: list[str]) -> None:
    """Say typer's usage errors in the language of this command line (nothing for en)."""
    lang = line_language(args)
    if lang == "en":
        return
    from typer._click import exceptions
    from typer._click.formatting import HelpFormatter

    from opsmaturity.core.messages import localise, table

    from .help_texts import usage_writer

    HelpFormatter.write_usage = usage_writer(lang)  # type: ignore[method-assign]
    words = table()
    error = words["usage.error"].get(lang) or "Error"
    hint = words["usage.try_help"].get(lang) or "Try {command} for help."

    def said(e: Any) -> str:
        return localise(e.format_message(), lang)

    def show(self: Any, file: Any = None) -> None:
        ctx = getattr(self, "ctx", None)
        if not isinstance(self, exceptions.UsageError) or ctx is None:
            exceptions.echo(f"{error}: {said(self)}", file=file or exceptions.get_text_stderr())
            return
        out = file or exceptions.get_text_stderr()
        lines = [ctx.get_usage()]
        if ctx.command.get_help_option(ctx) is not None:
            lines.append(hint.format(command=f"'{ctx.command_path} {ctx.help_option_names[0]}'"))
        exceptions.echo("\n".join(lines) + "\n", file=out, color=ctx.color)
        exceptions.echo(f"{error}: {said(self)}", file=out, color=ctx.color)

    def rich_error(self: Any) -> None:
        if self.__class__.__name__ == "NoArgsIsHelpError":
            return
        show(self)

    exceptions.ClickException.show = show  # type: ignore[method-assign]
    exceptions.UsageError.show = show  # type: ignore[method-assign]
    from .group import plain_help

    if not plain_help():  # on a terminal typer reports through rich (costs 0.1 s to import)
        from typer import rich_utils

        rich_utils.rich_format_error = rich_error
