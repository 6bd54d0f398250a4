"""Reports from the store: a stored assessment (or an organisation) as a report model.

The reports package knows nothing of the store; this is the one place that reads an
assessment with its answers, evidence and earlier finalised assessments and hands the
result to `reports` (the CLI's `report --assessment` and `export`, and the web app).
"""

from __future__ import annotations

from opsmaturity.core.messages import text as _msg
from opsmaturity.reports.model import HistoryPoint, OrganisationReport, PlanEntry, TeamReport
from opsmaturity.scoring.answers import Responses
from opsmaturity.scoring.assessment import Assessment
from opsmaturity.scoring.catalogue import Catalogue

from .store import Store, StoreError
from .store.records import AssessmentRecord


def history_points(store: Store, team_id: int,
                   before: AssessmentRecord | None = None) -> list[HistoryPoint]:
    """The team's finalised assessments as trend points; with `before`, only the earlier ones
    (same day: lower id first), so an assessment's own trend never includes itself."""
    points = []
    for h in store.history(team_id):
        if before is not None and (h.date, h.assessment_id) >= (before.date, before.id):
            continue
        rec = store.assessment(h.assessment_id)  # what it rested on, for the trend's caveat
        points.append(HistoryPoint(
            date=h.date, risk_index=h.risk_index, label=rec.title,
            respondents=rec.participants, evidence_sets=rec.evidence_sets,
            area_levels={a: float(v) for a, v in h.area_levels.items() if v is not None}))
    return points


def team_report(store: Store, assessment_id: int, catalogue: Catalogue,
                scored: Assessment | None = None) -> TeamReport:
    """One assessment with its answers, evidence and the team's earlier final assessments.

    `scored` saves recomputing when the caller already holds the assessment's score.
    """
    record = store.assessment(assessment_id)
    scored = scored or store.compute(assessment_id, catalogue)
    return TeamReport(
        organisation=record.organisation, team=record.team, date=record.date,
        catalogue_version=scored.catalogue_version, state=record.state, assessment=scored,
        responses=_responses(store, assessment_id, catalogue),
        evidence=store.evidence(assessment_id),
        history=history_points(store, record.team_id, before=record),
        plan=plan_entries(store, record, {r.recommendation_id for r in scored.recommendations}))


def plan_entries(store: Store, record: AssessmentRecord, wanted: set[str]) -> list[PlanEntry]:
    """The assessment's own plan; a recommendation without one keeps the owner, due date and
    status it had in the team's latest earlier assessment, so the next report shows them."""
    found: dict[str, PlanEntry] = {}
    earlier = [a for a in store.list_assessments(team=record.team_id)
               if (a.date, a.id) < (record.date, record.id)]
    for a in [record, *sorted(earlier, key=lambda a: (a.date, a.id), reverse=True)]:
        for p in store.plan(a.id):
            if p.recommendation_id in wanted and p.recommendation_id not in found:
                found[p.recommendation_id] = PlanEntry(
                    recommendation_id=p.recommendation_id, owner=p.owner, due=p.due,
                    status=p.status, notes=p.notes)  # type: ignore[arg-type]
    return sorted(found.values(), key=lambda p: p.recommendation_id)


def _responses(store: Store, assessment_id: int, catalogue: Catalogue) -> Responses | None:
    """The answers for the appendix; None when a final assessment's answers no longer fit
    today's catalogue (its frozen snapshot still reports them in aggregate)."""
    try:
        return store.responses(assessment_id, catalogue)
    except StoreError:
        if store.assessment(assessment_id).state == "draft":
            raise
        return None


def organisation_report(store: Store, organisation: str | int,
                        catalogue: Catalogue) -> OrganisationReport:
    """Every team's latest assessment (final preferred over an empty draft)."""
    org = store.organisation(organisation)
    teams = []
    for team in store.list_teams(org.id):
        assessments = store.list_assessments(team=team.id)
        usable = [a for a in assessments if a.state == "final" or a.answers or a.evidence_sets]
        if usable:
            teams.append(team_report(store, usable[-1].id, catalogue))
    if not teams:
        raise StoreError(_msg("store.organisation_without_input", name=repr(org.name)))
    latest = max(t.date for t in teams)
    state = "final" if all(t.state == "final" for t in teams) else "draft"
    return OrganisationReport(organisation=org.name, date=latest, state=state, teams=teams)
