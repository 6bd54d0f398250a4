"""YAML that remembers where things are, so a collector can say `file:line: why`.

Collectors may not import the scoring layer's loader; this one is theirs. Unknown tags
(`!Ref`, `!GetAtt`, ...) load as plain data: a rule or pipeline file with a tag we do not
know is still measured.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml


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
