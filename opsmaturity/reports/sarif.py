"""An Assessment as SARIF 2.1.0, for code scanning (GitHub, and any SARIF viewer).

Every warning sign of the catalogue is a rule (its help: why it matters, the question that
settles it, what to do). A sign that is *present* is a result whose level follows its
risk (critical/high: error, medium: warning, low: note); a *suspected* sign is a result
at level note, worded as a question, never an error; absent and unknown signs are not
results, so a scanning tool closes an alert when the sign goes away. Each result carries
its evidence (the probes that decided, with their values) in the message and as
properties, and one location: the file the finding rests on when there is one (the CI
configuration for CI evidence, the answers file for answers), else the repository's
README, so that code scanning has a place to show it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any

from opsmaturity.scoring.assessment import Assessment, Finding
from opsmaturity.scoring.catalogue import Catalogue, WarningSign, localise

from .fmt import first_sentence

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL_OF_RISK = {"critical": "error", "high": "error", "medium": "warning", "low": "note",
                 "unknown": "note"}
REPORTED = ("present", "suspected")


def level(finding: Finding) -> str:
    """SARIF level: by risk for a present sign; a suspected sign is a note."""
    if finding.status != "present":
        return "note"
    return LEVEL_OF_RISK[finding.risk_level]


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.0f}%"


def evidence_lines(finding: Finding, cat: Catalogue, lang: str = "en") -> list[str]:
    """One line per decided probe and one for the answers: what the finding rests on."""
    lines = []
    for p in finding.probes:
        if p.outcome not in ("true", "false"):
            continue
        statement = first_sentence(localise(cat.probe(p.probe_id).description, lang))
        value = "" if p.value is None else f" = {p.value}{(' ' + p.unit) if p.unit else ''}"
        health = {True: "healthy", False: "points to the sign", None: ""}[p.healthy]
        lines.append(f"{p.measure}{value}: {statement} ({p.outcome}; {health})".replace(
            "; )", ")"))
    for q in finding.answers:
        given = {option: n for option, n in q.distribution.items() if n}
        if q.respondents > q.dont_know and given:
            lines.append(f"answers to {q.question_id}: "
                         + ", ".join(f"{option} x{n}" for option, n in given.items()))
    return lines


def sign_help(sign: WarningSign, lang: str = "en") -> tuple[str, str]:
    """The rule's help as text and as Markdown: why, the question to settle, what to do."""
    why = localise(sign.why, lang).strip()
    settle = localise(sign.settle, lang).strip()
    recs = [(localise(r.title, lang), localise(r.first_step, lang).strip())
            for r in sign.recommendations]
    text = "\n".join([why, "", f"To settle: {settle}", "", "What to do:",
                      *(f"- {title}: {step}" for title, step in recs)])
    markdown = "\n".join([why, "", f"**To settle:** {settle}", "", "**What to do:**",
                          *(f"- **{title}**: {step}" for title, step in recs)])
    return text, markdown


def _rule(sign: WarningSign, cat: Catalogue, lang: str) -> dict[str, Any]:
    text, markdown = sign_help(sign, lang)
    areas = [localise(cat.area(a).title, lang) for a in sign.areas]
    return {
        "id": sign.id,
        "name": "".join(part.capitalize() for part in sign.id.split("_")),
        "shortDescription": {"text": localise(sign.title, lang)},
        "fullDescription": {"text": localise(sign.why, lang).strip()},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["devops-maturity", *areas], "kind": sign.kind,
                       "impact": sign.impact},
    }


def _message(finding: Finding, sign: WarningSign, evidence: list[str], lang: str) -> str:
    title = localise(sign.title, lang)
    if finding.status == "suspected":
        head = (f"Suspected: {title}. Evidence points to this sign without establishing it; "
                f"settle it: {localise(sign.settle, lang).strip()}")
    else:
        head = (f"{title}: present, {finding.risk_level} risk (likelihood "
                f"{_pct(finding.likelihood)}, confidence {_pct(finding.confidence)}).")
    return head + ("\nEvidence:\n" + "\n".join(f"- {line}" for line in evidence)
                   if evidence else "")


def _artifact(uri: str) -> dict[str, str]:
    """A path relative to the source root, or an absolute one as a file URI."""
    path = PurePath(uri)
    if path.is_absolute():
        return {"uri": Path(uri).as_uri()}
    return {"uri": path.as_posix(), "uriBaseId": "%SRCROOT%"}


def _result(finding: Finding, index: int, sign: WarningSign, cat: Catalogue, lang: str,
            uri: str) -> dict[str, Any]:
    evidence = evidence_lines(finding, cat, lang)
    return {
        "ruleId": sign.id,
        "ruleIndex": index,
        "level": level(finding),
        "message": {"text": _message(finding, sign, evidence, lang)},
        "locations": [{"physicalLocation": {
            "artifactLocation": _artifact(uri), "region": {"startLine": 1}}}],
        "partialFingerprints": {"opsmaturitySign/v1": sign.id},
        "properties": {
            "status": finding.status, "support": finding.support,
            "riskLevel": finding.risk_level, "risk": finding.risk,
            "likelihood": finding.likelihood, "confidence": finding.confidence,
            "areas": finding.areas, "evidence": evidence,
            "probes": [p.model_dump(mode="json") for p in finding.probes
                       if p.outcome in ("true", "false")],
        },
    }


def to_sarif(a: Assessment, cat: Catalogue, *, lang: str = "en", version: str = "0",
             location: Callable[[Finding], str] | None = None) -> str:
    """The assessment as a SARIF 2.1.0 log (JSON text); `location` names each result's file."""
    signs = list(cat.signs)
    index = {s.id: i for i, s in enumerate(signs)}
    where = location or (lambda f: "README.md")
    results = [_result(f, index[f.sign_id], cat.sign(f.sign_id), cat, lang, where(f))
               for f in a.findings if f.status in REPORTED and f.sign_id in index]
    results.sort(key=lambda r: ({"error": 0, "warning": 1, "note": 2}[r["level"]],
                                r["ruleId"]))
    o = a.overall
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": "opsmaturity", "version": version,
                "rules": [_rule(s, cat, lang) for s in signs],
            }},
            "automationDetails": {"id": f"opsmaturity/{a.team or 'assessment'}/"},
            "results": results,
            "properties": {
                "catalogueVersion": a.catalogue_version, "team": a.team,
                "organisation": a.organisation, "riskLevel": o.risk_level,
                "riskIndex": o.risk_index, "confidence": o.confidence,
                "signsPresent": o.signs_present, "signsSuspected": o.signs_suspected,
                "signsAbsent": o.signs_absent, "signsUnknown": o.signs_unknown,
                "notes": a.notes,
            },
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
