"""load_documents builds LineDict / LineList from parser events (memory): the result must be
what PyYAML's node tree constructed with the same loader gives, lines included."""

from pathlib import Path

import pytest
import yaml

from bench.bench_big_inputs import gitlab_ci
from opsmaturity.collectors.ci.parsing import _Loader
from opsmaturity.core.sources import LineDict, LineList, LineLoader, SourceError, load_documents

ROOT = Path(__file__).resolve().parents[2]

CASES = [
    "a: 1\nb: [x, {c: d}]\n",
    "base: &b {image: py, tags: [docker]}\njob:\n  <<: *b\n  image: other\n  script: [make]\n",
    "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  k: 0\n  <<: [*a, *b]\n  x: 9\n",
    "nested: &n\n  <<: {p: 1}\n  q: 2\nuse:\n  <<: *n\n",
    "dup: 1\ndup: 2\nother: [1, 2, 1]\n",
    "when: 2026-13-45\nok: 2026-01-02\nnull_: ~\nb: yes\nf: 1.5e3\neq: =\nlst: [=]\n",
    "ref: !reference [.setup, script]\nscalar_ref: !reference x\nmap_ref: !reference {a: 1}\n",
    "cfn: !GetAtt [Res, Arn]\nsub: !Sub 'x-${A}'\nm: !Custom {a: [1, {b: 2}]}\n",
    "---\na: 1\n---\n---\n- b\n- c\n...\n",
    "s: !!set {a, b}\nbin: !!binary aGVsbG8=\nstr: !!str 12\nint: !!int '7'\n",
    "anchors: &x [1, 2]\nagain: *x\ndeep: {k: *x}\n",
    "'quoted key': v\n? complex\n: value\n123: number key\ntrue: bool key\n",
    "",
    "# only a comment\n",
    "- top\n- level\n- list\n",
]


def _plain(value, node_lines: bool = True):
    """Data with its recorded lines, comparable with ==."""
    if isinstance(value, LineDict):
        return ("map", value.line, {k: (value.key_lines.get(k), _plain(v))
                                    for k, v in value.items()}, list(value))
    if isinstance(value, LineList):
        return ("seq", type(value).__name__, value.line, list(value.item_lines),
                [_plain(v) for v in value])
    if isinstance(value, dict):
        return ("dict", {k: _plain(v) for k, v in value.items()}, list(value))
    if isinstance(value, list):
        return (type(value).__name__, [_plain(v) for v in value])
    return (type(value).__name__, value)


def _via_nodes(text: str, loader: type[LineLoader]) -> list:
    return [d for d in yaml.load_all(text, Loader=loader) if d is not None]


def _texts() -> list[str]:
    files = sorted((ROOT / "tests" / "fixtures").rglob("*.y*ml"))
    return CASES + [f.read_text(encoding="utf-8") for f in files]


@pytest.mark.parametrize("loader", [LineLoader, _Loader], ids=["plain", "gitlab"])
def test_events_build_what_the_node_tree_builds(loader, tmp_path):
    big = tmp_path / "big.yml"
    gitlab_ci(big, 40_000)
    for text in [*_texts(), big.read_text(encoding="utf-8")]:
        try:
            expected = _via_nodes(text, loader)
        except yaml.YAMLError:
            with pytest.raises(SourceError):
                load_documents(text, "x.yml", loader)
            continue
        got = load_documents(text, "x.yml", loader)
        assert [_plain(d) for d in got] == [_plain(d) for d in expected], text[:200]


def test_aliases_share_their_value():
    doc = load_documents("a: &a [1]\nb: *a\n", "x.yml")[0]
    assert doc["a"] is doc["b"]


@pytest.mark.parametrize(("text", "fragment"), [
    ("a: &a [*a]\n", "x.yml:1: alias *a refers to a value that contains it"),
    ("a: *nope\n", "x.yml:1: unknown alias *nope"),
    ("? [1, 2]\n: v\n", "x.yml:1: invalid YAML: found unhashable key"),
    ("a:\n  <<: 3\n", "x.yml:2: invalid YAML: expected a mapping or list of mappings"),
    ("a: [" * 300 + "]" * 300 + "\n", "nested more than 200 levels deep"),
])
def test_refused_with_the_line(text, fragment):
    with pytest.raises(SourceError) as caught:
        load_documents(text, "x.yml")
    assert fragment in str(caught.value)


def test_the_first_merged_mapping_wins():
    """YAML's merge rule (and GitLab's): in `<<: [*a, *b]` a key of `a` wins over `b`'s,
    an explicit key over both (PyYAML's node tree gets this wrong for longer keys)."""
    text = ("a: &a {image: one, tags: [x]}\nb: &b {image: two, stage: s}\n"
            "job:\n  <<: [*a, *b]\n  tags: [y]\n")
    job = load_documents(text, "x.yml")[0]["job"]
    assert job == {"image": "one", "tags": ["y"], "stage": "s"}
    assert list(job) == ["image", "tags", "stage"]
    assert job.key_lines == {"image": 1, "tags": 5, "stage": 2}
