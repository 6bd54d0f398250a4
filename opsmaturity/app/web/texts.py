"""The web app's words: `texts.yaml` beside this file, in the report texts' format.

Prose lives in data, like the catalogue, so it can be reviewed and translated without
touching the pages. Words shared with the PDF (risk levels, labels) come from the report
texts, so a page and the PDF call things by the same name.
"""

from __future__ import annotations

from functools import cache

from opsmaturity.reports.texts import Texts, load_table
from opsmaturity.reports.texts import texts as report_texts

TEXTS_FILE = "texts.yaml"


@cache
def _table() -> dict[str, dict[str, str]]:
    return load_table("opsmaturity.app.web", TEXTS_FILE)


def web_texts(lang: str = "en") -> Texts:
    """The web app's own texts in `lang` (English where a translation is missing)."""
    return Texts(_table(), lang)


__all__ = ["TEXTS_FILE", "Texts", "report_texts", "web_texts"]
