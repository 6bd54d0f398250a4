"""`--help` in German: every command's and option's help from help.yaml, none left in code.

For every command the German help (`--lang de` anywhere on the line, or
$OPSMATURITY_LANG) shows none of the English help sentences of the same command and keeps
every option's name.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.app.cli.help_texts import HELP_FILE, ROOT, command_help, help_table, option_help
from opsmaturity.core.sources import load_yaml

runner = CliRunner()
CLI_DIR = Path(__file__).parents[3] / "opsmaturity" / "app" / "cli"


def _commands() -> dict[str, object]:
    found: dict[str, object] = {}

    def walk(command: object, path: str) -> None:
        found[path] = command
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}".strip())

    walk(typer.main.get_command(app), "")
    return found


COMMANDS = _commands()


def _flat(text: str) -> str:
    return " ".join(text.split())


def _help(path: str, *extra: str, env: dict[str, str] | None = None) -> str:
    result = runner.invoke(app, [*path.split(), *extra, "--help"], env=env)
    assert result.exit_code == 0, result.output
    return _flat(result.stdout)


def _english(path: str, command: object) -> list[str]:
    texts = [command_help(path, "en")]
    texts += [option_help(path, p.name, "en") for p in command.params]  # type: ignore[attr-defined]
    texts.append(option_help(path, "help", "en"))
    for name in getattr(command, "commands", {}):  # the list of its commands
        texts.append(command_help(f"{path} {name}".strip(), "en"))
    return [_flat(t) for t in texts if t]


def test_every_command_and_option_has_english_and_german_help():
    missing = []
    for path, command in COMMANDS.items():
        if command_help(path, "de") in (None, command_help(path, "en")):
            missing.append(path or ROOT)
        for param in command.params:  # type: ignore[attr-defined]
            de, en = option_help(path, param.name, "de"), option_help(path, param.name, "en")
            if not de or de == en:
                missing.append(f"{path or ROOT} {param.name}")
    assert not missing


def test_the_help_file_is_valid_and_has_nothing_unused():
    load_yaml(HELP_FILE)  # the strict loader: duplicate keys would fail here
    table = help_table()
    paths = {p or ROOT for p in COMMANDS}
    assert set(table["commands"]) == paths
    names = {p.name for c in COMMANDS.values() for p in c.params} | {"help"}  # type: ignore[attr-defined]
    assert set(table["options"]) <= names
    for path, entry in table["commands"].items():
        command = COMMANDS["" if path == ROOT else path]
        assert set(entry.get("options", {})) <= {p.name for p in command.params}, path  # type: ignore[attr-defined]
    for texts in [*table["options"].values(), *table["words"].values(),
                  *(e["help"] for e in table["commands"].values()),
                  *(t for e in table["commands"].values() for t in e.get("options", {}).values())]:
        assert set(texts) == {"en", "de"}, texts


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_german_help_has_no_english_sentence_and_every_option(path: str):
    german = _help(path, "--lang", "de")
    english = _help(path)
    for sentence in _english(path, COMMANDS[path]):
        assert sentence[:40] in english  # the English help shows it ...
        assert sentence[:40] not in german  # ... the German one does not
    for param in COMMANDS[path].params:  # type: ignore[attr-defined]
        for opt in getattr(param, "opts", []):
            if opt.startswith("-"):
                assert re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", german), (path, opt)
    assert "Beispiel:" in german or not path or path in ("collect", "org", "team", "assessment",
                                                          "answers", "evidence", "plan", "user",
                                                          "catalogue")


def test_the_language_from_anywhere_on_the_line_or_the_environment():
    german = _flat(command_help("org list", "de") or "")
    assert german in _help("org list", env={"OPSMATURITY_LANG": "de"})
    assert german in _help("org list", "--lang=de")
    # before the command, where no command takes --lang
    result = runner.invoke(app, ["--lang", "de", "org", "list", "--help"])
    assert result.exit_code == 0 and german in _flat(result.stdout)
    assert _flat(command_help("org list", "en") or "") in _help("org list")


def test_the_usage_line_in_german():
    assert _help("org list", "--lang", "de").startswith("Aufruf: opsmaturity org list")
    assert _help("org list").startswith("Usage: opsmaturity org list")


def test_no_help_prose_in_the_command_modules():
    """Help prose lives in help.yaml: no `help=` on an option, argument or group."""
    found = []
    for path in sorted(CLI_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and any(k.arg == "help" for k in node.keywords):
                found.append(f"{path.name}:{node.lineno}")
    assert not found


def test_typers_own_words_in_german_and_english_again_after():
    german = _help("collect gitlab", "--lang", "de")
    assert "Optionen:" in german and "Standard: 4" in german and "Options:" not in german
    english = _help("collect gitlab")  # the words are typer's again once the help is printed
    assert "Options:" in english and "default: 4" in english
    rich = runner.invoke(app, ["--lang", "de", "web", "--help"],
                         env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    plain = re.sub(r"\x1b\[[0-9;]*m", "", rich.stdout)
    assert "Optionen" in plain and "[Standard: 8501]" in plain
