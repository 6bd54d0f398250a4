"""What a report is made from: one team's assessment with its context, or many teams'.

The PDF, the XLSX and the JSON export all read these models, and so will the store
and the web app: whoever holds an Assessment (a file, a database row) wraps it in a
TeamReport and hands it to `reports`. The models carry data only; wording lives in
the templates and `templates/texts.yaml`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from opsmaturity.core.evidence import EvidenceSet
from opsmaturity.core.messages import text as _msg
from opsmaturity.scoring.answers import Responses
from opsmaturity.scoring.assessment import Assessment
from opsmaturity.scoring.catalogue import Catalogue


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HistoryPoint(_Model):
    """An earlier finalised assessment of the same team: enough to draw the trend."""

    date: dt.date
    risk_index: float | None = Field(description="0-100; None when nothing was known")
    area_levels: dict[str, float] = Field(
        default_factory=dict, description="area id -> maturity level 1-5 (known areas only)")
    label: str = ""
    respondents: int | None = Field(default=None, description="people who answered")
    evidence_sets: int | None = Field(default=None, description="evidence sets scored")

    @classmethod
    def from_assessment(cls, assessment: Assessment, date: dt.date | None = None,
                        label: str = "") -> HistoryPoint:
        when = date or assessment.date
        if when is None:
            raise ValueError("the assessment has no date; give one")
        return cls(
            date=when, risk_index=assessment.overall.risk_index, label=label,
            respondents=assessment.inputs.respondents,
            evidence_sets=assessment.inputs.evidence_sets,
            area_levels={a.area_id: float(a.level) for a in assessment.areas
                         if a.level is not None},
        )


class PlanEntry(_Model):
    """Who does a recommended measure, by when, and how far it got (from the workbook)."""

    recommendation_id: str
    owner: str | None = None
    due: dt.date | None = None
    status: Literal["open", "in_progress", "done", "dropped"] = "open"
    notes: str | None = None


class TeamReport(_Model):
    """One team's assessment with everything the report shows beside it."""

    kind: Literal["team"] = "team"
    organisation: str = ""
    team: str
    date: dt.date
    catalogue_version: str
    state: Literal["draft", "final"] = "final"
    assessment: Assessment
    responses: Responses | None = Field(
        default=None, description="answers per participant, for the XLSX")
    evidence: list[EvidenceSet] = Field(default_factory=list)
    history: list[HistoryPoint] = Field(
        default_factory=list, description="earlier assessments of this team, oldest first")
    plan: list[PlanEntry] = Field(
        default_factory=list, description="owner, due date and status per recommendation")

    @field_validator("history")
    @classmethod
    def _oldest_first(cls, value: list[HistoryPoint]) -> list[HistoryPoint]:
        return sorted(value, key=lambda p: p.date)

    def current_point(self) -> HistoryPoint:
        return HistoryPoint.from_assessment(self.assessment, self.date, label="current")

    def previous(self) -> HistoryPoint | None:
        """The last assessment before this one, for "since last time"."""
        earlier = [p for p in self.history if p.date < self.date]
        return earlier[-1] if earlier else None


class OrganisationReport(_Model):
    """Several teams of one organisation, assessed against the same catalogue."""

    kind: Literal["organisation"] = "organisation"
    organisation: str
    date: dt.date
    state: Literal["draft", "final"] = "final"
    teams: list[TeamReport] = Field(min_length=1)


def index_points(assessment: Assessment, reduction: float) -> float:
    """A measure's risk reduction on the risk index's scale (0-100): the index is 100 times
    the mean risk of the known signs, so taking `reduction` off their sum takes this off it."""
    known = sum(f.risk is not None for f in assessment.findings)
    return 100 * reduction / known if known else 0.0


def by_severity(teams: Iterable[TeamReport]) -> list[TeamReport]:
    """Most severe team first (`Overall.severity_key`), then by name: every list of teams."""
    return sorted(teams, key=lambda r: (*r.assessment.overall.severity_key(), r.team.lower()))


class ReportError(ValueError):
    """A report cannot be made from this input; the message says why, for the user."""


def team_report(
    assessment: Assessment,
    *,
    organisation: str | None = None,
    team: str | None = None,
    date: dt.date | None = None,
    state: Literal["draft", "final"] = "final",
    responses: Responses | None = None,
    evidence: Iterable[EvidenceSet] = (),
    history: Iterable[HistoryPoint] = (),
) -> TeamReport:
    """Wrap an assessment, taking names and date from it (or its answers) when not given."""
    meta = responses or Responses()
    name = team or assessment.team or meta.team
    when = date or assessment.date or meta.date
    if not name:
        raise ReportError(_msg("report.no_team"))
    if when is None:
        raise ReportError(_msg("report.no_date"))
    return TeamReport(
        organisation=organisation or assessment.organisation or meta.organisation or "",
        team=name, date=when, catalogue_version=assessment.catalogue_version, state=state,
        assessment=assessment, responses=responses, evidence=list(evidence),
        history=list(history),
    )


def check_against_catalogue(report: TeamReport | OrganisationReport, cat: Catalogue) -> None:
    """Every id the assessment uses must be in the catalogue the report is worded from."""
    teams = report.teams if isinstance(report, OrganisationReport) else [report]
    signs = {s.id for s in cat.signs}
    areas = {a.id for a in cat.areas}
    recs = {r.id for r in cat.all_recommendations()}
    for t in teams:
        a = t.assessment
        missing = (
            [f"warning sign {f.sign_id!r}" for f in a.findings if f.sign_id not in signs]
            + [f"area {x.area_id!r}" for x in a.areas if x.area_id not in areas]
            + [f"recommendation {r.recommendation_id!r}" for r in a.recommendations
               if r.recommendation_id not in recs]
        )
        if missing:
            raise ReportError(
                _msg("report.other_catalogue", team=repr(t.team), theirs=a.catalogue_version,
                     id=missing[0], ours=cat.version)
            )
