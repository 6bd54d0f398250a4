"""`opsmaturity collect github` against the local GitHub, and the token never written."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsmaturity.app.cli import app
from tests.collectors.delivery.github.fake import REPO, FakeGitHub
from tests.collectors.delivery.github.test_collector import EXPECTED

runner = CliRunner()
TOKEN = "ghp_S3cr3tT0kenForTests0123456789abcdef"
WINDOW = ["--since", "2026-03-01", "--until", "2026-03-29"]


@pytest.fixture
def fake(httpserver, tmp_path: Path, monkeypatch) -> FakeGitHub:
    monkeypatch.setenv("OPSMATURITY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    return FakeGitHub(httpserver)


def said(result) -> str:
    """stderr with rich's line wrapping undone."""
    return " ".join(result.stderr.split())


def run(fake: FakeGitHub, out: Path, *args: str):
    return runner.invoke(app, ["collect", "github", "--repo", REPO, "--url", fake.url,
                               *WINDOW, "--out", str(out), *args])


def test_collect_github_writes_the_evidence(fake, tmp_path):
    out = tmp_path / "ev.json"
    result = run(fake, out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["collector"] == "github" and data["partial"] is False
    assert {m["id"]: m["value"] for m in data["measures"]} == EXPECTED
    assert f"wrote {out} (22 measures, complete)" in said(result)


def test_the_token_is_never_written_anywhere(fake, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)  # PyGithub and urllib3 log every request at DEBUG
    caplog.set_level(logging.DEBUG, logger="github")  # PyGithub sets its own level
    fake.fail("/pulls/14/commits", (404, {}, {"message": "Not Found"}))  # a partial run
    first = run(fake, tmp_path / "ev.json")
    fake.fail("", (401, {}, {"message": "Bad credentials"}))  # and a failing one
    second = run(fake, tmp_path / "ev2.json")
    assert (first.exit_code, second.exit_code) == (0, 2)
    assert {s.authorization for s in fake.log} == {f"token {TOKEN}"}  # it was used
    assert "token (oauth token removed)" in caplog.text  # requests were logged, masked
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.parent.name for p in files} == {tmp_path.name, "github"}  # evidence + cache
    texts = [first.output, second.output, caplog.text, *(p.read_text() for p in files)]
    for text in texts:
        assert TOKEN not in text
        assert TOKEN[4:20] not in text


def test_partial_evidence_is_reported(fake, tmp_path):
    fake.fail("/pulls/14/commits", (404, {}, {"message": "Not Found"}))
    result = run(fake, tmp_path / "ev.json")
    assert result.exit_code == 0, result.output
    assert "not read: first commit of 1 of 4 merged pull requests" in said(result)
    assert "(22 measures, partial, coverage 95%)" in said(result)


@pytest.mark.parametrize(("args", "message"), [
    (["--repo", "nope"], "error: --repo: 'nope' is not OWNER/NAME (e.g. octo-org/service)"),
    (["--url", "api.github.com"], "error: --url: 'api.github.com' is not an http(s) URL"),
])
def test_bad_input_gives_one_line(fake, tmp_path, args, message):
    result = run(fake, tmp_path / "ev.json", *args)
    assert result.exit_code == 2
    assert said(result) == message
    assert fake.log == [] and "Traceback" not in result.output


def test_a_missing_repository_is_named(fake, tmp_path):
    fake.fail("", (404, {}, {"message": "Not Found"}))
    result = run(fake, tmp_path / "ev.json")
    assert result.exit_code == 2
    assert said(result).startswith(f"error: octo-org/shop on {fake.url} was not found (404)")
    assert result.stderr.count("error:") == 1  # one message
    assert "Traceback" not in result.output and not (tmp_path / "ev.json").exists()


def test_without_a_token_it_reads_anonymously(fake, tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN")
    result = run(fake, tmp_path / "ev.json")
    assert result.exit_code == 0, result.output
    assert "GITHUB_TOKEN is not set; reading anonymously" in said(result)
    assert {s.authorization for s in fake.log} == {None}


def test_mapping_file(fake, tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("incident_labels: [sev*]\nfailure_window_hours: 12\n")
    out = tmp_path / "ev.json"
    result = run(fake, out, "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    got = {m["id"]: m["value"] for m in json.loads(out.read_text())["measures"]}
    # the revert 19 h after deployment 105 is outside 12 h; only #21 carries a sev label
    assert got["github.incident_count"] == 1
    assert got["github.change_fail_rate"] == 0.4
    mapping.write_text("incident_labels: [sev*]\nfailure_window_hours: soon\n")
    bad = run(fake, out, "--mapping", str(mapping))
    assert bad.exit_code == 2 and said(bad).startswith(f"error: {mapping}:2")


def test_deployments_from_workflow_runs(fake, tmp_path):
    out = tmp_path / "ev.json"
    result = run(fake, out, "--deployments-from", "workflow-runs", "--no-cache")
    assert result.exit_code == 0, result.output
    got = {m["id"]: m["value"] for m in json.loads(out.read_text())["measures"]}
    assert got["github.deployment_source"] == "workflow_runs"
    # the "Deploy" workflow's runs: 5001, 5004, 5005, 5006 succeeded in the window
    assert got["github.deployment_frequency_per_week"] == 1.0
    assert "/deployments" not in fake.paths()
    assert not (tmp_path / "cache").exists()


def test_a_refusal_is_one_message_without_library_chatter(fake, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    fake.fail("", (403, {}, {"message": "Resource not accessible by personal access token"}))
    result = run(fake, tmp_path / "ev.json")
    assert result.exit_code == 2
    assert said(result).startswith(f"error: GitHub refused access to octo-org/shop on {fake.url}")
    # PyGithub's retry would print "Request GET ... failed with 403" on its own stderr handler
    assert [r.getMessage() for r in caplog.records if r.name.startswith("github")] == []
