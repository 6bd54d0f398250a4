"""`opsmaturity plan` and the workbook half of `answers import`: an edited XLSX read back.

Both check the whole sheet first and name every bad cell (sheet, row, column); nothing is
stored unless every row is right.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import CatalogueOpt, catalogue_or_fail, err_console, fail, open_store
from .group import command_group

plan_app = command_group("Owners, due dates and status of an assessment's recommendations.")
AssessmentOpt = Annotated[int, typer.Option("--assessment", help="Assessment id.")]


def plan_import(
    file: Annotated[Path, typer.Argument(help="The workbook written by `report --xlsx`, "
                                              "edited (sheet Recommendations).")],
    assessment: AssessmentOpt,
    catalogue: CatalogueOpt = None,
) -> None:
    """Read owner, due date, status and notes of each recommendation back into the store."""
    from opsmaturity.reports.xlsx_read import WorkbookError, read_plan

    from ..store import StoreError

    cat = catalogue_or_fail(catalogue)
    store = open_store()
    try:
        rec = store.assessment(assessment)
        scored = store.compute(assessment, cat)
        ids = {r.recommendation_id for r in scored.recommendations}
        rows = read_plan(file, rec.team, ids)
        store.set_plan(assessment, rows)
    except (WorkbookError, StoreError) as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
    err_console.print(f"imported the plan of {len(rows)} recommendation(s) into assessment "
                      f"{assessment}", highlight=False)


def import_answers_workbook(file: Path, assessment: int, catalogue: Path | None) -> None:
    """`answers import answers.xlsx`: the Answers sheet replaces the assessment's answers."""
    from opsmaturity.reports.xlsx_read import WorkbookError, read_answers

    from ..store import StoreError

    cat = catalogue_or_fail(catalogue)
    store = open_store()
    try:
        rec = store.assessment(assessment)
        rows = read_answers(file, cat, rec.team)
        n = store.replace_answers(assessment, rows)
    except (WorkbookError, StoreError) as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
    people = len({r.participant for r in rows})
    err_console.print(f"imported {n} answer(s) of {people} participant(s) from {file.name} "
                      f"into assessment {assessment}; they replace its earlier answers",
                      highlight=False)
