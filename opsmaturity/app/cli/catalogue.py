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
    say,
)


def catalogue_check(directory: Annotated[Path | None, typer.Argument()] = None,) -> None:
    """Validate a catalogue: schema, ids and cross-references, with file:line errors."""
    cat = catalogue_or_fail(directory)
    gaps = cat.text_gaps()
    for gap in gaps:
        err_console.print(str(gap), markup=False, highlight=False, soft_wrap=True)
    if gaps:
        key = "catalogue.gap" if len(gaps) == 1 else "catalogue.gaps"
        err_console.print(say(key, version=cat.version, n=len(gaps),
                              languages=", ".join(cat.languages)), markup=False)
        raise typer.Exit(1)
    practice = sum(q.kind == "practice" for q in cat.questions)
    out_console.print(say(
        "catalogue.ok", version=cat.version, areas=len(cat.areas), signs=len(cat.signs),
        questions=practice, context=len(cat.questions) - practice, probes=len(cat.probes),
        recommendations=len(cat.all_recommendations()), languages=", ".join(cat.languages)),
        highlight=False)


def catalogue_schema() -> None:
    """Print the JSON schema for catalogue files (for editor validation)."""
    from opsmaturity.scoring.catalogue import schema_text

    sys.stdout.write(schema_text())
