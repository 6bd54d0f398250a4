"""Every reader, fed random bytes and random YAML/JSON structures: a clean error (the
reader's own error type, worded for the user) or a valid result, never a traceback.

Each reader is called as the CLI calls it; an exception of any other type fails the test.
Examples are few per reader (settings below) so the suite stays quick; the corpus of known
bad inputs is tests/app/cli/test_bad_input.py.
"""

from __future__ import annotations

import functools
import json
import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsmaturity.collectors import get_collector
from opsmaturity.collectors.base import CollectorError
from opsmaturity.core.evidence import EvidenceFileError, EvidenceSet, load_evidence
from opsmaturity.core.sources import SourceError
from opsmaturity.scoring.answers import Responses, load_answers
from opsmaturity.scoring.catalogue import Catalogue, load_catalogue
from tests.conftest import MINI

FUZZ = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# ---------------------------------------------------------------- inputs

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.dates().map(str), st.sampled_from(
        ["2026-13-45", "NaN", ".nan", "-.inf", "dont_know", "agree", "dev", "<<", "~", "0x1F"]),
)
keys = st.one_of(st.sampled_from([
    "participants", "role", "answers", "team", "date", "collector", "measures", "id", "value",
    "schema_version", "coverage", "ratio", "groups", "rules", "alert", "expr", "stages",
    "script", "extends", "include", "jobs", "on", "incidents", "createdAt", "report",
    "ackTime", "format", "version", "sha256", "content", "columns", "opened",
]), st.text(max_size=8))
structures = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(keys, children, max_size=5)),
    max_leaves=25,
)


def as_yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def as_json(data: Any) -> str:
    return json.dumps(data, default=str)  # NaN and Infinity as Python writes them


yaml_tricks = st.sampled_from([
    "a: &a [*a]\n", "participants: &p [*p]\n", "x: *undefined\n", "date: 2026-02-30\n",
    "a: &a [1, 2]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n", "? [1, 2]\n: x\n", "<<: {a: 1}\n",
    "!!python/object:os.system {}\n", "a: !reference [b, c]\n", "---\n---\n", "a: b: c\n",
    "\t- x\n", "[" * 300 + "]" * 300, "{" * 300, "a: !!binary ZZZ\n", "a: !!timestamp x\n",
])
texts = st.one_of(
    st.binary(max_size=300).map(lambda b: b.decode("utf-8", "replace")),
    structures.map(as_yaml), structures.map(as_json), yaml_tricks,
    st.tuples(structures.map(as_yaml), yaml_tricks).map("".join),
)
payloads = st.one_of(st.binary(max_size=300), texts.map(str.encode))


def write(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@functools.cache
def mini() -> Catalogue:
    return load_catalogue(MINI)


def clean(call: Callable[[], Any], *errors: type[BaseException]) -> Any:
    """The result, or None when the reader refused the input with one of its own errors
    (whose message must be one line naming something)."""
    try:
        return call()
    except errors as exc:
        message = str(exc)
        assert message and "\n" not in message.strip() and "Traceback" not in message
        return None


# ---------------------------------------------------------------- readers


@FUZZ
@given(data=payloads)
def test_answers(data: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), "answers.yaml", data)
        result = clean(lambda: load_answers(path, mini()), SourceError)
    assert result is None or isinstance(result, Responses)


@FUZZ
@given(data=payloads)
def test_catalogue(data: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "cat"
        directory.mkdir()
        (directory / "catalogue.yaml").write_bytes((MINI / "catalogue.yaml").read_bytes())
        write(directory, "extra.yaml", data)
        result = clean(lambda: load_catalogue(directory), SourceError)
    assert result is None or isinstance(result, Catalogue)


@FUZZ
@given(data=payloads)
def test_evidence(data: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), "evidence.json", data)
        result = clean(lambda: load_evidence(path), EvidenceFileError)
    for evidence in result or []:
        assert isinstance(evidence, EvidenceSet)
        for m in evidence.measures:  # what is accepted holds numbers, never NaN
            assert not (isinstance(m.value, float) and not math.isfinite(m.value))
        json.loads(evidence.to_json(), parse_constant=_no_constants)


