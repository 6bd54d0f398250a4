"""The PDF as a CIO reads it: nothing past the margin, no internal words, numbers that add
up, one scale, charts that say what they show, a draft mark that is not text."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader

from opsmaturity.core.evidence import EvidenceSet
from opsmaturity.reports import charts, fmt, pdf
from opsmaturity.reports.model import HistoryPoint, OrganisationReport, TeamReport, team_report
from opsmaturity.reports.texts import texts
from opsmaturity.reports.view import (
    basis_changed,
    comment_text,
    organisation_view,
    role_gaps,
    trend,
)
from opsmaturity.scoring.catalogue import Catalogue
from opsmaturity.scoring.engine import score
from tests.reports.conftest import delivery_evidence, scored

t = texts("en")
RIGHT_MARGIN_MM = 16  # report.css @page margin
INTERNAL = [
    re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b"),  # snake_case ids: probes, signs, notes
    re.compile(r"\b[a-z*]+\.[a-z]+(?:_[a-z]+)+\b"),  # measure names: git.large_commit_share
    re.compile(r"(?:<=|>=|==|!=)"),  # measure rules
    re.compile(r"(?:^|:\s|=\s?|\()\s*(?:true|false)\b", re.M),  # bare booleans as values
    re.compile(r"(?:^|[\s:(])(?:/home/|/tmp/|/Users/|[A-Z]:\\)"),  # local paths
    re.compile(r"docs/\w+\.md"),
    re.compile(r"\(s\)|\b1 people\b|#\d+"),
]


def words_past_margin(path: Path) -> list[tuple[int, str, float]]:
    """Every word whose box ends right of the right margin, read back with positions."""
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    out = re.sub(r"<!DOCTYPE[^>]*>", "", out).replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    bad = []
    for i, page in enumerate(ElementTree.fromstring(out).iter("page"), start=1):
        limit = float(page.get("width")) - RIGHT_MARGIN_MM * 72 / 25.4 + 0.5
        bad += [(i, w.text or "", float(w.get("xMax"))) for w in page.iter("word")
                if float(w.get("xMax")) > limit]
    return bad


def text_of(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


# ------------------------------------------------------------------------ fixtures

def _local(sets: list[EvidenceSet]) -> list[EvidenceSet]:
    """The same evidence as collected from a consultant's disk."""
    return [s.model_copy(update={"source": f"/home/alice/clients/{s.source.split('/')[-1]}"})
            if not s.source.startswith("http") else s for s in sets]


def _thin_history_draft(catalogue: Catalogue) -> TeamReport:
    """The workshop's draft with local evidence paths and one thin earlier assessment."""
    sets = _local(delivery_evidence())
    responses, _ = scored(catalogue, "workshop.yaml")
    return team_report(score(catalogue, sets, responses), responses=responses, evidence=sets,
                       history=[HistoryPoint(date=dt.date(2026, 5, 12), risk_index=93.6,
                                             respondents=1, evidence_sets=0)],
                       state="draft")


@pytest.fixture(scope="module")
def local_pdf(catalogue: Catalogue, tmp_path_factory) -> Path:
    report = _thin_history_draft(catalogue)
    out = tmp_path_factory.mktemp("pdf") / "local.pdf"
    pdf.render_team_pdf(report, catalogue, out)
    return out


LONG = "Warehouse management, inbound logistics and customs clearance platform team"


@pytest.fixture(scope="module")
def fifty(organisation: OrganisationReport) -> OrganisationReport:
    teams = [r.model_copy(update={"team": f"{LONG} {i:02d}" if i % 2 else f"Team {i:02d}"})
             for i in range(50) for r in organisation.teams[i % len(organisation.teams):][:1]]
    return organisation.model_copy(update={"teams": teams})


