"""The web app's words: `texts.yaml` beside this file, in the report texts' format.

Prose lives in data, like the catalogue, so it can be reviewed and translated without
touching the pages. Words shared with the PDF (risk levels, labels) come from the report
texts, so a page and the PDF call things by the same name.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from opsmaturity.reports.texts import Texts
from opsmaturity.reports.texts import texts as report_texts

TEXTS_FILE = "texts.yaml"


def _flatten(node: Any, prefix: str, out: dict[str, dict[str, str]]) -> None:
    if not isinstance(node, dict):
        raise ValueError(f"{TEXTS_FILE}: {prefix or '(top)'}: expected a mapping")
    if "en" in node and all(isinstance(v, str) for v in node.values()):
        out[prefix] = {str(k): str(v) for k, v in node.items()}
        return
    for key, child in node.items():
        _flatten(child, f"{prefix}.{key}" if prefix else str(key), out)


@cache
def _table() -> dict[str, dict[str, str]]:
    text = resources.files("opsmaturity.app.web").joinpath(TEXTS_FILE).read_text(
        encoding="utf-8")
    out: dict[str, dict[str, str]] = {}
    _flatten(yaml.safe_load(text), "", out)
    return out


def web_texts(lang: str = "en") -> Texts:
    """The web app's own texts in `lang` (English where a translation is missing)."""
    return Texts(_table(), lang)


__all__ = ["TEXTS_FILE", "Texts", "report_texts", "web_texts"]
