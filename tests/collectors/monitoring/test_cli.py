"""`opsmaturity collect prometheus` on the fixture files, and its evidence scored by the
real catalogue: the monitoring probes read what the collector wrote."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from opsmaturity.app.cli import app
from tests.conftest import FIXTURES as SHARED_FIXTURES

FIXTURES = SHARED_FIXTURES / "monitoring"
PROM = FIXTURES / "prometheus"
runner = CliRunner()


def test_collect_files_warns_about_broken_ones_and_scores(tmp_path: Path):
    out = tmp_path / "monitoring.json"
    result = runner.invoke(app, [
        "collect", "prometheus", "--rules", str(PROM / "rules"), "-r",
        str(PROM / "broken" / "bad-yaml.yml"), "--alertmanager-config",
        str(PROM / "alertmanager.yml"), "--alert-history",
        str(FIXTURES / "history" / "alerts-range.json"), "--noisy-per-week", "0.5",
        "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (f"warning: {PROM / 'broken' / 'bad-yaml.yml'}:6: invalid YAML: expected <block "
            "end>") in result.output
    assert f"wrote {out} (27 measures, partial, coverage 80%)" in result.output
    assert "Traceback" not in result.output
    data = json.loads(out.read_text())
    got = {m["id"]: m["value"] for m in data["measures"]}
    assert got["monitoring.alert_rules_total"] == 7
    # the default (7 a week) finds only the flapping alert noisy; 0.5 a week finds both
    assert got["monitoring.noisy_alert_share"] == 1.0

    assessment = tmp_path / "assessment.json"
    scored = runner.invoke(app, ["score", "--evidence", str(out), "--out", str(assessment),
                                 "--quiet"])
    assert scored.exit_code == 0, scored.output
    outcomes = {p["probe_id"]: p["outcome"]
                for f in json.loads(assessment.read_text())["findings"] for p in f["probes"]
                if p["measure"].startswith("monitoring.")}
    assert outcomes == {
        "alert_rules_cover_basics": "true",      # 7 >= 5
        "heartbeat_alert_exists": "true",
        "alerts_mostly_symptom_based": "true",   # 0.6
        "alerts_mostly_have_summary": "false",   # 0.71 < 0.9
        "alerts_mostly_have_severity": "false",  # 0.86 < 0.9
        "alerts_mostly_have_owner": "false",
        "alerts_mostly_have_runbooks": "false",
        "few_noisy_alerts": "false",             # 1.0 > 0.2
        "oncall_routing_configured": "true",
    }


def test_collect_with_nothing_that_can_be_read_still_writes_evidence(tmp_path: Path):
    out = tmp_path / "monitoring.json"
    result = runner.invoke(app, ["collect", "prometheus", "--kapacitor",
                                 str(FIXTURES / "kapacitor" / "broken"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "TICKscript: '(' is never closed" in result.output
    data = json.loads(out.read_text())
    assert data["partial"] is True and data["coverage"]["ratio"] == 0.0
    assert {m["value"] for m in data["measures"]} == {None}


def test_input_errors_exit_2_with_one_line(tmp_path: Path):
    cases = [
        (["--url", "localhost:9090"], "error: --url: 'localhost:9090' is not an http:// or "
                                      "https:// URL"),
        (["--rules", str(tmp_path / "missing.yml")],
         f"error: {tmp_path / 'missing.yml'}: no such file or directory"),
        ([], "error: no monitoring source given"),
        (["--rules", str(PROM / "rules"), "--history-days", "-1"],
         "error: --history-days: Input should be greater than or equal to 0"),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["collect", "prometheus", *args, "--out",
                                     str(tmp_path / "x.json")])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "x.json").exists()
