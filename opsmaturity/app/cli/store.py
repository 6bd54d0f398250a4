"""Store commands: organisations, teams, assessments, answers, evidence, history, bundles.

Each command opens the store (migrating it if it was made by an older version), does one
thing, and reports what it did on stderr; tables go to stdout.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import (
    CatalogueOpt,
    LangOpt,
    catalogue_or_fail,
    err_console,
    fail,
    out_console,
    out_option,
    say,
    store_session,
    warn,
)
from .group import command_group
from .output import is_stdout, write_out

if TYPE_CHECKING:
    pass

DEFAULT_DORA_YEAR = 2025  # scoring.dora.NEWEST_YEAR (a test checks), not imported: start-up

org_app = command_group()
team_app = command_group()
assessment_app = command_group()
answers_app = command_group()
evidence_app = command_group()

AssessmentOpt = Annotated[int, typer.Option("--assessment")]
OrgOpt = Annotated[str | None, typer.Option("--org")]
JsonOpt = Annotated[bool, typer.Option("--json")]

def risk_index(value: float | None) -> str:
    """The risk index as every output prints it (reports/fmt.py): a whole number."""
    from opsmaturity.reports import fmt

    return fmt.index(value)


def risk_word(level: str | None) -> str:
    """A risk level (`high`) in the command's language, as the PDF says it."""
    from opsmaturity.reports.texts import texts

    from .common import state

    words = texts(state.lang)
    return words(f"level.{level}") if level and words.has(f"level.{level}") else str(level)


def _print_records(records: list, as_json: bool, columns: dict[str, Callable]) -> None:
    from rich.table import Table

    if as_json:
        out_console.print_json(json.dumps([r.model_dump(mode="json") for r in records]))
        return
    table = Table(box=None, header_style="bold")
    for name in columns:
        table.add_column(name, no_wrap=name in ("id", "date", "state"))
    for r in records:
        table.add_row(*(str(get(r)) for get in columns.values()))
    out_console.print(table)


def org_create(name: Annotated[str, typer.Argument()]) -> None:
    """Add an organisation."""
    with store_session() as store:
        org = store.create_organisation(name)
    err_console.print(say("store.org_created", id=org.id, name=org.name), highlight=False)


def org_list(as_json: JsonOpt = False) -> None:
    """List organisations with their number of teams."""
    with store_session() as store:
        rows = store.list_organisations()
    _print_records(rows, as_json, {"id": lambda r: r.id, "organisation": lambda r: r.name,
                                   "teams": lambda r: r.teams})


def team_create(
    name: Annotated[str, typer.Argument()],
    org: Annotated[str, typer.Option("--org")],
) -> None:
    """Add a team to an organisation."""
    with store_session() as store:
        team = store.create_team(org, name)
    err_console.print(say("store.team_created", id=team.id, name=team.name,
                          organisation=team.organisation), highlight=False)


def team_list(org: OrgOpt = None, as_json: JsonOpt = False) -> None:
    """List teams, of one organisation or all."""
    with store_session() as store:
        rows = store.list_teams(org)
    _print_records(rows, as_json, {"id": lambda r: r.id, "organisation": lambda r: r.organisation,
                                   "team": lambda r: r.name})


def assessment_create(
    team: Annotated[str, typer.Option("--team")],
    org: OrgOpt = None,
    on: Annotated[datetime | None, typer.Option("--date", formats=["%Y-%m-%d"])] = None,
    title: Annotated[str, typer.Option("--title")] = "",
    catalogue: CatalogueOpt = None,
) -> None:
    """Start a draft assessment of a team with the current catalogue version."""
    cat = catalogue_or_fail(catalogue)
    with store_session() as store:
        team_rec = store.team(team, org)
        rec = store.create_assessment(team_rec.id, cat.version, title=title,
                                      on=on.date() if on else None)
    out_console.print(rec.id)
    err_console.print(say("store.assessment_created", id=rec.id, team=rec.team,
                          organisation=rec.organisation, date=rec.date,
                          version=rec.catalogue_version), highlight=False)


