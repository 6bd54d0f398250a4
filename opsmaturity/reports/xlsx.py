"""The assessment as a workbook a consultant can sort, filter, annotate and hand on.

One sheet per kind of record (teams, areas, findings, answers, evidence measures,
recommendations), one row per record, ids beside the readable texts so edits can be
traced back. Empty columns (owner, due, notes) are there to be filled in. Text is
always stored as text: a comment that starts with "=" stays a comment, not a formula.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from opsmaturity.core.files import write_atomic
from opsmaturity.scoring.catalogue import DONT_KNOW, ROLES, Catalogue, localise

from . import fmt
from .charts import RISK_COLOURS, TEXT_COLOURS
from .model import OrganisationReport, TeamReport, check_against_catalogue
from .texts import Texts, texts
from .xlsx_read import PLAN_STATUSES

HEADER_FILL = PatternFill("solid", fgColor="1B2A41")
HEADER_FONT = Font(bold=True, color="FFFFFF")
LEVEL_FILLS = {lv: PatternFill("solid", fgColor=c.lstrip("#").upper())
               for lv, c in RISK_COLOURS.items()}
LEVEL_FONTS = {lv: Font(color=c.lstrip("#").upper()) for lv, c in TEXT_COLOURS.items()}


@dataclass(frozen=True)
class Column:
    title: str
    width: float = 14
    wrap: bool = False
    number_format: str | None = None
    level: bool = False  # a risk level: coloured like the PDF
    words: str | None = None
    """Values are ids of report words (`level`, `status`, ...): written in the workbook's
    language; English keeps the ids themselves, which read as words already."""


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value


def _word(col: Column, value: Any, t: Texts) -> Any:
    if col.words is None or t.lang == "en" or not isinstance(value, str):
        return value
    key = f"{col.words}.{value}"
    for candidate in (key, f"{key}.title"):
        if t.has(candidate):
            return t(candidate)
    return value


def _sheet(wb: Workbook, title: str, columns: Sequence[Column],
           rows: Iterable[Sequence[Any]], t: Texts) -> Worksheet:
    ws = wb.create_sheet(t(f"xlsx.sheet.{title.lower()}"))
    ws.append([t("xlsx.column." + c.title.replace(" ", "_")) for c in columns])
    for cell in ws[1]:
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    n = 1
    for row in rows:
        n += 1
        for j, (col, value) in enumerate(zip(columns, row, strict=True), start=1):
            cell = ws.cell(row=n, column=j, value=_text(_word(col, value, t)))
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"  # user text, never a formula
            if col.wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            else:
                cell.alignment = Alignment(vertical="top")
            if col.number_format:
                cell.number_format = col.number_format
            if col.level and value in LEVEL_FILLS:
                cell.fill, cell.font = LEVEL_FILLS[value], LEVEL_FONTS[value]
    for j, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(j)].width = col.width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(n, 2)}"
    return ws


PCT, NUM = "0%", "0.00"
EDIT_ROWS = 500  # rows below the last one that still get dropdowns, for rows added later


def _column(ws: Worksheet, column: str, t: Texts) -> str:
    title = t(f"xlsx.column.{column.replace(' ', '_')}")
    for cell in ws[1]:
        if cell.value == title:
            return cell.column_letter
    raise KeyError(title)


def _choices(words: Sequence[str]) -> str:
    return '"' + ",".join(words) + '"'


def _answer_dropdowns(ws: Worksheet, catalogue: Catalogue, t: Texts) -> None:
    """The answer cell of each row offers its question's options (and dont_know)."""
    qcol, acol = _column(ws, "question id", t), _column(ws, "answer", t)
    by_scale: dict[str, list[str]] = {}
    for row in range(2, ws.max_row + 1):
        qid = ws[f"{qcol}{row}"].value
        if not qid or not catalogue.has_question(qid):
            continue
        scale = catalogue.scale_of(catalogue.question(qid))
        by_scale.setdefault(scale.id, []).append(f"{acol}{row}")
    for scale_id, cells in by_scale.items():
        options = [o.value for o in catalogue.scale(scale_id).options]
        dv = DataValidation(type="list", formula1=_choices([*options, DONT_KNOW]),
                            allow_blank=False, showErrorMessage=True,
                            errorTitle=t("xlsx.column.answer"), error=t("xlsx.invalid.answer"))
        for ref in cells:
            dv.add(ref)
        ws.add_data_validation(dv)
    roles = DataValidation(type="list", formula1=_choices([_role_word(r, t) for r in ROLES]),
                           showErrorMessage=True, errorTitle=t("xlsx.column.role"),
                           error=t("xlsx.invalid.role"))
    rcol = _column(ws, "role", t)
    roles.add(f"{rcol}2:{rcol}{ws.max_row + EDIT_ROWS}")
    ws.add_data_validation(roles)


