"""An Assessment as JUnit XML, so that any CI shows warning signs as test cases.

One test suite, one test case per warning sign of the catalogue (classname
`opsmaturity.<area>`, name: the sign's title). A *present* sign is a failing test case
(its risk, likelihood and evidence in the failure); a *suspected* sign passes, with the
question that settles it in `system-out` (a hint is not a failure); an *absent* sign
passes; an *unknown* sign (neither answers nor evidence) is skipped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from opsmaturity.scoring.assessment import Assessment
from opsmaturity.scoring.catalogue import Catalogue, localise

from .sarif import evidence_lines


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.0f}%"


def to_junit(a: Assessment, cat: Catalogue, *, lang: str = "en") -> str:
    """The assessment as JUnit XML text."""
    findings = {f.sign_id: f for f in a.findings}
    suite_name = f"opsmaturity warning signs: {a.team or 'assessment'}"
    root = ET.Element("testsuites", name="opsmaturity")
    suite = ET.SubElement(root, "testsuite", name=suite_name)
    props = ET.SubElement(suite, "properties")
    for name, value in (("catalogue_version", a.catalogue_version),
                        ("risk_level", a.overall.risk_level),
                        ("risk_index", "" if a.overall.risk_index is None
                         else f"{a.overall.risk_index:.1f}")):
        ET.SubElement(props, "property", name=name, value=str(value))
    counts = {"tests": 0, "failures": 0, "skipped": 0}
    for sign in cat.signs:
        f = findings.get(sign.id)
        title = localise(sign.title, lang)
        case = ET.SubElement(suite, "testcase", classname=f"opsmaturity.{sign.areas[0]}",
                             name=f"{title} [{sign.id}]", time="0")
        counts["tests"] += 1
        evidence = evidence_lines(f, cat, lang) if f else []
        details = "\n".join(f"- {line}" for line in evidence)
        if f is None or f.status == "unknown":
            counts["skipped"] += 1
            why = (f.not_applicable_because if f and f.not_applicable_because
                   else "neither answers nor evidence")
            ET.SubElement(case, "skipped", message=f"unknown: {why}")
        elif f.status == "present":
            counts["failures"] += 1
            failure = ET.SubElement(
                case, "failure", type=f"{f.risk_level} risk",
                message=(f"{title}: present, {f.risk_level} risk (likelihood "
                         f"{_pct(f.likelihood)}, confidence {_pct(f.confidence)})"))
            failure.text = "\n".join([
                localise(sign.why, lang).strip(), "", "Evidence:", details or "- answers only",
                "", "What to do: " + "; ".join(localise(r.title, lang)
                                               for r in sign.recommendations)])
        elif f.status == "suspected":
            out = ET.SubElement(case, "system-out")
            out.text = (f"suspected (a question, not a failure; likelihood "
                        f"{_pct(f.likelihood)}): {localise(sign.settle, lang).strip()}"
                        + (f"\nEvidence:\n{details}" if details else ""))
    for element in (root, suite):
        for key, value in counts.items():
            element.set(key, str(value))
        element.set("errors", "0")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
