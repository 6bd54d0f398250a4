"""German output: texts complete, numbers and dates the German way, a German PDF without a
single English catalogue sentence, a German workbook."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from opsmaturity.app.cli.summary import _table as summary_table
from opsmaturity.app.cli.texts import _table as cli_table
from opsmaturity.app.web.texts import _table as web_table
from opsmaturity.reports import fmt, pdf, xlsx
from opsmaturity.reports.model import TeamReport
from opsmaturity.reports.texts import _table as report_table
from opsmaturity.reports.texts import texts
from opsmaturity.scoring.catalogue import Catalogue

DE = texts("de")
# Words German practitioners use unchanged (an identical `de` is fine for these).
SAME_IN_GERMAN = {
    "Organisation", "Team", "Teams", "Roadmap", "Status", "Management", "Collector",
    "Change Failure Rate", "Portfolio", "Workshop", "Export", "JSON", "opsmaturity",
    "Trends", "{n} min", "{n} h", "{n} {level}", "#", "Deployments & Releases",
    "Monitoring & Observability", "Incident Management", "Initial", "Plan",
    "Git", "CI", "GitLab", "GitHub", "Prometheus", "PostgreSQL", "Monitoring",
}


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("name, table", [
    ("reports/templates/texts.yaml", report_table), ("app/web/texts.yaml", web_table),
    ("app/cli/texts.yaml", cli_table), ("app/cli/summary.yaml", summary_table)])
def test_every_report_web_and_terminal_text_is_german_too(name, table):
    entries = table()
    assert len(entries) > 5
    missing = [k for k, v in entries.items() if not v.get("de", "").strip()]
    assert not missing, f"{name}: no German text for {missing[:10]}"
    same = [k for k, v in entries.items() if v["de"] == v["en"] and v["en"] not in SAME_IN_GERMAN]
    assert not same, f"{name}: German identical to English for {same[:10]}"
    for key, v in entries.items():
        assert set(re.findall(r"\{\w+\}", v["de"])) == set(re.findall(r"\{\w+\}", v["en"])), key


def test_numbers_and_dates_in_german():
    day = dt.date(2026, 12, 4)
    with fmt.language("de"):
        assert fmt.date(day) == "4. Dezember 2026"
        assert fmt.sig(1234.5, 5) == "1.234,5"
        assert fmt.number(123456) == "123.456"
        assert fmt.number(2.5, "h") == "2,5 h"
        assert fmt.pct(0.453) == "45 %" and fmt.pct(0.1234, 1) == "12,3 %"
        assert fmt.level(2.56) == "2,6"
        assert fmt.fixed(0.5) == "0,50"
        assert fmt.number(True) == "ja"
        assert fmt.separators() == ",."
    # English keeps its compact forms, and the language does not leak out of the block.
    assert (fmt.date(day), fmt.pct(0.453), fmt.number(1234.5)) == ("2026-12-04", "45%", "1,234")


def _english_catalogue_sentences(cat: Catalogue) -> set[str]:
    """Every English sentence of the catalogue long enough to be unmistakable."""
    texts_: list[dict[str, str]] = []
    for a in cat.areas:
        texts_ += [a.title, a.summary, *(d.practices for d in a.levels)]
    for s in cat.signs:
        texts_ += [s.title, s.why, s.settle]
        for r in s.recommendations:
            texts_ += [r.title, r.effect, r.first_step]
    for q in cat.questions:
        texts_ += [q.text, q.help]
    for p in cat.probes:
        texts_ += [p.description, *([p.strength.why] if p.strength else [])]
    sentences = set()
    for text in texts_:
        if text["en"] == text.get("de"):
            continue
        for sentence in re.split(r"(?<=[.!?:;])\s+", flat(text["en"])):
            if len(sentence) >= 30:
                sentences.add(sentence)
    return sentences


@pytest.fixture(scope="module")
def german_pdf(workshop: TeamReport, catalogue: Catalogue,
               tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdf-de") / "team-de.pdf"
    pdf.render_team_pdf(workshop, catalogue, out, lang="de")
    return out


def test_german_pdf_has_no_english_catalogue_sentence(german_pdf, workshop, catalogue):
    pages = [flat(p.extract_text()) for p in PdfReader(german_pdf).pages]
    text = " ".join(pages)
    # Hyphenation may split a word at a line end; fold "Deploy- ment" back for searching.
    folded = re.sub(r"(\w)[-\u2010] (\w)", r"\1\2", text)
    english = sorted(s for s in _english_catalogue_sentences(catalogue)
                     if s in text or s in folded)
    assert len(_english_catalogue_sentences(catalogue)) > 300
    assert not english, english[:5]

    # It is German: headings, the warning signs' German titles, German dates and numbers.
    assert pages[0].count(DE("report.title")) >= 1
    summary = next(i for i, p in enumerate(pages) if p.startswith(DE("section.summary.title")))
    assert pages[summary + 1].startswith(DE("section.heatmap.title")), "summary spills over"
    assert DE("summary.confidence") in pages[summary]
    for key in ("section.summary.title", "section.roadmap.title", "section.method.title"):
        assert DE(key) in text, key
    top = next(f for f in workshop.assessment.findings if f.status == "present")
    title_de = catalogue.sign(top.sign_id).title["de"]
    assert title_de in folded or title_de in text
    with fmt.language("de"):
        assert fmt.date(workshop.date) in pages[0]
    assert re.search(r"\b\d{1,3} %", text)  # 45 %, not 45%
    assert not re.search(r"\b\d{1,3}%", text)
    assert not re.search(r"\b0\.\d\d\b", text)  # 0,32, not 0.32


def test_german_pdf_declares_its_language_and_hyphenates(german_pdf):
    reader = PdfReader(german_pdf)
    assert reader.trailer["/Root"]["/Lang"] == "de"  # from <html lang="de">
    css = (Path(pdf.__file__).parent / "static" / "report.css").read_text()
    assert 'html[lang|="de"] p' in css and "hyphens: auto" in css
    assert "Reifegrad" in (reader.metadata.get("/Keywords") or "")


def test_german_workbook(workshop: TeamReport, catalogue: Catalogue):
    wb = load_workbook(BytesIO(xlsx.xlsx_bytes(workshop, catalogue, "de")))
    assert wb.sheetnames == [DE(f"xlsx.sheet.{name.lower()}") for name in xlsx.SHEETS]
    findings = wb[DE("xlsx.sheet.findings")]
    header = [c.value for c in findings[1]]
    assert header[:3] == [DE("xlsx.column.team"), DE("xlsx.column.sign_id"),
                          DE("xlsx.column.warning_sign")]
    levels = {row[header.index(DE("xlsx.column.risk_level"))].value
              for row in findings.iter_rows(min_row=2)}
    assert levels <= {DE(f"level.{lv}") for lv in ("low", "medium", "high", "critical",
                                                    "unknown")}
    titles = [row[2].value for row in findings.iter_rows(min_row=2)]
    assert titles == [catalogue.sign(f.sign_id).title["de"]
                      for f in workshop.assessment.findings]


def test_dora_page_shows_the_quick_check_with_its_edition(german_pdf, workshop, catalogue):
    q = workshop.assessment.quick_check
    assert q is not None and q.edition == 2025
    pages = [flat(p.extract_text()) for p in PdfReader(german_pdf).pages]
    page = next(p for p in pages if p.startswith(DE("section.dora.title")))
    page = re.sub(r"(\w)[-\u2010] (\w)", r"\1\2", page)  # words hyphenated at a line end, joined
    assert DE("quick_check.title", edition=2025) in page
    assert DE("quick_check.benchmark", name=DE("quick_check.all.industry")) in page
    for m in q.metrics:
        with fmt.language("de"):
            assert f"{fmt.fixed(m.benchmark.mean, 1)} ± {fmt.fixed(m.benchmark.std, 1)}" in page
    assert DE("quick_check.group.throughput") in page and "editions/2025" in page
    # the clusters are still there, named with their own (older) report year
    assert DE("quick_check.clusters", year=2024) in page


def test_every_measure_a_collector_declares_has_a_german_name():
    """The PDF's appendix lists every measure of an evidence set: none by its English id."""
    from opsmaturity.collectors import BUILTINS, get_collector

    en = texts("en")
    unnamed = []
    for name in BUILTINS:
        for measure in get_collector(name).measures:
            german, english = fmt.measure_name(measure, DE), fmt.measure_name(measure, en)
            words = measure.partition(".")[2].replace("_", " ")
            if german == english and english.endswith(words) and words not in SAME_IN_GERMAN:
                unnamed.append(measure)
    assert not unnamed
