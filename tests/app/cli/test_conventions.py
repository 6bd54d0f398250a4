"""The CLI conventions, on every command: multi-value options, `--out -`, help, NO_COLOR.

The checks walk the real command tree, so a command added later is held to them too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from opsmaturity.app.cli import EXAMPLES, app
from opsmaturity.app.cli.group import expand_multi_values, multi_value_options
from opsmaturity.scoring.catalogue import default_catalogue_dir
from tests.conftest import FIXTURES, evidence

EXAMPLES_DIR = default_catalogue_dir() / "examples"
PROM = FIXTURES / "monitoring" / "prometheus"
runner = CliRunner()
ESCAPE = re.compile(r"\x1b\[")
BOX = re.compile(r"[─━│┃┏┓┗┛╭╮╰╯┡┩]")


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def _leaves(group, prefix: str = ""):
    for name in group.list_commands(None):
        cmd = group.commands[name]
        if hasattr(cmd, "commands"):
            yield from _leaves(cmd, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", cmd


ROOT = typer.main.get_command(app)
LEAVES = dict(_leaves(ROOT))
MULTI = [(path, opt) for path, cmd in LEAVES.items()
         for opt in sorted({p.opts[0] for p in multi_value_options(cmd).values()})]


def test_the_commands_with_list_options_are_all_found():
    assert {("score", "--evidence"), ("report", "--in"), ("report", "--evidence"),
            ("report", "--history"), ("collect prometheus", "--rules"),
            ("collect prometheus", "--grafana"), ("collect prometheus", "--kapacitor"),
            ("collect prometheus", "--alert-history"), ("collect incidents", "--time-format"),
            ("collect gitlab", "--project"), ("collect gitlab", "--group")} <= set(MULTI)


@pytest.mark.parametrize(("path", "flag"), MULTI)
def test_every_list_option_takes_several_values_after_one_flag(path: str, flag: str):
    cmd = LEAVES[path]
    param = multi_value_options(cmd)[flag]
    # as the group hands them to the command: several after one flag, then the flag again
    args = expand_multi_values(cmd, [flag, "v1", "v2", "v3", flag, "v4", "--help-not"])
    assert args == [flag, "v1", flag, "v2", flag, "v3", flag, "v4", "--help-not"]
    ctx = cmd.make_context(path, args[:-1], resilient_parsing=True)
    assert [str(v) for v in ctx.params[param.name]] == ["v1", "v2", "v3", "v4"]
    # and the help shows that it takes several
    assert param.metavar.endswith("..."), f"{path} {flag}: metavar {param.metavar!r}"


def test_multi_values_stop_at_the_next_option_and_at_double_dash():
    cmd = LEAVES["collect incidents"]
    assert expand_multi_values(cmd, ["--time-format", "%d.%m.%Y", "%H:%M", "--strict", "a"]) \
        == ["--time-format", "%d.%m.%Y", "--time-format", "%H:%M", "--strict", "a"]
    assert expand_multi_values(cmd, ["--time-format", "%d", "--", "a.csv"]) \
        == ["--time-format", "%d", "--", "a.csv"]
    assert expand_multi_values(cmd, ["--time-format=%d", "%H"]) \
        == ["--time-format=%d", "--time-format", "%H"]


def test_score_reads_several_evidence_files_after_one_flag(tmp_path: Path):
    files = []
    for i, collector in enumerate(("ci", "git", "gitlab")):
        path = tmp_path / f"ev{i}.json"
        path.write_text(evidence({"ci.present": True}, collector=collector).to_json())
        files.append(str(path))
    result = run("score", "--evidence", *files[:2], "-e", files[2], "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["inputs"]["evidence_sets"] == 3


def test_collect_prometheus_reads_several_rule_files_after_one_flag(tmp_path: Path):
    rules = PROM / "rules"
    both = run("collect", "prometheus", "--rules", str(rules / "checkout.yml"),
               str(rules / "node.yml"), "--no-promtool", "--out", "-")
    assert both.exit_code == 0, both.output
    one = run("collect", "prometheus", "--rules", str(rules / "node.yml"), "--no-promtool",
              "--out", "-")

    def total(result) -> int:
        measures = {m["id"]: m["value"] for m in json.loads(result.stdout)["measures"]}
        return measures["monitoring.alert_rules_total"]

    assert (total(both), total(one)) == (7, 3)


def test_report_takes_several_inputs_after_one_flag(tmp_path: Path):
    paths = []
    for example in ("weak-team.yaml", "strong-team.yaml"):
        out = tmp_path / example.replace(".yaml", ".json")
        assert run("score", "-a", str(EXAMPLES_DIR / example), "-o", str(out), "-q") \
            .exit_code == 0
        data = json.loads(out.read_text())
        data.update(team=example.split(".")[0], organisation="Example Corp")
        out.write_text(json.dumps(data))
        paths.append(str(out))
    result = run("report", "--in", *paths, "--json", "-")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["report"]
    assert sorted(t["team"] for t in report["teams"]) == ["strong-team", "weak-team"]
    assert "wrote" not in result.stdout


# --- --out - -------------------------------------------------------------------------------

def test_out_dash_writes_standard_output_and_no_file(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    questionnaire = run("questionnaire", "--format", "json", "--out", "-")
    assert json.loads(questionnaire.stdout)["questions"]
    scored = run("score", "-a", str(EXAMPLES_DIR / "weak-team.yaml"), "--out", "-")
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.stdout)["findings"]  # only the JSON on stdout ...
    assert "Operational risk" in scored.stderr  # ... the summary on stderr
    assert not (tmp_path / "-").exists()


def test_out_dash_for_binary_reports_is_refused(tmp_path: Path):
    out = tmp_path / "a.json"
    run("score", "-a", str(EXAMPLES_DIR / "weak-team.yaml"), "-o", str(out), "-q")
    result = run("report", "--in", str(out), "--pdf", "-")
    assert result.exit_code == 2
    assert "--pdf writes a binary file" in result.stderr


def test_out_options_all_say_dash_is_standard_output():
    from opsmaturity.app.cli.help_texts import option_help

    for path, cmd in LEAVES.items():
        for param in cmd.params:
            if set(getattr(param, "opts", [])) & {"--out", "--json", "--evidence-out"} and \
                    not getattr(param, "is_flag", False):
                assert "- for standard output" in (option_help(path, param.name, "en") or ""), \
                    f"{path} {param.opts}"
                assert "- für die Standardausgabe" in (option_help(path, param.name, "de") or "")


# --- help ----------------------------------------------------------------------------------

def test_help_lists_commands_in_a_users_order():
    result = run("--help")
    listed = re.findall(r"^  (\w[\w-]*)\s{2,}", result.stdout.split("Commands:")[1], re.M)
    assert listed == ["assess", "questionnaire", "score", "report", "web", "collect", "org",
                      "team", "assessment", "answers", "evidence", "plan", "history", "export",
                      "import", "user", "catalogue", "demo"]


@pytest.mark.parametrize("path", sorted(LEAVES))
def test_every_command_has_one_example_and_flags_show_no_value(path: str):
    result = run(*path.split(), "--help")
    assert result.exit_code == 0
    examples = [ln.strip() for ln in result.stdout.splitlines() if "Example:" in ln]
    assert examples == [f"Example: {EXAMPLES[path]}"]
    assert EXAMPLES[path].startswith(f"opsmaturity {path}")
    assert "<bool>" not in result.stdout and "[default: False]" not in result.stdout
    assert not BOX.search(result.stdout), "plain help when stdout is not a terminal"


def test_rich_help_on_a_terminal_shows_no_value_for_flags():
    result = run("assess", "--help", env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert BOX.search(result.stdout) and ESCAPE.search(result.stdout)  # the rich one
    assert "bool" not in result.stdout
    assert "Example: opsmaturity assess" in ESCAPE.sub("", re.sub(r"\x1b\[[0-9;]*m", "",
                                                                  result.stdout))


# --- colour --------------------------------------------------------------------------------

def _score(env: dict[str, str]):
    return run("score", "-a", str(EXAMPLES_DIR / "weak-team.yaml"), env=env)


def test_summary_has_colour_and_boxes_on_a_terminal_only():
    terminal = _score({"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert ESCAPE.search(terminal.stdout) and BOX.search(terminal.stdout)
    piped = _score({"FORCE_COLOR": "", "NO_COLOR": ""})
    assert not ESCAPE.search(piped.stdout) and not BOX.search(piped.stdout)


def test_no_color_means_no_escape_codes_even_on_a_terminal():
    result = _score({"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert result.exit_code == 0
    assert "Operational risk" in result.stdout
    assert not ESCAPE.search(result.stdout), result.stdout[:300]
    assert not BOX.search(result.stdout)
    failing = run("score", "-a", "nope.yaml", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert failing.stderr.startswith("error: ") and not ESCAPE.search(failing.stderr)


def test_console_script_output_is_plain_in_a_pipe():
    exe = Path(sys.executable).with_name("opsmaturity")
    proc = subprocess.run([str(exe), "score", "-a", str(EXAMPLES_DIR / "weak-team.yaml")],
                          capture_output=True, text=True, check=True,
                          env={k: v for k, v in os.environ.items()
                               if k not in ("FORCE_COLOR", "NO_COLOR")})
    assert "Operational risk" in proc.stdout
    assert not ESCAPE.search(proc.stdout) and not BOX.search(proc.stdout)


def test_usage_errors_are_plain_in_a_pipe_and_with_no_color():
    for env in ({"FORCE_COLOR": "", "NO_COLOR": ""}, {"FORCE_COLOR": "1", "NO_COLOR": "1"}):
        result = run("score", "--no-such-option", env=env)
        assert result.exit_code == 2
        assert "No such option: --no-such-option" in result.stderr
        assert not BOX.search(result.stderr) and not ESCAPE.search(result.stderr)
    terminal = run("score", "--no-such-option", env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert BOX.search(terminal.stderr)  # the rich panel, on a terminal