@pytest.fixture(scope="module")
def fifty_pdf(fifty: OrganisationReport, catalogue, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pdf") / "fifty.pdf"
    pdf.render_organisation_pdf(fifty, catalogue, out)
    return out


# ------------------------------------------------------------------------ layout

def test_no_text_beyond_the_right_margin(team_pdf, org_pdf, local_pdf):
    for path in (team_pdf[0], org_pdf[0], local_pdf):
        assert words_past_margin(path) == [], path.name


def test_fifty_teams_summary_fits_its_page_and_names_do_not_overlap(fifty_pdf, fifty,
                                                                    catalogue):
    pages = [re.sub(r"\s+", " ", p.extract_text()).strip()
             for p in PdfReader(fifty_pdf).pages]
    summary = next(i for i, p in enumerate(pages) if p.startswith(t("section.summary.title")))
    assert pages[summary + 1].startswith(t("section.heatmap.title")), "summary spills over"
    assert words_past_margin(fifty_pdf) == []
    fig = charts.team_heatmap(fifty.teams[:25], catalogue)
    rows = fig.layout.yaxis.ticktext
    assert max(r.count("<br>") for r in rows) <= 1  # two lines at most per row: no overlap
    assert any("…" in r for r in rows)
    assert len(set(rows)) == len(rows)  # cut names still tell the teams apart
    heatmap = pages[summary + 1]
    assert t("chart.caption_team_heatmap") in heatmap
    assert t("chart.caption_heatmap") not in heatmap


def test_measure_reduction_is_a_mean_per_team_not_a_sum(organisation, fifty, catalogue):
    few = organisation_view(organisation, catalogue)
    many = organisation_view(fifty, catalogue)
    assert max(int(m.risk_reduction) for m in many.common_measures) <= 100
    top_few = {m.title: m.risk_reduction for m in few.common_measures}
    for m in many.common_measures:  # fifty copies of the same teams: the same means
        if m.title in top_few:
            assert abs(int(m.risk_reduction) - int(top_few[m.title])) <= 1


# ------------------------------------------------------------------------ words

def test_no_internal_words_or_local_paths_in_the_text(local_pdf):
    text = text_of(local_pdf)
    found = {p.pattern: m.group(0) for p in INTERNAL for m in [p.search(text)] if m}
    assert found == {}
    assert "alice" not in text and "clients" not in text  # the folders it came from
    assert "orders-service" in text  # but the repository's name is kept


def test_footer_keeps_its_spacing(team_pdf):
    """The gap between the footer note and the page number does not collapse."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", "3", "-l", "3", str(team_pdf[0]), "-"],
                         capture_output=True, text=True, check=True).stdout
    boxes = re.findall(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)<', out)
    i = max(i for i, (_, _, word) in enumerate(boxes) if word == "·")
    before, dot, after = boxes[i - 1], boxes[i], boxes[i + 1]
    assert before[2].endswith(".") and after[2] == "3"
    assert float(dot[0]) - float(before[1]) > 6 and float(after[0]) - float(dot[1]) > 6


def test_counts_are_worded(team_pdf, workshop: TeamReport):
    text = re.sub(r"\s+", " ", text_of(team_pdf[0]))
    n = workshop.assessment.inputs.respondents
    assert f"Based on {n} participants with" in text and "participant(s)" not in text


# ------------------------------------------------------------------------ numbers

@pytest.mark.parametrize(("value", "shown"), [(56.5, "57"), (55.5, "56"), (0.4, "0"),
                                              (94.49, "94"), (2.45, "2.5")])
def test_one_rounding_rule(value, shown):
    got = fmt.level(value) if shown == "2.5" else fmt.index(value)
    assert got == shown


def test_trend_difference_is_computed_from_what_is_shown():
    previous = HistoryPoint(date=dt.date(2026, 5, 1), risk_index=93.6)
    tr = trend(previous, 79.4)
    assert (tr.previous, tr.current, tr.delta, tr.direction) == ("94", "79", "15", "better")
    assert trend(previous, 93.5).direction == "same"  # both shown as 94


def test_thin_against_broad_basis_is_flagged(local_pdf):
    thin = HistoryPoint(date=dt.date(2026, 5, 1), risk_index=90, respondents=1, evidence_sets=0)
    broad = HistoryPoint(date=dt.date(2026, 11, 1), risk_index=70, respondents=12,
                         evidence_sets=3)
    assert "one person, no evidence" in basis_changed(thin, broad, t)
    assert basis_changed(broad, broad, t) is None
    text = re.sub(r"\s+", " ", text_of(local_pdf))
    assert "rest on different ground" in text
    assert "Based on" in text and "one person, no evidence" in text  # the history table


def test_one_scale_for_risk(team_pdf):
    text = re.sub(r"\s+", " ", text_of(team_pdf[0]))
    assert t("label.index_points") in text and t("chart.index_points_axis") in text
    assert not re.search(r"Risk reduction:? \d+\.\d\d", text)


# ------------------------------------------------------------------------ people

def test_a_role_is_named_only_when_three_share_it():
    roles = {"dev": 4, "management": 2}
    assert comment_text("P1 (dev): fine", roles, t) == "P1 (dev): fine"
    assert comment_text("P7 (management): so-so", roles, t) == "P7: so-so"


def test_role_gaps_are_said_in_words(workshop: TeamReport):
    a = workshop.assessment
    findings = [f.model_copy(update={"role_likelihoods": {"dev": 0.8, "ops": 0.7,
                                                          "management": 0.35}})
                for f in a.findings]
    lines = role_gaps(a.model_copy(update={"findings": findings}), t)
    assert len(lines) == 1 and lines[0].startswith("Managers rate the warning signs as less")
    assert f"in {len(findings)} of {len(findings)} signs" in lines[0]
    even = [f.model_copy(update={"role_likelihoods": {"dev": 0.5, "management": 0.5}})
            for f in a.findings]
    assert role_gaps(a.model_copy(update={"findings": even}), t) == []


# ------------------------------------------------------------------------ charts

def test_trend_labels_stay_inside_the_chart():
    points = [HistoryPoint(date=dt.date(2025, 12, 9), risk_index=94.0),
              HistoryPoint(date=dt.date(2026, 6, 7), risk_index=79.0, label="#16")]
    fig = charts.risk_trend(points, _thresholds())
    (line,) = fig.data
    lo, hi = (dt.date.fromisoformat(x) for x in fig.layout.xaxis.range)
    assert lo < points[0].date and hi > points[-1].date  # room for the first and last label
    assert line.textposition[0] == "bottom center"  # near the top: below the point
    assert line.cliponaxis is False
    assert "#16" not in str(fig.to_dict())  # dates, never database ids
    assert list(fig.layout.xaxis.tickvals) == ["2025-12-09", "2026-06-07"]


def _thresholds():
    from opsmaturity.scoring.catalogue import load_catalogue
    return load_catalogue().scoring.risk_levels


def test_dora_marks_the_team_once_and_shades_where_its_value_is(workshop: TeamReport):
    dora = workshop.assessment.dora
    fig = charts.dora_placement(dora)
    markers = [tr for tr in fig.data if tr.type == "scatter" and tr.mode == "markers"]
    assert len(markers) == 4 and all(len(tr.x) == 1 for tr in markers)
    from opsmaturity.scoring import dora as tables
    table = tables.cluster_table(dora.year)
    names = [t(f"dora.cluster.{c.name}") for c in table.clusters]
    bars = [tr for tr in fig.data if tr.type == "bar"]
    for metric, bar, marker in zip(tables.CLUSTER_METRICS, bars, markers, strict=True):
        here = charts.metric_cluster(table, metric, dora.metrics.get(metric))
        dark = [n for n, c in zip(names, bar.marker.color, strict=True) if c == "#3b528b"]
        assert dark == [t(f"dora.cluster.{here}")]
        assert marker.y[0] == t(f"dora.cluster.{here}")
    titles = [fig.layout[k].title.text for k in fig.layout if k.startswith("xaxis")]
    assert all(titles) and any("per week" in x for x in titles)


def test_each_sign_appears_once_in_the_team_heatmap(workshop: TeamReport, catalogue):
    fig = charts.sign_heatmap(workshop.assessment, catalogue)
    n = sum(len([x for x in tr.x if x is not None]) for tr in fig.data)
    assert n == len(workshop.assessment.findings)


# ------------------------------------------------------------------------ accessibility

def test_pdf_is_tagged_and_the_watermark_is_not_text(local_pdf):
    reader = PdfReader(local_pdf)
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    for i, page in enumerate(reader.pages):
        text = page.extract_text()
        draft = len(re.findall(r"\bDraft\b", text))
        # the cover's draft line, or the running header: never the watermark on top
        assert draft == 1, (i, text[:200])


# ------------------------------------------------------------------------ in German
# German runs about a fifth longer than English: the same proofs, read from German PDFs.

DE = texts("de")


@pytest.fixture(scope="module")
def german(catalogue: Catalogue, workshop: TeamReport, fifty: OrganisationReport,
           tmp_path_factory) -> dict[str, Path]:
    """A team PDF with a thin earlier assessment and local paths, and a 50-team
    organisation PDF of draft teams with long names, both in German."""
    out = tmp_path_factory.mktemp("pdf-de")
    report = _thin_history_draft(catalogue)
    drafts = fifty.model_copy(update={"teams": [r.model_copy(update={"state": "draft"})
                                                for r in fifty.teams]})
    paths = {"team": out / "team.pdf", "fifty": out / "fifty.pdf"}
    pdf.render_team_pdf(report, catalogue, paths["team"], lang="de")
    pdf.render_organisation_pdf(drafts, catalogue, paths["fifty"], lang="de")
    return paths


def test_german_pdfs_keep_inside_the_right_margin(german):
    for path in german.values():
        assert words_past_margin(path) == [], path.name


def test_german_summaries_fit_their_page(german):
    for path in german.values():
        pages = [re.sub(r"\s+", " ", p.extract_text()).strip()
                 for p in PdfReader(path).pages]
        summary = next(i for i, p in enumerate(pages)
                       if p.startswith(DE("section.summary.title")))
        assert pages[summary + 1].startswith(DE("section.heatmap.title")), path.name
        assert DE("summary.confidence") in pages[summary]


def test_german_organisation_of_drafts_is_marked_draft_on_every_page(german):
    pages = [p.extract_text() for p in PdfReader(german["fifty"]).pages]
    assert DE("report.draft_note").split(":")[0] in re.sub(r"\s+", " ", pages[0])
    assert all(re.search(rf"\b{DE('report.draft')}\b", p) for p in pages)


def test_no_internal_words_or_local_paths_in_the_german_text(german):
    for path in german.values():
        text = text_of(path)
        found = {p.pattern: m.group(0) for p in INTERNAL for m in [p.search(text)] if m}
        assert found == {}, path.name
        assert "alice" not in text and "clients" not in text


def test_a_team_with_no_sign_present_is_not_called_unjudged(organisation, catalogue):
    """The organisation report's team page: judged signs that are all absent say so, rather
    than "no warning sign could be judged"."""
    from opsmaturity.reports.view import top_risks

    calm = [r for r in organisation.teams if not top_risks(r.assessment)
            and any(f.status != "unknown" for f in r.assessment.findings)]
    assert calm, "the strong team has no sign present"
    org = organisation.model_copy(update={"teams": calm})
    html = pdf.render_html("organisation.html", v=organisation_view(org, catalogue),
                           draft=False, lang="en", meta=pdf._meta("t", "o", "2026-11-20", "en"))
    assert t("summary.no_present").split(".")[0] in html
    assert t("summary.no_risks") not in html
