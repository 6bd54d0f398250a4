"""Chart export while Chromium starts: the caller gets on with its pages meanwhile."""

from __future__ import annotations

import threading

import plotly.graph_objects as go
import pytest

from opsmaturity.reports import svg


def test_charts_are_handed_over_when_chromium_is_up_without_waiting_for_it(
        monkeypatch: pytest.MonkeyPatch):
    # A PDF lays out its pages while Chromium starts: submit must not wait for the start.
    release = threading.Event()
    real = svg._Browser

    class HeldBrowser:  # the real browser, started only when the test lets it
        def __init__(self) -> None:
            release.wait(60)
            self._real = real()

        def submit(self, specs):
            return self._real.submit(specs)

        def close(self) -> None:
            self._real.close()

    svg.shutdown()
    monkeypatch.setattr(svg, "_Browser", HeldBrowser)
    pending = svg.submit([go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))])
    assert svg._browser is None  # not started, and submit has returned all the same
    release.set()
    [drawn] = pending.result()
    assert drawn.startswith("<svg") and "<path" in drawn
    svg.shutdown()


def test_a_browser_that_cannot_start_is_reported_by_whoever_waits(
        monkeypatch: pytest.MonkeyPatch):
    svg.shutdown()
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    pending = svg.submit([go.Figure(go.Bar(x=["a"], y=[1]))])
    with pytest.raises(svg.ChartExportError, match="make test"):
        pending.result()
