"""The Assessment: what scoring produces and every report and page reads.

Each number carries what it was computed from (answers, probe outcomes,
coverage), so the app and the PDF can drill down to the evidence.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .catalogue import RISK_ORDER, RiskLevel, Role
from .quick_check import QuickCheck

SCHEMA_VERSION = 2

Status = Literal["present", "suspected", "absent", "unknown"]
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


class ConditionResult(_Out):
    """Whether a group of signs applies (e.g. the repository is deployed and operated)."""

    condition_id: str
    holds: bool | None = Field(description="None: no indicator could be evaluated")
    probes: list[ProbeResult]


class Finding(_Out):
    sign_id: str
    areas: list[str]
    status: Status = Field(description="suspected: evidence points to the sign but does not "
                           "establish it; a question for the workshop, capped in risk")
    support: Literal["answers", "evidence", "weak"] | None = Field(
        default=None, description="what the status present/suspected rests on")
    likelihood: float | None
    likelihood_from_answers: float | None
    likelihood_from_evidence: float | None
    evidence_log_odds: float | None = Field(
        default=None, description="sum of the decided probes' signed strengths")
    impact: float = Field(description="1-5, the catalogue's impact scaled by context answers")
    impact_factor: float
    impact_basis: Literal["context", "assumed"] = Field(
        default="context", description="assumed: no context answer; the neutral impact was used")
    risk: float | None = Field(description="likelihood x impact / 5, bounded by the status's cap")
    risk_level: RiskLevel
    confidence: float
    answers: list[QuestionStats]
    probes: list[ProbeResult]
    not_applicable_because: str | None = Field(
        default=None, description="the condition that failed, leaving the sign's probes out")
    perception_gap: PerceptionGap | None = None
    disagreement: bool = False
    role_likelihoods: dict[Role, float] = Field(default_factory=dict)
    role_gap: float | None = None


class AreaResult(_Out):
    area_id: str
    level: float | None = Field(description="maturity 1.0-5.0 (one decimal); None when nothing "
                                "is known")
    health: float | None
    risk: float | None = Field(default=None, description="the highest risk of its known signs")
    risk_level: RiskLevel
    confidence: float
    signs_known: int
    signs_total: int

    def reached(self) -> int | None:
        """The whole level whose descriptor the team has reached (2.6 -> 2)."""
        return None if self.level is None else max(1, min(5, int(self.level)))


class Overall(_Out):
    risk_index: float | None = Field(description="0-100, mean risk of the known signs")
    worst_risk: float | None = Field(default=None, description="the highest sign risk; sets "
                                     "risk_level")
    risk_level: RiskLevel
    confidence: float
    counts: dict[RiskLevel, int]
    signs_present: int
    signs_suspected: int = 0
    signs_absent: int
    signs_unknown: int

    def severity_key(self) -> tuple[int, float, float]:
        """Sort key, most severe first: risk level, then worst sign risk, then index.

        Every list of teams (portfolio, organisation report, heatmaps) sorts by this, so
        the team shown first is the one with the worst cells.
        """
        return (-RISK_ORDER[self.risk_level], -(self.worst_risk or 0.0),
                -(self.risk_index or 0.0))


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
    quick_check: QuickCheck | None = Field(
        default=None, description="the delivery metrics scored the way of DORA's Quick Check, "
        "beside the benchmark of the team's industry or organisation size (edition inside)")
    conditions: list[ConditionResult] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    def finding(self, sign_id: str) -> Finding:
        return next(f for f in self.findings if f.sign_id == sign_id)

    def area(self, area_id: str) -> AreaResult:
        return next(a for a in self.areas if a.area_id == area_id)

    def suspected(self) -> list[Finding]:
        """Signs to settle in the workshop, most likely first."""
        return sorted((f for f in self.findings if f.status == "suspected"),
                      key=lambda f: (-(f.likelihood or 0.0), f.sign_id))

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, so equal assessments are equal bytes."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
