"""The Assessment: what scoring produces and every report and page reads.

Each number carries what it was computed from (answers, probe outcomes,
coverage), so the app and the PDF can drill down to the evidence.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .catalogue import RiskLevel, Role

SCHEMA_VERSION = 1

Status = Literal["present", "absent", "unknown"]
Outcome = Literal["true", "false", "not_available", "not_applicable", "error"]
Horizon = Literal["now", "next", "later"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionStats(_Out):
    """The answers to one question: how many, how they spread, and by role."""

    question_id: str
    respondents: int
    dont_know: int
    score: float | None = Field(description="team mean of option scores, 0 worst .. 1 best")
    spread: float | None = Field(description="population standard deviation of the scores")
    distribution: dict[str, int]
    role_medians: dict[Role, float]
    disagreement: bool
    comments: list[str] = Field(default_factory=list)


class ProbeResult(_Out):
    probe_id: str
    measure: str
    op: str
    threshold: float | bool
    outcome: Outcome
    healthy: bool | None
    value: float | int | bool | str | None = None
    unit: str = ""
    source: str | None = None
    coverage: float | None = None
    message: str | None = None


class PerceptionGap(_Out):
    """Answers and evidence tell different stories about the same sign."""

    direction: Literal["answers_more_optimistic", "answers_more_pessimistic"]
    likelihood_from_answers: float
    likelihood_from_evidence: float
    gap: float


class Finding(_Out):
    sign_id: str
    areas: list[str]
    status: Literal["present", "absent", "unknown"]
    likelihood: float | None
    likelihood_from_answers: float | None
    likelihood_from_evidence: float | None
    impact: float = Field(description="1-5, the catalogue's impact scaled by context answers")
    impact_factor: float
    risk: float | None
    risk_level: RiskLevel
    confidence: float
    answers: list[QuestionStats]
    probes: list[ProbeResult]
    perception_gap: PerceptionGap | None = None
    disagreement: bool = False
    role_likelihoods: dict[Role, float] = Field(default_factory=dict)
    role_gap: float | None = None


class AreaResult(_Out):
    area_id: str
    level: int | None = Field(description="maturity 1-5; None when nothing is known")
    health: float | None
    risk_level: RiskLevel
    confidence: float
    signs_known: int
    signs_total: int


class Overall(_Out):
    risk_index: float | None = Field(description="0-100, impact-weighted likelihood of known signs")
    risk_level: RiskLevel
    confidence: float
    counts: dict[RiskLevel, int]
    signs_present: int
    signs_absent: int
    signs_unknown: int


class RankedRecommendation(_Out):
    recommendation_id: str
    sign_ids: list[str]
    effort: Literal["S", "M", "L"]
    risk_reduction: float
    priority: float = Field(description="risk_reduction per effort point")
    rank: int
    horizon: Horizon


class CoverageEntry(_Out):
    collector: str
    source: str
    ratio: float
    partial: bool
    missing: list[str]


class Inputs(_Out):
    respondents: int
    roles: dict[Role, int]
    evidence_sets: int
    answers: int


class DoraSummary(_Out):
    year: int
    cluster: str | None
    metrics: dict[str, float | None]
    missing: list[str]
    notes: list[str]


class Assessment(_Out):
    schema_version: int = SCHEMA_VERSION
    catalogue_version: str
    organisation: str | None = None
    team: str | None = None
    date: dt.date | None = None
    inputs: Inputs
    findings: list[Finding]
    areas: list[AreaResult]
    overall: Overall
    recommendations: list[RankedRecommendation]
    coverage: list[CoverageEntry]
    dora: DoraSummary | None = None
    notes: list[str] = Field(default_factory=list)

    def finding(self, sign_id: str) -> Finding:
        return next(f for f in self.findings if f.sign_id == sign_id)

    def area(self, area_id: str) -> AreaResult:
        return next(a for a in self.areas if a.area_id == area_id)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, so equal assessments are equal bytes."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
