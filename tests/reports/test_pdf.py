"""The PDF read back: sections, names and numbers as printed, page furniture, real pixels."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from pypdf import PdfReader

from opsmaturity.reports import fmt, pdf
from opsmaturity.reports.model import OrganisationReport, TeamReport, by_severity
from opsmaturity.reports.texts import texts
from opsmaturity.reports.view import note_texts, organisation_view, team_view, top_risks
from opsmaturity.scoring.catalogue import Catalogue, localise

t = texts("en")


def flat(text: str) -> str:
    """Page text with line breaks folded, so wrapped titles compare as one string."""
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def team_pages(team_pdf: tuple[Path, pdf.RenderStats]) -> list[str]:
    return [flat(p.extract_text()) for p in PdfReader(team_pdf[0]).pages]


@pytest.fixture(scope="module")
def org_pages(org_pdf: tuple[Path, pdf.RenderStats]) -> list[str]:
    return [flat(p.extract_text()) for p in PdfReader(org_pdf[0]).pages]


def page_with_heading(pages: list[str], heading: str) -> int:
    """Index of the page that starts with this heading (running headers come last)."""
    hits = [i for i, text in enumerate(pages) if text.startswith(heading)]
    assert hits, f"no page starts with {heading!r}"
    return hits[0]


def test_metadata(team_pdf, workshop: TeamReport):
    meta = PdfReader(team_pdf[0]).metadata
    assert meta.title == f"{t('report.title')}: {workshop.organisation} / {workshop.team}"
    assert meta.author.startswith("opsmaturity ")
    assert meta.subject.startswith(t("report.subject"))
    assert workshop.team in meta.subject


def test_cover_names_the_assessment(team_pages, workshop: TeamReport):
    cover = team_pages[0]
    for value in (workshop.organisation, workshop.team, workshop.date.isoformat(),
                  workshop.catalogue_version, t("report.title")):
        assert value in cover


def test_sections_come_in_order_and_the_toc_gives_their_pages(team_pages, workshop, catalogue):
    toc = team_pages[1]
    assert toc.startswith(t("toc.title"))
    headings = [t("section.summary.title"), t("section.heatmap.title"),
                t("section.areas.title"),
                *(localise(a.title, "en") for a in catalogue.areas),
                t("section.trend.title"), t("section.dora.title"), t("section.roadmap.title"),
                t("section.method.title"), t("section.appendix.title"),
                t("section.appendix.measures_title")]
    pages = []
    for heading in headings:
        match = re.search(rf"{re.escape(heading)} \.*\s*(\d+)", toc)
        assert match, f"table of contents lacks {heading!r}"
        page = int(match.group(1))
        assert team_pages[page - 1].startswith(heading), f"{heading!r} is not on page {page}"
        pages.append(page)
    assert pages == sorted(pages)


def test_executive_summary_is_one_page_with_the_numbers(team_pages, workshop: TeamReport,
                                                        catalogue: Catalogue):
    i = page_with_heading(team_pages, t("section.summary.title"))
    assert team_pages[i + 1].startswith(t("section.heatmap.title")), "summary spills over"
    summary = team_pages[i]
    o = workshop.assessment.overall
    assert f"Risk index {o.risk_index:.0f} of 100" in summary
    assert t(f"level.{o.risk_level}").upper() in summary
    assert flat(t(f"risk_meaning.{o.risk_level}")) in summary
    recs = {r.id: r for r in catalogue.all_recommendations()}
    for f in top_risks(workshop.assessment)[:5]:
        assert localise(catalogue.sign(f.sign_id).title, "en") in summary
    for r in workshop.assessment.recommendations[:5]:
        assert localise(recs[r.recommendation_id].title, "en") in summary
        assert t(f"effort.{r.effort}.long") in summary
    trend = team_view(workshop, catalogue).trend
    assert trend is not None and trend.direction == "better"
    assert f"fell from {trend.previous} on {trend.previous_date} to {trend.current}" in summary
    assert f"Confidence {o.confidence * 100:.0f}%" in summary


def test_each_area_page_prints_its_level_and_signs(team_pages, workshop, catalogue):
    for result in workshop.assessment.areas:
        title = localise(catalogue.area(result.area_id).title, "en")
        page = team_pages[page_with_heading(team_pages, title)]
        assert f"{result.level}/5" in page[:200]
        assert t(f"level.{result.risk_level}") in page
        for f in workshop.assessment.findings:
            if result.area_id in f.areas:
                assert localise(catalogue.sign(f.sign_id).title, "en")[:40] in page


def test_perception_gap_and_disagreement_are_explained(team_pages, workshop):
    text = " ".join(team_pages)
    gaps = [f for f in workshop.assessment.findings if f.perception_gap]
    disputed = [f for f in workshop.assessment.findings if f.disagreement]
    assert gaps and disputed
    assert "People see this as" in text
    assert t("section.area.disagreement") in text
    assert "Likelihood of the sign by role (higher is worse): dev" in text


def test_dora_section_gives_cluster_and_year(team_pages, workshop):
    page = team_pages[page_with_heading(team_pages, t("section.dora.title"))]
    dora = workshop.assessment.dora
    assert dora is not None and dora.cluster
    assert f"Nearest cluster in the {dora.year} report: {dora.cluster}" in page
    assert "2.5 per week" in page and "18.0%" in page


def test_roadmap_lists_every_measure_by_horizon(team_pages, workshop, catalogue):
    start = page_with_heading(team_pages, t("section.roadmap.title"))
    end = page_with_heading(team_pages, t("section.method.title"))
    text = " ".join(team_pages[start:end])
    recs = {r.id: r for r in catalogue.all_recommendations()}
    for r in workshop.assessment.recommendations:
        assert localise(recs[r.recommendation_id].title, "en")[:40] in text
    for horizon in ("now", "next", "later"):
        assert t(f"horizon.{horizon}.title") in text


def test_appendix_traces_answers_and_evidence(team_pages, workshop, catalogue):
    start = page_with_heading(team_pages, t("section.appendix.title"))
    text = " ".join(team_pages[start:])
    # a probe in words: outcome, statement, what was measured and its value, the source
    assert "yes The team deploys to production at least once a week" in text
    assert "GitLab: deployment frequency: 2.5" in text
    assert "Source: https://gitlab.example.com/shop/orders" in text  # its source, as it is
    assert "We can redeploy the previous image." in text  # a participant's comment
    assert "GitLab: change failure rate: 18%" in text  # the measures appendix, in words


def test_individual_answers_stay_out_of_the_pdf(team_pages):
    """The PDF circulates: it shows how answers spread; who answered what is in the XLSX."""
    text = " ".join(team_pages)
    assert "Answered: " in text  # the distributions are there
    # the old appendix listed "P1 (dev): Agree · P2 (ops): Disagree · ..." per question
    assert not re.search(r"P\d+ \((dev|ops|management|other)\): [^·]{1,60} · P\d+ \(", text)
    assert "GitLab: change failure rate" in text  # the measures appendix


def test_page_numbers_and_running_header(team_pages, workshop):
    n = len(team_pages)
    for i, text in enumerate(team_pages[1:], start=2):
        assert text.endswith(f"{i} / {n}"), text[-40:]
        assert t("report.title") in text


def test_charts_are_vector_with_selectable_text(team_pdf, team_pages, catalogue):
    reader = PdfReader(team_pdf[0])
    i = page_with_heading(team_pages, t("section.heatmap.title"))
    assert not list(reader.pages[i].images), "the heatmap must be vector, not a bitmap"
    for area in catalogue.areas:  # column labels of the chart, as text
        assert localise(area.title, "en").split()[0] in team_pages[i]
    assert team_pdf[1].charts == 5


def render_pngs(path: Path, pdftoppm: str, out: Path, dpi: int = 24) -> list[Path]:
    subprocess.run([pdftoppm, "-r", str(dpi), "-gray", "-png", str(path), str(out / "p")],
                   check=True)
    return sorted(out.glob("p-*.png"))


def test_every_page_renders_with_content(team_pdf, team_pages, pdftoppm, tmp_path):
    pngs = render_pngs(team_pdf[0], pdftoppm, tmp_path)
    assert len(pngs) == len(team_pages)
    for png in pngs:  # a blank page has no variance at all; a page of text has some
        stat = ImageStat.Stat(Image.open(png).convert("L"))
        assert stat.stddev[0] > 3, f"{png.name} looks blank"
    heatmap = page_with_heading(team_pages, t("section.heatmap.title"))
    summary = Image.open(pngs[heatmap]).convert("L")
    histogram = summary.histogram()
    dark = sum(histogram[:200]) / (summary.width * summary.height)
    assert dark > 0.03, "the heatmap page has too little ink: is the chart missing?"


# ------------------------------------------------------------------------ organisation

def test_organisation_report_names_every_team_with_its_numbers(org_pages, organisation,
                                                               catalogue):
    assert len(organisation.teams) == 4
    teams_page = org_pages[page_with_heading(org_pages, t("section.teams.title"))]
    heatmap_page = org_pages[page_with_heading(org_pages, t("section.heatmap.title"))]
    for team in organisation.teams:
        o = team.assessment.overall
        assert team.team in teams_page and team.team in heatmap_page
        page = org_pages[page_with_heading(org_pages, team.team)]
        assert f"Risk index {o.risk_index:.0f} of 100" in page
        for area in team.assessment.areas:
            assert f"{fmt.level(area.level)}/5" in page


def test_organisation_summary_is_one_page(org_pages, organisation, catalogue):
    i = page_with_heading(org_pages, t("section.summary.title"))
    assert org_pages[i + 1].startswith(t("section.heatmap.title")), "summary spills over"
    v = organisation_view(organisation, catalogue)
    assert f"Mean risk index {v.index} of 100 over 4 teams" in org_pages[i]
    for line in v.highest:
        assert line.team in org_pages[i]


def test_organisation_orders_teams_by_severity_and_shows_the_shares(org_pages, organisation,
                                                                   catalogue):
    v = organisation_view(organisation, catalogue)
    summary = org_pages[page_with_heading(org_pages, t("section.summary.title"))]
    assert t(f"level.{v.level}").upper() in summary and v.shares in summary
    assert v.level == max((r.assessment.overall.risk_level for r in organisation.teams),
                          key=lambda lv: ["unknown", "low", "medium", "high", "critical"].index(lv))
    teams_page = org_pages[page_with_heading(org_pages, t("section.teams.title"))]
    order = [r.team for r in by_severity(organisation.teams)]
    assert sorted(order, key=teams_page.index) == order  # the team table, most severe first
    heatmap = org_pages[page_with_heading(org_pages, t("section.heatmap.title"))]
    assert sorted(order, key=heatmap.index) == order  # the heatmap's rows likewise


def test_organisation_of_draft_teams_is_marked_draft(organisation: OrganisationReport,
                                                     catalogue, tmp_path):
    teams = [organisation.teams[0].model_copy(update={"state": "draft"})]
    data = pdf.organisation_pdf(organisation.model_copy(update={"teams": teams}), catalogue)
    pages = [flat(p.extract_text()) for p in PdfReader(_write(tmp_path, data)).pages]
    assert all(t("report.draft") in p for p in pages)


# ------------------------------------------------------------------------ suspected signs

@pytest.fixture(scope="module")
def settle_pages(evidence_only_pdf: Path) -> list[str]:
    """The draft's pages, each without the watermark its text starts with."""
    pages = [flat(p.extract_text()) for p in PdfReader(evidence_only_pdf).pages]
    assert all(t("report.draft") in p for p in pages)  # a draft on every page
    return pages