def assessment_list(
    team: Annotated[str | None, typer.Option("--team")] = None,
    org: OrgOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List assessments with their state and how much input they have."""
    with store_session() as store:
        rows = store.list_assessments(team, org)
    _print_records(rows, as_json, {
        "id": lambda r: r.id, "date": lambda r: r.date, "organisation": lambda r: r.organisation,
        "team": lambda r: r.team, "title": lambda r: r.title, "state": lambda r: r.state,
        "participants": lambda r: r.participants, "answers": lambda r: r.answers,
        "evidence": lambda r: r.evidence_sets, "catalogue": lambda r: r.catalogue_version})


def assessment_finalise(
    assessment: Annotated[int, typer.Argument()],
    dora_year: Annotated[int, typer.Option("--dora-year")] = DEFAULT_DORA_YEAR,
    catalogue: CatalogueOpt = None,
) -> None:
    """Score the assessment and freeze the result; it takes no more answers or evidence."""
    from opsmaturity.scoring import dora

    if dora_year not in dora.REPORT_YEARS:
        raise fail(say("assess.dora_year", years=", ".join(map(str, dora.REPORT_YEARS))))
    cat = catalogue_or_fail(catalogue)
    with store_session() as store:
        rec = store.assessment(assessment)
        if rec.catalogue_version != cat.version:
            warn(say("store.other_catalogue", id=assessment, theirs=rec.catalogue_version,
                     ours=cat.version))
        scored = store.finalise(assessment, cat, dora_year)
    err_console.print(say("store.finalised", id=assessment, risk=risk_index(
                          scored.overall.risk_index),
                          level=risk_word(scored.overall.risk_level)), highlight=False)


def answers_import(
    file: Annotated[Path, typer.Argument()],
    assessment: AssessmentOpt,
    catalogue: CatalogueOpt = None,
) -> None:
    """Add the participants and answers of an answers file to an assessment; a workbook's
    Answers sheet replaces the assessment's answers (checked first, all or nothing)."""
    if file.suffix.lower() in (".xlsx", ".xlsm"):
        from .plan import import_answers_workbook

        import_answers_workbook(file, assessment, catalogue)
        return
    from opsmaturity.core.sources import SourceError, load_yaml
    from opsmaturity.scoring.answers import AnswersFile, load_answers

    cat = catalogue_or_fail(catalogue)
    try:
        load_answers(file, cat)  # checks every value, reporting file:line
        parsed = AnswersFile.model_validate(load_yaml(file).data)
    except SourceError as exc:
        raise fail(str(exc)) from None
    with store_session() as store:
        rec = store.assessment(assessment)
        if parsed.team and parsed.team != rec.team:
            warn(say("store.other_team", file=file, theirs=repr(parsed.team), id=assessment,
                     ours=repr(rec.team)))
        before = rec.participants
        participants = store.import_answers(assessment, parsed)
    answered = sum(len(p.answers) for p in parsed.participants)
    err_console.print(say("store.answers_imported", participants=len(participants) - before,
                          answers=answered, id=assessment), highlight=False)


def evidence_import(
    files: Annotated[list[Path], typer.Argument()],
    assessment: AssessmentOpt,
) -> None:
    """Attach collector evidence to an assessment."""
    from opsmaturity.core.evidence import EvidenceFileError, load_evidence

    try:
        sets = [s for path in files for s in load_evidence(path)]
    except EvidenceFileError as exc:
        raise fail(str(exc)) from None
    with store_session() as store:
        for ev in sets:
            store.add_evidence(assessment, ev)
    err_console.print(say("store.evidence_attached", n=len(sets), id=assessment, sets=", ".join(
        say("store.evidence_set", collector=s.collector, ratio=f"{s.coverage.ratio:.0%}")
        for s in sets)), highlight=False)


def history(
    team: Annotated[str, typer.Option("--team")],
    org: OrgOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Risk index and area maturity levels over the team's finalised assessments."""
    from rich.table import Table

    with store_session() as store:
        points = store.history(team, org)
    if as_json:
        out_console.print_json(json.dumps([p.model_dump(mode="json") for p in points]))
        return
    if not points:
        err_console.print(say("store.no_history", team=team), highlight=False)
        return
    # One column per assessment, one row per measure: reads like a trend, fits a terminal.
    from opsmaturity.reports import fmt

    from .common import state

    with fmt.language(state.lang):  # 2,6 and 4. Dezember 2026 in German, as in the PDF
        table = Table("", *(f"{fmt.date(p.date)}\n#{p.assessment_id}" for p in points),
                      box=None, header_style="bold")
        table.add_row(say("store.risk_index"), *(risk_index(p.risk_index) for p in points))
        table.add_row(say("store.risk_level"), *(risk_word(p.risk_level) for p in points))
        for area in sorted({a for p in points for a in p.area_levels}):
            table.add_row(say("store.area_level", area=area),
                          *(fmt.level(p.area_levels.get(area)) for p in points))
    out_console.print(table)


class ExportFormat(StrEnum):
    bundle = "bundle"
    xlsx = "xlsx"
    json = "json"


def export(
    assessment: AssessmentOpt,
    out: Annotated[Path, out_option()],
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.bundle,
    catalogue: CatalogueOpt = None,
    lang: LangOpt = "en",
    with_names: Annotated[bool, typer.Option("--with-names")] = False,
) -> None:
    """Write an assessment to a file (a bundle moves it to another store)."""
    if fmt is ExportFormat.xlsx and is_stdout(out):
        raise fail(say("store.binary_to_stdout", flag="--format xlsx"))
    if fmt is not ExportFormat.bundle:
        from .report import stored_report, write_reports

        cat = catalogue_or_fail(catalogue)
        report = stored_report(assessment, None, cat)
        write_reports(report, cat, xlsx=out if fmt is ExportFormat.xlsx else None,
                      json_out=out if fmt is ExportFormat.json else None, lang=lang)
        return
    from ..store import export_bundle

    with store_session() as store:
        text = export_bundle(store, assessment, names=with_names)
    write_out(out, text)
    if with_names:
        err_console.print(say("store.bundle_names"), highlight=False)


def import_(file: Annotated[Path, typer.Argument()],) -> None:
    """Add an exported assessment bundle to this store, after checking its content hash."""
    from ..store import import_bundle

    with store_session() as store:
        rec = import_bundle(store, file)
    out_console.print(rec.id)
    err_console.print(say("store.bundle_imported", file=file, id=rec.id, team=rec.team,
                          organisation=rec.organisation, state=rec.state,
                          n=rec.participants), highlight=False)