def _role_word(role: str, t: Texts) -> str:
    return role if t.lang == "en" else t(f"role.{role}")


def _status_word(status: str, t: Texts) -> str:
    return status if t.lang == "en" else t(f"plan.status.{status}")


def _plan_dropdowns(ws: Worksheet, t: Texts) -> None:
    """Status from a list, due as a date: what `plan import` reads back."""
    last = ws.max_row + EDIT_ROWS
    status = DataValidation(type="list",
                            formula1=_choices([_status_word(s, t) for s in PLAN_STATUSES]),
                            allow_blank=True, showErrorMessage=True,
                            errorTitle=t("xlsx.column.status"), error=t("xlsx.invalid.status"))
    scol = _column(ws, "status", t)
    status.add(f"{scol}2:{scol}{last}")
    due = DataValidation(type="date", operator="greaterThan", formula1="36526",  # 2000-01-01
                         allow_blank=True, showErrorMessage=True,
                         errorTitle=t("xlsx.column.due"), error=t("xlsx.invalid.due"))
    dcol = _column(ws, "due", t)
    due.add(f"{dcol}2:{dcol}{last}")
    for row in range(2, ws.max_row + 1):  # shown the way the reader writes dates
        ws[f"{dcol}{row}"].number_format = t("xlsx.date_format")
    ws.add_data_validation(status)
    ws.add_data_validation(due)


def _teams(teams: Sequence[TeamReport]) -> tuple[list[Column], list[list[Any]]]:
    cols = [Column("organisation", 22), Column("team", 22), Column("date", 12),
            Column("state", 8, words="state"), Column("catalogue", 12),
            Column("risk level", 11, level=True, words="level"),
            Column("risk index", 10, number_format="0"),
            Column("confidence", 11, number_format=PCT), Column("signs present", 9),
            Column("signs absent", 9), Column("signs unknown", 9), Column("participants", 11),
            Column("answers", 9), Column("evidence sets", 9), Column("notes", 40, wrap=True)]
    rows = [[t.organisation, t.team, t.date, t.state, t.catalogue_version,
             t.assessment.overall.risk_level, fmt.index_value(t.assessment.overall.risk_index),
             t.assessment.overall.confidence, t.assessment.overall.signs_present,
             t.assessment.overall.signs_absent, t.assessment.overall.signs_unknown,
             t.assessment.inputs.respondents, t.assessment.inputs.answers,
             t.assessment.inputs.evidence_sets, t.assessment.notes] for t in teams]
    return cols, rows


def _areas(teams: Sequence[TeamReport], cat: Catalogue, lang: str
           ) -> tuple[list[Column], list[list[Any]]]:
    cols = [Column("team", 22), Column("area id", 24), Column("area", 28),
            Column("maturity level", 10), Column("risk level", 11, level=True, words="level"),
            Column("health", 9, number_format=PCT), Column("confidence", 11, number_format=PCT),
            Column("signs known", 9), Column("signs total", 9)]
    rows = [[t.team, a.area_id, localise(cat.area(a.area_id).title, lang),
             None if a.level is None else fmt.rounded(a.level, 1), a.risk_level,
             a.health, a.confidence, a.signs_known, a.signs_total]
            for t in teams for a in t.assessment.areas]
    return cols, rows


def _findings(teams: Sequence[TeamReport], cat: Catalogue, lang: str
              ) -> tuple[list[Column], list[list[Any]]]:
    cols = [Column("team", 22), Column("sign id", 26), Column("warning sign", 48, wrap=True),
            Column("areas", 26, wrap=True), Column("status", 10, words="status"),
            Column("risk level", 11, level=True, words="level"),
            Column("risk", 8, number_format=NUM),
            Column("likelihood", 10, number_format=PCT),
            Column("from answers", 10, number_format=PCT),
            Column("from evidence", 10, number_format=PCT), Column("impact", 8, number_format=NUM),
            Column("confidence", 11, number_format=PCT),
            Column("perception gap", 22, words="gap_short"),
            Column("disagreement", 12), Column("consultant notes", 40, wrap=True)]
    rows = [[t.team, f.sign_id, localise(cat.sign(f.sign_id).title, lang), f.areas, f.status,
             f.risk_level, f.risk, f.likelihood, f.likelihood_from_answers,
             f.likelihood_from_evidence, f.impact, f.confidence,
             f.perception_gap.direction if f.perception_gap else None, f.disagreement, None]
            for t in teams for f in t.assessment.findings]
    return cols, rows


