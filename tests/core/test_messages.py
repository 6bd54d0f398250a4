"""Loader and collector messages as data: English kept, every language found again."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from opsmaturity.core.messages import localise, table, text
from opsmaturity.core.sources import SourceError, parse_json, parse_yaml


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(table()))
def test_every_message_is_german_too_with_the_same_placeholders(key: str):
    texts = table()[key]
    assert texts.get("de"), f"{key}: no German text"
    assert texts["de"] != texts["en"], f"{key}: German is the English"
    assert _fields(texts["de"]) == _fields(texts["en"]), key


@pytest.mark.parametrize("key", sorted(table()))
def test_each_english_message_is_found_again(key: str):
    """Evidence files keep the English: each message must be told apart from every other
    and come back in German with its values, or a warning would be shown half-translated."""
    values = {name: f"V{i}x" for i, name in enumerate(sorted(_fields(table()[key]["en"])))}
    english = text(key, **values)
    assert localise(english, "de") == table()[key]["de"].format(**values)
    assert localise(english, "en") == english


def test_a_location_prefix_and_nested_messages_are_kept_and_localised():
    problem = str(SourceError("rules/a.yml", 3, text("source.invalid_json",
                                                    problem="Expecting value")))
    assert problem == "rules/a.yml:3: invalid JSON: Expecting value"
    assert localise(problem, "de") == "rules/a.yml:3: ungültiges JSON: Wert erwartet"
    assert localise("db1: could not translate host name", "de") == \
        "db1: could not translate host name"  # not ours: unchanged


def test_loader_errors_in_german():
    with pytest.raises(SourceError) as exc:
        parse_json('{"a": 1,}', "x.json")
    assert localise(str(exc.value), "de") == \
        "x.json:1: ungültiges JSON: Schlüssel in doppelten Anführungszeichen erwartet"
    with pytest.raises(SourceError) as exc:
        parse_yaml("a: 1\na: 2\n", "y.yaml")
    assert localise(str(exc.value), "de") == "y.yaml:2: doppelter Schlüssel 'a'"


# --- user-facing errors are worded in messages.yaml ---------------------------------------

USER_ERRORS = {"StoreError", "ReportError", "CollectorError", "SourceError", "OutputError",
               "EvidenceFileError", "RecordError", "GitLogError"}
"""The errors whose text a person reads (CLI `error:` lines, the web app, warnings)."""
PACKAGE = Path(__file__).parents[2] / "opsmaturity"


def _prose(node: ast.expr) -> bool:
    """A literal with words in it: `"no team"`, f"{x} is empty" (not f"{where}: {why}")."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.search(r"[A-Za-z]{2,}\W+[A-Za-z]{2,}", node.value) is not None
    if isinstance(node, ast.JoinedStr):
        return any(_prose(v) for v in node.values if isinstance(v, ast.Constant))
    return False


def literal_errors(source: str, name: str = "<code>") -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] in USER_ERRORS
                and node.args and _prose(node.args[0])):
            found.append(f"{name}:{node.lineno}: {ast.unparse(node)[:90]}")
    return found


def test_user_facing_errors_take_their_words_from_messages_yaml():
    """`raise StoreError("no team ...")` has no German: the words come from `text(key)`."""
    found = [hit for path in sorted(PACKAGE.rglob("*.py"))
             for hit in literal_errors(path.read_text(encoding="utf-8"), str(path))]
    assert not found, "\n".join(found)


def test_the_scan_sees_a_literal_message():
    assert literal_errors('raise StoreError(f"no team {ref!r}")')
    assert literal_errors("raise ReportError('the assessment has no date')")
    assert literal_errors('return CollectorError("git was not found on PATH")')
    assert not literal_errors('raise StoreError(_msg("store.no_team", ref=ref))')
    assert not literal_errors('raise CollectorError(f"{path}: {_msg(\'git.not_a_directory\')}")')


def test_every_message_key_in_the_code_exists():
    keys = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and ast.unparse(node.func) in ("_msg", "text")
                    and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str) and "." in node.args[0].value
                    and " " not in node.args[0].value):
                keys.add(node.args[0].value)
    assert len(keys) > 100
    cli_and_web = {k for k in keys if k not in table()}  # `text` is other texts' name too
    assert not {k for k in cli_and_web if k.split(".")[0] in
                ("store", "bundle", "report", "git", "incidents", "collector", "progress")}
