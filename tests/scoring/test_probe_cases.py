"""Every probe that informs a sign pushes it the right way, as strongly as its case says.

The cases live in probe_cases.yaml (one per probe); a catalogue edit that reverses a
probe, swaps its strengths or drops one fails here until the case is changed on purpose.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from opsmaturity.scoring.catalogue import Catalogue
from opsmaturity.scoring.engine import score
from tests.conftest import evidence

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "probe_cases.yaml").read_text())["cases"]
BY_PROBE = {c["probe"]: c for c in CASES}


def test_every_sign_probe_has_a_case(catalogue: Catalogue):
    used = {p for s in catalogue.signs for p in s.probes}
    assert {c["probe"] for c in CASES} == used


@pytest.mark.parametrize("case", CASES, ids=[c["probe"] for c in CASES])
def test_probe_pushes_its_sign(catalogue: Catalogue, case: dict[str, Any]):
    probe = catalogue.probe(case["probe"])
    assert probe.strength is not None
    assert probe.strength.why["en"].strip(), "the reason goes beside the strength"
    sign = next(s for s in catalogue.signs if probe.id in s.probes)
    log_odds = catalogue.scoring.strength_log_odds
    for outcome, sign_of in (("healthy", -1), ("unhealthy", 1)):
        a = score(catalogue, [evidence({case["measure"]: case[outcome]})])
        f = a.finding(sign.id)
        result = next(r for r in f.probes if r.probe_id == probe.id)
        assert result.healthy is (outcome == "healthy"), (outcome, result)
        expected = sign_of * log_odds.of(case["strength"][outcome])
        # other probes of the sign reading the same measure push by their own cases
        for other in f.probes:
            if other.probe_id != probe.id and other.healthy is not None:
                side = "healthy" if other.healthy else "unhealthy"
                push = log_odds.of(BY_PROBE[other.probe_id]["strength"][side])
                expected += -push if other.healthy else push
        assert (f.evidence_log_odds or 0.0) == pytest.approx(expected), outcome
