"""Store commands end to end: a consultant's year with one client, in the terminal."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.scoring.catalogue import default_catalogue_dir
from tests.conftest import assert_one_line_error

EXAMPLES = default_catalogue_dir() / "examples"
runner = CliRunner()


def run(db: str, *args: str):
    return runner.invoke(app, ["--db", db, *args])


def ok(db: str, *args: str) -> str:
    result = run(db, *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_two_assessments_make_a_history(db, tmp_path):
    ok(db, "org", "create", "Example Logistics AG")
    ok(db, "team", "create", "Order fulfilment", "--org", "Example Logistics AG")
    first = ok(db, "assessment", "create", "--team", "Order fulfilment", "--date", "2026-05-01",
               "--title", "Spring").strip()
    ok(db, "answers", "import", str(EXAMPLES / "weak-team.yaml"), "--assessment", first)
    ev = tmp_path / "ev.json"
    ev.write_text(json.dumps({"collector": "ci", "source": "repo",
                              "collected_at": "2026-05-01T08:00:00Z",
                              "coverage": {"ratio": 1.0},
                              "measures": [{"id": "ci.present", "value": True}]}))
    ok(db, "evidence", "import", str(ev), "--assessment", first)
    ok(db, "assessment", "finalise", first)
    second = ok(db, "assessment", "create", "--team", "Order fulfilment", "--date",
                "2026-11-19").strip()
    ok(db, "answers", "import", str(EXAMPLES / "workshop.yaml"), "--assessment", second)
    ok(db, "assessment", "finalise", second, "--dora-year", "2023")

    listed = json.loads(ok(db, "assessment", "list", "--team", "Order fulfilment", "--json"))
    assert [(a["id"], a["state"], a["participants"], a["evidence_sets"]) for a in listed] == [
        (int(first), "final", 1, 1), (int(second), "final", 8, 0)]
    history = json.loads(ok(db, "history", "--team", "Order fulfilment", "--json"))
    assert [h["date"] for h in history] == ["2026-05-01", "2026-11-19"]
    assert history[0]["risk_index"] > history[1]["risk_index"]
    table = ok(db, "history", "--team", "Order fulfilment")
    assert "risk index" in table and "2026-05-01" in table and "#" + second in table
    # the index as every output shows it (PDF, summary): a whole number, rounded half up
    from opsmaturity.reports import fmt
    shown = [fmt.index(h["risk_index"]) for h in history]
    assert any(h["risk_index"] != int(h["risk_index"]) for h in history)  # not trivially whole
    row = next(line for line in table.splitlines() if line.strip().startswith("risk index"))
    assert row.split()[2:] == shown
    assert json.loads(ok(db, "org", "list", "--json"))[0]["teams"] == 1
    assert "Order fulfilment" in ok(db, "team", "list", "--org", "Example Logistics AG")


def test_export_and_import_between_stores(db, tmp_path):
    ok(db, "org", "create", "Acme")
    ok(db, "team", "create", "Payments", "--org", "Acme")
    aid = ok(db, "assessment", "create", "--team", "Payments").strip()
    ok(db, "answers", "import", str(EXAMPLES / "strong-team.yaml"), "--assessment", aid)
    bundle = tmp_path / "bundle.json"
    ok(db, "export", "--assessment", aid, "--out", str(bundle), "--format", "bundle")

    other = f"sqlite:///{tmp_path / 'other.db'}"
    new_id = ok(other, "import", str(bundle)).strip()
    assert json.loads(ok(other, "assessment", "list", "--json"))[0]["answers"] == 56
    assert_one_line_error(run(other, "import", str(bundle)),  # the same bundle twice
                          f"already imported as assessment {new_id}")
    bundle.write_text(bundle.read_text().replace('"Payments"', '"Payment"'))
    assert_one_line_error(run(other, "import", str(bundle)), "content hash does not match")


def test_user_errors_are_one_line(db, tmp_path):
    assert_one_line_error(run(db, "team", "create", "X", "--org", "Nobody"),
                          "no organisation 'Nobody'")
    ok(db, "org", "create", "Acme")
    assert_one_line_error(run(db, "org", "create", "Acme"), "already exists")
    assert_one_line_error(run(db, "answers", "import", str(EXAMPLES / "weak-team.yaml"),
                              "--assessment", "42"), "no assessment 42")
    bad = tmp_path / "bad.yaml"
    bad.write_text("participants:\n- role: dev\n  answers:\n    deployment_frequency: hourly\n")
    assert_one_line_error(run(db, "answers", "import", str(bad), "--assessment", "1"),
                          "bad.yaml:4:", "'hourly' is not an option")
    assert_one_line_error(run(db, "history", "--team", "ghost"), "no team 'ghost'")
    assert_one_line_error(run(db, "assessment", "finalise", "1", "--dora-year", "1999"),
                          "--dora-year")
    assert_one_line_error(run("postgresql://u:pw-secret@127.0.0.1:1/x", "org", "list"),
                          "cannot open the store")
    assert "pw-secret" not in run("postgresql://u:pw-secret@127.0.0.1:1/x", "org", "list").output


def test_default_store_is_a_file_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("OPSMATURITY_DATABASE_URL", raising=False)
    monkeypatch.setenv("OPSMATURITY_DATA_DIR", str(tmp_path / "data"))
    result = runner.invoke(app, ["org", "create", "Default Org"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "opsmaturity.db").is_file()
    monkeypatch.setenv("OPSMATURITY_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert runner.invoke(app, ["org", "list", "--json"]).stdout.strip() == "[]"


def test_reports_and_exports_of_a_stored_assessment(db, tmp_path):
    """`report --assessment` and `export --format xlsx|json` read the store: answers, evidence
    and the team's earlier final assessments (the trend)."""
    import openpyxl
    from pypdf import PdfReader

    ok(db, "org", "create", "Acme & Söhne")
    ok(db, "team", "create", "Payments <core>", "--org", "Acme & Söhne")
    earlier = ok(db, "assessment", "create", "--team", "Payments <core>", "--date",
                 "2026-05-01").strip()
    ok(db, "answers", "import", str(EXAMPLES / "weak-team.yaml"), "--assessment", earlier)
    ok(db, "assessment", "finalise", earlier)
    now = ok(db, "assessment", "create", "--team", "Payments <core>", "--date",
             "2026-11-19").strip()
    ok(db, "answers", "import", str(EXAMPLES / "workshop.yaml"), "--assessment", now)

    pdf, book, js = tmp_path / "r.pdf", tmp_path / "r.xlsx", tmp_path / "r.json"
    ok(db, "report", "--assessment", now, "--pdf", str(pdf))
    ok(db, "export", "--assessment", now, "--format", "xlsx", "--out", str(book))
    ok(db, "export", "--assessment", now, "--format", "json", "--out", str(js))

    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Payments <core>" in text and "Acme & Söhne" in text
    report = json.loads(js.read_text())["report"]
    assert [h["date"] for h in report["history"]] == ["2026-05-01"]
    assert report["state"] == "draft" and len(report["responses"]["respondents"]) == 8
    answers = openpyxl.load_workbook(book)["Answers"]
    assert answers.max_row - 1 == 448  # one row per participant and question
    # Names stay in the store: reports carry P1, P2, ... with roles; a bundle names people
    # only when asked to, and then says so.
    names = ("Anna", "Jonas", "Marco")
    cells = " ".join(str(c.value) for row in answers.iter_rows() for c in row)
    for output in (text, js.read_text(), cells):
        assert not [n for n in names if n in output]
    assert "P8" in cells
    plain, named = tmp_path / "plain.bundle.json", tmp_path / "named.bundle.json"
    ok(db, "export", "--assessment", now, "--out", str(plain))
    result = run(db, "export", "--assessment", now, "--out", str(named), "--with-names")
    assert result.exit_code == 0 and "names participants" in result.stderr
    assert not [n for n in names if n in plain.read_text()]
    assert json.loads(plain.read_text())["content"]["names_included"] is False
    assert all(n in named.read_text() for n in names)
    assert json.loads(named.read_text())["content"]["names_included"] is True
    assert_one_line_error(run(db, "report", "--assessment", "77", "--pdf", str(pdf)),
                          "no assessment 77")
    assert_one_line_error(run(db, "report", "--assessment", now, "--org", "Acme & Söhne",
                              "--pdf", str(pdf)), "give one of")
