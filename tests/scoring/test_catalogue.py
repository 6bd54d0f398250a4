"""The built-in catalogue is complete and consistent; broken ones fail at the right line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from opsmaturity.collectors import BUILTINS
from opsmaturity.core.sources import SourceError
from opsmaturity.scoring.catalogue import default_catalogue_dir, load_catalogue
from opsmaturity.scoring.schemas import expected_schemas
from tests.conftest import MINI

AREAS = [
    "infrastructure_databases", "deployments_releases", "monitoring_observability",
    "configuration_environments", "incident_management", "automated_testing",
    "collaboration_knowledge",
]
CHECKLIST = [  # the seeds' "How can I tell if my company lacks a DevOps culture?"
    "manual_deployments", "releases_delayed_by_risk", "rollbacks_undefined",
    "customers_detect_issues", "monitoring_without_insight", "knowledge_held_by_individuals",
    "heavy_dev_ops_coordination", "improvised_incident_response", "slow_environment_setup",
    "recovery_depends_on_individuals",
]
FIRST_SIGNS = ["growing_complexity", "release_pace_outgrows_process", "undocumented_workarounds",
               "no_shared_service_ownership"]


def test_builtin_catalogue_covers_the_seeds(catalogue):
    assert [a.id for a in catalogue.areas] == AREAS
    assert [s.id for s in catalogue.signs if s.kind == "checklist"] == CHECKLIST
    assert sorted(s.id for s in catalogue.signs if s.kind == "first_sign") == sorted(FIRST_SIGNS)
    practice = [q for q in catalogue.questions if q.kind == "practice"]
    assert len(practice) >= 40
    assert 2 <= len(catalogue.context_questions()) <= 6
    for area in AREAS:
        assert len([q for q in practice if q.area == area]) >= 5, area
    for sign in catalogue.signs:
        assert 1 <= len(sign.recommendations) <= 3
        assert sign.questions
    assert len(catalogue.probes) >= 20
    kinds = {s.kind for s in catalogue.scales}
    assert {"agreement", "frequency", "yes_partly_no", "numeric"} <= kinds


def test_builtin_catalogue_probes_read_namespaced_measures(catalogue):
    for p in catalogue.probes:
        namespace = p.measure.split(".")[0]
        assert namespace in {"*", *BUILTINS}, p.measure


def test_every_scale_spans_worst_to_best(catalogue):
    # benchmark questions pick a DORA comparison group: no option is better than another
    groups = {q.scale for q in catalogue.questions if q.kind == "benchmark"}
    assert groups == {"dora_industry", "dora_organisation_size"}
    for scale in (s for s in catalogue.scales if s.id not in groups):
        scores = [o.score for o in scale.options]
        assert min(scores) == 0 and max(scores) == 1, scale.id


def test_every_user_text_has_english(catalogue):
    def walk(node, path):
        if isinstance(node, dict):
            if set(node) and set(node) <= {"en", "de", "fr"}:
                assert node["en"].strip(), path
            for k, v in node.items():
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")
    walk(catalogue.model_dump(), "catalogue")


def test_committed_schemas_match_models():
    for name, text in expected_schemas().items():
        committed = (default_catalogue_dir() / name).read_text(encoding="utf-8")
        assert committed == text, f"{name} is stale: run `make schemas`"


def test_catalogue_files_validate_against_committed_schema():
    schema = json.loads((default_catalogue_dir() / "catalogue.schema.json").read_text())
    files = sorted(default_catalogue_dir().glob("*.yaml"))
    assert len(files) >= 3
    for path in files:
        first = path.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=catalogue.schema.json", path.name
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_examples_validate_against_answers_schema():
    schema = json.loads((default_catalogue_dir() / "answers.schema.json").read_text())
    examples = sorted((default_catalogue_dir() / "examples").glob("*.yaml"))
    assert len(examples) >= 3
    for path in examples:
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


# ------------------------------------------------------------------ broken catalogues

BROKEN = [
    pytest.param("questions: [pipeline, rollback, deploys]",
                 "questions: [pipeline, rollbak, deploys]", "unknown question id 'rollbak'",
                 "questions: [pipeline, rollbak", id="unknown-question"),
    pytest.param("- {id: alerts, area: operations,", "- {id: pipeline, area: operations,",
                 "duplicate question id 'pipeline'", "- {id: pipeline, area: operations,",
                 id="duplicate-question"),
    pytest.param("questions: [alerts]", "questions: []", "at least 1 item",
                 "questions: []", id="sign-without-question"),
    pytest.param("""    recommendations:
      - {id: page_oncall""", """    recommendations: []
    old_recommendations:
      - {id: page_oncall""", "at least 1 item", "recommendations: []",
                 id="sign-without-recommendation"),
    pytest.param("    impact: 2\n", "    impact: 2\n    unused: 1\n",
                 "Extra inputs are not permitted", "    unused: 1", id="unknown-field"),
    pytest.param("score: 0.5, min: 1, max: 4}", "score: 0.5, min: 2, max: 4}",
                 "numeric ranges out of order", "  - id: deploys_per_month",
                 id="range-gap"),
    pytest.param('version: "test.1"', 'version: "test.1"\nscoring:\n  risk_levels: '
                 '{medium: 0.5, high: 0.4, critical: 0.6}',
                 "risk thresholds out of order", "  risk_levels:", id="thresholds-order"),
    pytest.param("op: \">=\", threshold: 1,", "op: \">=\", threshold: true,",
                 "true/false threshold needs == or !=", "deploys_at_least_weekly",
                 id="bool-threshold-op"),
    pytest.param("title: {en: Delivery}", "title: {de: Lieferung}",
                 "English ('en')", "title: {de: Lieferung}", id="missing-english"),
    pytest.param("  - {id: alerts, area: operations,",
                 "  - {id: orphan, area: operations, text: {en: t}, help: {en: h}, "
                 "scale: yes_partly_no}\n  - {id: alerts, area: operations,",
                 "informs no warning sign", "{id: orphan", id="orphan-question"),
    pytest.param("probes: [alerts_have_runbooks]", "probes: []",
                 "probe 'alerts_have_runbooks' is used by no warning sign",
                 "  - {id: alerts_have_runbooks", id="orphan-probe"),
    pytest.param("questions: [alerts]", "questions: [alerts, coupling]",
                 "is a context question", "questions: [alerts, coupling]", id="context-informs"),
    pytest.param("areas: [operations]", "areas: [operation]", "unknown area id 'operation'",
                 "areas: [operation]", id="unknown-area"),
    pytest.param("    impact: 2\n", "    impact: 2\n    impact: 3\n", "duplicate key 'impact'",
                 "    impact: 3", id="duplicate-key"),
    pytest.param("    impact: 2\n", "    impact: [2\n", "invalid YAML", None, id="syntax"),
    pytest.param("reduces: 0.4, also_addresses: [manual_deployments]",
                 "reduces: 0.4, also_addresses: [customers_detect_issues]",
                 "is not another sign id", "also_addresses: [customers_detect_issues]",
                 id="self-reference"),
]


@pytest.mark.parametrize(("old", "new", "message", "line_of"), BROKEN)
def test_broken_catalogue_names_file_and_line(tmp_path: Path, old, new, message, line_of):
    shutil.copytree(MINI, tmp_path / "cat")
    path = tmp_path / "cat" / "catalogue.yaml"
    text = path.read_text()
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text)
    with pytest.raises(SourceError) as err:
        load_catalogue(tmp_path / "cat")
    assert err.value.path.endswith("catalogue.yaml")
    assert message in err.value.message
    if line_of is not None:
        expected = next(i for i, ln in enumerate(text.splitlines(), 1) if line_of in ln)
        assert err.value.line == expected, str(err.value)
    else:
        assert err.value.line is not None
    assert str(err.value).startswith(f"{path}:{err.value.line}: ")


def test_split_catalogue_reports_duplicates_across_files(tmp_path: Path):
    shutil.copytree(MINI, tmp_path / "cat")
    (tmp_path / "cat" / "more.yaml").write_text(
        "scales:\n  - id: coupling\n    kind: agreement\n    options: []\n"
    )
    with pytest.raises(SourceError) as err:
        load_catalogue(tmp_path / "cat")
    assert err.value.path.endswith("more.yaml") and err.value.line == 4  # options: [] too short


def test_empty_directory_is_a_clear_error(tmp_path: Path):
    with pytest.raises(SourceError, match="no catalogue files"):
        load_catalogue(tmp_path)
