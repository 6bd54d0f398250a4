"""Shared builders: real catalogues from YAML, evidence sets and answers as scoring reads them."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from opsmaturity.core.evidence import Coverage, EvidenceSet, Measure, Window
from opsmaturity.core.sources import YamlSource
from opsmaturity.scoring.answers import Responses, check_answers
from opsmaturity.scoring.assessment import Assessment
from opsmaturity.scoring.catalogue import Catalogue, default_catalogue_dir, load_catalogue
from opsmaturity.scoring.engine import score


def pytest_configure(config: pytest.Config) -> None:
    """The tests never touch the user's own store, cache or language: a data and a cache
    directory of their own (tests that need another set it themselves), English output."""
    own = Path(tempfile.mkdtemp(prefix="opsmaturity-tests-"))
    os.environ["OPSMATURITY_DATA_DIR"] = str(own / "data")
    os.environ["OPSMATURITY_CACHE_DIR"] = str(own / "cache")
    os.environ.pop("OPSMATURITY_LANG", None)


ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini_catalogue"


@pytest.fixture(scope="session")
def mini() -> Catalogue:
    return load_catalogue(MINI)


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


def evidence(measures: dict[str, Any], *, collector: str = "test", source: str = "fixture",
             coverage: float = 1.0, not_applicable: tuple[str, ...] = ()) -> EvidenceSet:
    """An EvidenceSet with the given measure values (fixed times: scoring has no clock)."""
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    return EvidenceSet(
        collector=collector, source=source,
        window=Window(start=t0, end=datetime(2026, 6, 30, tzinfo=UTC)),
        collected_at=datetime(2026, 7, 1, tzinfo=UTC),
        coverage=Coverage(ratio=coverage),
        measures=[Measure(id=k, value=v, applicable=k not in not_applicable)
                  for k, v in sorted(measures.items())],
    )


def responses(cat: Catalogue, *participants: tuple[str, dict[str, Any]], **meta: Any) -> Responses:
    """Responses from (role, {question: value}) pairs, checked like a real answers file."""
    data = {**meta, "participants": [{"role": r, "answers": a} for r, a in participants]}
    return check_answers(YamlSource(path=Path("<test>"), data=data), cat)


def assert_one_line_error(result, *fragments: str) -> None:
    """A CLI failure is one `error: ...` line on stderr and exit code 2."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.output


def code_only_evidence() -> list[EvidenceSet]:
    """What git shows of a repository that holds only code: no runbooks, no decision records.

    Scored alone (no answers), these weak hints make signs suspected, not present: questions
    for the workshop.
    """
    return [evidence({"git.runbooks_present": False, "git.adr_present": False},
                     collector="git", source="library")]


def one_sign_at_its_worst(catalogue: Catalogue, sign_id: str) -> Assessment:
    """The strong example team, except that it answers one sign's questions at their worst.

    One critical sign among low ones: a mean would call the team safe, its worst sign does not.
    """
    data = strong_team_with_one_sign_at_its_worst(catalogue, sign_id)
    return score(catalogue, [], check_answers(YamlSource(path=Path("<test>"), data=data),
                                              catalogue))


def strong_team_with_one_sign_at_its_worst(catalogue: Catalogue, sign_id: str) -> dict[str, Any]:
    """The answers file behind `one_sign_at_its_worst`, as data."""
    data = yaml.safe_load((default_catalogue_dir() / "examples" / "strong-team.yaml").read_text())
    for q in map(catalogue.question, catalogue.sign(sign_id).questions):
        worst = min(catalogue.scale_of(q).options, key=lambda o: o.score)
        for participant in data["participants"]:
            participant["answers"][q.id] = worst.value
    return data


@pytest.fixture
def quiet_server_log() -> Iterator[None]:
    """werkzeug (pytest-httpserver) would bind its own stderr handler to the CliRunner's
    stream, which is closed after each invocation; a null handler keeps its access log going
    to logging only."""
    logger = logging.getLogger("werkzeug")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    yield
    logger.removeHandler(handler)
