"""Garbage collection pauses while a PDF renders, and always comes back."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Mapping

import pytest

from opsmaturity.reports import pdf

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
HTML = f'<html><body><p>x</p><img src="{pdf.CHART_SCHEME}c"></body></html>'


class Watching(Mapping[str, str]):
    """A chart source that notes whether the collector ran while WeasyPrint asked for it."""

    def __init__(self) -> None:
        self.seen: list[bool] = []

    def __getitem__(self, name: str) -> str:
        self.seen.append(gc.isenabled())
        return SVG

    def __iter__(self) -> Iterator[str]:
        return iter(["c"])

    def __len__(self) -> int:
        return 1


def test_collector_is_paused_during_render_and_back_after():
    charts = Watching()
    assert gc.isenabled()
    assert pdf.html_to_pdf(HTML, charts).startswith(b"%PDF")
    assert charts.seen and not any(charts.seen)
    assert gc.isenabled()


def test_collector_comes_back_when_rendering_fails():
    with pytest.raises(RuntimeError, match="layout broke"), pdf._gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("layout broke")
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled():
    gc.disable()
    try:
        pdf.html_to_pdf(HTML, Watching())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_concurrent_renders_resume_the_collector_only_at_the_end():
    first_inside, release = threading.Event(), threading.Event()

    def slow_render() -> None:
        with pdf._gc_paused():
            first_inside.set()
            release.wait(10)

    thread = threading.Thread(target=slow_render)
    thread.start()
    first_inside.wait(10)
    pdf.html_to_pdf(HTML, Watching())  # ends while the other is still rendering
    assert not gc.isenabled()
    release.set()
    thread.join(10)
    assert gc.isenabled()
