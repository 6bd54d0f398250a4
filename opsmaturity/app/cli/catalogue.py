"""`catalogue check` and `catalogue schema`: the maturity model as data, validated."""


from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .common import (
    catalogue_or_fail,
    err_console,
    out_console,
)


def catalogue_check(
    directory: Annotated[Path | None, typer.Argument(
        help="Catalogue directory (default: the built-in one).")] = None,
) -> None:
    """Validate a catalogue: schema, ids and cross-references, with file:line errors."""
    cat = catalogue_or_fail(directory)
    gaps = cat.text_gaps()
    for gap in gaps:
        err_console.print(str(gap), markup=False, highlight=False, soft_wrap=True)
    if gaps:
        what = "1 text lacks" if len(gaps) == 1 else f"{len(gaps)} texts lack"
        err_console.print(f"catalogue {cat.version}: {what} a declared language "
                          f"({', '.join(cat.languages)})", markup=False)
        raise typer.Exit(1)
    practice = sum(q.kind == "practice" for q in cat.questions)
    out_console.print(
        f"catalogue {cat.version}: {len(cat.areas)} areas, {len(cat.signs)} warning signs, "
        f"{practice} questions (+{len(cat.questions) - practice} context), "
        f"{len(cat.probes)} probes, {len(cat.all_recommendations())} recommendations, "
        f"languages {', '.join(cat.languages)}: ok"
    )


def catalogue_schema() -> None:
    """Print the JSON schema for catalogue files (for editor validation)."""
    from opsmaturity.scoring.catalogue import schema_text

    sys.stdout.write(schema_text())
