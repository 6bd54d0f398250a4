"""The workbook read back: edited answers and the recommendations' plan.

The consultant edits the workbook `xlsx.py` wrote (answers chosen from dropdowns, owner,
due date and status per recommendation) and imports it again. Everything is checked
before anything is returned: every problem is reported with its sheet, row and column
("Answers!G12 (answer): ..."), all at once, so one import either takes the whole sheet
or changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from opsmaturity.core.messages import text as _msg
from opsmaturity.scoring.answers import AnswerError, check_answer
from opsmaturity.scoring.catalogue import ROLES, Catalogue

from .texts import texts

PLAN_STATUSES = ("open", "in_progress", "done", "dropped")
"""What a recommendation's status may be, in the workbook's dropdown and the store."""


class WorkbookError(ValueError):
    """The workbook cannot be imported; `problems` lists every cell at fault."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.problems = problems
        self.path = path
        super().__init__(self.said(lambda message: message))

    def said(self, localise: Callable[[str], str]) -> str:
        """The message, each line passed through `localise` (the reader's language)."""
        shown = self.problems[:20] + ([_msg("workbook.more", n=len(self.problems) - 20)]
                                      if len(self.problems) > 20 else [])
        head = localise(_msg("workbook.nothing_imported", path=self.path,
                             n=len(self.problems)))
        return head + ":\n  " + "\n  ".join(localise(line) for line in shown)


@dataclass(frozen=True)
class AnswerRow:
    participant: str  # P1, P2, ... as the workbook labels them
    role: str
    question_id: str
    value: str | int | float | bool | None  # as check_answer takes it
    comment: str | None


@dataclass(frozen=True)
class PlanRow:
    recommendation_id: str
    owner: str | None
    due: dt.date | None
    status: str
    notes: str | None


def _names(key: str) -> set[str]:
    return set(texts().variants(key).values())


def _word(value: str | None, group: str, ids: tuple[str, ...]) -> str | None:
    """The id behind a word the workbook shows in any language ("in Arbeit" -> in_progress);
    the id itself is accepted too, as English workbooks show it."""
    if value is None:
        return None
    wanted = value.strip().casefold()
    for id_ in ids:
        names = {id_, id_.replace("_", " "), *_names(f"{group}.{id_}")}
        if wanted in {n.casefold() for n in names}:
            return id_
    return None


