"""The PDF chart speed-up draws the same picture: one-piece SVG text."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader

from opsmaturity.reports import pdf, svgcharts, svgtext
from opsmaturity.reports.model import TeamReport
from opsmaturity.scoring.catalogue import Catalogue, localise


@pytest.fixture(scope="module")
def heatmap_svg(workshop: TeamReport, catalogue: Catalogue) -> str:
    return svgcharts.sign_heatmap(workshop.assessment, catalogue)


def _pdf(chart: str) -> bytes:
    html = f'<html><body><img src="{pdf.CHART_SCHEME}c" style="width: 100%"></body></html>'
    return pdf.html_to_pdf(html, {"c": chart})


def _render(data: bytes, tmp: Path, name: str, pdftoppm: str) -> Image.Image:
    (tmp / f"{name}.pdf").write_bytes(data)
    subprocess.run([pdftoppm, "-r", "100", "-gray", "-png", "-singlefile",
                    str(tmp / f"{name}.pdf"), str(tmp / name)], check=True)
    return Image.open(tmp / f"{name}.png").convert("L")


def _text_runs(data: bytes) -> int:
    """Text-showing operators pypdf meets on the pages, charts included (one per run)."""
    ops: list[bytes] = []
    for page in PdfReader(io.BytesIO(data)).pages:
        page.extract_text(visitor_operand_before=lambda op, *_: ops.append(op))
    return sum(op in (b"Tj", b"TJ") for op in ops)


def _text(data: bytes) -> str:
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def _ink_difference(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]


def test_this_weasyprint_is_one_the_fast_path_was_checked_against():
    # A new WeasyPrint major switches the fast path off (reports stay right, only
    # slower). Then run these tests with it, and add the major to TESTED_MAJORS.
    assert svgtext.supported(), "check svgtext against this WeasyPrint, then list it"
    assert not svgtext.supported("1000.0")


def test_one_piece_text_draws_what_weasyprint_draws(heatmap_svg, catalogue, pdftoppm,
                                                    tmp_path):
    try:
        svgtext.uninstall()
        per_letter = _pdf(heatmap_svg)
    finally:
        assert svgtext.install()
    whole = _pdf(heatmap_svg)

    # the same picture: text in the same places (anti-aliasing may differ by a shade)
    difference = _ink_difference(_render(per_letter, tmp_path, "letters", pdftoppm),
                                 _render(whole, tmp_path, "whole", pdftoppm))
    assert difference < 1.0, f"pages differ by {difference:.2f} grey levels on average"
    # the same words, and area titles come out whole when copied
    text = _text(whole)
    for area in catalogue.areas:
        assert localise(area.title, "en").split()[0] in text
    # the same letters (letter by letter, copying split some words: "T esting")
    assert sorted("".join(_text(per_letter).split())) == sorted("".join(text.split()))
    # and it really is the fast path: far fewer text runs than letters
    assert _text_runs(whole) * 5 < _text_runs(per_letter)


def test_text_with_positions_per_letter_keeps_weasyprint_drawing():
    import xml.etree.ElementTree as ET

    simple = ET.fromstring('<text x="10" y="20" dy="3">Deploy</text>')
    per_letter = ET.fromstring('<text x="10 20 30" y="20">abc</text>')
    rotated = ET.fromstring('<text x="10" y="20" rotate="30">abc</text>')
    stretched = ET.fromstring('<tspan x="1" textLength="50">abc</tspan>')

    class Node:  # the attribute access WeasyPrint's SVG nodes offer
        def __init__(self, element: ET.Element) -> None:
            self.tag, self.attrib, self.text = element.tag, element.attrib, element.text

        def get(self, key: str, default: object = None) -> object:
            return self.attrib.get(key, default)

    assert svgtext.is_simple(Node(simple))
    assert not svgtext.is_simple(Node(per_letter))
    assert not svgtext.is_simple(Node(rotated))
    assert not svgtext.is_simple(Node(stretched))