def _answers(teams: Sequence[TeamReport], cat: Catalogue, lang: str
             ) -> tuple[list[Column], list[list[Any]]]:
    cols = [Column("team", 22), Column("participant", 11), Column("role", 12, words="role"),
            Column("question id", 28), Column("question", 50, wrap=True), Column("area", 24),
            Column("answer", 18), Column("answer text", 24, wrap=True), Column("number", 9),
            Column("score", 8, number_format=NUM), Column("comment", 40, wrap=True)]
    rows = []
    for t in teams:
        if t.responses is None:
            continue
        for a in t.responses.answers:
            q = cat.question(a.question_id)
            option = cat.scale_of(q).option(a.value)
            rows.append([t.team, a.participant, a.role, a.question_id, localise(q.text, lang),
                         localise(cat.area(q.area).title, lang), a.value,
                         localise(option.label, lang) if option else None, a.number, a.score,
                         a.comment])
    return cols, rows


def _evidence(teams: Sequence[TeamReport]) -> tuple[list[Column], list[list[Any]]]:
    cols = [Column("team", 22), Column("collector", 12), Column("source", 40, wrap=True),
            Column("window start", 20), Column("window end", 20),
            Column("coverage", 10, number_format=PCT), Column("partial", 8),
            Column("measure", 42), Column("value", 14), Column("unit", 12),
            Column("applicable", 10)]
    rows = [[t.team, e.collector, e.source,
             e.window.start.isoformat() if e.window else None,
             e.window.end.isoformat() if e.window else None, e.coverage.ratio, e.partial,
             m.id, m.value, m.unit, m.applicable]
            for t in teams for e in t.evidence for m in e.measures]
    return cols, rows


def _recommendations(teams: Sequence[TeamReport], cat: Catalogue, lang: str
                     ) -> tuple[list[Column], list[list[Any]]]:
    recs = {r.id: r for r in cat.all_recommendations()}
    cols = [Column("team", 22), Column("rank", 6), Column("when", 8, words="horizon"),
            Column("recommendation id", 30), Column("measure", 44, wrap=True),
            Column("effort", 7), Column("risk reduction", 10, number_format=NUM),
            Column("priority", 9, number_format=NUM), Column("addresses", 30, wrap=True),
            Column("first step", 50, wrap=True), Column("owner", 16),
            Column("due", 12),
            Column("status", 12, words="plan.status"), Column("notes", 40, wrap=True)]
    rows = []
    for t in teams:
        plan = {p.recommendation_id: p for p in t.plan}
        for r in t.assessment.recommendations:
            p = plan.get(r.recommendation_id)
            rows.append([t.team, r.rank, r.horizon, r.recommendation_id,
                         localise(recs[r.recommendation_id].title, lang), r.effort,
                         r.risk_reduction, r.priority, r.sign_ids,
                         localise(recs[r.recommendation_id].first_step, lang),
                         p.owner if p else None, p.due if p else None,
                         p.status if p else "open", p.notes if p else None])
    return cols, rows


SHEETS: dict[str, Callable[[Sequence[TeamReport], Catalogue, str],
                           tuple[list[Column], list[list[Any]]]]] = {
    "Teams": lambda teams, cat, lang: _teams(teams),
    "Areas": _areas,
    "Findings": _findings,
    "Answers": _answers,
    "Evidence": lambda teams, cat, lang: _evidence(teams),
    "Recommendations": _recommendations,
}


def xlsx_bytes(report: TeamReport | OrganisationReport, catalogue: Catalogue,
               lang: str = "en") -> bytes:
    """The workbook as bytes (for a download button or a file)."""
    check_against_catalogue(report, catalogue)
    teams = report.teams if isinstance(report, OrganisationReport) else [report]
    t = texts(lang)
    wb = Workbook()
    wb.remove(wb.active)
    for title, build in SHEETS.items():
        cols, rows = build(teams, catalogue, lang)
        ws = _sheet(wb, title, cols, rows, t)
        if title == "Answers":
            _answer_dropdowns(ws, catalogue, t)
        elif title == "Recommendations":
            _plan_dropdowns(ws, t)
    wb.properties.title = f"{t('report.title')}: {report.organisation}"
    wb.properties.creator = "opsmaturity"
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_xlsx(report: TeamReport | OrganisationReport, catalogue: Catalogue, out: Path,
               lang: str = "en") -> None:
    """Write the workbook to `out` (atomically)."""
    write_atomic(out, xlsx_bytes(report, catalogue, lang))
