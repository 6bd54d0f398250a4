"""`questionnaire`, `score` and `assess`: from answers and evidence to an Assessment."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from opsmaturity.core.evidence import EvidenceFileError, EvidenceSet, load_evidence
from opsmaturity.core.files import write_atomic
from opsmaturity.core.sources import SourceError
from opsmaturity.reports import questionnaire as questionnaire_report
from opsmaturity.scoring import dora
from opsmaturity.scoring.answers import Responses, load_answers
from opsmaturity.scoring.catalogue import RISK_ORDER, Catalogue
from opsmaturity.scoring.engine import score as score_assessment

from .collect import collect_git_evidence, open_repository
from .common import (
    CatalogueOpt,
    FailOnOpt,
    Gate,
    LangOpt,
    NoCacheOpt,
    ShowNamesOpt,
    SinceOpt,
    UntilOpt,
    catalogue_or_fail,
    err_console,
    evidence_json,
    fail,
    out_console,
    run_collector,
    warn_problems,
)
from .summary import print_summary


class QuestionnaireFormat(StrEnum):
    markdown = "markdown"
    yaml = "yaml"
    json = "json"


def questionnaire(
    fmt: Annotated[QuestionnaireFormat, typer.Option(
        "--format", "-f", help="markdown: printable; yaml: answers template; json: catalogue."
    )] = QuestionnaireFormat.markdown,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here, not stdout.")]
    = None,
    catalogue: CatalogueOpt = None,
    lang: LangOpt = "en",
) -> None:
    """Print the questionnaire, an answers template, or the machine-readable catalogue."""
    cat = catalogue_or_fail(catalogue)
    if fmt is QuestionnaireFormat.markdown:
        text = questionnaire_report.to_markdown(cat, lang)
    elif fmt is QuestionnaireFormat.yaml:
        text = questionnaire_report.to_answers_template(cat, lang)
    else:
        text = questionnaire_report.to_json(cat)
    if out:
        write_atomic(out, text)
        err_console.print(f"wrote {out}")
    else:
        sys.stdout.write(text)


def score(
    answers: Annotated[Path | None, typer.Option(
        "--answers", "-a", help="Answers YAML (one participant or a whole workshop).")] = None,
    evidence: Annotated[list[Path] | None, typer.Option(
        "--evidence", "-e", help="Evidence JSON from a collector; repeat for several.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write the Assessment JSON here.")] = None,
    fail_on: FailOnOpt = None,
    dora_year: Annotated[int, typer.Option(
        "--dora-year", help="DORA report year whose performance clusters are used."
    )] = 2024,
    catalogue: CatalogueOpt = None,
    lang: LangOpt = "en",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stdout.")] = False,
) -> None:
    """Score answers and evidence against the warning signs; print a summary, write JSON."""
    if answers is None and not evidence:
        raise fail("give --answers FILE and/or --evidence FILE")
    if dora_year not in dora.SUPPORTED_YEARS:
        raise fail(f"--dora-year must be one of {', '.join(map(str, dora.SUPPORTED_YEARS))}")
    cat = catalogue_or_fail(catalogue)
    try:
        sets: list[EvidenceSet] = [s for path in evidence or [] for s in load_evidence(path)]
    except EvidenceFileError as exc:
        raise fail(str(exc)) from None
    _score_and_report(cat, sets, _responses(answers, cat), out=out, fail_on=fail_on,
                      dora_year=dora_year, lang=lang, quiet=quiet)


def _responses(answers: Path | None, cat: Catalogue) -> Responses:
    if answers is None:
        return Responses()
    try:
        responses = load_answers(answers, cat)
    except SourceError as exc:
        raise fail(str(exc)) from None
    if responses.catalogue_version and responses.catalogue_version != cat.version:
        err_console.print(f"warning: {answers} was written for catalogue "
                          f"{responses.catalogue_version}; scoring with {cat.version}")
    return responses


def _score_and_report(cat: Catalogue, sets: list[EvidenceSet], responses: Responses, *,
                      out: Path | None, fail_on: Gate | None, dora_year: int, lang: str,
                      quiet: bool) -> None:
    """Score, write the JSON (before any gate fires), print the summary, apply the gate."""
    assessment = score_assessment(cat, sets, responses, dora_year=dora_year)
    if out:
        write_atomic(out, assessment.to_json())
    if not quiet:
        print_summary(assessment, cat, out_console, lang)
    if out:
        err_console.print(f"wrote {out}")
    if fail_on is not None:
        gate = RISK_ORDER[fail_on.value]
        hits = [f.sign_id for f in assessment.findings if RISK_ORDER[f.risk_level] >= gate]
        if hits:
            err_console.print(f"gate: {len(hits)} warning sign(s) at {fail_on.value} risk or "
                              f"above: {', '.join(hits)}")
            raise typer.Exit(code=1)


def assess(
    source: Annotated[str, typer.Argument(help="Repository path or clone URL.")] = ".",
    answers: Annotated[Path | None, typer.Option(
        "--answers", "-a", help="Answers YAML to combine with the evidence.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write the Assessment JSON here.")] = None,
    evidence_out: Annotated[Path | None, typer.Option(
        "--evidence-out", help="Also keep the collected evidence JSON here.")] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    show_names: ShowNamesOpt = False,
    no_cache: NoCacheOpt = False,
    fail_on: FailOnOpt = None,
    catalogue: CatalogueOpt = None,
    lang: LangOpt = "en",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stdout.")] = False,
) -> None:
    """Collect git and CI evidence from a repository, score it, print the summary."""
    cat = catalogue_or_fail(catalogue)
    responses = _responses(answers, cat)
    repo, shown = open_repository(source)
    if responses.team is None:  # name the assessment after the repository
        name = (shown or repo).rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
        responses = responses.model_copy(update={"team": name})
    sets = [collect_git_evidence(repo, shown, since, until, show_names, no_cache),
            run_collector("ci", {"repo": repo}, "ci")]
    warn_problems(sets[1])
    if evidence_out:
        write_atomic(evidence_out, evidence_json(sets))
    _score_and_report(cat, sets, responses, out=out, fail_on=fail_on, dora_year=2024,
                      lang=lang, quiet=quiet)
