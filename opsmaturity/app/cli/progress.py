"""Progress on stderr for long collector runs, so stdout stays clean for data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .output import LazyConsole, real_console

if TYPE_CHECKING:
    from rich.console import Console

    from opsmaturity.collectors.base import Progress as ProgressFn


@contextmanager
def progress_bar(label: str, console: Console | LazyConsole) -> Iterator[ProgressFn]:
    """A collector progress callback drawing one bar; when stderr is not a terminal, the
    collectors' own `no_progress`, which tells them to skip work done only for the bar
    (the git collector's count of all commits)."""
    from opsmaturity.collectors.base import no_progress

    if isinstance(console, LazyConsole) and not console.maybe_terminal():
        yield no_progress  # nothing to draw: no need to import rich to find that out
        return
    console = real_console(console)
    if not console.is_terminal:
        yield no_progress
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    columns = (TextColumn(f"[bold]{label}[/]"), BarColumn(), TaskProgressColumn(),
               TextColumn("{task.description}"), TimeElapsedColumn())
    from .common import localised  # the command's language (core/messages.yaml)

    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("", total=None)

        def update(message: str, fraction: float | None) -> None:
            message = localised(message)
            if fraction is None:
                bar.update(task, description=message, total=None)
            else:
                bar.update(task, description=message, total=1.0, completed=fraction)

        yield update
