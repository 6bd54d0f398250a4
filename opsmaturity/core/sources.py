"""YAML and JSON loading that remembers where every value came from, and its one error.

Users edit the catalogue, answer files, rule files and pipelines by hand; a problem is
only useful if it points at the line to fix, so every input problem is a `SourceError`
(`file:line: message`). Two ways in, for two kinds of file:

- `load_yaml` / `parse_yaml` (catalogue, answers): strict. PyYAML's composed node tree
  carries marks, so we build the plain data and a `path -> line` index in one walk;
  duplicate keys and merge keys are errors.
- `LineLoader` (rule files, dashboards, pipelines the tool only reads): lenient. Mappings
  and sequences remember their line (`LineDict`, `LineList`); unknown tags (`!Ref`,
  `!GetAtt`, ...) load as plain data, so a file with a tag we do not know is still measured.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

Loc = tuple[str | int, ...]


class SourceError(Exception):
    """A problem in an input file, reported as `file:line: message`."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{where(self.path, self.line)}: {self.message}"


def where(path: str | Path, line: int | None) -> str:
    """`file:line`, or just the file when the line is unknown."""
    return f"{path}:{line}" if line else str(path)


@dataclass
class YamlSource:
    """Parsed YAML data plus the line of every mapping key and list item."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_for(self, loc: Iterable[str | int]) -> int | None:
        """Line of the deepest known element on the path `loc`."""
        loc = tuple(loc)
        for end in range(len(loc), -1, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                return line
        return None

    def error(self, loc: Iterable[str | int], message: str) -> SourceError:
        return SourceError(self.path, self.line_for(loc), message)

    def validation_error(self, exc: ValidationError, prefix: Loc = ()) -> SourceError:
        """Turn pydantic's first error into one `file:line: message` line."""
        first = exc.errors(include_url=False)[0]
        loc = prefix + tuple(p for p in first["loc"] if not _is_tag(p))
        dotted = ".".join(str(p) for p in loc) or "(top level)"
        return self.error(loc, f"{dotted}: {first['msg']}")


def read_json(path: str | Path) -> Any:
    """A JSON file's data; a missing, unreadable or broken file is a SourceError (file:line)."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(path, None, "file not found") from None
    except json.JSONDecodeError as exc:
        raise SourceError(path, exc.lineno, f"invalid JSON: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(path, None, f"cannot read ({exc})") from None


def first_problem(exc: ValidationError) -> str:
    """pydantic's first error as `dotted.location: message`, for data without lines (JSON)."""
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"]) or "(top level)"
    return f"{where}: {err['msg']}"


def _is_tag(part: str | int) -> bool:
    # pydantic adds union-member / function tags such as 'function-after[...]' to loc.
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def load_yaml(path: str | Path) -> YamlSource:
    """Read a YAML file; syntax errors and duplicate keys become SourceError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(path, None, "file not found") from None
    except UnicodeDecodeError as exc:
        raise SourceError(path, None, f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise SourceError(path, None, exc.strerror or str(exc)) from None
    return parse_yaml(text, path)


# libyaml parses several times faster; on an error the pure parser runs again, so every
# message (and its line) is the same whether or not libyaml is installed.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def _compose(text: str) -> yaml.Node | None:
    if _FAST_LOADER is not None:
        try:
            return yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def parse_yaml(text: str, path: str | Path = "<string>") -> YamlSource:
    path = Path(path)
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise SourceError(path, line, f"invalid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise SourceError(path, None, f"invalid YAML: {exc}") from None
    source = YamlSource(path=path, data=None)
    if node is None:
        return source
    source.data = _build(node, (), source)
    return source


def _build(node: yaml.Node, loc: Loc, source: YamlSource) -> Any:
    source.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise SourceError(source.path, key_node.start_mark.line + 1,
                                  "YAML merge keys (<<) are not supported here")
            key = _scalar(key_node, source)
            if key in result:
                raise SourceError(source.path, key_node.start_mark.line + 1,
                                  f"duplicate key {key!r}")
            child = (*loc, key)
            source.lines[child] = key_node.start_mark.line + 1
            result[key] = _build(value_node, child, source)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), source) for i, item in enumerate(node.value)]
    return _scalar(node, source)


def _scalar(node: yaml.Node, source: YamlSource) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise SourceError(source.path, node.start_mark.line + 1, "a key must be a plain value")
    constructor = yaml.constructor.SafeConstructor()  # a loader without a reader: cheaper
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        raise SourceError(source.path, node.start_mark.line + 1, str(exc.problem)) from None


# ---------------------------------------------------------------- lenient, for reading


class LineDict(dict[Any, Any]):
    """A YAML mapping that remembers its (1-based) line and the line of each key."""

    line: int | None = None
    key_lines: dict[Any, int]


class LineList(list[Any]):
    """A YAML sequence that remembers its line and the line of each item."""

    line: int | None = None
    item_lines: list[int]


class LineLoader(yaml.SafeLoader):
    """SafeLoader recording line numbers; subclasses may add constructors for their tags."""


def _construct_map(loader: LineLoader, node: yaml.MappingNode) -> Iterator[LineDict]:
    data = LineDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    data.update(loader.construct_mapping(node))
    for key_node, _ in node.value:  # flattened by construct_mapping: merge keys first
        try:
            data.key_lines[loader.construct_object(key_node)] = key_node.start_mark.line + 1
        except TypeError:  # an unhashable key: construct_mapping has already complained
            continue


def _construct_seq(loader: LineLoader, node: yaml.SequenceNode) -> Iterator[LineList]:
    data = LineList()
    data.line = node.start_mark.line + 1
    data.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_sequence(node))


def _construct_unknown(loader: LineLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
LineLoader.add_multi_constructor("!", _construct_unknown)
