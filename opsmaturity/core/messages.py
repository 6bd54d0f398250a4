"""The words of errors and warnings, as data: `messages.yaml` beside this file, {en, de}.

Collectors and loaders raise and record their problems in English (evidence files keep
them so, whoever reads them later); the English comes from `text(key, ...)`, never from a
string in the code. Whoever shows a problem to a person calls `localise(problem, lang)`:
the English is matched against the templates and said again in `lang`. A problem is
usually `where: what` (`file:line: invalid YAML: ...`), so an unmatched text is localised
part by part after each `: `. What is not ours (a server's own error text) stays as it is.
"""

from __future__ import annotations

import re
import string
from functools import cache
from pathlib import Path
from typing import Any

MESSAGES_FILE = Path(__file__).with_name("messages.yaml")


@cache
def table() -> dict[str, dict[str, str]]:
    """Dotted key -> {language: template}, flattened from the YAML."""
    from .sources import safe_load  # sources raises with these texts: imported when read

    out: dict[str, dict[str, str]] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict) and "en" in node and all(isinstance(v, str)
                                                          for v in node.values()):
            out[prefix] = node
            return
        for key, child in node.items():
            walk(child, f"{prefix}.{key}" if prefix else str(key))

    walk(safe_load(MESSAGES_FILE.read_text(encoding="utf-8"), MESSAGES_FILE), "")
    return out


def text(key: str, /, **values: object) -> str:
    """The English message `key` with its `{name}` placeholders filled in."""
    try:
        template = table()[key]["en"]
    except KeyError:
        raise KeyError(f"no message {key!r} in {MESSAGES_FILE.name}") from None
    return template.format(**values)


def _pattern(template: str) -> re.Pattern[str] | None:
    parts: list[str] = []
    seen: set[str] = set()
    literal = ""
    for text_part, name, _spec, _conv in string.Formatter().parse(template):
        parts.append(re.escape(text_part))
        literal += text_part
        if name is not None:
            parts.append("(?:.+?)" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
    if not literal.strip(" :"):
        return None  # placeholders only: it would match anything
    return re.compile("".join(parts) + r"\Z", re.S)


@cache
def _matchers() -> list[tuple[re.Pattern[str], str]]:
    """(English pattern, key), the most specific (longest literal text) first."""
    found = [(p, k, len(re.sub(r"\{[^}]*\}", "", t["en"])))
             for k, t in table().items() if (p := _pattern(t["en"])) is not None]
    return [(p, k) for p, k, _ in sorted(found, key=lambda f: -f[2])]


def localise(message: str, lang: str) -> str:
    """`message` (English, from `text`) said in `lang`; unknown parts stay as they are."""
    if lang == "en" or not message:
        return message
    for pattern, key in _matchers():
        if m := pattern.match(message):
            target = table()[key].get(lang)
            if target is None:
                return message
            values = {k: localise(v, lang) for k, v in m.groupdict().items()}
            return target.format(**values)
    head, sep, tail = message.partition(": ")  # `where: what`; `where` may be ours too
    return localise(head, lang) + sep + localise(tail, lang) if sep else message
