"""Loader and collector messages as data: English kept, every language found again."""

from __future__ import annotations

import string

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
