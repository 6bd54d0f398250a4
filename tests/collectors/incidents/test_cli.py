"""`opsmaturity collect incidents` through the real CLI: warnings with file:line, exit codes,
nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from opsmaturity.app.cli import app

FIXTURES = Path(__file__).parents[2] / "fixtures" / "incidents"
runner = CliRunner()


def run(*args: str | Path):
    return runner.invoke(app, ["collect", "incidents", *map(str, args)])


def measures(path: Path) -> dict:
    return {m["id"]: m["value"] for m in json.loads(path.read_text())["measures"]}


def test_broken_rows_are_warnings_with_file_and_line(tmp_path: Path):
    out = tmp_path / "ev.json"
    result = run(FIXTURES / "team.csv", "--timezone", "Europe/Zurich", "--since", "2024-03-01",
                 "--until", "2024-04-01", "--out", out)
    assert result.exit_code == 0, result.output
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    assert warnings == [
        f"warning: {FIXTURES / 'team.csv'}:11: incident T10: opened: cannot read the time "
        "'soon'",
        f"warning: {FIXTURES / 'team.csv'}:12: incident T11: resolved (2024-03-28T09:00:00Z) "
        "lies before opened (2024-03-28T10:00:00Z)",
    ]
    assert "8 incidents in the window, 2 broken record(s) skipped" in result.stderr
    v = measures(out)
    assert v["incidents.count"] == 8 and v["incidents.mttr_hours_median"] == 4.0
    assert "Alice" not in out.read_text()
    assert "Traceback" not in result.output


def test_several_vendors_detected_per_file_and_merged(tmp_path: Path):
    out = tmp_path / "ev.json"
    files = [FIXTURES / f for f in ("pagerduty_incidents.json", "pagerduty_analytics.json",
                                    "jira_issues.json", "servicenow_incidents.json",
                                    "opsgenie_alerts.json", "opsgenie_incidents.json")]
    result = run(*files, "--naive-timezone", "Europe/Zurich", "--out", out, "--show-names")
    assert result.exit_code == 0, result.output
    v = measures(out)
    assert (v["incidents.count"], v["incidents.duplicates_merged"]) == (10, 3)
    data = json.loads(out.read_text())
    formats = next(m for m in data["measures"] if m["id"] == "incidents.count")["details"]
    assert set(formats["formats"].values()) == {"pagerduty", "jira", "servicenow", "opsgenie"}
    assert "Alice Example" in out.read_text()  # --show-names


def test_generic_csv_with_format_and_mapping(tmp_path: Path):
    out = tmp_path / "ev.json"
    result = run(FIXTURES / "ops_sheet.csv", "--format", "csv", "--mapping",
                 FIXTURES / "ops_sheet.mapping.yaml", "--out", out)
    assert result.exit_code == 0, result.output
    v = measures(out)
    assert v["incidents.count"] == 3 and v["incidents.skipped_records"] == 1
    assert v["incidents.detected_by_monitoring_share"] == round(1 / 3, 4)
    assert f"{FIXTURES / 'ops_sheet.csv'}:5: incident ST-4" in result.stderr


def test_bad_input_exits_2_with_one_line_and_keeps_the_old_output(tmp_path: Path):
    out = tmp_path / "ev.json"
    out.write_text("previous evidence\n")
    odd = tmp_path / "odd.csv"
    odd.write_text("when,what\n1,2\n")
    broken = tmp_path / "broken.csv"
    broken.write_text("id,opened\nA,soon\n")
    cases = [
        ((tmp_path / "missing.json",), "missing.json: no such file"),
        ((odd,), "cannot tell which tool exported this file; give --format"),
        ((broken,), f"{broken}:2: incident A: opened: cannot read the time 'soon'"),
        ((FIXTURES / "team.csv", "--strict"), f"{FIXTURES / 'team.csv'}:4: incident T3"),
        ((FIXTURES / "team.csv", "--timezone", "Mars/Olympus"),
         "--timezone: unknown time zone 'Mars/Olympus'"),
        ((FIXTURES / "team.csv", "--business-hours", "late"), "--business-hours: business "
                                                              "hours must look like"),
        ((FIXTURES / "team.csv", "--since", "2024-04-01", "--until", "2024-03-01"),
         "--since (2024-04-01) must be before --until (2024-03-01)"),
        ((FIXTURES / "ops_sheet.csv", "--format", "csv", "--mapping", tmp_path / "no.yaml"),
         "no.yaml: mapping file not found"),
    ]
    for args, message in cases:
        result = run(*args, "--out", out)
        assert result.exit_code == 2, (args, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        assert message in lines[0], (message, lines[0])
        assert "Traceback" not in result.output
        assert out.read_text() == "previous evidence\n"


def test_help_lists_the_options():
    result = runner.invoke(app, ["collect", "incidents", "--help"],
                           env={"COLUMNS": "200", "TERM": "dumb"})
    assert result.exit_code == 0
    for option in ("--format", "--mapping", "--naive-timezone", "--business-hours",
                   "--business-days", "--time-format", "--strict", "--show-names"):
        assert option in result.output
