"""A text in the reader's language: the one fallback rule every layer uses.

Texts are maps language -> text with English always present (catalogue, report and web
texts alike). Here, not in the catalogue module, so that a command printing one line of
text does not load the catalogue's models to find its words.
"""

from __future__ import annotations


def localise(text: dict[str, str] | None, lang: str = "en") -> str:
    """The text in `lang`, falling back to English (always present)."""
    if not text:
        return ""
    return text.get(lang) or text["en"]
