"""`opsmaturity report` from files: real inputs in, real PDF/XLSX/JSON out, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.app.cli.common import evidence_json
from opsmaturity.reports.jsonreport import load_report_json
from opsmaturity.reports.model import OrganisationReport, TeamReport
from opsmaturity.scoring.answers import load_answers
from opsmaturity.scoring.engine import score
from tests.conftest import assert_one_line_error
from tests.reports.conftest import EXAMPLES, delivery_evidence

runner = CliRunner()


def run(*args: str | Path):
    return runner.invoke(app, ["report", *map(str, args)])


@pytest.fixture(scope="module")
def files(catalogue, tmp_path_factory) -> dict[str, Path]:
    """Assessment JSONs as `opsmaturity score --out` writes them, and their inputs."""
    d = tmp_path_factory.mktemp("cli")
    sets = delivery_evidence()
    (d / "evidence.json").write_text(evidence_json(sets))
    out = {"evidence": d / "evidence.json", "answers": EXAMPLES / "workshop.yaml"}
    for name, example, ev in (("workshop", "workshop.yaml", sets), ("weak", "weak-team.yaml", []),
                              ("strong", "strong-team.yaml", [])):
        a = score(catalogue, ev, load_answers(EXAMPLES / example, catalogue))
        (d / f"{name}.json").write_text(a.to_json())
        out[name] = d / f"{name}.json"
    return out


def test_team_report_from_files_to_json_and_xlsx(files, tmp_path: Path, catalogue):
    result = run("--in", files["workshop"], "--answers", files["answers"], "--evidence",
                 files["evidence"], "--history", files["weak"], "--json", tmp_path / "r.json",
                 "--xlsx", tmp_path / "r.xlsx")
    assert result.exit_code == 0, result.output
    report = load_report_json((tmp_path / "r.json").read_text())
    assert isinstance(report, TeamReport)
    assert report.team == "Order fulfilment" and report.organisation == "Example Logistics AG"
    assert report.responses is not None and len(report.responses.respondents) == 8
    assert len(report.evidence) == 3
    assert [p.label for p in report.history] == ["weak"]
    answers = load_workbook(tmp_path / "r.xlsx")["Answers"]
    assert answers.max_row - 1 == len(report.responses.answers)
    assert not list(tmp_path.glob(".*.tmp")), "a temporary file was left behind"


def test_report_json_is_an_input_too(files, tmp_path: Path):
    assert run("--in", files["workshop"], "--json", tmp_path / "a.json").exit_code == 0
    result = run("--in", tmp_path / "a.json", "--draft", "--team", "Orders", "--json",
                 tmp_path / "b.json")
    assert result.exit_code == 0, result.output
    report = load_report_json((tmp_path / "b.json").read_text())
    assert (report.state, report.team) == ("draft", "Orders")


def test_organisation_pdf_from_several_assessments(files, tmp_path: Path):
    out = tmp_path / "org.pdf"
    result = run("--in", files["workshop"], "--in", files["weak"], "--in", files["strong"],
                 "--pdf", out, "--json", tmp_path / "org.json")
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stderr
    text = " ".join(p.extract_text() for p in PdfReader(out).pages)
    for team in ("Order fulfilment", "Warehouse systems", "Customer portal"):
        assert team in text
    org = load_report_json((tmp_path / "org.json").read_text())
    assert isinstance(org, OrganisationReport) and len(org.teams) == 3
    again = run("--in", tmp_path / "org.json", "--draft", "--json", tmp_path / "org2.json")
    assert again.exit_code == 0, again.output
    assert load_report_json((tmp_path / "org2.json").read_text()).state == "draft"
    assert_one_line_error(run("--in", tmp_path / "org.json", "--team", "X", "--json",
                              tmp_path / "org3.json"), "--team", "one team")


def test_bad_input_is_one_line_naming_the_file(files, tmp_path: Path, catalogue):
    out = ("--json", tmp_path / "x.json")
    assert_one_line_error(run(*out), "--in")
    assert_one_line_error(run("--in", files["weak"]), "--pdf", "--xlsx", "--json")
    assert_one_line_error(run("--in", tmp_path / "nope.json", *out), "nope.json", "not found")
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "catalogue_version": "x",\n  oops\n}')
    assert_one_line_error(run("--in", broken, *out), "broken.json:3", "invalid JSON")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": "world"}))
    assert_one_line_error(run("--in", other, *out), "other.json", "not an assessment JSON")
    nameless = tmp_path / "nameless.json"
    a = score(catalogue)
    nameless.write_text(a.to_json())
    assert_one_line_error(run("--in", nameless, *out), "nameless.json", "--team")
    assert_one_line_error(run("--in", files["weak"], "--in", files["strong"], "--answers",
                              files["answers"], *out), "--answers", "a single --in")
    assert_one_line_error(run("--in", files["weak"], "--evidence", tmp_path / "none.json",
                              *out), "none.json")
    bad_answers = tmp_path / "answers.yaml"
    bad_answers.write_text("participants:\n  - role: dev\n    answers:\n      nope: agree\n")
    assert_one_line_error(run("--in", files["weak"], "--answers", bad_answers, *out),
                          "answers.yaml:4", "unknown question")
    assert not (tmp_path / "x.json").exists()


def test_teams_of_different_organisations_need_a_name(files, tmp_path: Path, catalogue):
    other = tmp_path / "other-org.json"
    data = json.loads(files["strong"].read_text())
    data["organisation"] = "Another AG"
    other.write_text(json.dumps(data))
    out = ("--json", tmp_path / "x.json")
    assert_one_line_error(run("--in", files["weak"], "--in", other, *out), "--organisation")
    result = run("--in", files["weak"], "--in", other, "--organisation", "Group", *out)
    assert result.exit_code == 0, result.output
