"""`questionnaire`, `score` and `assess`: from answers and evidence to an Assessment."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

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
    multi_option,
    out_console,
    out_option,
    run_collector,
    say,
    warn,
    warn_problems,
)
from .output import is_stdout, one_stdout, write_out

if TYPE_CHECKING:
    from collections.abc import Callable

    from opsmaturity.core.evidence import EvidenceSet
    from opsmaturity.scoring.answers import Responses
    from opsmaturity.scoring.assessment import Assessment, Finding
    from opsmaturity.scoring.catalogue import Catalogue


DEFAULT_DORA_YEAR = 2025  # scoring.dora.NEWEST_YEAR (a test checks), not imported: start-up


class ResultFormat(StrEnum):
    """What `assess` and `score` write: a summary for people, or a file for tools."""

    text = "text"
    json = "json"
    sarif = "sarif"
    junit = "junit"


FormatOpt = Annotated[ResultFormat, typer.Option("--format", "-f")]
OutOpt = Annotated[Path | None, out_option()]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q")]


class QuestionnaireFormat(StrEnum):
    markdown = "markdown"
    yaml = "yaml"
    json = "json"


def questionnaire(
    fmt: Annotated[QuestionnaireFormat, typer.Option(
        "--format", "-f"
    )] = QuestionnaireFormat.markdown,
    out: Annotated[Path | None, out_option()] = None,
    catalogue: CatalogueOpt = None,
    lang: LangOpt = "en",
) -> None:
    """Print the questionnaire, an answers template, or the machine-readable catalogue."""
    from opsmaturity.reports import questionnaire as questionnaire_report

    cat = catalogue_or_fail(catalogue)
    if fmt is QuestionnaireFormat.markdown:
        text = questionnaire_report.to_markdown(cat, lang)
    elif fmt is QuestionnaireFormat.yaml:
        text = questionnaire_report.to_answers_template(cat, lang)
    else:
        text = questionnaire_report.to_json(cat)
    write_out(out or "-", text)


def score(
    answers: Annotated[Path | None, typer.Option("--answers", "-a")] = None,
    evidence: Annotated[list[Path] | None, multi_option("--evidence", "-e")] = None,
    fmt: FormatOpt = ResultFormat.text,
    out: OutOpt = None,
    fail_on: FailOnOpt = None,
    dora_year: Annotated[int, typer.Option("--dora-year")] = DEFAULT_DORA_YEAR,
    catalogue: CatalogueOpt = None,
    lang: LangOpt = "en",
    quiet: QuietOpt = False,
) -> None:
    """Score answers and evidence against the warning signs; print a summary, write JSON."""
    from opsmaturity.core.evidence import EvidenceFileError, load_evidence
    from opsmaturity.scoring import dora

    if answers is None and not evidence:
        raise fail(say("assess.no_input"))
    if dora_year not in dora.REPORT_YEARS:
        raise fail(say("assess.dora_year", years=", ".join(map(str, dora.REPORT_YEARS))))
    cat = catalogue_or_fail(catalogue)
    try:
        sets: list[EvidenceSet] = [s for path in evidence or [] for s in load_evidence(path)]
    except EvidenceFileError as exc:
        raise fail(str(exc)) from None
    inputs = {"answers": str(answers) if answers else None,
              "evidence": str(evidence[0]) if evidence else None}
    _score_and_report(cat, sets, _responses(answers, cat), out=out, fmt=fmt, fail_on=fail_on,
                      dora_year=dora_year, lang=lang, quiet=quiet,
                      location=_input_location(inputs))


def _responses(answers: Path | None, cat: Catalogue) -> Responses:
    from opsmaturity.core.sources import SourceError
    from opsmaturity.scoring.answers import Responses, load_answers

    if answers is None:
        return Responses()
    try:
        responses = load_answers(answers, cat)
    except SourceError as exc:
        raise fail(str(exc)) from None
    if responses.catalogue_version and responses.catalogue_version != cat.version:
        warn(say("assess.other_catalogue", path=answers, theirs=responses.catalogue_version,
                 ours=cat.version))
    return responses


def render(fmt: ResultFormat, assessment: Assessment, cat: Catalogue, lang: str,
           location: Callable[[Finding], str] | None = None) -> str:
    """The assessment in a machine-readable format (json, sarif, junit)."""
    if fmt is ResultFormat.sarif:
        from opsmaturity import __version__
        from opsmaturity.reports.sarif import to_sarif

        return to_sarif(assessment, cat, lang=lang, version=__version__,
                        location=location)
    if fmt is ResultFormat.junit:
        from opsmaturity.reports.junit import to_junit

        return to_junit(assessment, cat, lang=lang)
    return assessment.to_json()


def _score_and_report(cat: Catalogue, sets: list[EvidenceSet], responses: Responses, *,
                      out: Path | None, fmt: ResultFormat, fail_on: Gate | None,
                      dora_year: int, lang: str, quiet: bool,
                      location: Callable[[Finding], str] | None = None) -> None:
    """Score, write the result (before any gate fires), print the summary, apply the gate.

    `--format text` prints the summary and writes the Assessment JSON to `--out` if given;
    the other formats write themselves to `--out` (default: standard output). Whenever
    standard output carries data, the summary goes to standard error.
    """
    from opsmaturity.scoring.catalogue import RISK_ORDER
    from opsmaturity.scoring.engine import score as score_assessment

    assessment = score_assessment(cat, sets, responses, dora_year=dora_year)
    target = out if fmt is ResultFormat.text else (out or Path("-"))
    if target is not None:
        data = assessment.to_json() if fmt is ResultFormat.text else render(
            fmt, assessment, cat, lang, location)
        write_out(target, data)
    if not quiet:
        from .summary import print_summary

        print_summary(assessment, cat, err_console if is_stdout(target) else out_console, lang)
    if fail_on is not None:
        gate = RISK_ORDER[fail_on.value]
        hits = [f.sign_id for f in assessment.findings if RISK_ORDER[f.risk_level] >= gate]
        if hits:
            from opsmaturity.reports.texts import texts as report_texts

            level = report_texts(lang)(f"level.{fail_on.value}")
            err_console.print(say("assess.gate", n=len(hits), level=level, signs=", ".join(hits)),
                              markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(code=1)


def _input_location(inputs: dict[str, str | None]) -> Callable[[Finding], str]:
    """A result's file for `score`: the answers file for answers, else the evidence file."""
    def location(finding: Finding) -> str:
        if finding.support == "answers" and inputs["answers"]:
            return inputs["answers"]
        return inputs["evidence"] or inputs["answers"] or "."
    return location


