"""Where output goes: the two consoles, plain text for pipes and NO_COLOR, and `--out -`.

- Data goes to standard output, everything a person reads about the run (progress,
  `wrote FILE`, warnings, errors) to standard error, so `opsmaturity ... --out - | jq`
  works.
- `write_out(path, text)` is the one writer behind every `--out`/`--json` option: the path
  `-` means standard output (nothing is announced there), any other path is written
  atomically and announced on stderr.
- Colour and boxes are for terminals: with `NO_COLOR` set (https://no-color.org) or when
  the stream is not a terminal (a pipe, a file, a CI log) the consoles print plain text
  and tables have no boxes (`table_box`).

Importing this module imports no rich and nothing of ours; the consoles are made when
first used, so `opsmaturity --version` stays fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.box import Box
    from rich.console import Console

STDOUT = "-"


def no_color() -> bool:
    """NO_COLOR is set to a non-empty value."""
    return bool(os.environ.get("NO_COLOR"))


class LazyConsole:
    """A rich Console made on first use, and made again when the stream or NO_COLOR changes
    (tests swap sys.stdout); attribute access goes to the console itself."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr
        self._key: tuple[Any, ...] | None = None
        self._console: Console | None = None

    def get(self) -> Console:
        stream = sys.stderr if self._stderr else sys.stdout
        key = (id(stream), os.environ.get("NO_COLOR", ""), os.environ.get("FORCE_COLOR", ""),
               os.environ.get("COLUMNS", ""))
        if self._console is None or key != self._key:
            from rich.console import Console

            # color_system=None: no escape codes at all (no colour, no bold), as NO_COLOR asks
            extra: dict[str, Any] = {"color_system": None} if no_color() else {}
            self._console = Console(stderr=self._stderr, **extra)
            self._key = key
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)

    def maybe_terminal(self) -> bool:
        """Whether the stream may be a terminal, without importing rich to find out."""
        if self._console is not None:
            return self.get().is_terminal
        stream = sys.stderr if self._stderr else sys.stdout
        return bool(os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") == "1"
                    or (hasattr(stream, "isatty") and stream.isatty()))


out_console = LazyConsole(stderr=False)
err_console = LazyConsole(stderr=True)


def real_console(console: Console | LazyConsole) -> Console:
    return console.get() if isinstance(console, LazyConsole) else console


def is_plain(console: Console | LazyConsole) -> bool:
    """Plain text: NO_COLOR is set or the console's stream is not a terminal."""
    return no_color() or not real_console(console).is_terminal


def table_box(console: Console | LazyConsole) -> Box | None:
    """The box for tables printed on `console`: rich's default on a terminal, none else."""
    from rich import box

    return None if is_plain(console) else box.HEAVY_HEAD


def is_stdout(path: Path | str | None) -> bool:
    """The path `-`: standard output."""
    return path is not None and str(path) == STDOUT


def write_out(path: Path | str, text: str, note: str = "") -> None:
    """Write `text` to `path`, or to standard output when the path is `-`.

    A file is written atomically and announced on stderr (`wrote FILE (note)`); standard
    output gets the text alone, so it can be piped.
    """
    if is_stdout(path):
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from opsmaturity.core.files import write_atomic

    from .common import say  # the command's language; common imports this module

    write_atomic(path, text)
    line = say("wrote", path=path) + (f" ({note})" if note else "")
    if err_console.maybe_terminal():
        err_console.print(line, highlight=False, soft_wrap=True, markup=False)
    else:  # a log or a pipe: the line as it is, without loading rich for it
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


def one_stdout(**outputs: Path | str | None) -> str | None:
    """An error message when more than one output option is `-` (they would be mixed)."""
    flags = [name for name, path in outputs.items() if is_stdout(path)]
    if len(flags) > 1:
        from .common import say  # the command's language; common imports this module

        return say("output.one_stdout", flags=say("output.and").join(flags))
    return None