class _Sheet:
    """One sheet found by its name in any language the workbook may be written in; its
    columns are addressed by their English names and reported by the names they carry."""

    def __init__(self, wb: Any, sheet: str, required: tuple[str, ...], problems: list[str]):
        found = [n for n in wb.sheetnames if n in _names(f"xlsx.sheet.{sheet}")]
        self.name = found[0] if found else sheet.capitalize()
        self.ws: Worksheet | None = wb[found[0]] if found else None
        self.columns: dict[str, int] = {}
        self.titles: dict[str, str] = {}
        if self.ws is None:
            problems.append(f"{self.name}: {_msg('workbook.sheet_missing')}")
            return
        header = [c.value for c in next(self.ws.iter_rows(min_row=1, max_row=1))]
        shown = {str(v).strip(): i for i, v in enumerate(header) if v is not None}
        for column in required:
            for title in _names("xlsx.column." + column.replace(" ", "_")):
                if title in shown:
                    self.columns[column], self.titles[column] = shown[title], title
                    break
            else:
                problems.append(
                    f"{self.name}!1: {_msg('workbook.column_missing', column=repr(column))}")

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        if self.ws is None:
            return
        for n, cells in enumerate(self.ws.iter_rows(min_row=2, values_only=True), start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
                continue
            yield n, {c: (cells[i] if i < len(cells) else None) for c, i in self.columns.items()}

    def cell(self, row: int, column: str) -> str:
        return (f"{self.name}!{get_column_letter(self.columns[column] + 1)}{row} "
                f"({self.titles[column]})")


def _open(source: Path | bytes) -> Any:
    data = BytesIO(source) if isinstance(source, bytes) else source
    try:
        # formulas as written: a note typed as "=..." is text to keep, not a value to lose
        return load_workbook(data, data_only=False, read_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        raise WorkbookError(str(source) if isinstance(source, Path) else "workbook",
                            [_msg("workbook.unreadable", kind=type(exc).__name__)]) from None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def read_answers(source: Path | bytes, catalogue: Catalogue, team: str) -> list[AnswerRow]:
    """The `Answers` sheet's rows of `team`, each checked against the catalogue."""
    name = str(source) if isinstance(source, Path) else "workbook"
    wb = _open(source)
    problems: list[str] = []
    sheet = _Sheet(wb, "answers", ("team", "participant", "role", "question id", "answer",
                                   "number", "comment"), problems)
    if problems:
        raise WorkbookError(name, problems)
    out: list[AnswerRow] = []
    seen: dict[tuple[str, str], int] = {}
    roles: dict[str, str] = {}
    for n, row in sheet.rows():
        if _text(row["team"]) != team:
            continue
        label, shown_role, qid = _text(row["participant"]), _text(row["role"]), _text(
            row["question id"])
        role = _word(shown_role, "role", ROLES)
        if not label or not label.startswith("P") or not label[1:].isdigit():
            problems.append(f"{sheet.cell(n, 'participant')}: "
                            f"{_msg('workbook.not_a_participant', label=repr(label))}")
            continue
        if role is None:
            problems.append(f"{sheet.cell(n, 'role')}: " + _msg(
                "workbook.not_a_role", role=repr(shown_role), roles=", ".join(ROLES)))
            continue
        if roles.setdefault(label, role) != role:
            problems.append(f"{sheet.cell(n, 'role')}: " + _msg(
                "workbook.other_role", label=label, earlier=roles[label], role=role))
            continue
        if not qid:
            problems.append(f"{sheet.cell(n, 'question id')}: {_msg('workbook.empty')}")
            continue
        if (label, qid) in seen:
            problems.append(f"{sheet.cell(n, 'question id')}: " + _msg(
                "workbook.answered_again", label=label, question=qid, row=seen[(label, qid)]))
            continue
        seen[(label, qid)] = n
        number = row["number"]
        raw: Any = number if isinstance(number, int | float) and not isinstance(
            number, bool) else row["answer"]
        column = "number" if raw is number and number is not None else "answer"
        if isinstance(raw, str):
            raw = raw.strip()
        comment = _text(row["comment"])
        try:
            check_answer(catalogue, qid, raw, comment, participant=label, role=role)
        except AnswerError as exc:
            problems.append(f"{sheet.cell(n, column)}: {exc}")
            continue
        out.append(AnswerRow(participant=label, role=role, question_id=qid, value=raw,
                             comment=comment))
    if not out and not problems:
        problems.append(f"{sheet.name}: {_msg('workbook.no_rows', team=repr(team))}")
    if problems:
        raise WorkbookError(name, problems)
    return out


def _date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return dt.datetime.strptime(text, "%d.%m.%Y").date()  # ValueError for the caller


def read_plan(source: Path | bytes, team: str, recommendation_ids: set[str]) -> list[PlanRow]:
    """Owner, due date, status and notes of `team`'s recommendations, each checked."""
    name = str(source) if isinstance(source, Path) else "workbook"
    wb = _open(source)
    problems: list[str] = []
    sheet = _Sheet(wb, "recommendations", ("team", "recommendation id", "owner", "due",
                                           "status", "notes"), problems)
    if problems:
        raise WorkbookError(name, problems)
    out: list[PlanRow] = []
    seen: dict[str, int] = {}
    for n, row in sheet.rows():
        if _text(row["team"]) != team:
            continue
        rid = _text(row["recommendation id"])
        if rid not in recommendation_ids:
            problems.append(f"{sheet.cell(n, 'recommendation id')}: "
                            f"{_msg('workbook.unknown_recommendation', id=repr(rid))}")
            continue
        if rid in seen:
            problems.append(f"{sheet.cell(n, 'recommendation id')}: "
                            f"{_msg('workbook.again', id=rid, row=seen[rid])}")
            continue
        seen[rid] = n
        status = _word(_text(row["status"]) or "open", "plan.status", PLAN_STATUSES)
        if status is None:
            problems.append(f"{sheet.cell(n, 'status')}: " + _msg(
                "workbook.not_a_status", status=repr(row["status"]),
                statuses=", ".join(PLAN_STATUSES)))
            continue
        try:
            due = _date(row["due"])
        except ValueError:
            problems.append(f"{sheet.cell(n, 'due')}: "
                            f"{_msg('workbook.not_a_date', value=repr(row['due']))}")
            continue
        out.append(PlanRow(recommendation_id=rid, owner=_text(row["owner"]), due=due,
                           status=status, notes=_text(row["notes"])))
    if problems:
        raise WorkbookError(name, problems)
    return out
