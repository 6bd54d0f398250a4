"""A finalised assessment read for overviews only: without the answers and probes behind it.

The portfolio shows levels, not evidence: for each team the overall result, the areas and
each warning sign's status, likelihood, risk and confidence. Those are a small part of a
stored Assessment (the per-question statistics and probe results are most of its JSON), and
reading only them is several times faster; with hundreds of teams that is most of the
portfolio's first render. The result is an `Assessment` whose findings have empty `answers`
and `probes` lists, so the shared charts draw it unchanged; pages that drill down read the
whole assessment instead.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from opsmaturity.scoring.assessment import (
    AreaResult,
    Assessment,
    CoverageEntry,
    DoraSummary,
    Finding,
    Inputs,
    Overall,
    PerceptionGap,
    RankedRecommendation,
)


class _Light(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Finding(_Light):
    sign_id: str
    areas: list[str]
    status: str
    support: str | None = None
    likelihood: float | None
    likelihood_from_answers: float | None
    likelihood_from_evidence: float | None
    impact: float
    impact_factor: float
    impact_basis: str = "context"
    risk: float | None
    risk_level: str
    confidence: float
    perception_gap: PerceptionGap | None = None
    disagreement: bool = False
    role_likelihoods: dict[str, float] = {}
    role_gap: float | None = None
    not_applicable_because: str | None = None


class _Assessment(_Light):
    schema_version: int
    catalogue_version: str
    organisation: str | None = None
    team: str | None = None
    date: dt.date | None = None
    inputs: Inputs
    findings: list[_Finding]
    areas: list[AreaResult]
    overall: Overall
    recommendations: list[RankedRecommendation]
    coverage: list[CoverageEntry]
    dora: DoraSummary | None = None
    notes: list[str] = []


def summary(assessment_json: str) -> Assessment:
    """The assessment in this JSON, without its findings' answers and probes."""
    light = _Assessment.model_validate_json(assessment_json)
    fields = dict(light)
    fields["findings"] = [Finding.model_construct(**dict(f), answers=[], probes=[])
                          for f in light.findings]
    return Assessment.model_construct(**fields)
