"""The workbook both ways: exported, edited with openpyxl, imported back into the store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from opsmaturity.app import store_reports
from opsmaturity.app.cli import app
from opsmaturity.app.store import Store
from opsmaturity.reports.view import team_view
from opsmaturity.scoring.catalogue import default_catalogue_dir, load_catalogue
from tests.app.cli.test_store import ok, run

EXAMPLES = default_catalogue_dir() / "examples"
runner = CliRunner()


@pytest.fixture
def workbook(db: str, tmp_path: Path) -> tuple[str, Path]:
    ok(db, "org", "create", "Example Logistics AG")
    ok(db, "team", "create", "Order fulfilment", "--org", "Example Logistics AG")
    aid = ok(db, "assessment", "create", "--team", "Order fulfilment", "--date",
             "2026-11-19").strip()
    ok(db, "answers", "import", str(EXAMPLES / "workshop.yaml"), "--assessment", aid)
    out = tmp_path / "answers.xlsx"
    ok(db, "report", "--assessment", aid, "--xlsx", str(out))
    return aid, out


def header(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1]}


def responses(db: str, aid: str):
    store = Store.open(db)
    try:
        return store.responses(int(aid), load_catalogue())
    finally:
        store.close()


def test_workbook_offers_dropdowns(workbook):
    _, path = workbook
    wb = load_workbook(path)
    answers = wb["Answers"]
    col = header(answers)
    lists = [dv for dv in answers.data_validations.dataValidation if dv.type == "list"]
    answer_letter = answers.cell(1, col["answer"]).column_letter
    assert any(f"{answer_letter}2" in str(dv.sqref) for dv in lists)
    assert any("dont_know" in dv.formula1 and "agree" in dv.formula1 for dv in lists)
    recs = wb["Recommendations"]
    kinds = {dv.type: dv for dv in recs.data_validations.dataValidation}
    assert "in_progress" in kinds["list"].formula1 and "date" in kinds


def test_edited_workbook_imports_back_the_same_answers_and_plan(db, workbook, tmp_path):
    aid, path = workbook
    before = responses(db, aid)
    # export untouched and import: the same answers
    ok(db, "answers", "import", str(path), "--assessment", aid)
    assert responses(db, aid).answers == before.answers

    wb = load_workbook(path)
    ws = wb["Answers"]
    col = header(ws)
    row = next(r for r in range(2, ws.max_row + 1)
               if ws.cell(r, col["question id"]).value == "runbooks_for_recurring")
    who = ws.cell(row, col["participant"]).value
    ws.cell(row, col["answer"]).value = "dont_know"
    ws.cell(row, col["comment"]).value = "We never wrote any."
    recs = wb["Recommendations"]
    rc = header(recs)
    first = recs.cell(2, rc["recommendation id"]).value
    recs.cell(2, rc["owner"]).value = "Anna Berger"
    recs.cell(2, rc["due"]).value = dt.datetime(2027, 2, 1)
    recs.cell(2, rc["status"]).value = "in_progress"
    recs.cell(2, rc["notes"]).value = "=starts after the freeze"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)

    ok(db, "answers", "import", str(edited), "--assessment", aid)
    ok(db, "plan", "import", str(edited), "--assessment", aid)

    after = responses(db, aid)
    changed = [a for a in after.answers if a.question_id == "runbooks_for_recurring"
               and a.participant == who]
    assert [(a.value, a.comment) for a in changed] == [("dont_know", "We never wrote any.")]
    rest = [a for a in after.answers if a not in changed]
    assert rest == [a for a in before.answers if not (
        a.question_id == "runbooks_for_recurring" and a.participant == who)]

    store = Store.open(db)
    try:
        plan = {p.recommendation_id: p for p in store.plan(int(aid))}
        assert (plan[first].owner, plan[first].due, plan[first].status, plan[first].notes) == (
            "Anna Berger", dt.date(2027, 2, 1), "in_progress", "=starts after the freeze")
        cat = load_catalogue()
        report = store_reports.team_report(store, int(aid), cat)
        view = team_view(report, cat)
        line = next(m.plan for m in view.first_measures if m.recommendation_id == first)
        assert line == "Owner: Anna Berger · due 2027-02-01 · in progress"
        # the next assessment's report carries the plan on
        ok(db, "assessment", "finalise", aid)
        nxt = ok(db, "assessment", "create", "--team", "Order fulfilment", "--date",
                 "2027-05-01").strip()
        ok(db, "answers", "import", str(EXAMPLES / "workshop.yaml"), "--assessment", nxt)
        later = store_reports.team_report(store, int(nxt), cat)
        assert any(p.recommendation_id == first and p.owner == "Anna Berger"
                   for p in later.plan)
    finally:
        store.close()

    again = tmp_path / "again.xlsx"  # and the next export has the plan filled in
    ok(db, "report", "--assessment", aid, "--xlsx", str(again))
    ws = load_workbook(again)["Recommendations"]
    rc = header(ws)
    row = next(r for r in range(2, ws.max_row + 1)
               if ws.cell(r, rc["recommendation id"]).value == first)
    assert ws.cell(row, rc["owner"]).value == "Anna Berger"


def test_bad_cells_are_named_and_nothing_is_imported(db, workbook, tmp_path):
    aid, path = workbook
    before = responses(db, aid)
    wb = load_workbook(path)
    ws = wb["Answers"]
    col = header(ws)
    ws.cell(5, col["answer"]).value = "sometimes-ish"
    ws.cell(7, col["role"]).value = "boss"
    recs = wb["Recommendations"]
    rc = header(recs)
    recs.cell(3, rc["status"]).value = "finished"
    recs.cell(4, rc["due"]).value = "next week"
    recs.cell(2, rc["owner"]).value = "Anna"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)

    result = run(db, "answers", "import", str(bad), "--assessment", aid)
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    letter = ws.cell(1, col["answer"]).column_letter
    assert f"Answers!{letter}5 (answer):" in text and "'sometimes-ish' is not an option" in text
    assert f"Answers!{ws.cell(1, col['role']).column_letter}7 (role):" in text
    assert responses(db, aid).answers == before.answers  # all or nothing

    result = run(db, "plan", "import", str(bad), "--assessment", aid)
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert f"Recommendations!{recs.cell(1, rc['status']).column_letter}3 (status):" in text
    assert f"Recommendations!{recs.cell(1, rc['due']).column_letter}4 (due):" in text
    store = Store.open(db)
    try:
        assert store.plan(int(aid)) == []  # the good row 2 was not taken either
    finally:
        store.close()


def test_german_workbook_imports_back_the_same_answers_and_plan(db, workbook, tmp_path):
    """A workbook exported in German (sheet names, headers, roles and status in German)
    reads back just as the English one does."""
    aid, _ = workbook
    before = responses(db, aid)
    path = tmp_path / "antworten.xlsx"
    ok(db, "report", "--assessment", aid, "--xlsx", str(path), "--lang", "de")
    wb = load_workbook(path)
    assert {"Antworten", "Empfehlungen"} <= set(wb.sheetnames)
    ws = wb["Antworten"]
    col = header(ws)
    assert {ws.cell(r, col["Rolle"]).value for r in range(2, ws.max_row + 1)} <= {
        "Entwicklung", "Betrieb", "Management", "Andere"}
    recs = wb["Empfehlungen"]
    rc = header(recs)
    status = next(dv for dv in recs.data_validations.dataValidation if dv.type == "list")
    assert "in Arbeit" in status.formula1 and "in_progress" not in status.formula1

    ok(db, "answers", "import", str(path), "--assessment", aid)  # untouched: the same
    assert responses(db, aid).answers == before.answers

    first = recs.cell(2, rc["Empfehlungs-ID"]).value
    recs.cell(2, rc["verantwortlich"]).value = "Anna Berger"
    recs.cell(2, rc["fällig"]).value = "01.02.2027"  # typed as text, the German way
    recs.cell(2, rc["Status"]).value = "in Arbeit"
    recs.cell(3, rc["Status"]).value = "erledigt"
    edited = tmp_path / "bearbeitet.xlsx"
    wb.save(edited)
    ok(db, "plan", "import", str(edited), "--assessment", aid)
    second = recs.cell(3, rc["Empfehlungs-ID"]).value

    store = Store.open(db)
    try:
        plan = {p.recommendation_id: p for p in store.plan(int(aid))}
        assert (plan[first].owner, plan[first].due, plan[first].status) == (
            "Anna Berger", dt.date(2027, 2, 1), "in_progress")
        assert plan[second].status == "done"
        cat = load_catalogue()
        view = team_view(store_reports.team_report(store, int(aid), cat), cat, lang="de")
        line = next(m.plan for m in view.first_measures if m.recommendation_id == first)
        assert line == "Verantwortlich: Anna Berger · fällig am 1. Februar 2027 · in Arbeit"
    finally:
        store.close()

    bad = load_workbook(edited)
    sheet = bad["Empfehlungen"]
    sheet.cell(2, rc["Status"]).value = "fertig"
    bad.save(tmp_path / "falsch.xlsx")
    result = run(db, "plan", "import", str(tmp_path / "falsch.xlsx"), "--assessment", aid)
    assert result.exit_code == 2
    letter = sheet.cell(1, rc["Status"]).column_letter
    assert f"Empfehlungen!{letter}2 (Status):" in " ".join(result.output.split())


def test_bad_cells_are_named_in_german(db, workbook, tmp_path):
    aid, path = workbook
    wb = load_workbook(path)
    ws = wb["Answers"]
    col = header(ws)
    ws.cell(7, col["role"]).value = "boss"
    recs = wb["Recommendations"]
    rc = header(recs)
    recs.cell(3, rc["status"]).value = "finished"
    recs.cell(4, rc["due"]).value = "next week"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    german = {"OPSMATURITY_LANG": "de"}

    result = runner.invoke(app, ["--db", db, "answers", "import", str(bad), "--assessment", aid],
                           env=german)
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert f"Fehler: {bad}: nichts übernommen, 1 Problem(e):" in text
    assert (f"Answers!{ws.cell(1, col['role']).column_letter}7 (role): 'boss' ist keine "
            "Rolle; verwenden Sie eine von") in text

    result = runner.invoke(app, ["--db", db, "plan", "import", str(bad), "--assessment", aid],
                           env=german)
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "nichts übernommen, 2 Problem(e)" in text
    assert "'finished' ist kein Status; verwenden Sie einen von" in text
    assert "'next week' ist kein Datum (JJJJ-MM-TT oder TT.MM.JJJJ)" in text
    assert "is not" not in text
