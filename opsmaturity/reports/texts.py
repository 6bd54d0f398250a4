"""The plain-language texts of the reports, kept as data like the catalogue.

`templates/texts.yaml` maps dotted keys to `{lang: text}`; a text may hold `{name}`
placeholders filled by the caller. Templates escape whatever comes out, so a value
carrying user text (a team name) is never read as markup.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from opsmaturity.core.language import localise
from opsmaturity.core.sources import safe_load

TEXTS_FILE = "texts.yaml"


class Texts:
    """Look-up of report texts by dotted key, in one language with English fallback."""

    def __init__(self, table: dict[str, dict[str, str]], lang: str = "en") -> None:
        self._table = table
        self.lang = lang

    def __call__(self, key: str, **values: Any) -> str:
        try:
            text = localise(self._table[key], self.lang)
        except KeyError:
            raise KeyError(f"no report text {key!r} in {TEXTS_FILE}") from None
        return text.format(**values) if values else text

    def n(self, key: str, n: int, **values: Any) -> str:
        """A counted text: `key.one` for one, `key.other` for any other number."""
        return self(f"{key}.{'one' if n == 1 else 'other'}", n=n, **values)

    def has(self, key: str) -> bool:
        return key in self._table

    def variants(self, key: str) -> dict[str, str]:
        """Every language's version of `key` ({"en": ..., "de": ...}), for reading back a
        file that may have been written in any of them."""
        try:
            return dict(self._table[key])
        except KeyError:
            raise KeyError(f"no report text {key!r} in {TEXTS_FILE}") from None

    def keys(self) -> list[str]:
        return sorted(self._table)


def _flatten(node: Any, prefix: str, out: dict[str, dict[str, str]], name: str) -> None:
    if not isinstance(node, dict):
        raise ValueError(f"{name}: {prefix or '(top)'}: expected a mapping")
    if "en" in node and all(isinstance(v, str) for v in node.values()):
        out[prefix] = {str(k): str(v) for k, v in node.items()}
        return
    for key, child in node.items():
        _flatten(child, f"{prefix}.{key}" if prefix else str(key), out, name)


def load_table(package: str, *path: str) -> dict[str, dict[str, str]]:
    """A texts YAML shipped in `package`, flattened to dotted keys -> {lang: text}."""
    text = resources.files(package).joinpath(*path).read_text(encoding="utf-8")
    out: dict[str, dict[str, str]] = {}
    _flatten(safe_load(text, path[-1]), "", out, path[-1])
    return out


@cache
def _table() -> dict[str, dict[str, str]]:
    return load_table("opsmaturity.reports", "templates", TEXTS_FILE)


def texts(lang: str = "en") -> Texts:
    """The report texts in `lang` (English where a translation is missing)."""
    return Texts(_table(), lang)
