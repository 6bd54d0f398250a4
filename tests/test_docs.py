"""Docs and code must not drift: every option, command and parameter is documented."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from opsmaturity.app.cli import app
from opsmaturity.scoring.catalogue import ScoringParameters

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
SCORING = (ROOT / "docs" / "scoring.md").read_text()


def _commands(group, prefix: str = ""):
    """Leaf commands of a (typer/click) group, by their full path."""
    for name, cmd in sorted(group.commands.items()):
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", cmd


def test_readme_documents_every_command_and_option():
    root = typer.main.get_command(app)
    assert hasattr(root, "commands")
    for path, cmd in _commands(root):
        assert f"`opsmaturity {path}" in README, f"README lacks `opsmaturity {path}`"
        for param in cmd.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt != "--help":
                    assert opt in README, f"README lacks {opt} of `{path}`"


def test_scoring_doc_names_every_parameter():
    for name in ScoringParameters.model_fields:
        assert name in SCORING, f"docs/scoring.md does not explain {name}"


def test_readme_set_up_is_two_commands_and_ci_runs_the_test_one():
    block = re.search(r"## Quickstart.*?```sh\n(.*?)```", README, re.S)
    assert block
    commands = [ln.split("#")[0].strip() for ln in block.group(1).splitlines() if ln.strip()]
    assert commands == ["make run", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_git_measures_are_documented():
    from opsmaturity.collectors.git.collector import GitCollector

    doc = (ROOT / "docs" / "git-evidence.md").read_text()
    for measure in GitCollector.measures:
        stem = measure.removesuffix("_p90").removesuffix("_median")
        assert stem in doc, f"docs/git-evidence.md does not explain {measure}"


def test_catalogue_probes_read_measures_collectors_publish():
    from opsmaturity.collectors import BUILTINS, get_collector
    from opsmaturity.scoring.catalogue import load_catalogue

    published = {m for name in BUILTINS for m in get_collector(name).measures}
    namespaces = {m.split(".")[0] for m in published}
    for probe in load_catalogue().probes:
        if probe.measure.split(".")[0] in namespaces:
            assert probe.measure in published, f"{probe.id} reads {probe.measure}: not published"


def test_postgres_measures_are_documented():
    from opsmaturity.collectors.postgres.collector import PostgresCollector

    doc = (ROOT / "docs" / "postgres-evidence.md").read_text()
    for measure in PostgresCollector.measures:
        assert f"`{measure}`" in doc, f"docs/postgres-evidence.md does not explain {measure}"
