"""The catalogue is written in every language it declares: German beside English, throughout."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.scoring.catalogue import default_catalogue_dir, load_catalogue

# Words German DevOps practitioners use unchanged. A `de` text equal to its `en` text is
# allowed only when it is one of these; everything else must be written in German.
SAME_IN_GERMAN = {
    "Initial",
    "Deployments & Releases",
    "Monitoring & Observability",
    "Incident Management",
}

# Common English words that do not occur in German prose; one of them in a `de` text means
# an English sentence (or half of one) was left behind.
ENGLISH_ONLY = re.compile(
    r"\b(the|and|with|which|would|should|every|when|there|their|is|are|were|"
    r"this|that|from|into|have|has|not|only|without|because)\b")


def _texts(node, path=""):
    if isinstance(node, dict) and "en" in node and all(isinstance(v, str) for v in node.values()):
        yield path, node
    elif isinstance(node, dict):
        for key, child in node.items():
            yield from _texts(child, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            name = child.get("id", child.get("value", child.get("level", i))) \
                if isinstance(child, dict) else i
            yield from _texts(child, f"{path}[{name}]")


def _all_texts():
    for path in sorted(default_catalogue_dir().glob("*.yaml")):
        for where, text in _texts(yaml.safe_load(path.read_text(encoding="utf-8"))):
            yield f"{path.name}:{where}", text


def test_catalogue_declares_english_and_german():
    assert load_catalogue().languages == ["en", "de"]


def test_every_text_has_a_german_version_that_is_not_english():
    texts = list(_all_texts())
    assert len(texts) > 500  # the whole catalogue, not a sample
    missing = [w for w, t in texts if not t.get("de", "").strip()]
    assert not missing, f"no German text: {missing[:10]}"
    same = [w for w, t in texts if t["de"] == t["en"] and t["en"] not in SAME_IN_GERMAN]
    assert not same, f"German text identical to English: {same[:10]}"
    english = [(w, m.group(0)) for w, t in texts if (m := ENGLISH_ONLY.search(t["de"]))]
    assert not english, f"English words left in German texts: {english[:10]}"


def test_german_uses_the_formal_address():
    informal = re.compile(r"\b(du|dein|deine|deinen|dich|dir|euch|euer|eure)\b", re.IGNORECASE)
    hits = [w for w, t in _all_texts() if informal.search(t["de"])]
    assert not hits, f"Sie-form, please: {hits[:10]}"


def test_placeholders_survive_translation():
    for where, text in _all_texts():
        assert set(re.findall(r"\{\w+\}", text["de"])) == set(re.findall(r"\{\w+\}", text["en"])), \
            where


def test_catalogue_check_names_file_and_line_of_a_missing_translation(tmp_path: Path):
    for path in default_catalogue_dir().glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    signs = tmp_path / "signs.yaml"
    lines = signs.read_text(encoding="utf-8").splitlines()
    title = next(i for i, line in enumerate(lines) if "id: rollbacks_undefined" in line) + 2
    assert lines[title].strip() == "title:"
    assert lines[title + 1].lstrip().startswith("en: ")
    assert lines[title + 2].lstrip().startswith("de: ")
    del lines[title + 2]
    signs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    en_line = title + 2  # 1-based line of the English text that has no German beside it

    result = CliRunner().invoke(app, ["catalogue", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert f"signs.yaml:{en_line}: signs.rollbacks_undefined.title has no 'de' text" \
        in result.output
    assert "1 text lacks a declared language (en, de)" in result.output

    ok = CliRunner().invoke(app, ["catalogue", "check"])
    assert ok.exit_code == 0 and "languages en, de: ok" in ok.output


def test_a_catalogue_that_declares_no_languages_is_english_only():
    from tests.conftest import MINI
    cat = load_catalogue(MINI)
    assert cat.languages == ["en"] and cat.text_gaps() == []
