"""The `opsmaturity` command line.

Bad input is the user's problem to fix, not ours to dump a traceback for: every
known input error becomes one `error: file:line: message` line and exit code 2.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from opsmaturity.collectors.evidence import EvidenceFileError, EvidenceSet, load_evidence
from opsmaturity.reports import questionnaire as questionnaire_report
from opsmaturity.scoring import dora
from opsmaturity.scoring.answers import Responses, load_answers
from opsmaturity.scoring.catalogue import (
    RISK_ORDER,
    Catalogue,
    load_catalogue,
    schema_text,
)
from opsmaturity.scoring.engine import score as score_assessment
from opsmaturity.scoring.yamlsource import SourceError

from .summary import print_summary

app = typer.Typer(
    name="opsmaturity",
    help="DevOps maturity assessment: evidence from your systems, answers from your people.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
catalogue_app = typer.Typer(help="Check and inspect a maturity catalogue.", no_args_is_help=True)
app.add_typer(catalogue_app, name="catalogue")

out_console = Console()
err_console = Console(stderr=True)


class QuestionnaireFormat(StrEnum):
    markdown = "markdown"
    yaml = "yaml"
    json = "json"


class Gate(StrEnum):
    medium = "medium"
    high = "high"
    critical = "critical"


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out_console.print(f"opsmaturity {version('opsmaturity')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """DevOps maturity assessment: evidence from your systems, answers from your people."""


CatalogueOpt = Annotated[
    Path | None,
    typer.Option("--catalogue", help="Catalogue directory (default: the built-in one).",
                 exists=True, file_okay=False, dir_okay=True),
]
LangOpt = Annotated[str, typer.Option("--lang", help="Language of texts (falls back to en).")]


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def _catalogue(directory: Path | None) -> Catalogue:
    try:
        return load_catalogue(directory)
    except SourceError as exc:
        raise _fail(str(exc)) from None


def _write(path: Path, text: str) -> None:
    """Write via a temporary file so an interrupted run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


@app.command()
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
    cat = _catalogue(catalogue)
    if fmt is QuestionnaireFormat.markdown:
        text = questionnaire_report.to_markdown(cat, lang)
    elif fmt is QuestionnaireFormat.yaml:
        text = questionnaire_report.to_answers_template(cat, lang)
    else:
        text = questionnaire_report.to_json(cat)
    if out:
        _write(out, text)
        err_console.print(f"wrote {out}")
    else:
        sys.stdout.write(text)


@app.command()
def score(
    answers: Annotated[Path | None, typer.Option(
        "--answers", "-a", help="Answers YAML (one participant or a whole workshop).")] = None,
    evidence: Annotated[list[Path] | None, typer.Option(
        "--evidence", "-e", help="Evidence JSON from a collector; repeat for several.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write the Assessment JSON here.")] = None,
    fail_on: Annotated[Gate | None, typer.Option(
        "--fail-on", help="Exit 1 if any warning sign reaches this risk level.")] = None,
    dora_year: Annotated[int, typer.Option(
        "--dora-year", help="DORA report year whose performance clusters are used."
    )] = 2024,
    catalogue: CatalogueOpt = None,
    lang: LangOpt = "en",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stdout.")] = False,
) -> None:
    """Score answers and evidence against the warning signs; print a summary, write JSON."""
    if answers is None and not evidence:
        raise _fail("give --answers FILE and/or --evidence FILE")
    if dora_year not in dora.SUPPORTED_YEARS:
        raise _fail(f"--dora-year must be one of {', '.join(map(str, dora.SUPPORTED_YEARS))}")
    cat = _catalogue(catalogue)
    try:
        responses = load_answers(answers, cat) if answers else Responses()
        sets: list[EvidenceSet] = [s for path in evidence or [] for s in load_evidence(path)]
    except (SourceError, EvidenceFileError) as exc:
        raise _fail(str(exc)) from None
    if responses.catalogue_version and responses.catalogue_version != cat.version:
        err_console.print(f"warning: {answers} was written for catalogue "
                          f"{responses.catalogue_version}; scoring with {cat.version}")
    assessment = score_assessment(cat, sets, responses, dora_year=dora_year)
    if out:
        _write(out, assessment.to_json())
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


@catalogue_app.command("check")
def catalogue_check(
    directory: Annotated[Path | None, typer.Argument(
        help="Catalogue directory (default: the built-in one).")] = None,
) -> None:
    """Validate a catalogue: schema, ids and cross-references, with file:line errors."""
    cat = _catalogue(directory)
    practice = sum(q.kind == "practice" for q in cat.questions)
    out_console.print(
        f"catalogue {cat.version}: {len(cat.areas)} areas, {len(cat.signs)} warning signs, "
        f"{practice} questions (+{len(cat.questions) - practice} context), "
        f"{len(cat.probes)} probes, {len(cat.all_recommendations())} recommendations: ok"
    )


@catalogue_app.command("schema")
def catalogue_schema() -> None:
    """Print the JSON schema for catalogue files (for editor validation)."""
    sys.stdout.write(schema_text())


def main() -> None:
    app()


if __name__ == "__main__":
    main()
