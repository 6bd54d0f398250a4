"""Report fixtures: real assessments scored from the example answers, real PDFs rendered once.

Rendering costs seconds, so each PDF is made once per session and read by many tests.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from opsmaturity.core.evidence import EvidenceSet
from opsmaturity.core.sources import YamlSource
from opsmaturity.reports import pdf
from opsmaturity.reports.model import (
    HistoryPoint,
    OrganisationReport,
    TeamReport,
    team_report,
)
from opsmaturity.scoring.answers import Responses, check_answers, load_answers
from opsmaturity.scoring.assessment import Assessment
from opsmaturity.scoring.catalogue import Catalogue, default_catalogue_dir
from opsmaturity.scoring.engine import score
from tests.conftest import code_only_evidence, evidence

EXAMPLES = default_catalogue_dir() / "examples"
INSTALL_HINT = "`make test` installs it (scripts/system-deps)"


def require_program(path: str | None, name: str) -> str:
    """Tests use the real programs; a missing one is a failure that says how to get it."""
    if not path or not Path(path).exists():
        pytest.fail(f"{name} is not installed; {INSTALL_HINT}")
    return path


@pytest.fixture(scope="session")
def pdftoppm() -> str:
    return require_program(shutil.which("pdftoppm"), "pdftoppm (poppler-utils)")


def delivery_evidence() -> list[EvidenceSet]:
    """GitLab delivery, CI and git evidence, so DORA, probes and a perception gap show up."""
    return [
        evidence({"gitlab.deployment_frequency_per_week": 2.5,
                  "gitlab.change_lead_time_hours": 60.0, "gitlab.change_fail_rate": 0.18,
                  "gitlab.failed_deployment_recovery_time_hours": 5.0,
                  "gitlab.automated_production_deploy_share": 0.4,
                  "gitlab.pipeline_success_rate": 0.8},
                 collector="gitlab", source="https://gitlab.example.com/shop/orders",
                 coverage=0.9),
        evidence({"ci.present": True, "ci.test_stage_present": True,
                  "ci.deploy_job_present": True, "ci.production_deploy_automatic": False,
                  "ci.rollback_job_defined": False}, collector="ci", source="orders-service"),
        evidence({"git.runbooks_present": False, "git.truck_factor": 1,
                  "git.main_author_share_max": 0.9, "git.single_author_file_share": 0.8,
                  "git.docs_last_changed_days": 400, "git.adr_present": False},
                 collector="git", source="orders-service"),  # knowledge: a perception gap
    ]


def scored(cat: Catalogue, example: str, sets: list[EvidenceSet] | None = None,
           **meta: object) -> tuple[Responses, Assessment]:
    data = yaml.safe_load((EXAMPLES / example).read_text())
    data.update(meta)
    responses = check_answers(YamlSource(path=EXAMPLES / example, data=data), cat)
    return responses, score(cat, sets or [], responses)


@pytest.fixture(scope="session")
def workshop(catalogue: Catalogue) -> TeamReport:
    """Eight participants, delivery evidence, one earlier assessment."""
    sets = delivery_evidence()
    responses = load_answers(EXAMPLES / "workshop.yaml", catalogue)
    a = score(catalogue, sets, responses)
    earlier = HistoryPoint(date=dt.date(2026, 5, 12), risk_index=64.0, label="spring",
                           area_levels={"deployments_releases": 2.0})
    return team_report(a, responses=responses, evidence=sets, history=[earlier])


@pytest.fixture(scope="session")
def weak(catalogue: Catalogue) -> TeamReport:
    responses, a = scored(catalogue, "weak-team.yaml")
    return team_report(a, responses=responses)


@pytest.fixture(scope="session")
def organisation(catalogue: Catalogue, workshop: TeamReport) -> OrganisationReport:
    """Four teams: the workshop, a weak and a strong team, and one known only by evidence."""
    teams = [workshop]
    for example in ("weak-team.yaml", "strong-team.yaml"):
        responses, a = scored(catalogue, example)
        teams.append(team_report(a, responses=responses))
    evidence_only = score(catalogue, delivery_evidence())
    teams.append(team_report(evidence_only, team="Data platform", date=dt.date(2026, 11, 3),
                             organisation="Example Logistics AG",
                             evidence=delivery_evidence()))
    return OrganisationReport(organisation="Example Logistics AG", date=dt.date(2026, 11, 20),
                              teams=teams)


@pytest.fixture(scope="session")
def team_pdf(workshop: TeamReport, catalogue: Catalogue,
             tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pdf.RenderStats]:
    out = tmp_path_factory.mktemp("pdf") / "team.pdf"
    return out, pdf.render_team_pdf(workshop, catalogue, out)


@pytest.fixture(scope="session")
def org_pdf(organisation: OrganisationReport, catalogue: Catalogue,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pdf.RenderStats]:
    out = tmp_path_factory.mktemp("pdf") / "organisation.pdf"
    return out, pdf.render_organisation_pdf(organisation, catalogue, out)


@pytest.fixture(scope="session")
def evidence_only(catalogue: Catalogue) -> TeamReport:
    """A draft known only from a code-only repository: its signs are suspected, not present."""
    sets = code_only_evidence()
    return team_report(score(catalogue, sets), team="Library", organisation="Example OSS",
                       date=dt.date(2026, 11, 20), state="draft", evidence=sets)


@pytest.fixture(scope="session")
def evidence_only_pdf(evidence_only: TeamReport, catalogue: Catalogue,
                      tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdf") / "evidence-only.pdf"
    pdf.render_team_pdf(evidence_only, catalogue, out)
    return out
