"""CI YAML read with line numbers (GitLab `!reference` tags kept), merged and looked up as
GitLab does, so every finding can name its file and line."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import yaml

from opsmaturity.core.messages import text as _msg
from opsmaturity.core.sources import LineDict, LineLoader, SourceError, load_documents, where

# ---------------------------------------------------------------- YAML with line numbers




class _Ref(list[Any]):
    """GitLab's `!reference [job, key]`; resolved when the strings of a job are read."""


class _Loader(LineLoader):
    """Line-recording loader that also reads GitLab's `!reference` tag."""

    container_tags: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "!reference": lambda data: _Ref(data) if isinstance(data, list) else _Ref()}


def _construct_reference(loader: _Loader, node: yaml.Node) -> _Ref:
    if isinstance(node, yaml.SequenceNode):
        return _Ref(loader.construct_sequence(node, deep=True))
    return _Ref()


_Loader.add_constructor("!reference", _construct_reference)


def _empty_map() -> LineDict:
    data = LineDict()
    data.key_lines = {}
    return data


@functools.lru_cache(maxsize=8)
def parse_yaml(path: str, text: str) -> tuple[LineDict | None, str | None]:
    """The file's top-level mapping, or a `file:line: message` problem. One collection reads
    a file several times (includes, deploy scripts, the analysis): it is parsed once, and
    the result is shared, so it is never changed in place (merges build new mappings)."""
    try:
        docs = load_documents(text, path, _Loader)
    except SourceError as exc:
        return None, str(exc)
    if not docs:
        return _empty_map(), None
    doc = docs[0]
    if len(docs) > 1 and isinstance(doc, dict) and set(doc) == {"spec"}:
        doc = docs[1]  # a GitLab `spec:` header document comes before the configuration
    if not isinstance(doc, LineDict):
        return None, f"{where(path, getattr(doc, 'line', 1))}: " + _msg("ci.top_not_mapping")
    return doc, None


def as_text(value: Any, default: str = "(not text)") -> str:
    """A scalar as text; containers are not stringified (an aliased one can be huge)."""
    if value is None or isinstance(value, (dict, list)):
        return default
    return str(value)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def deep_merge(base: Any, over: Any, memo: dict[tuple[int, int], Any] | None = None) -> Any:
    """GitLab's merge for include and extends: mappings merge key by key, the rest replaces.

    Pairs already merged are reused, so YAML aliases cannot make the merge exponential."""
    if not (isinstance(base, dict) and isinstance(over, dict)) or base is over:
        return over
    memo = {} if memo is None else memo
    pair = (id(base), id(over))
    if pair not in memo:
        merged = memo[pair] = dict(base)
        for key, value in over.items():
            merged[key] = deep_merge(merged.get(key), value, memo)
    return memo[pair]


def _lookup(config: Mapping[Any, Any], path: list[Any]) -> Any:
    node: Any = config
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def strings(value: Any, config: Mapping[Any, Any] | None = None, limit: int = 5000) -> list[str]:
    """Every string under `value`, each container visited once (safe on YAML alias bombs)."""
    out: list[str] = []
    seen: set[int] = set()
    stack = [value]
    while stack and limit > 0:
        item = stack.pop()
        limit -= 1
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, (dict, list)):
            if id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, _Ref):
                if config is not None:
                    stack.append(_lookup(config, list(item)))
                continue
            stack.extend(reversed(list(item.values() if isinstance(item, dict) else item)))
    return out
