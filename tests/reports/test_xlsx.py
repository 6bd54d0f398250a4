"""The workbook read back with openpyxl: a row per record, formatted for editing."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from opsmaturity.reports import fmt
from opsmaturity.reports.model import OrganisationReport, TeamReport
from opsmaturity.reports.xlsx import SHEETS, write_xlsx
from opsmaturity.scoring.answers import Answer


@pytest.fixture(scope="module")
def book(workshop: TeamReport, catalogue, tmp_path_factory):
    comment = Answer(question_id="runbooks_for_recurring", participant="P1", role="dev",
                     value="partly", score=0.5, comment='=HYPERLINK("http://x","click")')
    responses = workshop.responses.model_copy(
        update={"answers": [*workshop.responses.answers, comment]})
    report = workshop.model_copy(update={"responses": responses})
    out = tmp_path_factory.mktemp("xlsx") / "team.xlsx"
    write_xlsx(report, catalogue, out)
    return load_workbook(out), report


def rows(ws) -> list[dict]:
    header = [c.value for c in ws[1]]
    return [dict(zip(header, (c.value for c in row), strict=True))
            for row in ws.iter_rows(min_row=2)]


def test_sheets_and_rows_match_the_assessment(book):
    wb, report = book
    a = report.assessment
    assert wb.sheetnames == list(SHEETS)
    findings = rows(wb["Findings"])
    assert [r["sign id"] for r in findings] == [f.sign_id for f in a.findings]
    assert [r["risk level"] for r in findings] == [f.risk_level for f in a.findings]
    assert [r["likelihood"] for r in findings] == [f.likelihood for f in a.findings]
    answers = rows(wb["Answers"])
    assert len(answers) == len(report.responses.answers)
    assert {(r["participant"], r["question id"]) for r in answers} == {
        (x.participant, x.question_id) for x in report.responses.answers}
    assert len(rows(wb["Evidence"])) == sum(len(e.measures) for e in report.evidence)
    recs = rows(wb["Recommendations"])
    assert [r["recommendation id"] for r in recs] == [r.recommendation_id
                                                     for r in a.recommendations]
    assert [r["when"] for r in recs] == [r.horizon for r in a.recommendations]
    areas = rows(wb["Areas"])
    assert [r["maturity level"] for r in areas] == [x.level for x in a.areas]
    (team,) = rows(wb["Teams"])
    # the index as the PDF prints it: one rounding rule everywhere
    assert team["risk index"] == int(fmt.index(a.overall.risk_index))
    assert team["team"] == report.team


def test_formatted_for_a_consultant(book):
    wb, _ = book
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        assert all(cell.font.bold for cell in ws[1])
        assert ws.column_dimensions["A"].width >= 8
    findings = wb["Findings"]
    header = [c.value for c in findings[1]]
    title = findings.cell(row=2, column=header.index("warning sign") + 1)
    assert title.alignment.wrap_text
    level = findings.cell(row=2, column=header.index("risk level") + 1)
    assert level.fill.fgColor.rgb.endswith(("FFFFB2", "FECC5C", "FD8D3C", "BD0026", "F4F4F4"))
    assert "consultant notes" in header
    assert {"owner", "due", "status"} <= {c.value for c in wb["Recommendations"][1]}


def test_user_text_is_never_a_formula(book):
    wb, _ = book
    cells = [c for row in wb["Answers"].iter_rows(min_row=2) for c in row
             if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert len(cells) == 1
    assert cells[0].data_type == "s"


def test_organisation_workbook_has_every_team(organisation: OrganisationReport, catalogue,
                                              tmp_path: Path):
    out = tmp_path / "org.xlsx"
    write_xlsx(organisation, catalogue, out)
    wb = load_workbook(out)
    assert [r["team"] for r in rows(wb["Teams"])] == [t.team for t in organisation.teams]
    assert len(rows(wb["Findings"])) == sum(len(t.assessment.findings)
                                            for t in organisation.teams)
    assert len(rows(wb["Answers"])) == sum(len(t.responses.answers)
                                           for t in organisation.teams if t.responses)
