"""`assess` and `score --format text|json|sarif|junit`: SARIF checked against the SARIF 2.1.0
rules it must meet, JUnit XML parsed back, suspected signs as notes (never failures), the gate
unchanged.

The schema below is ours, written from the SARIF 2.1.0 standard's requirements for the
objects we emit (required properties, enumerations, types); the standard's own schema is not
kept in this repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.scoring.catalogue import default_catalogue_dir, load_catalogue
from tests.conftest import ROOT, code_only_evidence, evidence

EXAMPLES = default_catalogue_dir() / "examples"
runner = CliRunner()

_TEXT = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
_LEVEL = {"enum": ["none", "note", "warning", "error"]}
SARIF_2_1_0 = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string"},
        "version": {"enum": ["2.1.0"]},
        "runs": {"type": "array", "items": {
            "type": "object",
            "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {
                    "driver": {"type": "object", "required": ["name"], "properties": {
                        "name": {"type": "string"},
                        "version": {"type": "string"},
                        "informationUri": {"type": "string"},
                        "rules": {"type": "array", "items": {
                            "type": "object", "required": ["id"], "properties": {
                                "id": {"type": "string"},
                                "name": {"type": "string"},
                                "shortDescription": _TEXT, "fullDescription": _TEXT,
                                "help": _TEXT,
                                "defaultConfiguration": {"type": "object", "properties": {
                                    "level": _LEVEL}},
                                "properties": {"type": "object"}}}}}}}},
                "results": {"type": "array", "items": {
                    "type": "object",
                    "required": ["message"],
                    "properties": {
                        "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": -1},
                        "level": _LEVEL,
                        "kind": {"enum": ["notApplicable", "pass", "fail", "review", "open",
                                          "informational"]},
                        "message": _TEXT,
                        "locations": {"type": "array", "items": {
                            "type": "object", "properties": {
                                "physicalLocation": {
                                    "type": "object",
                                    "required": ["artifactLocation"],
                                    "properties": {
                                        "artifactLocation": {
                                            "type": "object", "required": ["uri"],
                                            "properties": {"uri": {"type": "string"}}},
                                        "region": {"type": "object", "properties": {
                                            "startLine": {"type": "integer",
                                                          "minimum": 1}}}}}}}},
                        "properties": {"type": "object"}}}},
            }}},
    },
}


@cache
def sarif_validator() -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(SARIF_2_1_0)
    return jsonschema.Draft202012Validator(SARIF_2_1_0)


def assert_valid_sarif(text: str) -> dict:
    doc = json.loads(text)
    errors = sorted(sarif_validator().iter_errors(doc), key=str)
    assert not errors, errors[0]
    return doc


def run(*args: str):
    return runner.invoke(app, list(args))


def test_the_schema_catches_what_is_not_sarif():
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": []}]}
    assert list(sarif_validator().iter_errors(broken))  # driver.name is required
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                            "results": [{"level": "fatal",
                                                         "message": {"text": "x"}}]}]}
    assert list(sarif_validator().iter_errors(broken))


def test_score_sarif_one_result_per_present_sign(tmp_path: Path):
    result = run("score", "--answers", str(EXAMPLES / "weak-team.yaml"), "--format", "sarif",
                 "--out", "-")
    assert result.exit_code == 0, result.output
    doc = assert_valid_sarif(result.stdout)
    run_ = doc["runs"][0]
    cat = load_catalogue()
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == [s.id for s in cat.signs]
    assessment = json.loads(run("score", "-a", str(EXAMPLES / "weak-team.yaml"),
                                "--format", "json").stdout)
    present = {f["sign_id"]: f for f in assessment["findings"] if f["status"] == "present"}
    assert present and {r["ruleId"] for r in run_["results"]} == set(present)
    for r in run_["results"]:
        finding = present[r["ruleId"]]
        expected = {"critical": "error", "high": "error", "medium": "warning",
                    "low": "note"}[finding["risk_level"]]
        assert r["level"] == expected
        assert r["message"]["text"].startswith(cat.sign(r["ruleId"]).title["en"])
        assert "answers to " in r["message"]["text"]  # the evidence it rests on
        rule = run_["tool"]["driver"]["rules"][r["ruleIndex"]]
        assert rule["id"] == r["ruleId"] and "To settle:" in rule["help"]["text"]
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.endswith("weak-team.yaml")  # the answers it rests on


def test_suspected_signs_are_notes_in_sarif_and_passing_cases_in_junit(tmp_path: Path):
    ev = tmp_path / "git.json"
    ev.write_text(json.dumps([s.model_dump(mode="json") for s in code_only_evidence()]))
    scored = json.loads(run("score", "-e", str(ev), "--format", "json").stdout)
    suspected = {f["sign_id"] for f in scored["findings"] if f["status"] == "suspected"}
    assert suspected and not any(f["status"] == "present" for f in scored["findings"])

    sarif = run("score", "-e", str(ev), "--format", "sarif", "--fail-on", "medium")
    assert sarif.exit_code == 0, sarif.output  # a hint is not a failure
    results = assert_valid_sarif(sarif.stdout)["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == suspected
    assert {r["level"] for r in results} == {"note"}
    assert all(r["message"]["text"].startswith("Suspected: ") for r in results)

    junit = run("score", "-e", str(ev), "--format", "junit")
    suite = ET.fromstring(junit.stdout).find("testsuite")
    assert suite is not None and suite.get("failures") == "0"
    for case in suite.iter("testcase"):
        sign_id = case.get("name", "").rsplit("[", 1)[-1].rstrip("]")
        if sign_id in suspected:
            assert case.find("failure") is None
            out = case.find("system-out")
            assert out is not None and out.text.startswith("suspected")


def test_junit_one_case_per_sign_present_ones_fail(tmp_path: Path):
    ev = tmp_path / "ci.json"
    ev.write_text(evidence({"ci.production_deploy_automatic": False}, collector="ci").to_json())
    out = tmp_path / "signs.xml"
    result = run("score", "-a", str(EXAMPLES / "workshop.yaml"), "-e", str(ev), "--format",
                 "junit", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Operational risk" in result.stdout  # a file: the summary stays on stdout
    assessment = json.loads(run("score", "-a", str(EXAMPLES / "workshop.yaml"), "-e", str(ev),
                                "--format", "json").stdout)
    status = {f["sign_id"]: f["status"] for f in assessment["findings"]}
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites"
    cases = {c.get("name", "").rsplit("[", 1)[-1].rstrip("]"): c for c in root.iter("testcase")}
    assert set(cases) == {s.id for s in load_catalogue().signs}
    failing = {sid for sid, c in cases.items() if c.find("failure") is not None}
    skipped = {sid for sid, c in cases.items() if c.find("skipped") is not None}
    assert failing == {sid for sid, s in status.items() if s == "present"} and failing
    assert skipped == {sid for sid, s in status.items() if s == "unknown"}
    assert root.get("tests") == str(len(cases)) and root.get("failures") == str(len(failing))
    failure = cases[sorted(failing)[0]].find("failure")
    assert failure is not None and "risk" in failure.get("message", "")


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit"])
def test_machine_formats_go_to_stdout_and_the_summary_to_stderr(fmt: str):
    result = run("score", "-a", str(EXAMPLES / "strong-team.yaml"), "--format", fmt)
    assert result.exit_code == 0, result.output
    assert "Operational risk" in result.stderr and "Operational risk" not in result.stdout
    if fmt == "junit":
        ET.fromstring(result.stdout)
    elif fmt == "sarif":
        assert_valid_sarif(result.stdout)
    else:
        assert json.loads(result.stdout)["overall"]
    quiet = run("score", "-a", str(EXAMPLES / "strong-team.yaml"), "--format", fmt, "-q")
    assert quiet.stderr == "" and quiet.stdout == result.stdout


def test_gate_still_fires_after_the_output_is_written(tmp_path: Path):
    out = tmp_path / "weak.sarif"
    result = run("score", "-a", str(EXAMPLES / "weak-team.yaml"), "--format", "sarif",
                 "--out", str(out), "--fail-on", "high")
    assert result.exit_code == 1 and "gate:" in result.stderr
    assert_valid_sarif(out.read_text())


def test_assess_sarif_on_this_repository_is_valid(tmp_path: Path):
    """The documented proof: `opsmaturity assess . --format sarif --out -` here."""
    exe = Path(sys.executable).with_name("opsmaturity")
    proc = subprocess.run([str(exe), "assess", ".", "--format", "sarif", "--out", "-"],
                          cwd=ROOT, capture_output=True, text=True, check=False,
                          env={**os.environ, "OPSMATURITY_CACHE_DIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    doc = assert_valid_sarif(proc.stdout)
    for result in doc["runs"][0]["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert (ROOT / uri).is_file(), uri  # code scanning can show it on a real file
    assert "Operational risk" in proc.stderr  # stdout held the SARIF alone (parsed above)
