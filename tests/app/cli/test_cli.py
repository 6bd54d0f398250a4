"""The CLI end to end: real files in, real JSON out, clear one-line errors."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.scoring.catalogue import default_catalogue_dir
from tests.conftest import MINI, assert_one_line_error, evidence

EXAMPLES = default_catalogue_dir() / "examples"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_questionnaire_markdown_lists_every_question(catalogue):
    result = run("questionnaire", "--format", "markdown")
    assert result.exit_code == 0
    for q in catalogue.questions:
        assert f"`{q.id}`" in result.stdout
        assert q.text["en"] in result.stdout
    assert result.stdout.count("(`dont_know`)") == len(catalogue.questions)


def test_answers_template_round_trips(tmp_path: Path, catalogue):
    template = tmp_path / "answers.yaml"
    assert run("questionnaire", "--format", "yaml", "--out", str(template)).exit_code == 0
    data = yaml.safe_load(template.read_text())
    assert set(data["participants"][0]["answers"]) == {q.id for q in catalogue.questions}
    out = tmp_path / "a.json"
    result = run("score", "--answers", str(template), "--out", str(out))
    assert result.exit_code == 0, result.output
    assessment = json.loads(out.read_text())
    assert {f["status"] for f in assessment["findings"]} == {"unknown"}


def test_questionnaire_json_has_ids_scores_and_links(catalogue):
    data = json.loads(run("questionnaire", "--format", "json").stdout)
    assert data["version"] == catalogue.version
    q = data["questions"][0]
    assert {"id", "scale", "informs"} <= set(q)
    scale = next(s for s in data["scales"] if s["id"] == q["scale"])
    assert all(0 <= o["score"] <= 1 for o in scale["options"])


@pytest.mark.parametrize(
    ("example", "levels"),
    # The overall level is the worst sign's: the workshop's answers leave most signs high
    # and improvised incident response critical (likelihood 0.65 at impact 5), although
    # its mean risk index is in the medium band.
    [("weak-team.yaml", {"high", "critical"}), ("strong-team.yaml", {"low"}),
     ("workshop.yaml", {"critical"})],
)
def test_score_examples(tmp_path: Path, example: str, levels: set[str]):
    out = tmp_path / "assessment.json"
    result = run("score", "--answers", str(EXAMPLES / example), "--out", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["overall"]["risk_level"] in levels
    worst = max(data["findings"], key=lambda f: f["risk"] or 0)
    assert data["overall"]["risk_level"] == worst["risk_level"]
    assert {"catalogue_version", "findings", "areas", "overall", "recommendations"} <= set(data)
    assert "Operational risk" in result.stdout and "Do first" in result.stdout


def test_workshop_shows_disagreement_and_role_views(tmp_path: Path):
    out = tmp_path / "a.json"
    run("score", "--answers", str(EXAMPLES / "workshop.yaml"), "--out", str(out), "-q")
    data = json.loads(out.read_text())
    assert data["inputs"]["respondents"] == 8
    assert set(data["inputs"]["roles"]) == {"dev", "ops", "management"}
    flagged = [f for f in data["findings"] if f["disagreement"]]
    assert len(flagged) >= 2
    assert any(len(f["role_likelihoods"]) == 3 for f in flagged)
    # names never reach the assessment
    names = [p["name"] for p in yaml.safe_load((EXAMPLES / "workshop.yaml").read_text())
             ["participants"] if p.get("name")]
    assert names and not any(n in out.read_text() for n in names)


def test_fail_on_gate(tmp_path: Path):
    out = tmp_path / "a.json"
    weak = run("score", "--answers", str(EXAMPLES / "weak-team.yaml"), "--out", str(out),
               "--fail-on", "high")
    assert weak.exit_code == 1
    assert "gate:" in weak.stderr
    assert json.loads(out.read_text())["findings"]  # written before the gate fires
    strong = run("score", "--answers", str(EXAMPLES / "strong-team.yaml"), "--fail-on", "high")
    assert strong.exit_code == 0, strong.output


def test_evidence_only(tmp_path: Path):
    ev = tmp_path / "ev.json"
    ev.write_text(evidence({"ci.production_deploy_automatic": False}, collector="ci").to_json())
    out = tmp_path / "a.json"
    result = run("score", "--evidence", str(ev), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "findings rest on evidence alone" in result.stdout
    data = json.loads(out.read_text())
    assert data["notes"][0] == "no_answers"
    assert data["finding" + "s"]


def test_evidence_list_file_and_dora(tmp_path: Path):
    sets = [evidence({"gitlab.deployment_frequency_per_week": 14.0,
                      "gitlab.change_lead_time_hours": 3.0,
                      "gitlab.change_fail_rate": 0.04,
                      "gitlab.failed_deployment_recovery_time_hours": 0.5}, collector="gitlab")]
    ev = tmp_path / "ev.json"
    ev.write_text(json.dumps([s.model_dump(mode="json") for s in sets]))
    out = tmp_path / "a.json"
    result = run("score", "--evidence", str(ev), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["dora"]["cluster"] == "elite"
    assert "DORA (2024 clusters): elite" in result.stdout


def _line_of(path: Path, fragment: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if fragment in ln)


def test_bad_answers_yaml(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("participants:\n  - role: dev\n    answers: {a: [1,\n")
    assert_one_line_error(run("score", "--answers", str(bad)), f"{bad}:", "invalid YAML")


def test_unknown_question_named_with_line(tmp_path: Path, catalogue):
    bad = tmp_path / "bad.yaml"
    q = catalogue.questions[0].id
    bad.write_text(f"participants:\n  - role: ops\n    answers:\n      {q}: dont_know\n"
                   "      no_such_question: agree\n")
    assert_one_line_error(run("score", "--answers", str(bad)),
                          f"{bad}:5:", "unknown question id 'no_such_question'")


def test_invalid_option_and_role(tmp_path: Path, catalogue):
    q = next(q for q in catalogue.questions if catalogue.scale_of(q).kind == "agreement")
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"participants:\n  - role: ops\n    answers:\n      {q.id}: maybe\n")
    assert_one_line_error(run("score", "--answers", str(bad)), f"{bad}:4:", "'maybe' is not")
    bad.write_text(f"participants:\n  - role: tester\n    answers:\n      {q.id}: agree\n")
    assert_one_line_error(run("score", "--answers", str(bad)), f"{bad}:2:", "role")


def test_bad_evidence_file(tmp_path: Path):
    ev = tmp_path / "ev.json"
    ev.write_text('{"collector": "git",\n "source": }')
    assert_one_line_error(run("score", "--evidence", str(ev)), f"{ev}:2:", "invalid JSON")
    ev.write_text(json.dumps([{"collector": "git"}]))
    assert_one_line_error(run("score", "--evidence", str(ev)), str(ev), "record 0")


def test_missing_file_and_no_input(tmp_path: Path):
    assert_one_line_error(run("score", "--answers", str(tmp_path / "nope.yaml")), "not found")
    assert_one_line_error(run("score"), "--answers")


def test_catalogue_check(tmp_path: Path):
    ok = run("catalogue", "check")
    assert ok.exit_code == 0 and "ok" in ok.stdout
    shutil.copytree(MINI, tmp_path / "cat")
    path = tmp_path / "cat" / "catalogue.yaml"
    path.write_text(path.read_text().replace("scale: coupling,", "scale: couplings,"))
    assert_one_line_error(run("catalogue", "check", str(tmp_path / "cat")),
                          f"{path}:{_line_of(path, 'scale: couplings,')}:", "unknown scale")


def test_custom_catalogue_is_used(tmp_path: Path):
    answers = tmp_path / "a.yaml"
    answers.write_text("participants:\n  - role: dev\n    answers: {pipeline: 'no'}\n")
    out = tmp_path / "a.json"
    result = run("score", "--catalogue", str(MINI), "--answers", str(answers), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["catalogue_version"] == "test.1"


def test_console_script_is_installed(tmp_path: Path):
    exe = Path(sys.executable).with_name("opsmaturity")
    assert exe.exists(), "pip install -e . must install the opsmaturity console script"
    out = tmp_path / "a.json"
    proc = subprocess.run(
        [str(exe), "score", "--answers", str(EXAMPLES / "weak-team.yaml"), "--out", str(out),
         "--fail-on", "critical"],
        capture_output=True, text=True, env={**os.environ, "COLUMNS": "120"}, check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert out.exists() and "Traceback" not in proc.stderr


def test_answers_for_another_catalogue_version_warn(tmp_path: Path, catalogue):
    q = catalogue.questions[0].id
    answers = tmp_path / "a.yaml"
    answers.write_text(f"catalogue_version: '1999.1'\nparticipants:\n  - role: dev\n"
                       f"    answers: {{{q}: dont_know}}\n")
    result = run("score", "--answers", str(answers), "-q")
    assert result.exit_code == 0
    assert f"written for catalogue 1999.1; scoring with {catalogue.version}" in result.stderr


def test_score_speaks_german_with_lang_de(tmp_path: Path):
    result = run("score", "--answers", str(EXAMPLES / "workshop.yaml"), "--lang", "de")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Betriebsrisiko:" in out and "Grundlage:" in out and "Bereiche" in out
    assert "Operational risk" not in out and "Top warning signs" not in out
    assert re.search(r"\d+ %", out)  # German percent, 89 %
    assert "Infrastruktur & Datenbanken" in out


def test_questionnaire_in_german_keeps_option_values(tmp_path: Path):
    result = run("questionnaire", "--lang", "de")
    assert result.exit_code == 0
    assert result.output.startswith("# Fragebogen zur DevOps-Reife")
    assert "- [ ] Trifft eher zu (`agree`)" in result.output  # label German, value unchanged
    template = run("questionnaire", "--format", "yaml", "--lang", "de").output
    assert "# ---- Zu Ihrem Umfeld ----" in template
    assert yaml.safe_load(template)["participants"][0]["answers"]["ctx_service_hours"] \
        == "dont_know"


def test_unknown_language_is_an_error_naming_the_catalogues_languages():
    result = run("score", "--answers", str(EXAMPLES / "workshop.yaml"), "--lang", "fr")
    assert result.exit_code == 2
    assert "--lang fr" in result.output and "en, de" in result.output
    german_error = run("score", "--lang", "de")
    assert german_error.exit_code == 2 and "Fehler:" in german_error.output


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ("Partial evidence", "coverage 40%", "configuration found but not analysed",
            "and 2 more", "Do first: nothing yet", "history before the clone's depth")),
    ("de", ("Unvollständige Belege", "Abdeckung 40 %", "gefunden, aber nicht ausgewertet",
            "und 2 weitere", "Zuerst tun: vorerst nichts", "flacher Klon")),
])
def test_summary_lists_what_partial_evidence_missed(tmp_path: Path, lang: str,
                                                   words: tuple[str, ...]):
    """"Its coverage is listed below" was said and nothing was listed; and a run with no
    present sign printed an empty "Do first" table."""
    from opsmaturity.core.messages import text as message
    missing = [message("git.shallow_missing"),
               *(f"system{i} configuration found but not analysed: f{i}.yml" for i in range(6))]
    ev = tmp_path / "ci.json"
    ev.write_text(json.dumps({
        "collector": "ci", "source": "repo", "collected_at": "2026-05-01T08:00:00Z",
        "coverage": {"ratio": 0.4, "missing": missing}, "partial": True,
        "measures": [{"id": "ci.present", "value": True}]}))
    result = run("score", "--evidence", str(ev), "--lang", lang)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    for word in words:
        assert word in text, word
    assert "system5" not in text  # five shown, the rest counted
