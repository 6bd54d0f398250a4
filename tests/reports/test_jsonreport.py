"""The JSON report: versioned, valid against its committed schema, and lossless."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from opsmaturity.reports import jsonreport
from opsmaturity.reports.jsonreport import load_report_json, report_json


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(jsonreport.schema_path().read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_committed_schema_matches_the_models():
    assert jsonreport.schema_path().read_text() == jsonreport.schema_text(), (
        "report.schema.json is stale: run python -m opsmaturity.reports.jsonreport")


@pytest.mark.parametrize("which", ["workshop", "weak", "organisation"])
def test_report_validates_and_round_trips(which, request, validator):
    report = request.getfixturevalue(which)
    text = report_json(report)
    doc = json.loads(text)
    assert doc["report_schema_version"] == jsonreport.REPORT_SCHEMA_VERSION
    assert doc["report"]["kind"] == report.kind
    errors = sorted(validator.iter_errors(doc), key=str)
    assert not errors, errors[0].message
    assert load_report_json(text) == report
    assert report_json(load_report_json(text)) == text  # canonical: same bytes again


def test_schema_rejects_a_document_without_version_or_with_a_bad_level(workshop, validator):
    doc = json.loads(report_json(workshop))
    del doc["report_schema_version"]
    doc["report"]["assessment"]["overall"]["risk_level"] = "catastrophic"
    messages = " ".join(m for e in validator.iter_errors(doc) for m in _messages(e))
    assert "report_schema_version" in messages
    assert "catastrophic" in messages


def _messages(error) -> list[str]:
    """An error's message and those of the branches under it (oneOf explains nothing)."""
    return [error.message, *(m for sub in error.context or [] for m in _messages(sub))]
