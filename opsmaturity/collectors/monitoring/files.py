"""Reading the monitoring files people already have: paths, globs, YAML and JSON with lines.

Rule files, dashboards and alert configurations are edited by hand, so a problem is only
useful if it names the file and line to fix. Problems are raised as `SourceError` (one
`file:line: message` line); the caller reports it, skips that file and measures the rest.
The line-aware loader itself is `opsmaturity.core.sources`, shared with the catalogue.
"""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path
from typing import Any

from opsmaturity.core.messages import text as _msg
from opsmaturity.core.sources import LineDict, LineList
from opsmaturity.core.sources import load_documents as load_yaml_documents
from opsmaturity.core.sources import parse_json as core_parse_json
from opsmaturity.core.sources import read_text as core_read_text

from ..base import CollectorError

MAX_FILES = 10_000


# ---------------------------------------------------------------- paths


def expand_paths(specs: list[str], suffixes: tuple[str, ...], what: str) -> list[Path]:
    """Files named by `specs`: a file as given, a directory's files with one of `suffixes`
    (recursively, sorted, hidden ones left out), or a glob (`*`, `?`, `[...]`, `**`).

    A spec that names nothing is the user's typo, not a broken file: CollectorError."""
    found: list[Path] = []
    for spec in specs:
        path = Path(spec).expanduser()
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            inside = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.name.lower().endswith(suffixes) and _visible(p, path)
            )
            if not inside:
                raise CollectorError(
                    f"{spec}: " + _msg("files.none_in_directory", what=what,
                                          suffixes=", ".join(suffixes))
                )
            found += inside
        elif glob.has_magic(spec):
            matches = sorted(Path(p) for p in glob.glob(os.path.expanduser(spec), recursive=True))
            files = [p for p in matches if p.is_file()]
            if not files:
                raise CollectorError(f"{spec}: " + _msg("files.none_match", what=what))
            found += files
        elif path.exists():
            raise CollectorError(f"{spec}: " + _msg("files.not_file_or_directory"))
        else:
            raise CollectorError(f"{spec}: " + _msg("files.no_such_file"))
        if len(found) > MAX_FILES:
            raise CollectorError(f"{spec}: " + _msg("files.too_many", limit=MAX_FILES, what=what))
    return list(dict.fromkeys(found))


def _visible(path: Path, root: Path) -> bool:
    return not any(part.startswith(".") for part in path.relative_to(root).parts)


def read_text(path: Path) -> str:
    """The file as UTF-8 text; unreadable or binary files become a SourceError."""
    return core_read_text(path)


# ---------------------------------------------------------------- YAML with line numbers


def parse_yaml(path: str | Path, text: str) -> list[Any]:
    """All documents of a YAML text (empty documents left out), or a SourceError with the
    line PyYAML points at (core.sources.load_documents)."""
    return load_yaml_documents(text, path)


def parse_json(path: str | Path, text: str) -> Any:
    """A JSON text, or a SourceError naming the line of the syntax error."""
    return core_parse_json(text, path)


def load_documents(path: Path) -> list[Any]:
    """The documents of a YAML or JSON file: JSON for `.json` (or text starting with `{`/`[`
    when the suffix says nothing), YAML otherwise."""
    text = read_text(path)
    stripped = text.lstrip()
    is_json = path.suffix.lower() == ".json" or (
        path.suffix.lower() not in (".yml", ".yaml") and stripped[:1] in ("{", "[")
    )
    if is_json:
        return [parse_json(path, text)] if stripped else []
    return parse_yaml(path, text)


def line_of(value: Any, key: Any = None, index: int | None = None) -> int | None:
    """The line of a loaded YAML value, of one of its keys, or of one of its items
    (None for JSON, which keeps no lines)."""
    if key is not None and isinstance(value, LineDict):
        return value.key_lines.get(key, value.line)
    if index is not None and isinstance(value, LineList) and index < len(value.item_lines):
        return value.item_lines[index]
    return getattr(value, "line", None)


# ---------------------------------------------------------------- small value helpers


_DURATION = re.compile(
    r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$"
)
_DURATION_UNITS = (365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001)


def parse_duration(value: Any) -> float | None:
    """Seconds of a Prometheus/Grafana duration (`5m`, `1h30m`, `1m0s`, `90s`, `0`) or a
    number of seconds; None when it is not a duration."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if value >= 0 else None
    text = str(value).strip()
    if text in ("", "0"):
        return 0.0
    match = _DURATION.match(text)
    if not match or not any(match.groups()):
        return None
    parts = zip(match.groups(), _DURATION_UNITS, strict=True)
    return sum(float(g) * unit for g, unit in parts if g)


def text_map(value: Any) -> dict[str, str]:
    """A labels/annotations mapping as str -> str (non-mappings give {})."""
    if not isinstance(value, dict):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}
