"""YAML and JSON loading that remembers where every value came from, and its one error.

Users edit the catalogue, answer files, rule files and pipelines by hand; a problem is
only useful if it points at the line to fix, so every input problem is a `SourceError`
(`file:line: message`). Two ways in, for two kinds of file:

- `load_yaml` / `parse_yaml` (catalogue, answers): strict. PyYAML's composed node tree
  carries marks, so we build the plain data and a `path -> line` index in one walk;
  duplicate keys and merge keys are errors.
- `load_documents` with a `LineLoader` (rule files, dashboards, pipelines the tool only
  reads): lenient. Mappings and sequences remember their line (`LineDict`, `LineList`);
  unknown tags (`!Ref`, `!GetAtt`, ...) load as plain data, so a file with a tag we do not
  know is still measured. Built from parser events like the strict path; LineLoader's own
  node-tree constructors stay the reference it is tested against (tests/core).
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import yaml

if TYPE_CHECKING:  # annotations only: reading YAML (`--help`) does not load pydantic
    from pydantic import ValidationError

from .messages import text as _msg

Loc = tuple[str | int, ...]


def _too_deep_json() -> str:
    return _msg("source.invalid_json", problem=_msg("source.nested_too_deeply"))


def _too_deep_yaml() -> str:
    return _msg("source.invalid_yaml", problem=_msg("source.nested_too_deeply"))


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
    text: str | None = field(default=None, repr=False)

    def line_for(self, loc: Iterable[str | int]) -> int | None:
        """Line of the deepest known element on the path `loc`."""
        loc = tuple(loc)
        if not self.lines and self.text is not None:  # indexed on the first question
            _Builder(Path(self.path), self.lines).run(self.text)
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
        dotted = ".".join(_shown(p) for p in loc) or "(top level)"
        return self.error(loc, f"{dotted}: {first['msg']}")


MAX_JSON_DEPTH = 200
"""Deepest nesting accepted in a JSON or YAML input (real files nest a few dozen levels)."""

MAX_YAML_VALUES = 1_000_000
"""Values a YAML file may expand to through its aliases, at least: a file larger than this
without aliases is still read (the limit is then ten times its own size). Above it the file
is refused as an alias bomb ("billion laughs")."""

_NON_FINITE = re.compile(r"(?<![\w\"])-?(?:NaN|Infinity)(?![\w\"])")


class _NotFinite(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NotFinite(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def parse_json(text: str, path: str | Path = "<string>") -> Any:
    """JSON text as data, strictly: `NaN`, `Infinity` and numbers too large for a float are
    refused (JSON has none of them), and so is nesting deeper than MAX_JSON_DEPTH. Every
    problem is a SourceError naming the line."""
    try:
        data = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise SourceError(path, exc.lineno, _msg("source.invalid_json", problem=exc.msg)) from None
    except _NotFinite as exc:
        raise SourceError(path, _line_of_constant(text, str(exc)),
                          _msg("source.invalid_json",
                               problem=_msg("source.json_not_a_number", value=exc))) from None
    except RecursionError:
        raise SourceError(path, None, _too_deep_json()) from None
    check_depth(data, path)
    return data


def _line_of_constant(text: str, token: str) -> int | None:
    match = _NON_FINITE.search(text) if token in ("NaN", "Infinity", "-Infinity") else None
    if match is None:
        index = text.find(token)
        return text.count("\n", 0, index) + 1 if index >= 0 else None
    return text.count("\n", 0, match.start()) + 1


def check_depth(data: Any, path: str | Path, limit: int = MAX_JSON_DEPTH) -> None:
    """SourceError when `data` nests deeper than `limit` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    seen: set[int] = set()
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, (dict, list)) or id(value) in seen:
            continue
        if depth >= limit:
            raise SourceError(path, None, _msg("source.nested_levels", limit=limit))
        seen.add(id(value))
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, (dict, list)))


