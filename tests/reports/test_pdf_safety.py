"""User text is text: markup in names and comments is printed, never followed.

A team name and a workshop comment carry <img> tags pointing at a local file and at a
local HTTP server. The PDF must show the markup as text, the renderer must not ask for
either URL, and the server must see no request. Behind autoescaping, the URL fetcher
refuses anything that is not the report's own: checked with raw HTML too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader
from pytest_httpserver import HTTPServer

from opsmaturity.core.sources import YamlSource
from opsmaturity.reports import pdf
from opsmaturity.reports.model import team_report
from opsmaturity.scoring.answers import check_answers
from opsmaturity.scoring.engine import score
from tests.reports.conftest import EXAMPLES

SECRET = "SECRET-MARKER-4711"


@pytest.fixture
def secret_svg(tmp_path: Path) -> Path:
    """A local file that would put SECRET on the page if anything loaded it."""
    path = tmp_path / "secret.svg"
    path.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40">'
                    f'<text x="0" y="20">{SECRET}</text></svg>')
    return path


@pytest.fixture
def server(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/pixel.svg").respond_with_data(
        f'<svg xmlns="http://www.w3.org/2000/svg"><text>{SECRET}</text></svg>',
        content_type="image/svg+xml")
    return httpserver


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(path).pages))


def test_markup_in_team_name_and_comment_is_printed_not_fetched(
        catalogue, server: HTTPServer, secret_svg: Path, tmp_path: Path):
    http_img = f'<img src="{server.url_for("/pixel.svg")}">'
    file_img = '<img src="file:///etc/passwd">'
    data = yaml.safe_load((EXAMPLES / "weak-team.yaml").read_text())
    answers = data["participants"][0]["answers"]
    question = next(iter(answers))
    answers[question] = {"value": answers[question], "comment": f"see {http_img}"}
    data["team"] = f"Payments {file_img}<img src='file://{secret_svg}'>"
    responses = check_answers(YamlSource(path=EXAMPLES / "weak-team.yaml", data=data), catalogue)
    report = team_report(score(catalogue, [], responses), responses=responses)

    stats = pdf.RenderStats()
    text = pdf_text(pdf.team_pdf(report, catalogue, stats=stats), tmp_path)

    assert f"Payments {file_img}" in text  # the name, markup and all, as text
    squeezed = re.sub(r"\s", "", text)  # long URLs wrap; compare without the line breaks
    assert re.sub(r"\s", "", f"see {http_img}") in squeezed  # the comment, in the appendix
    assert SECRET not in text
    assert all(url.startswith(pdf.CHART_SCHEME) for url in stats.requested), stats.requested
    assert stats.refused == []
    assert server.log == [], "the renderer called the HTTP server"


def test_fetcher_refuses_what_is_not_ours_even_in_raw_html(server: HTTPServer, secret_svg,
                                                          tmp_path: Path):
    url = server.url_for("/pixel.svg")
    html = (f"<html><head><link rel='stylesheet' href='{server.url_for('/x.css')}'></head>"
            f"<body><p>raw</p><img src='file://{secret_svg}'><img src='{url}'>"
            f"<img src='data:image/svg+xml,<svg xmlns=\"http://www.w3.org/2000/svg\">"
            f"<text>{SECRET}</text></svg>'></body></html>")
    stats = pdf.RenderStats()
    text = pdf_text(pdf.html_to_pdf(html, {}, stats), tmp_path)
    assert "raw" in text and SECRET not in text
    assert f"file://{secret_svg}" in stats.refused
    assert url in stats.refused
    assert any(u.startswith("data:") for u in stats.refused)
    assert server.log == []


def test_fetcher_serves_only_its_charts_and_static_files(tmp_path: Path):
    fetcher = pdf.LocalOnlyFetcher({"radar": "<svg/>"})
    assert fetcher.fetch(pdf.CHART_SCHEME + "radar").read() == b"<svg/>"
    css = fetcher.fetch(pdf.ASSET_SCHEME + "report.css")
    assert b"@page" in css.read()
    for url in (pdf.CHART_SCHEME + "other", pdf.ASSET_SCHEME + "../pdf.py",
                pdf.ASSET_SCHEME + "/etc/passwd", "file:///etc/passwd",
                "http://127.0.0.1:9/x.png", "https://example.com/x.png"):
        with pytest.raises(pdf.RefusedURL):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 6
