"""Reading large exports record by record: JSON (arrays, API pages, JSON Lines) and CSV.

Why not `json.load`: a year of incidents with log entries can be hundreds of megabytes, and
a parsed Python tree takes several times the size of its text. Here each record is decoded
on its own from a sliding buffer (C-speed `raw_decode`), so memory stays near one chunk
plus one record, and every record knows the line it started on for error messages.

Shapes understood: a top-level array of records; a top-level object whose container keys
(`incidents`, `data`, `issues`, `result`, ...) hold arrays of records or one record; an
array of such API pages; and JSON Lines (one record, or one page, per line). A syntax error
inside an array stops that file (the rest cannot be trusted); in JSON Lines only the broken
line is lost.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from opsmaturity.core.messages import text as _msg
from opsmaturity.core.sources import file_encoding

CHUNK = 1 << 20
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})


@dataclass(slots=True)
class JsonItem:
    """One record from a JSON export, or the problem that stopped reading it."""

    line: int
    key: str | None  # container key it came from (None: top-level array or bare object)
    value: Any = None
    error: str | None = None
    fatal: bool = False  # the rest of the file was not read


class _StreamError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


class _Cursor:
    """A read position in a text stream, refilled in chunks; counts lines as it goes."""

    def __init__(self, f: IO[str]) -> None:
        self.f = f
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._line = 1  # line number of buf[self._counted]
        self._counted = 0

    def line_at(self, index: int) -> int:
        if index > self._counted:
            self._line += self.buf.count("\n", self._counted, index)
            self._counted = index
        return self._line

    def _fill(self) -> bool:
        if self.eof:
            return False
        # read at least as much as is pending, so an unfinished big record costs O(n) re-parsing
        chunk = self.f.read(max(CHUNK, len(self.buf) - self.pos))
        if not chunk:
            self.eof = True
            return False
        self.line_at(self.pos)
        self.buf = self.buf[self.pos :] + chunk
        self._counted -= self.pos
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next non-blank character ("" at the end of the file)."""
        while True:
            match = _WS.match(self.buf, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def expect(self, chars: str, what: str) -> str:
        c = self.peek()
        if not c or c not in chars:
            found = repr(c) if c else _msg("incidents.end_of_file")
            raise _StreamError(_msg("incidents.expected_found", what=what, found=found),
                               self.line_at(self.pos))
        self.pos += 1
        return c

    def value(self) -> Any:
        if not self.peek():
            raise _StreamError(_msg("incidents.file_ends"), self.line_at(self.pos))
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except RecursionError:
                raise _StreamError("invalid JSON: nested too deeply",
                                   self.line_at(self.pos)) from None
            except json.JSONDecodeError as exc:
                truncated = exc.pos >= len(self.buf) - 16 or exc.msg.startswith("Unterminated")
                if truncated and self._fill():
                    continue
                raise _StreamError(f"invalid JSON: {exc.msg}", self.line_at(exc.pos)) from None
            if end >= len(self.buf) and not isinstance(value, dict | list | str) and self._fill():
                continue  # a number or literal may go on in the next chunk
            self.pos = end
            return value


def json_records(path: Path, containers: tuple[str, ...]) -> Iterator[JsonItem]:
    """Every record of a JSON or JSON Lines export, decoded one at a time."""
    with open(path, encoding=file_encoding(path), errors="replace") as f:
        if _is_json_lines(path, f):
            yield from _json_lines(f, containers)
            return
        cursor = _Cursor(f)
        try:
            yield from _document(cursor, containers)
        except _StreamError as exc:
            yield JsonItem(line=exc.line, key=None, error=str(exc), fatal=True)


def _is_json_lines(path: Path, f: IO[str]) -> bool:
    if path.suffix.lower() in _JSONL_SUFFIXES:
        return True
    first = f.readline(CHUNK)
    try:
        if not first.lstrip().startswith("{") or not isinstance(json.loads(first), dict):
            return False
        rest = f.read(4096)
        return rest.lstrip().startswith("{")
    except json.JSONDecodeError:
        return False
    finally:
        f.seek(0)


def _json_lines(f: IO[str], containers: tuple[str, ...]) -> Iterator[JsonItem]:
    for lineno, line in enumerate(f, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield JsonItem(line=lineno, key=None, error=f"invalid JSON: {exc.msg}")
            continue
        except RecursionError:
            yield JsonItem(line=lineno, key=None, error="invalid JSON: nested too deeply")
            continue
        yield from _expand(lineno, None, value, containers)


def _expand(
    line: int, key: str | None, value: Any, containers: tuple[str, ...]
) -> Iterator[JsonItem]:
    """A record, or the records of an API page (an object with container keys and no id)."""
    if isinstance(value, dict) and "id" not in value:
        inner = [k for k in containers if isinstance(value.get(k), list | dict)]
        if inner:
            for k in inner:
                items = value[k] if isinstance(value[k], list) else [value[k]]
                for item in items:
                    yield JsonItem(line=line, key=k, value=item)
            return
    yield JsonItem(line=line, key=key, value=value)


def _document(cursor: _Cursor, containers: tuple[str, ...]) -> Iterator[JsonItem]:
    c = cursor.peek()
    if c == "[":
        for line, value in _array(cursor):
            yield from _expand(line, None, value, containers)
    elif c == "{":
        yield from _object(cursor, containers)
    elif not c:
        return  # an empty file holds no records
    else:
        where = cursor.line_at(cursor.pos)
        raise _StreamError(f"expected a JSON object or list, found {c!r}", where)
    if cursor.peek():
        raise _StreamError("unexpected data after the JSON document", cursor.line_at(cursor.pos))


def _array(cursor: _Cursor) -> Iterator[tuple[int, Any]]:
    cursor.expect("[", "'['")
    if cursor.peek() == "]":
        cursor.pos += 1
        return
    while True:
        cursor.peek()
        line = cursor.line_at(cursor.pos)
        yield line, cursor.value()
        if cursor.expect(",]", "',' or ']' after a record") == "]":
            return


def _object(cursor: _Cursor, containers: tuple[str, ...]) -> Iterator[JsonItem]:
    start = cursor.line_at(cursor.pos)
    cursor.expect("{", "'{'")
    rest: dict[str, Any] | None = {}  # other keys, kept only while no container was seen
    if cursor.peek() == "}":
        cursor.pos += 1
        return
    while True:
        if cursor.peek() != '"':
            raise _StreamError("expected a quoted key", cursor.line_at(cursor.pos))
        key = cursor.value()
        cursor.expect(":", "':' after a key")
        if key in containers and not (rest and "id" in rest):  # an id first: one bare record
            rest = None
            if cursor.peek() == "[":
                for line, value in _array(cursor):
                    yield JsonItem(line=line, key=key, value=value)
            else:
                line = cursor.line_at(cursor.pos)
                yield JsonItem(line=line, key=key, value=cursor.value())
        else:
            value = cursor.value()
            if rest is not None:
                rest[key] = value
        if cursor.expect(",}", "',' or '}'") == "}":
            break
    if rest:  # a bare record, not a page of records
        yield JsonItem(line=start, key=None, value=rest)


# --------------------------------------------------------------------------- CSV


def norm_header(name: str) -> str:
    """`Issue key` -> `issue_key`, `Custom field (Request Type)` -> `custom_field_request_type`."""
    return re.sub(r"[^0-9a-z]+", "_", name.casefold()).strip("_")


@dataclass(slots=True)
class CsvRow:
    """One CSV record by normalised header; repeated headers (Jira's Labels) keep all values."""

    line: int
    values: dict[str, str]
    multi: dict[str, list[str]] = field(default_factory=dict)

    def get(self, *names: str) -> str | None:
        """The first non-blank value among the given (normalised) column names."""
        for name in names:
            value = self.values.get(name)
            if value is not None and value.strip():
                return value.strip()
        return None

    def all(self, name: str) -> list[str]:
        return self.multi.get(name) or ([v] if (v := self.get(name)) else [])

    def has(self, name: str) -> bool:
        return name in self.values


@dataclass(slots=True)
class CsvProblem:
    """A CSV row that could not be read (its first line and why)."""

    line: int
    why: str
    fatal: bool = False


def sniff_delimiter(header_line: str) -> str:
    """The most frequent of , ; tab | in the header line (Excel writes ; in many locales)."""
    counts = {d: header_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def csv_header(path: Path) -> list[str]:
    """The normalised column names of a CSV file (for telling formats apart)."""
    with open(path, encoding=file_encoding(path), errors="replace", newline="") as f:
        line = f.readline(CHUNK)
    try:
        names = next(csv.reader([line], delimiter=sniff_delimiter(line)), [])
    except csv.Error:
        return []
    return [norm_header(name) for name in names]


def csv_rows(path: Path, delimiter: str | None = None) -> Iterator[CsvRow | CsvProblem]:
    """Rows of a CSV export as they are read; a broken row becomes a problem, not an end."""
    with open(path, encoding=file_encoding(path), errors="replace", newline="") as f:
        first = f.readline(CHUNK)
        f.seek(0)
        reader = csv.reader(f, delimiter=delimiter or sniff_delimiter(first))
        try:
            raw_header = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield CsvProblem(1, f"unreadable header: {exc}", fatal=True)
            return
        header = [norm_header(h) for h in raw_header]
        repeated = {h for h in header if header.count(h) > 1}
        previous = reader.line_num
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield CsvProblem(previous + 1, f"unreadable CSV row: {exc}")
                previous = reader.line_num
                continue
            start, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                yield CsvProblem(
                    start,
                    f"{len(row)} fields where the header has {len(header)} "
                    "(an unquoted delimiter or a shifted row?)",
                )
                continue
            values: dict[str, str] = {}
            multi: dict[str, list[str]] = {}
            for name, cell in zip(header, row, strict=False):
                if name in repeated:
                    if cell.strip():
                        multi.setdefault(name, []).append(cell.strip())
                    if values.get(name, "").strip():
                        continue
                values[name] = cell
            for name in header[len(row) :]:
                values.setdefault(name, "")
            yield CsvRow(line=start, values=values, multi=multi)
