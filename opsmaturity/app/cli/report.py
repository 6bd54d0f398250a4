"""`opsmaturity report`: PDF, XLSX and JSON reports from assessment files.

Input is an Assessment JSON (from `score`/`assess --out`) or a report JSON (from
`report --json`, which already carries answers, evidence and history), plus
optional answers, evidence and earlier assessments for the appendix and the trend.
Several `--in` files make an organisation report, one team per file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import (
    CatalogueOpt,
    LangOpt,
    catalogue_or_fail,
    err_console,
    fail,
    localised,
    multi_option,
    out_option,
    say,
    store_session,
    warn,
)
from .output import is_stdout, write_out

if TYPE_CHECKING:
    from pydantic import ValidationError

    from opsmaturity.reports.model import HistoryPoint, OrganisationReport, TeamReport
    from opsmaturity.scoring.assessment import Assessment
    from opsmaturity.scoring.catalogue import Catalogue

    AnyReport = TeamReport | OrganisationReport


def _read_json(path: Path) -> object:
    from opsmaturity.core.sources import SourceError, read_json

    try:
        return read_json(path)
    except SourceError as exc:
        raise fail(str(exc)) from None


def _invalid(path: Path, what: str, exc: ValidationError) -> typer.Exit:
    from opsmaturity.core.sources import first_problem

    return fail(say("report.not_input", path=path, what=say(what), problem=first_problem(exc)))


def load_input(path: Path) -> Assessment | AnyReport:
    """An Assessment JSON or a report JSON, told apart by `report_schema_version`."""
    from pydantic import ValidationError

    from opsmaturity.reports.jsonreport import ReportDocument
    from opsmaturity.scoring.assessment import Assessment

    data = _read_json(path)
    if isinstance(data, dict) and "report_schema_version" in data:
        try:
            return ReportDocument.model_validate(data).report
        except ValidationError as exc:
            raise _invalid(path, "report.a_report", exc) from None
    try:
        return Assessment.model_validate(data)
    except ValidationError as exc:
        raise _invalid(path, "report.an_assessment", exc) from None


def _history_point(path: Path) -> HistoryPoint:
    from opsmaturity.reports.model import HistoryPoint, OrganisationReport, TeamReport

    loaded = load_input(path)
    if isinstance(loaded, OrganisationReport):
        raise fail(say("report.org_as_history", path=path))
    if isinstance(loaded, TeamReport):
        return loaded.current_point()
    if loaded.date is None:
        raise fail(say("report.no_date", path=path))
    return HistoryPoint.from_assessment(loaded, label=path.stem)


def _team(path: Path, loaded: Assessment | TeamReport, cat: Catalogue, *,
          answers: Path | None, evidence: list[Path], history: list[Path],
          organisation: str | None, team: str | None, date: dt.date | None,
          draft: bool) -> TeamReport:
    from opsmaturity.core.evidence import EvidenceFileError, load_evidence
    from opsmaturity.core.sources import SourceError
    from opsmaturity.reports.model import ReportError, TeamReport, team_report
    from opsmaturity.scoring.answers import load_answers

    responses = None
    if answers is not None:
        try:
            responses = load_answers(answers, cat)
        except SourceError as exc:
            raise fail(str(exc)) from None
    try:
        sets = [s for p in evidence for s in load_evidence(p)]
    except EvidenceFileError as exc:
        raise fail(str(exc)) from None
    points = [_history_point(p) for p in history]
    state = "draft" if draft else None
    if isinstance(loaded, TeamReport):
        changes = {k: v for k, v in {
            "organisation": organisation, "team": team, "date": date, "state": state,
            "responses": responses, "evidence": sets or None,
            "history": [*loaded.history, *points] if points else None}.items()
            if v is not None}
        return TeamReport(**{**dict(loaded), **changes})
    if responses is not None and responses.respondents and (
            len(responses.respondents) != loaded.inputs.respondents):
        warn(say("report.participants_differ", answers=answers, n=len(responses.respondents),
                 m=loaded.inputs.respondents))
    when = date or loaded.date or (responses.date if responses else None) or dt.date.today()
    try:
        return team_report(loaded, organisation=organisation, team=team, date=when,
                           state=state or "final", responses=responses, evidence=sets,
                           history=points)
    except ReportError as exc:
        # the options are no words; the message is said in the command's language first
        raise fail(f"{path}: {localised(str(exc))} (--team, --date)") from None


def _organisation(paths: list[Path], cat: Catalogue, organisation: str | None,
                  date: dt.date | None,
                  draft: bool) -> OrganisationReport:
    from opsmaturity.reports.model import (
        OrganisationReport,
        ReportError,
        check_against_catalogue,
        team_report,
    )
    from opsmaturity.scoring.assessment import Assessment

    teams: list[TeamReport] = []
    for path in paths:
        loaded = load_input(path)
        if isinstance(loaded, OrganisationReport):
            raise fail(say("report.org_not_alone", path=path))
        if isinstance(loaded, Assessment):
            try:
                loaded = team_report(loaded, date=date or loaded.date or dt.date.today())
            except ReportError as exc:
                raise fail(say("report.name_the_team", path=path,
                                problem=localised(str(exc)))) from None
        try:
            check_against_catalogue(loaded, cat)
        except ReportError as exc:
            raise fail(f"{path}: {exc}") from None
        teams.append(loaded)
    names = {t.organisation for t in teams if t.organisation}
    org = organisation or (names.pop() if len(names) == 1 else "")
    if not org:
        raise fail(say("report.no_organisation"))
    return OrganisationReport(organisation=org, date=date or max(t.date for t in teams),
                              state="draft" if draft else "final", teams=teams)


def stored_report(assessment_id: int | None, org: str | None, cat: Catalogue) -> AnyReport:
    """A team report of a stored assessment, or an organisation report of a stored org."""
    from ..store_reports import organisation_report, team_report

    with store_session() as store:
        if assessment_id is not None:
            return team_report(store, assessment_id, cat)
        assert org is not None
        return organisation_report(store, org, cat)


def write_reports(report: AnyReport, cat: Catalogue, *, pdf: Path | None = None,
                  xlsx: Path | None = None, json_out: Path | None = None,
                  lang: str = "en", source: str | None = None) -> None:
    """Write the requested outputs; the store-backed command calls this too. The report is
    checked against the catalogue first, so a mismatch (named after `source`, the input
    file or stored assessment) writes nothing at all."""
    from opsmaturity.reports import pdf as pdf_report
    from opsmaturity.reports import xlsx as xlsx_report
    from opsmaturity.reports.jsonreport import report_json
    from opsmaturity.reports.model import (
        OrganisationReport,
        ReportError,
        check_against_catalogue,
    )

    try:
        check_against_catalogue(report, cat)
    except ReportError as exc:
        raise fail(f"{source}: {exc}" if source else str(exc)) from None
    try:
        if json_out:
            write_out(json_out, report_json(report))
        if xlsx:
            xlsx_report.write_xlsx(report, cat, xlsx, lang)
            err_console.print(say("wrote", path=xlsx), highlight=False)
        if pdf:
            if isinstance(report, OrganisationReport):
                stats = pdf_report.render_organisation_pdf(report, cat, pdf, lang)
            else:
                stats = pdf_report.render_team_pdf(report, cat, pdf, lang)
            err_console.print(say("report.wrote_pages", path=pdf, pages=stats.pages),
                              highlight=False)
    except ReportError as exc:
        raise fail(str(exc)) from None


def report(
    assessment_id: Annotated[int | None, typer.Option("--assessment")] = None,
    org: Annotated[str | None, typer.Option("--org")] = None,
    inputs: Annotated[list[Path] | None, multi_option("--in")] = None,
    answers: Annotated[Path | None, typer.Option("--answers", "-a")] = None,
    evidence: Annotated[list[Path] | None, multi_option("--evidence", "-e")] = None,
    history: Annotated[list[Path] | None, multi_option("--history")] = None,
    organisation: Annotated[str | None, typer.Option("--organisation")] = None,
    team: Annotated[str | None, typer.Option("--team")] = None,
    date: Annotated[dt.datetime | None, typer.Option("--date", formats=["%Y-%m-%d"])] = None,
    draft: Annotated[bool, typer.Option("--draft")] = False,
    pdf: Annotated[Path | None, typer.Option("--pdf")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx")] = None,
    json_out: Annotated[Path | None, out_option("--json")] = None,
    catalogue: CatalogueOpt = None,
    lang: LangOpt = "en",
) -> None:
    """Write a PDF, XLSX and/or JSON report of one team or of an organisation."""
    sources = sum(x is not None and x != [] for x in (assessment_id, org, inputs))
    if sources != 1:
        raise fail(say("report.one_source"))
    if not (pdf or xlsx or json_out):
        raise fail(say("report.one_output"))
    for flag, path in (("--pdf", pdf), ("--xlsx", xlsx)):
        if is_stdout(path):
            raise fail(say("store.binary_to_stdout", flag=flag))
    from opsmaturity.reports.model import OrganisationReport
    cat = catalogue_or_fail(catalogue)
    if not inputs:
        stored: AnyReport = stored_report(assessment_id, org, cat)
        if draft:
            stored = stored.model_copy(update={"state": "draft"})
        where = (say("report.stored_assessment", id=assessment_id) if assessment_id is not None
                 else say("report.stored_org", org=org))
        write_reports(stored, cat, pdf=pdf, xlsx=xlsx, json_out=json_out, lang=lang,
                      source=where)
        return
    assert inputs is not None
    day = date.date() if date else None
    extra = [name for name, v in (("--answers", answers), ("--evidence", evidence),
                                  ("--history", history), ("--team", team)) if v]
    loaded = load_input(inputs[0]) if len(inputs) == 1 else None
    if extra and (loaded is None or isinstance(loaded, OrganisationReport)):
        raise fail(say("report.single_team", flags=", ".join(extra)))
    if loaded is None:
        result: AnyReport = _organisation(inputs, cat, organisation, day, draft)
    elif isinstance(loaded, OrganisationReport):
        changes = {"organisation": organisation, "date": day,
                   "state": "draft" if draft else None}
        result = loaded.model_copy(update={k: v for k, v in changes.items() if v})
    else:
        result = _team(inputs[0], loaded, cat, answers=answers, evidence=evidence or [],
                       history=history or [], organisation=organisation, team=team,
                       date=day, draft=draft)
    write_reports(result, cat, pdf=pdf, xlsx=xlsx, json_out=json_out, lang=lang,
                  source=", ".join(str(p) for p in inputs))
