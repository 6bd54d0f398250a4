"""PDF reports: view -> Jinja2 HTML (autoescaped) + print CSS -> WeasyPrint.

The renderer fetches nothing from outside. Its URL fetcher serves the charts of the
report being rendered and the package's own static files, and refuses everything
else (file://, http://, data:, ...), recording what it refused. Together with
autoescaping this means a team name or comment holding markup shows up as text and
cannot make the renderer read a local file or call a server.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import ChainMap
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from opsmaturity.core.files import write_atomic
from opsmaturity.scoring.catalogue import Catalogue

from . import fmt, palette, svgcharts, svgtext, watermark
from .model import OrganisationReport, TeamReport, by_severity, check_against_catalogue
from .texts import texts
from .view import organisation_view, team_view

svgtext.install()  # chart labels in one piece, not letter by letter (see svgtext)

CHART_SCHEME = "opsmaturity-chart:"
ASSET_SCHEME = "opsmaturity-asset:"
WATERMARK = "draft-watermark"
"""The name under which the draft watermark is served, like a chart (see base.html)."""
HEATMAP_ROWS = 25
"""Teams per heatmap page in an organisation report."""
_MIME = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}


class RefusedURL(ValueError):
    """The report tried to load something that is not its own."""


class LocalOnlyFetcher(URLFetcher):
    """Serves this report's charts and the package's static files; refuses the rest."""

    def __init__(self, charts: Mapping[str, str] | None = None) -> None:
        super().__init__(timeout=1, allowed_protocols=())
        self.charts: Mapping[str, str] = charts if charts is not None else {}
        self.requested: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        self.requested.append(url)
        if url.startswith(CHART_SCHEME) and url[len(CHART_SCHEME):] in self.charts:
            body = self.charts[url[len(CHART_SCHEME):]].encode("utf-8")
            return URLFetcherResponse(url, body, {"Content-Type": "image/svg+xml"})
        if url.startswith(ASSET_SCHEME):
            static = Path(str(resources.files("opsmaturity.reports").joinpath("static")))
            path = (static / url[len(ASSET_SCHEME):].lstrip("/")).resolve()
            if path.is_relative_to(static.resolve()) and path.is_file():
                mime = _MIME.get(path.suffix, "application/octet-stream")
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
        self.refused.append(url)
        raise RefusedURL(f"refused {url}: reports load only their own charts and assets")


@dataclass
class RenderStats:
    """Where the time went, and what the renderer was asked to load."""

    pages: int = 0
    charts: int = 0
    chart_s: float = 0.0
    html_s: float = 0.0
    layout_s: float = 0.0
    write_s: float = 0.0
    requested: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def total_s(self) -> float:
        return self.chart_s + self.html_s + self.layout_s + self.write_s


def version() -> str:
    try:
        return metadata.version("opsmaturity")
    except metadata.PackageNotFoundError:
        return "dev"


@cache
def _env() -> Environment:
    return Environment(loader=PackageLoader("opsmaturity.reports", "templates"),
                       autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                       lstrip_blocks=True)


@cache
def _stylesheet() -> CSS:
    css = resources.files("opsmaturity.reports").joinpath("static", "report.css").read_text(
        encoding="utf-8")
    levels = "\n".join(
        f".lv-{lv}, .lv-box-{lv} {{ background: {colour}; color: {palette.TEXT_COLOURS[lv]}; }}"
        for lv, colour in palette.RISK_COLOURS.items())
    unknown = (".lv-unknown, .lv-box-unknown { background-image: repeating-linear-gradient("
               "45deg, #f4f4f4 0, #f4f4f4 4px, #dcdcdc 4px, #dcdcdc 5px); }")
    return CSS(string=f"{css}\n{levels}\n{unknown}\n", url_fetcher=LocalOnlyFetcher())


def render_html(template: str, **context: Any) -> str:
    """The report as HTML; every value is escaped by the template engine."""
    lang = context.pop("lang", "en")
    return _env().get_template(template).render(t=texts(lang), lang=lang, version=version(),
                                                **context)


_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = True


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a report is built, laid out and drawn.

    WeasyPrint and plotly allocate millions of short-lived objects, which kept triggering full
    collections that walk everything else the process holds (in a warm process: the
    web app's data, other reports). Pausing it took a fifth off a team report's time
    (``make bench-reports``). Reference counting still frees what is not in a cycle;
    the collector resumes when the last concurrent render ends.
    """
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


def html_to_pdf(html: str, chart_svgs: Mapping[str, str] | None = None,
                stats: RenderStats | None = None) -> bytes:
    """Lay out and write the PDF, loading nothing but the given charts and own assets."""
    stats = stats or RenderStats()
    fetcher = LocalOnlyFetcher(chart_svgs)
    with _gc_paused():
        start = time.perf_counter()
        document = HTML(string=html, base_url=ASSET_SCHEME, url_fetcher=fetcher).render(
            stylesheets=[_stylesheet()])
        stats.layout_s += time.perf_counter() - start
        start = time.perf_counter()
        # Tagged (PDF/UA): headings, paragraphs, tables and figures are marked up, so a
        # screen reader can follow the report.
        data = document.write_pdf(pdf_variant="pdf/ua-1")
        stats.write_s += time.perf_counter() - start
    stats.pages = len(document.pages)
    stats.requested += fetcher.requested
    stats.refused += fetcher.refused
    return data


