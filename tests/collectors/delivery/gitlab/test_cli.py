"""`opsmaturity collect gitlab` end to end, and the token never written anywhere."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.core.evidence import load_evidence
from tests.collectors.delivery.gitlab.test_collector import EXPECTED, TOKEN
from tests.fixtures.gitlab.fake_gitlab import FakeGitLab, Fault

runner = CliRunner()
WINDOW = ["--since", "2024-03-04", "--until", "2024-03-18"]


pytestmark = pytest.mark.usefixtures("quiet_server_log")


@pytest.fixture
def acme(httpserver, tmp_path, monkeypatch) -> tuple[FakeGitLab, str]:
    monkeypatch.setenv("OPSMATURITY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    fake = FakeGitLab.from_dir(token=TOKEN)
    return fake, fake.serve(httpserver)


def gitlab(*args: str):
    return runner.invoke(app, ["collect", "gitlab", *args])


def test_collect_gitlab_writes_evidence_and_never_the_token(acme, tmp_path, caplog):
    fake, url = acme
    caplog.set_level(logging.DEBUG)  # everything any library logs, e.g. urllib3's requests
    # a retried request and an error message both pass through the code that could leak
    fake.faults.append(Fault(r"/projects/101/pipelines$", 429, {"Retry-After": "0"}))
    fake.faults.append(Fault(r"/projects/102/issues$", 403, times=-1))
    out = tmp_path / "evidence.json"
    result = gitlab("--url", url, "--group", "acme", *WINDOW, "--out", str(out))
    assert result.exit_code == 0, result.output
    (evidence,) = load_evidence(out)
    assert evidence.partial
    assert evidence.measure("gitlab.pipeline_success_rate").value == 0.8
    assert evidence.measure("gitlab.change_lead_time_hours").value == 25.0
    assert "not read: GitLab" in result.stderr
    assert "wrote" in result.stderr and "partial, coverage 93%" in result.stderr
    cache_files = sorted((tmp_path / "cache").rglob("*"))
    assert [p.parent.name for p in cache_files if p.is_file()] == ["gitlab", "gitlab"]
    texts = {"stdout": result.stdout, "stderr": result.stderr, "evidence": out.read_text(),
             "log": "\n".join(r.getMessage() for r in caplog.records)}
    texts.update({str(p): p.read_text() for p in cache_files if p.is_file()})
    assert any("GET /api/v4/projects/101/pipelines" in r.getMessage() for r in caplog.records)
    for where, text in texts.items():
        assert TOKEN not in text, f"the token leaked into {where}"
        assert TOKEN[6:] not in text, f"part of the token leaked into {where}"


def test_a_complete_run_reports_exactly_what_the_collector_measures(acme, tmp_path):
    _, url = acme
    out = tmp_path / "evidence.json"
    result = gitlab("--url", url, "-g", "acme", *WINDOW, "-o", str(out), "--no-cache")
    assert result.exit_code == 0, result.output
    (evidence,) = load_evidence(out)
    assert {m.id: m.value for m in evidence.measures} == EXPECTED
    assert "complete" in result.stderr
    assert not (tmp_path / "cache").exists()


def test_projects_and_options_reach_the_collector(acme, tmp_path):
    fake, url = acme
    out = tmp_path / "evidence.json"
    result = gitlab("--url", url, "--project", "acme/shop", "--project", "acme/platform/api",
                    *WINDOW, "--out", str(out), "--no-platform-dora", "--workers", "1",
                    "--lookback-days", "10")
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["source"] == f"{url}: project acme/shop, project acme/platform/api"
    assert fake.requests_to("/dora/metrics") == 0
    deployments = [q for _, path, q in fake.log if path.endswith("/101/deployments")]
    assert deployments[0]["updated_after"] == ["2024-02-23T00:00:00+00:00"]


def test_a_mapping_file_changes_what_counts(acme, tmp_path):
    _, url = acme
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("production_tiers: [production]\nproduction_patterns: []\n"
                       "incident_window_hours: 1\n")
    out = tmp_path / "evidence.json"
    result = gitlab("--url", url, "-g", "acme", *WINDOW, "-o", str(out), "--mapping",
                    str(mapping), "--no-cache")
    assert result.exit_code == 0, result.output
    (evidence,) = load_evidence(out)
    # prod-eu is no longer production, and incident #7 (5 h after 1007) no longer links
    assert evidence.measure("gitlab.production_deployments").value == 9
    assert evidence.measure("gitlab.change_fail_rate").value == round(3 / 9, 4)  # the hotfix
    #                                                       still marks 1007 failed


def test_bad_mapping_file_names_file_line_and_field(acme, tmp_path):
    _, url = acme
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("production_tiers: [production]\nfailure_window_hours: soon\n")
    result = gitlab("--url", url, "-g", "acme", "--mapping", str(mapping))
    assert result.exit_code == 2
    assert f"error: {mapping}:2: failure_window_hours: Input should be a valid number" in \
        " ".join(result.stderr.split())
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("args", "message"), [
    ([], "error: name what to read: --project PATH or --group PATH"),
    (["--url", "gitlab.example.com", "-g", "acme"],
     "error: --url must start with http:// or https:// (got 'gitlab.example.com')"),
])
def test_bad_arguments(args, message):
    result = gitlab(*args)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())


def test_unknown_project_is_one_line_without_traceback(acme, tmp_path):
    _, url = acme
    result = gitlab("--url", url, "-p", "acme/nope", "-o", str(tmp_path / "e.json"))
    assert result.exit_code == 2
    assert " ".join(result.stderr.split()) == (
        f"error: project acme/nope was not found on GitLab ({url}) (404): check the name, and "
        "that the token (GITLAB_TOKEN) can see it")
    assert not (tmp_path / "e.json").exists()


def test_wrong_token_is_one_line_without_the_token(acme, tmp_path, monkeypatch):
    _, url = acme
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-wrong-0000")
    result = gitlab("--url", url, "-g", "acme", "-o", str(tmp_path / "e.json"))
    assert result.exit_code == 2
    assert "401 Unauthorized" in result.stderr and "GITLAB_TOKEN" in result.stderr
    assert "glpat-wrong-0000" not in result.output


def test_token_can_be_typed_at_a_prompt(acme, tmp_path, monkeypatch):
    _, url = acme
    monkeypatch.delenv("GITLAB_TOKEN")
    out = tmp_path / "e.json"
    result = runner.invoke(app, ["collect", "gitlab", "--url", url, "-g", "acme", *WINDOW,
                                 "-o", str(out), "--ask-token", "--no-platform-dora"],
                           input=TOKEN + "\n")
    assert result.exit_code == 0, result.output
    assert TOKEN not in result.output
    assert load_evidence(out)[0].measure("gitlab.production_deployments").value == 11


def test_without_a_token_it_reads_anonymously(httpserver, tmp_path, monkeypatch):
    monkeypatch.setenv("OPSMATURITY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GITLAB_TOKEN", raising=False)
    fake = FakeGitLab.from_dir(token=None)  # a public instance
    url = fake.serve(httpserver)
    out = tmp_path / "e.json"
    result = gitlab("--url", url, "-p", "acme/shop", *WINDOW, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "GITLAB_TOKEN is not set; reading anonymously" in result.stderr
    assert Path(out).exists()
