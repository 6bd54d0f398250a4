"""The terminal's words: `texts.yaml` beside this file, in the report texts' format."""

from __future__ import annotations

from functools import cache

from opsmaturity.reports.texts import Texts, load_table

TEXTS_FILE = "texts.yaml"


@cache
def _table() -> dict[str, dict[str, str]]:
    return load_table("opsmaturity.app.cli", TEXTS_FILE)


def cli_texts(lang: str = "en") -> Texts:
    """The command line's texts in `lang` (English where a translation is missing)."""
    return Texts(_table(), lang)