def test_suspected_signs_are_questions_for_the_workshop(settle_pages, evidence_only, catalogue):
    a = evidence_only.assessment
    heading = t("section.settle.title")
    toc = settle_pages[1]
    match = re.search(rf"{re.escape(heading)} \.*\s*(\d+)", toc)
    assert match, "the contents lack the questions to settle"
    page = settle_pages[int(match.group(1)) - 1]
    assert page.startswith(heading)
    assert page_with_heading(settle_pages, t("section.summary.title")) < int(match.group(1)) - 1
    for f in a.suspected():
        sign = catalogue.sign(f.sign_id)
        assert flat(localise(sign.title, "en")) in page
        assert flat(localise(sign.settle, "en")) in page


def test_questions_to_settle_have_a_bookmark(evidence_only_pdf: Path):
    outline = [item.title for item in PdfReader(evidence_only_pdf).outline
               if not isinstance(item, list)]
    assert outline.index(t("section.settle.title")) == outline.index(
        t("section.summary.title")) + 1


def test_summary_calls_no_suspected_sign_a_risk(settle_pages, evidence_only, catalogue):
    summary = settle_pages[page_with_heading(settle_pages, t("section.summary.title"))]
    a = evidence_only.assessment
    assert flat(t("summary.no_present")) in summary
    for f in a.suspected():
        assert flat(localise(catalogue.sign(f.sign_id).title, "en")) not in summary
    for line in note_texts(a, catalogue, t):  # the impact assumption and the rest, in words
        assert flat(line) in summary


def test_method_explains_evidence_strength(settle_pages, catalogue):
    method = settle_pages[page_with_heading(settle_pages, t("section.method.title"))]
    cap = t(f"level.{catalogue.scoring.suspected_cap}")
    assert flat(t("section.method.strength", cap=cap,
                  absent_cap=t(f"level.{catalogue.scoring.absent_cap}"))) in method


def test_draft_is_marked_on_every_page(organisation: OrganisationReport, catalogue, tmp_path):
    draft = organisation.model_copy(update={"state": "draft",
                                            "teams": organisation.teams[:1]})
    data = pdf.organisation_pdf(draft, catalogue)
    pages = [flat(p.extract_text()) for p in PdfReader(_write(tmp_path, data)).pages]
    assert all(t("report.draft") in p for p in pages)
    assert t("report.draft_note") in pages[0]


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return path