class _Charts(dict[str, str]):
    """Chart SVGs by name, written directly (svgcharts.py): no browser to wait for."""

    def __init__(self, build: Callable[[], dict[str, str]], stats: RenderStats) -> None:
        start = time.perf_counter()
        super().__init__(build())
        stats.chart_s += time.perf_counter() - start
        stats.charts += len(self)


def _meta(title: str, who: str, date: str, lang: str) -> dict[str, str]:
    t = texts(lang)
    return {"title": f"{title}: {who}", "author": f"opsmaturity {version()}",
            "subject": f"{t('report.subject')}: {who}", "date": date,
            "keywords": f"{t('report.keywords')}, {who}"}


def team_figures(report: TeamReport, catalogue: Catalogue, lang: str = "en") -> dict[str, str]:
    """The charts of a team report as SVG, by the name the template uses."""
    with fmt.language(lang):
        return _team_figures(report, catalogue, lang)


def _team_figures(report: TeamReport, catalogue: Catalogue, lang: str) -> dict[str, str]:
    a = report.assessment
    figures = {
        "heatmap": svgcharts.sign_heatmap(a, catalogue, lang),
        "radar": svgcharts.area_radar(a, catalogue, lang, previous=report.previous()),
    }
    if report.previous() is not None:
        figures["trend"] = svgcharts.risk_trend([*report.history, report.current_point()],
                                             catalogue.scoring.risk_levels, lang)
    if a.dora is not None and a.dora.cluster is not None:
        figures["dora"] = svgcharts.dora_placement(a.dora, lang)
    if a.recommendations:  # the chart shows now and next; "later" is the table below it
        soon = sum(r.horizon != "later" for r in a.recommendations)
        figures["roadmap"] = svgcharts.roadmap(a, catalogue, lang, limit=max(soon, 5))
    return figures


def _finish(html: str, svgs: _Charts, stats: RenderStats, lang: str) -> bytes:
    extra = {WATERMARK: watermark.watermark_svg(texts(lang)("report.draft"))}
    return html_to_pdf(html, ChainMap(extra, svgs), stats)


def _timed_html(stats: RenderStats, build: Callable[[], str]) -> str:
    start = time.perf_counter()
    html = build()
    stats.html_s += time.perf_counter() - start
    return html


@_gc_paused()
def team_pdf(report: TeamReport, catalogue: Catalogue, lang: str = "en",
             stats: RenderStats | None = None) -> bytes:
    """One team's report as PDF bytes (for a download button or a file)."""
    stats = stats if stats is not None else RenderStats()
    check_against_catalogue(report, catalogue)
    svgs = _Charts(lambda: team_figures(report, catalogue, lang), stats)

    def build() -> str:
        v = team_view(report, catalogue, lang)
        v.charts = {name: CHART_SCHEME + name for name in svgs}
        who = " / ".join(x for x in (report.organisation, report.team) if x)
        return render_html("team.html", v=v, draft=v.draft, lang=lang,
                           meta=_meta(texts(lang)("report.title"), who, report.date.isoformat(),
                                      lang))

    return _finish(_timed_html(stats, build), svgs, stats, lang)


@_gc_paused()
def organisation_pdf(report: OrganisationReport, catalogue: Catalogue, lang: str = "en",
                     stats: RenderStats | None = None) -> bytes:
    """An organisation's report (teams side by side) as PDF bytes."""
    stats = stats if stats is not None else RenderStats()
    check_against_catalogue(report, catalogue)
    ordered = by_severity(report.teams)  # heatmap rows in the order of the team table
    chunks = [ordered[i:i + HEATMAP_ROWS] for i in range(0, len(ordered), HEATMAP_ROWS)]

    def figures() -> dict[str, str]:
        with fmt.language(lang):
            return {f"heatmap-{i}": svgcharts.team_heatmap(chunk, catalogue, lang)
                    for i, chunk in enumerate(chunks)}

    svgs = _Charts(figures, stats)

    def build() -> str:
        v = organisation_view(report, catalogue, lang)
        v.heatmaps = [CHART_SCHEME + name for name in svgs]
        t = texts(lang)
        return render_html("organisation.html", v=v, draft=v.draft, lang=lang,
                           meta=_meta(t("report.organisation_title"), report.organisation,
                                      report.date.isoformat(), lang))

    return _finish(_timed_html(stats, build), svgs, stats, lang)


def render_team_pdf(report: TeamReport, catalogue: Catalogue, out: Path,
                    lang: str = "en") -> RenderStats:
    """Write one team's PDF report to `out` (atomically)."""
    stats = RenderStats()
    write_atomic(out, team_pdf(report, catalogue, lang, stats))
    return stats


def render_organisation_pdf(report: OrganisationReport, catalogue: Catalogue, out: Path,
                            lang: str = "en") -> RenderStats:
    """Write an organisation's PDF report to `out` (atomically)."""
    stats = RenderStats()
    write_atomic(out, organisation_pdf(report, catalogue, lang, stats))
    return stats