def _no_constants(name: str) -> Any:
    raise AssertionError(f"{name} written into evidence JSON")


@FUZZ
@given(data=payloads, name=st.sampled_from([".gitlab-ci.yml", ".github/workflows/ci.yml",
                                            "Jenkinsfile"]))
def test_ci_files(data: bytes, name: str):
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp), name, data)
        evidence = get_collector("ci").collect(
            get_collector("ci").config_model.model_validate({"repo": tmp}))
    assert isinstance(evidence, EvidenceSet)


@FUZZ
@given(data=payloads, name=st.sampled_from(["rules.yml", "dashboard.json"]))
def test_rule_files(data: bytes, name: str):
    collector = get_collector("monitoring")
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), name, data)
        options = {"rules": [str(path)], "promtool": None} if name.endswith(".yml") \
            else {"grafana": [str(path)]}
        result = clean(lambda: collector.collect(collector.config_model.model_validate(options)),
                       CollectorError)
    assert result is None or isinstance(result, EvidenceSet)


@FUZZ
@given(data=payloads, name=st.sampled_from(["export.json", "export.csv", "export.jsonl"]),
       fmt=st.sampled_from([None, "pagerduty", "opsgenie", "jira", "servicenow", "csv"]))
def test_incident_exports(data: bytes, name: str, fmt: str | None):
    collector = get_collector("incidents")
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), name, data)
        options = {"files": [path], "format": fmt}
        result = clean(lambda: collector.collect(collector.config_model.model_validate(options)),
                       CollectorError)
    assert result is None or isinstance(result, EvidenceSet)


@FUZZ
@given(data=payloads)
def test_incident_mapping_files(data: bytes):
    from opsmaturity.collectors.incidents.sources.generic_csv import CsvMapping, load_mapping

    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), "mapping.yaml", data)
        result = clean(lambda: load_mapping(path), CollectorError)
    assert result is None or isinstance(result, CsvMapping)


@FUZZ
@given(data=payloads)
def test_delivery_mapping_files(data: bytes):
    import typer

    from opsmaturity.app.cli.platform import delivery_mapping

    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), "mapping.yaml", data)
        try:
            result = delivery_mapping(path)
        except typer.Exit as exc:  # the one `error: file:line` line, exit 2
            assert exc.exit_code == 2
            return
    assert isinstance(result, dict)


bundle_like = st.fixed_dictionaries(
    {"format": st.sampled_from(["opsmaturity.bundle", "x"]), "version": st.sampled_from([1, 2]),
     "sha256": st.text(max_size=5), "content": structures})


@FUZZ
@given(data=st.one_of(payloads, bundle_like.map(as_json).map(str.encode)))
def test_bundles(data: bytes):
    from opsmaturity.app.store import StoreError
    from opsmaturity.app.store.bundle import BundleContent, read_bundle

    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), "bundle.json", data)
        result = clean(lambda: read_bundle(path), StoreError)
    assert result is None or isinstance(result[0], BundleContent)


@FUZZ
@given(data=payloads, option=st.sampled_from(
    ["pgbackrest_info", "barman", "walg", "patroni_files"]))
def test_postgres_outputs(data: bytes, option: str):
    """Backup tool outputs and recorded Patroni answers: a problem in the coverage (or the
    collector's own error), never a traceback."""
    collector = get_collector("postgres")
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), "output.json", data)
        value = str(path) if option == "pgbackrest_info" else [str(path)]
        result = clean(lambda: collector.collect(
            collector.config_model.model_validate({option: value})), CollectorError)
    assert result is None or isinstance(result, EvidenceSet)


@FUZZ
@given(data=payloads, option=st.sampled_from(["loki_rules", "kibana", "watcher"]),
       name=st.sampled_from(["rules.json", "export.ndjson"]))
def test_loki_kibana_watcher_files(data: bytes, option: str, name: str):
    collector = get_collector("monitoring")
    if option != "kibana":
        name = "rules.json"
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), name, data)
        result = clean(lambda: collector.collect(
            collector.config_model.model_validate({option: [str(path)]})), CollectorError)
    assert result is None or isinstance(result, EvidenceSet)
