"""The command line's own errors (typer's) in German: run as the installed command, since the
words are set up in `main()` before typer parses anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CLI = str(Path(sys.executable).with_name("opsmaturity"))

CASES = [  # (arguments, German the error line says, English it must no longer say)
    (["score", "--foo"], "Fehler: Unbekannte Option: --foo", "No such option"),
    (["score", "--dora-year", "abc"], "Ungültiger Wert für '--dora-year': Erwartet wird eine "
     "ganze Zahl", "Invalid value"),
    (["score", "--format", "pdf"], "'pdf' ist keiner der Werte 'text', 'json'", "is not one of"),
    (["score", "extra"], "Unerwartete zusätzliche Argumente (extra)", "unexpected extra"),
    (["scor"], "Unbekannter Befehl 'scor'. Meinten Sie 'score'?", "No such command"),
    (["collect", "git", "--since"], "Die Option '--since' braucht einen Wert.",
     "requires an argument"),
]


def _run(args: list[str], lang: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "OPSMATURITY_LANG"}
    if lang:
        env["OPSMATURITY_LANG"] = lang
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize(("args", "german", "english"), CASES)
def test_usage_errors_in_german(args: list[str], german: str, english: str):
    result = _run(args, "de")
    assert result.returncode == 2
    assert german in result.stderr, result.stderr
    assert english not in result.stderr and "Error:" not in result.stderr
    assert "Try '" not in result.stderr
    assert "Usage:" not in result.stderr


def test_lang_on_the_line_and_english_unchanged():
    german = _run(["score", "--lang", "de", "--foo"], None).stderr
    assert "Fehler: Unbekannte Option" in german and "Aufruf: opsmaturity score" in german
    english = _run(["score", "--foo"], None)
    assert english.returncode == 2 and "Error: No such option: --foo" in english.stderr
    assert "Usage: opsmaturity score" in english.stderr


def test_on_a_terminal_typers_rich_error_is_said_in_german_too():
    env = {k: v for k, v in os.environ.items() if k not in ("OPSMATURITY_LANG", "NO_COLOR")}
    env["FORCE_COLOR"] = "1"  # what a terminal gets: typer reports through rich
    result = subprocess.run([CLI, "--lang", "de", "score", "--foo"], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 2
    assert "Fehler: Unbekannte Option: --foo" in result.stderr, result.stderr
    assert "No such option" not in result.stderr and "Usage:" not in result.stderr