def read_text(path: str | Path) -> str:
    """A text file's content: UTF-8 (with or without a BOM), or UTF-16 with its BOM (as
    Windows tools save "Unicode text"). Missing, unreadable or binary: a SourceError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(path, None, _msg("source.file_not_found")) from None
    except IsADirectoryError:
        raise SourceError(path, None, _msg("source.is_directory")) from None
    except OSError as exc:
        raise SourceError(path, None,
                          _msg("source.cannot_read", reason=exc.strerror or exc)) from None
    return decode_text(data, path)


def text_encoding(head: bytes) -> str:
    """The encoding to read a text file with, from its first bytes: UTF-16 when it starts
    with a UTF-16 byte order mark (Excel's "Unicode text"), or without one when every other
    byte of the start is NUL (text in Latin letters saved as UTF-16); else UTF-8 (BOM
    skipped)."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    sample = head[:64] if len(head) % 2 == 0 else head[:63]
    if len(sample) >= 4 and b"\x00" not in sample[::2] and not sample[1::2].strip(b"\x00"):
        return "utf-16-le"
    if len(sample) >= 4 and b"\x00" not in sample[1::2] and not sample[::2].strip(b"\x00"):
        return "utf-16-be"
    return "utf-8-sig"


def file_encoding(path: str | Path) -> str:
    """text_encoding of a file (for readers that stream it); UTF-8 when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            return text_encoding(fh.read(64))
    except OSError:
        return "utf-8-sig"


def decode_text(data: bytes, path: str | Path) -> str:
    """Bytes of a text file as str (see read_text)."""
    encoding = text_encoding(data)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        what = "UTF-16" if encoding.startswith("utf-16") else "UTF-8"
        raise SourceError(path, line,
                          _msg("source.not_text", encoding=what, byte=exc.start)) from None


def read_json(path: str | Path) -> Any:
    """A JSON file's data (parse_json); a missing, unreadable or broken file is a SourceError."""
    return parse_json(read_text(path), path)


def first_problem(exc: ValidationError) -> str:
    """pydantic's first error as `dotted.location: message`, for data without lines (JSON)."""
    err = exc.errors(include_url=False)[0]
    where = ".".join(_shown(p) for p in err["loc"]) or "(top level)"
    return f"{where}: {str(err['msg']).removeprefix('Value error, ')}"


def _shown(part: str | int) -> str:
    """A location part as written in a message: odd keys (blank, control characters) quoted."""
    text = str(part)
    return text if text.isprintable() and text.strip() == text and text else repr(text)


def _is_tag(part: str | int) -> bool:
    # pydantic adds union-member / function tags such as 'function-after[...]' to loc.
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def load_yaml(path: str | Path) -> YamlSource:
    """Read a YAML file; syntax errors and duplicate keys become SourceError."""
    return parse_yaml(read_text(path), path)


def parse_yaml(text: str, path: str | Path = "<string>") -> YamlSource:
    """Strict YAML: one document, no duplicate or merge keys, no alias cycles or bombs, no
    impossible dates. Built from the parser's events (libyaml's when installed), so no node
    tree is kept; the `path -> line` index is built again from the text only when a line
    is asked for (on an error)."""
    path = Path(path)
    data = _Builder(path, None).run(text)
    return YamlSource(path=path, data=data, text=text)


_FastLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STRING_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_INTERNED = 64  # longest string scalar shared between its occurrences
_PLAIN_TAGS = {None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq",
               "tag:yaml.org,2002:omap"}


def _yaml_syntax_error(exc: yaml.YAMLError, text: str, path: Path) -> SourceError:
    """PyYAML's wording of a syntax error (libyaml words some differently), file:line."""
    if _FastLoader is not yaml.SafeLoader:
        try:  # the pure-Python parser, on the error path only
            for _ in yaml.parse(text, Loader=yaml.SafeLoader):
                pass
        except yaml.YAMLError as pure:
            exc = pure
        except RecursionError:
            return SourceError(path, None, _too_deep_yaml())
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or _msg("source.cannot_be_parsed")
        if exc.problem and exc.context and exc.context_mark and mark is not exc.context_mark:
            what = _msg("source.yaml_context", problem=what, context=exc.context,
                        line=exc.context_mark.line + 1)
        return SourceError(path, mark.line + 1 if mark else None,
                           _msg("source.invalid_yaml", problem=what))
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        return SourceError(path, line, _msg("source.invalid_yaml", problem=_msg(
                           "source.yaml_control_character", code=f"{exc.character:x}")))
    first = str(exc).strip().splitlines()
    return SourceError(path, None, _msg("source.invalid_yaml",
                                        problem=first[0] if first else type(exc).__name__))


class _Frame:
    __slots__ = ("anchor", "container", "key", "key_line", "line", "loc", "size")

    def __init__(self, container: Any, loc: Loc, anchor: str | None, line: int) -> None:
        self.container = container
        self.loc = loc
        self.key: Any = _NO_KEY
        self.key_line = 0
        self.anchor = anchor
        self.size = 1
        self.line = line


_NO_KEY = object()
_MERGE = object()


class _Builder:
    """Plain data from YAML parser events, strictly; with `lines`, also the line index."""

    def __init__(self, path: Path, lines: dict[Loc, int] | None) -> None:
        self.path = path
        self.lines = lines
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.total = 0
        self.limit = MAX_YAML_VALUES
        self.scalars = yaml.SafeLoader("")

    def error(self, line: int | None, message: str) -> SourceError:
        return SourceError(self.path, line, message)

    def run(self, text: str) -> Any:
        self.limit = max(MAX_YAML_VALUES, 10 * text.count("\n"))
        try:
            return self._run(yaml.parse(text, Loader=_FastLoader))
        except yaml.YAMLError as exc:
            raise _yaml_syntax_error(exc, text, self.path) from None
        except RecursionError:
            raise self.error(None, _too_deep_yaml()) from None

    def _run(self, events: Iterator[yaml.Event]) -> Any:
        stack: list[_Frame] = []
        result: Any = None
        documents = 0
        for event in events:
            line = event.start_mark.line + 1 if event.start_mark else None
            if isinstance(event, yaml.ScalarEvent):
                value = self._scalar(event, line)
                done = (value, 1, event.anchor)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if event.tag not in _PLAIN_TAGS:
                    raise self.error(line, _msg("source.unknown_tag", tag=repr(event.tag)))
                if len(stack) >= MAX_JSON_DEPTH:
                    raise self.error(line, _msg("source.nested_levels", limit=MAX_JSON_DEPTH))
                container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
                loc = self._child_loc(stack) if stack else ()
                if self.lines is not None:
                    self.lines.setdefault(loc, line or 0)
                if event.anchor:
                    self.open_anchors.add(event.anchor)
                stack.append(_Frame(container, loc, event.anchor, line or 0))
                continue
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = stack.pop()
                if isinstance(frame.container, dict) and frame.key is not _NO_KEY:
                    raise self.error(frame.key_line, _msg("source.key_without_value"))
                if frame.anchor:
                    self.open_anchors.discard(frame.anchor)
                done = (frame.container, frame.size, frame.anchor)
                line = frame.line
                self.total -= frame.size - 1  # its values were counted as they came
            elif isinstance(event, yaml.AliasEvent):
                value, size = _alias_target(self, event, line)
                done = (value, size, None)
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self.error(line, _msg("source.another_document"))
                continue
            else:
                continue
            value, size, anchor = done
            _count(self, value, size, anchor, line)
            if not stack:
                result = value
                continue
            self._add(stack[-1], value, size, line, event)
        return result

    def _child_loc(self, stack: list[_Frame]) -> Loc:
        frame = stack[-1]
        if isinstance(frame.container, dict):
            if frame.key is _NO_KEY:
                return frame.loc  # a container as a key: refused when it ends
            return (*frame.loc, frame.key)
        return (*frame.loc, len(frame.container))

    def _add(self, frame: _Frame, value: Any, size: int, line: int | None,
             event: yaml.Event) -> None:
        frame.size += size
        container = frame.container
        if value is _MERGE and not (isinstance(container, dict) and frame.key is _NO_KEY):
            raise self.error(line, _msg("source.merge_not_value"))
        if isinstance(container, list):
            if self.lines is not None:
                self.lines[(*frame.loc, len(container))] = line or 0
            container.append(value)
            return
        if frame.key is _NO_KEY:
            if value is _MERGE:
                raise self.error(line, _msg("source.merge_keys"))
            if isinstance(value, (dict, list)):
                raise self.error(line, _msg("source.key_not_plain"))
            if value in container:
                raise self.error(line, _msg("source.duplicate_key", key=repr(value)))
            frame.key, frame.key_line = value, line or 0
            return
        key = frame.key
        if self.lines is not None:
            self.lines[(*frame.loc, key)] = frame.key_line
        container[key] = value
        frame.key = _NO_KEY

    def _scalar(self, event: yaml.ScalarEvent, line: int | None) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.scalars.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == _STRING_TAG:  # keys and option words repeat thousands of times: keep one
            return sys.intern(event.value) if len(event.value) <= _INTERNED else event.value
        if tag == _MERGE_TAG:
            return _MERGE
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        construct = self.scalars.yaml_constructors.get(tag)
        if construct is None:  # an unknown tag: the constructor's own error
            construct = self.scalars.yaml_constructors[None]
        try:  # not construct_object, which would keep every node alive in its cache
            return construct(self.scalars, node)
        except yaml.constructor.ConstructorError as exc:
            raise self.error(line, str(exc.problem)) from None
        except (ValueError, OverflowError, TypeError, AttributeError) as exc:
            what = "date" if tag.endswith(":timestamp") else "value"
            why = f" ({exc})" if isinstance(exc, ValueError) else ""
            raise self.error(line, _msg(f"source.{what}_does_not_exist", value=repr(event.value),
                                        why=why)) from None


# ---------------------------------------------------------------- lenient, for reading


class LineDict(dict[Any, Any]):
    """A YAML mapping that remembers its (1-based) line and the line of each key."""

    line: int | None = None
    key_lines: dict[Any, int]


class LineList(list[Any]):
    """A YAML sequence that remembers its line and the line of each item."""

    line: int | None = None
    item_lines: list[int]


class YamlGraphError(yaml.MarkedYAMLError):
    """An alias cycle, an alias bomb or too deep nesting, found before anything is built."""


def check_graph(root: yaml.Node, limit: int) -> None:
    """Refuse a composed document whose aliases form a cycle or expand to more than `limit`
    values, or that nests deeper than MAX_JSON_DEPTH. Iterative, and linear in the
    document's own size (expanded sizes are memoised per node)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool, int]] = [(root, False, 0)]
    while stack:
        node, finished, depth = stack.pop()
        nid = id(node)
        children = _children(node)
        if finished:
            open_nodes.discard(nid)
            size = 1 + sum(sizes[id(c)] for c in children)
            if size > limit:
                raise YamlGraphError(None, None, f"YAML aliases expand to more than {limit:,} "
                                     "values; refusing to read it (an alias bomb?)",
                                     node.start_mark)
            sizes[nid] = size
            continue
        if nid in sizes:
            continue
        if nid in open_nodes:
            raise YamlGraphError(None, None, "an alias refers to a value that contains it "
                                 "(an alias cycle)", node.start_mark)
        if not children:
            sizes[nid] = 1
            continue
        if depth >= MAX_JSON_DEPTH:
            raise YamlGraphError(None, None, _msg("source.nested_levels", limit=MAX_JSON_DEPTH),
                                 node.start_mark)
        open_nodes.add(nid)
        stack.append((node, True, depth))
        stack.extend((child, False, depth + 1) for child in children)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


class LineLoader(_FastLoader):  # type: ignore[misc,valid-type]
    """Safe loader recording line numbers; subclasses may add constructors for their tags
    (scalars), and in `container_tags` what a tagged mapping or sequence becomes.

    Every document is checked before it is built (`check_graph`): alias cycles, alias bombs
    and absurd nesting are refused with their line. Dates that do not exist stay text."""

    value_limit = MAX_YAML_VALUES
    container_tags: ClassVar[dict[str, Callable[[Any], Any]]] = {}

    def construct_document(self, node: yaml.Node) -> Any:
        check_graph(node, self.value_limit)
        return super().construct_document(node)


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


def _construct_text(loader: LineLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    return _construct_unknown(loader, "", node)


def _construct_unknown(loader: LineLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


def _construct_timestamp(loader: LineLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError, AttributeError):  # 2026-13-45: kept as text
        return node.value


LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
LineLoader.add_multi_constructor("!", _construct_unknown)
# YAML 1.1's "value" type: a plain `=` resolves to it, and PyYAML's safe constructor has no
# constructor for it (a list item `- =` in a real CRD schema). It is valid YAML: keep the text.
LineLoader.add_constructor("tag:yaml.org,2002:value", _construct_text)


def load_documents(text: str, path: str | Path, loader: type[LineLoader] = LineLoader
                   ) -> list[Any]:
    """Every document of a YAML text (empty ones left out), read leniently with `loader`;
    a syntax error, alias cycle or bomb, or a key that cannot be one is a SourceError with
    the line PyYAML points at. The one way the tool reads YAML it does not own.

    Built from the parser's events (`_LineBuilder`), not from PyYAML's node tree: the tree
    of a 3 MB pipeline takes 100 MB, more than the data built from it."""
    limit = max(MAX_YAML_VALUES, len(text))
    builder = _LineBuilder(Path(path), loader, limit)
    try:
        return builder.documents(yaml.parse(text, Loader=_FastLoader))
    except yaml.YAMLError as exc:
        raise _yaml_syntax_error(exc, text, Path(path)) from None
    except RecursionError:
        raise SourceError(path, None, _too_deep_yaml()) from None


def _yaml_said(problem: str) -> str:
    """`invalid YAML: ...` in PyYAML's own words (as its syntax errors are given)."""
    return _msg("source.invalid_yaml", problem=problem)


class _Open:
    """A mapping or sequence being built: its data, tag, anchor and pending key."""

    __slots__ = ("anchor", "data", "key", "key_line", "line", "merges", "size", "tag")

    def __init__(self, data: Any, tag: str | None, anchor: str | None, line: int) -> None:
        self.data = data
        self.tag = tag
        self.anchor = anchor
        self.line = line
        self.key: Any = _NO_KEY
        self.key_line = 0
        self.merges: list[tuple[Any, int]] = []  # (value of `<<`, its line)
        self.size = 1


class _LineBuilder:
    """LineDict / LineList documents from parser events, as LineLoader would construct them:
    merge keys flattened (explicit keys win, then the first merged mapping that has the
    key, as the YAML merge spec and GitLab say; merged keys come first), the last
    of duplicate keys kept, unknown tags read as plain data, aliases sharing their value,
    dates that do not exist kept as text. Alias cycles and expansions past `limit` values
    are refused as they are met."""

    def __init__(self, path: Path, loader: type[LineLoader], limit: int) -> None:
        self.path = path
        self.loader = loader("")
        self.limit = limit
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.total = 0

    def error(self, line: int | None, message: str) -> SourceError:
        return SourceError(self.path, line, message)

    def documents(self, events: Iterator[yaml.Event]) -> list[Any]:
        docs: list[Any] = []
        stack: list[_Open] = []
        for event in events:
            line = event.start_mark.line + 1 if event.start_mark else 0
            if isinstance(event, yaml.ScalarEvent):
                value, size, anchor = self._scalar(event, line), 1, event.anchor
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(stack) >= MAX_JSON_DEPTH:
                    raise self.error(line, _msg("source.nested_levels", limit=MAX_JSON_DEPTH))
                mapping = isinstance(event, yaml.MappingStartEvent)
                data: Any = LineDict() if mapping else LineList()
                data.line = line
                if mapping:
                    data.key_lines = {}
                else:
                    data.item_lines = []
                if event.anchor:
                    self.open_anchors.add(event.anchor)
                stack.append(_Open(data, event.tag, event.anchor, line))
                continue
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = stack.pop()
                if frame.anchor:
                    self.open_anchors.discard(frame.anchor)
                value, size, anchor, line = self._close(frame), frame.size, frame.anchor, \
                    frame.line
                self.total -= frame.size - 1  # its values were counted as they came
            elif isinstance(event, yaml.AliasEvent):
                (value, size), anchor = _alias_target(self, event, line), None
            elif isinstance(event, yaml.DocumentStartEvent):
                self.anchors.clear()
                continue
            else:
                continue
            _count(self, value, size, anchor, line)
            if not stack:
                self.total = 0
                if value is not None:
                    docs.append(value)
                continue
            self._add(stack[-1], value, size, line)
        return docs

    def _add(self, frame: _Open, value: Any, size: int, line: int) -> None:
        frame.size += size
        data = frame.data
        if value is _MERGE and not (isinstance(data, dict) and frame.key is _NO_KEY):
            value = "<<"  # a merge key's text where no key is: only text
        if isinstance(data, list):
            data.append(value)
            data.item_lines.append(line)
            return
        if frame.key is _NO_KEY:
            if value is not _MERGE:
                try:
                    hash(value)
                except TypeError:
                    raise self.error(line, _yaml_said("found unhashable key")) from None
            frame.key, frame.key_line = value, line
            return
        if frame.key is _MERGE:
            frame.merges.append((value, frame.key_line))
        else:
            data[frame.key] = value
            data.key_lines[frame.key] = frame.key_line
        frame.key = _NO_KEY

    def _close(self, frame: _Open) -> Any:
        data = frame.data
        if isinstance(data, dict) and frame.merges:
            data = self._merged(frame)
        tag = frame.tag
        if tag in _PLAIN_TAGS:
            return data
        special = getattr(self.loader, "container_tags", {}).get(tag)
        if special is not None:
            return special(data)
        if tag == "tag:yaml.org,2002:set" and isinstance(data, dict):
            return set(data)
        if tag in ("tag:yaml.org,2002:pairs", "tag:yaml.org,2002:omap") and isinstance(
                data, list) and all(isinstance(i, dict) and len(i) == 1 for i in data):
            return [next(iter(i.items())) for i in data]
        if tag.startswith("!"):  # a tag we do not know: its plain data
            return dict(data) if isinstance(data, dict) else list(data)
        raise self.error(frame.line, _yaml_said(f"could not determine a constructor for the "
                                                f"tag {tag!r}"))

    def _merged(self, frame: _Open) -> LineDict:
        """The mapping with its `<<` merges applied as PyYAML's flatten_mapping does."""
        sources: list[tuple[dict[Any, Any], int]] = []
        for value, line in frame.merges:
            if isinstance(value, dict):
                sources.append((value, line))
            elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
                sources.extend((v, line) for v in value)
            else:
                raise self.error(line, _yaml_said("expected a mapping or list of mappings "
                                                  "for merging"))
        out = LineDict()
        out.line, out.key_lines = frame.line, {}
        for source, line in sources:  # the first mapping to have a key gives it
            lines = getattr(source, "key_lines", {})
            for key, value in source.items():
                if key not in out:
                    out[key] = value
                    out.key_lines[key] = lines.get(key, line)
        for key, value in frame.data.items():
            out[key] = value
            out.key_lines[key] = frame.data.key_lines[key]
        return out

    def _scalar(self, event: yaml.ScalarEvent, line: int) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == _STRING_TAG:
            return sys.intern(event.value) if len(event.value) <= _INTERNED else event.value
        if tag == _MERGE_TAG:
            return _MERGE
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        loader = self.loader
        construct = loader.yaml_constructors.get(tag)
        try:
            if construct is not None:
                return construct(loader, node)
            for prefix, multi in loader.yaml_multi_constructors.items():
                if prefix and tag.startswith(prefix):
                    return multi(loader, tag[len(prefix):], node)
            return loader.yaml_constructors[None](loader, node)
        except yaml.constructor.ConstructorError as exc:
            raise self.error(line, _yaml_said(str(exc.problem))) from None
        except (ValueError, OverflowError, TypeError) as exc:
            raise self.error(line, _yaml_said(str(exc))) from None


def _alias_target(builder: _Builder | _LineBuilder, event: yaml.AliasEvent,
                  line: int | None) -> tuple[Any, int]:
    """What an alias stands for, with its size; an alias inside its own anchor (a cycle) or
    to an anchor not yet seen is an error at that line."""
    if event.anchor in builder.open_anchors:
        raise builder.error(line, _msg("source.alias_cycle", anchor=event.anchor))
    if event.anchor not in builder.anchors:
        raise builder.error(line, _msg("source.unknown_alias", anchor=event.anchor))
    return builder.anchors[event.anchor]


def _count(builder: _Builder | _LineBuilder, value: Any, size: int, anchor: str | None,
           line: int | None) -> None:
    """Add a finished value's size to the document's total (an alias counts its whole
    target: a billion-laughs document is refused at the line that crosses the limit) and
    remember it under its anchor."""
    builder.total += size
    if builder.total > builder.limit:
        raise builder.error(line, _msg("source.alias_bomb", limit=f"{builder.limit:,}"))
    if anchor:
        builder.anchors[anchor] = (value, size)


def safe_load(text: str, path: str | Path = "<string>") -> Any:
    """Plain data from one YAML document (None when empty): the shared safe loader for the
    YAML files the tool ships or is handed as settings."""
    docs = load_documents(text, path)
    return docs[0] if docs else None