def _repository_location(repo: str) -> Callable[[Finding], str]:
    """A result's file for `assess`: the CI configuration for CI evidence, else the README."""
    root = Path(repo)
    ci_files = [p for p in (".gitlab-ci.yml", "Jenkinsfile") if (root / p).is_file()]
    ci_files += sorted(str(p.relative_to(root)) for p in root.glob(".github/workflows/*.y*ml"))
    readme = next((p.name for p in sorted(root.glob("README*")) if p.is_file()), "README.md")

    def location(finding: Finding) -> str:
        if ci_files and any(p.measure.startswith("ci.") and p.outcome in ("true", "false")
                            for p in finding.probes):
            return ci_files[0]
        return readme
    return location


def assess(
    source: Annotated[str, typer.Argument()] = ".",
    answers: Annotated[Path | None, typer.Option("--answers", "-a")] = None,
    fmt: FormatOpt = ResultFormat.text,
    out: OutOpt = None,
    evidence_out: Annotated[Path | None, out_option("--evidence-out")] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    show_names: ShowNamesOpt = False,
    no_cache: NoCacheOpt = False,
    fail_on: FailOnOpt = None,
    catalogue: CatalogueOpt = None,
    lang: LangOpt = "en",
    quiet: QuietOpt = False,
) -> None:
    """Collect git and CI evidence from a repository, score it, print the summary."""
    from .collect import collect_git_evidence, open_repository

    target = out if fmt is ResultFormat.text else (out or "-")
    if clash := one_stdout(**{"--out": target, "--evidence-out": evidence_out}):
        raise fail(clash)
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
        write_out(evidence_out, evidence_json(sets))
    _score_and_report(cat, sets, responses, out=out, fmt=fmt, fail_on=fail_on,
                      dora_year=DEFAULT_DORA_YEAR, lang=lang, quiet=quiet,
                      location=_repository_location(repo))
