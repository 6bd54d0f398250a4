"""`catalogue check` and `catalogue schema`: the maturity model as data, validated."""


from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .common import (
    catalogue_or_fail,
    out_console,
)


def catalogue_check(
    directory: Annotated[Path | None, typer.Argument(
        help="Catalogue directory (default: the built-in one).")] = None,
) -> None:
    """Validate a catalogue: schema, ids and cross-references, with file:line errors."""
    cat = catalogue_or_fail(directory)
    practice = sum(q.kind == "practice" for q in cat.questions)
    out_console.print(
        f"catalogue {cat.version}: {len(cat.areas)} areas, {len(cat.signs)} warning signs, "
        f"{practice} questions (+{len(cat.questions) - practice} context), "
        f"{len(cat.probes)} probes, {len(cat.all_recommendations())} recommendations: ok"
    )


def catalogue_schema() -> None:
    """Print the JSON schema for catalogue files (for editor validation)."""
    from opsmaturity.scoring.catalogue import schema_text

    sys.stdout.write(schema_text())
