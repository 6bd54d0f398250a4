"""`opsmaturity plan` and the workbook half of `answers import`: an edited XLSX read back.

Both check the whole sheet first and name every bad cell (sheet, row, column); nothing is
stored unless every row is right.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import (
    CatalogueOpt,
    catalogue_or_fail,
    err_console,
    fail,
    localised,
    say,
    store_session,
)
from .group import command_group

plan_app = command_group()
AssessmentOpt = Annotated[int, typer.Option("--assessment")]


def plan_import(
    file: Annotated[Path, typer.Argument()],
    assessment: AssessmentOpt,
    catalogue: CatalogueOpt = None,
) -> None:
    """Read owner, due date, status and notes of each recommendation back into the store."""
    from opsmaturity.reports.xlsx_read import WorkbookError, read_plan

    cat = catalogue_or_fail(catalogue)
    with store_session() as store:
        try:
            rec = store.assessment(assessment)
            scored = store.compute(assessment, cat)
            ids = {r.recommendation_id for r in scored.recommendations}
            rows = read_plan(file, rec.team, ids)
            store.set_plan(assessment, rows)
        except WorkbookError as exc:
            raise fail(exc.said(localised)) from None
    err_console.print(say("plan.imported", n=len(rows), id=assessment), highlight=False)


def import_answers_workbook(file: Path, assessment: int, catalogue: Path | None) -> None:
    """`answers import answers.xlsx`: the Answers sheet replaces the assessment's answers."""
    from opsmaturity.reports.xlsx_read import WorkbookError, read_answers

    cat = catalogue_or_fail(catalogue)
    with store_session() as store:
        try:
            rec = store.assessment(assessment)
            rows = read_answers(file, cat, rec.team)
            n = store.replace_answers(assessment, rows)
        except WorkbookError as exc:
            raise fail(exc.said(localised)) from None
    people = len({r.participant for r in rows})
    err_console.print(say("plan.answers_replaced", n=n, people=people, file=file.name,
                          id=assessment), highlight=False)
