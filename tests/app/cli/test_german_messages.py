"""The command line in German: errors, collector warnings and summaries with --lang de (or
$OPSMATURITY_LANG), none of our English words left (texts from core/messages.yaml and
cli/texts.yaml)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.app.cli.summary import _table as summary_table
from opsmaturity.app.cli.texts import _table as cli_table
from opsmaturity.core.messages import table as message_table
from opsmaturity.scoring.catalogue import default_catalogue_dir

runner = CliRunner()
EXAMPLES = default_catalogue_dir() / "examples"


def _english_words() -> set[str]:
    """Words of our English messages that their German versions do not use."""
    texts = [*message_table().values(), *cli_table().values()]
    words = lambda s: set(re.findall(r"(?<![-{\w])[a-z]{4,}(?![\w}])", re.sub(  # noqa: E731
        r"\{[^}]*\}|`[^`]*`|--[\w-]+|'[^']*'|\([^)]*\.\w+\)", " ", s)))
    english = set().union(*(words(t["en"]) for t in texts))
    german = set().union(*(words(t.get("de", "").lower()) for t in texts),
                         *(words(t.get("de", "").lower()) for t in summary_table().values()),
                         *(words(t.lower()) for t in _catalogue_german()))
    return english - german  # "Name", "Lead Time", "Index": German uses them too


def _catalogue_german() -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("de"), str):
                found.append(node["de"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for path in sorted(default_catalogue_dir().glob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


ENGLISH = _english_words()


def english_left(output: str, *allowed: str) -> set[str]:
    """Our English words in `output`, apart from file names, quoted commands, compounds
    (pgBackRest-info-JSON) and the `allowed` values."""
    for value in allowed:
        output = output.replace(value, " ")
    output = re.sub(r"`[^`]*`|'[^']*'|\S*[/.]\S*", " ", output)
    return {w for w in re.findall(r"(?<![\w-])[a-z]+(?![\w-])", output.lower()) if w in ENGLISH}


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def test_the_english_words_are_many_enough_to_mean_something():
    assert {"found", "cannot", "invalid", "measures", "wrote", "warning", "error",
            "nested", "directory", "partial"} <= ENGLISH


@pytest.fixture
def broken_backups(tmp_path: Path) -> dict[str, Path]:
    files = {"pgbackrest": ('[{"name": "main"}]', "pgbackrest.json"),
             "walg": ("{}", "walg.json"),
             "barman": ("Server main:\n\tnothing to see\n", "barman.txt"),
             "patroni": ("{}", "patroni.json")}
    out = {}
    for key, (content, name) in files.items():
        out[key] = tmp_path / name
        out[key].write_text(content, encoding="utf-8")
    return out


def test_collector_warnings_and_summary_in_german(tmp_path: Path, broken_backups):
    out = tmp_path / "evidence-postgres.json"
    args = ["collect", "postgres", "--pgbackrest-info", str(broken_backups["pgbackrest"]),
            "--walg", str(broken_backups["walg"]), "--barman", str(broken_backups["barman"]),
            "--patroni-file", str(broken_backups["patroni"]), "--out", str(out)]
    german = run(*args, "--lang", "de")
    assert german.exit_code == 0, german.output
    lines = german.output.strip().splitlines()
    assert sum(line.startswith("Warnung: ") for line in lines) == 4, german.output
    assert "eine Stanza ohne `backup`: kein pgBackRest-info-JSON" in german.output
    assert "keine aufgezeichneten Patroni-Antworten" in german.output
    assert re.search(r"geschrieben \(\d+ Messwerte, unvollständig, Abdeckung \d+%\)",
                     german.output)
    assert not english_left(german.output, str(tmp_path)), german.output
    # The evidence keeps the English, whoever reads it later and in whichever language.
    missing = json.loads(out.read_text())["coverage"]["missing"]
    assert any("a stanza without `backup`" in m for m in missing)

    english = run(*args, "--lang", "en")
    assert english.exit_code == 0
    assert "warning: " in english.output and "measures, partial" in english.output
    assert {"warning", "wrote", "measures", "partial"} <= english_left(english.output)


@pytest.mark.parametrize("args", [
    ("assess", "--answers", "{tmp}/missing.yaml"),
    ("score", "--answers", "{tmp}/broken.yaml"),
    ("score", "--evidence", "{tmp}/broken.json"),
    ("collect", "prometheus", "--rules", "{tmp}/nothing/"),
    ("collect", "postgres"),
    ("report", "--in", "{tmp}/missing.json", "--json", "-"),
], ids=["missing file", "bad YAML", "bad JSON", "no rules", "no source", "report input"])
def test_errors_in_german(tmp_path: Path, args: tuple[str, ...]):
    (tmp_path / "broken.yaml").write_text("participants:\n  - role: dev\n    role: ops\n")
    (tmp_path / "broken.json").write_text('{"collector": "git",}')
    result = run(*[a.format(tmp=tmp_path) for a in args], "--lang", "de")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Fehler: ") and len(result.output.splitlines()) == 1
    assert not english_left(result.output, str(tmp_path)), result.output


def test_the_language_from_the_environment(tmp_path: Path):
    result = run("collect", "postgres", env={"OPSMATURITY_LANG": "de"})
    assert result.exit_code == 2
    assert result.output.startswith("Fehler: keine PostgreSQL-Quelle angegeben")


def test_summary_and_questionnaire_in_german(tmp_path: Path):
    score = run("score", "--answers", str(EXAMPLES / "workshop.yaml"), "--lang", "de")
    assert score.exit_code == 0
    questionnaire = run("questionnaire", "--lang", "de")
    assert questionnaire.exit_code == 0
    for output in (score.output, questionnaire.output):
        assert not english_left(output), output[:500]
