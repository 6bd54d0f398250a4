"""Plotly figures to SVG through kaleido, with one Chromium kept alive per process.

Starting Chromium costs seconds; rendering a figure in a running one costs a tenth
of that. So the first export starts a kaleido browser on a background thread with
its own event loop (`submit` does not wait for it: the figures are handed over when it
is up, and the caller lays out its pages meanwhile), and later exports (the next team's
PDF, the web app's export page) reuse it; it is closed when the process exits. MathJax
is off, so the browser loads nothing but plotly.js from the installed plotly package.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import threading
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
DEFAULT_WIDTH = 900
TIMEOUT_S = 120


class ChartExportError(RuntimeError):
    """Charts could not be drawn; the message says what to install or set."""


def browser_path() -> str | None:
    """The Chromium kaleido will use: BROWSER_PATH, else Debian's package, else on PATH."""
    if os.environ.get("BROWSER_PATH"):
        return os.environ["BROWSER_PATH"]
    if DEBIAN_CHROMIUM.exists():
        return str(DEBIAN_CHROMIUM)
    return shutil.which("chromium") or shutil.which("chromium-browser")


RELOAD_EVERY = 25
"""Renders per tab between page reloads (kaleido reloads after every figure)."""


def _kaleido_class(kaleido: Any) -> type:
    """kaleido.Kaleido, reloading a tab only every RELOAD_EVERY figures.

    Kaleido reloads plotly.js in a tab after each figure, which costs more than drawing
    a report's chart. The output does not depend on it (tests compare), so we reload
    now and then to bound memory. Falls back to plain Kaleido if the hook changes.
    """
    base = kaleido.Kaleido
    if not callable(getattr(base, "_return_kaleido_tab", None)):
        return base

    class ReusingKaleido(base):  # type: ignore[misc, valid-type]
        _uses: dict[int, int]

        async def _return_kaleido_tab(self, tab: Any) -> None:
            uses = self.__dict__.setdefault("_uses", {})
            uses[id(tab)] = uses.get(id(tab), 0) + 1
            if uses[id(tab)] % RELOAD_EVERY == 0:
                await super()._return_kaleido_tab(tab)
            else:
                await self.tabs_ready.put(tab)

    return ReusingKaleido


class _Browser:
    """A kaleido instance living on its own thread and event loop."""

    def __init__(self) -> None:
        path = browser_path()
        if path is None or not Path(path).exists():
            raise ChartExportError(
                "charts need Chromium, which was not found: install it (Debian: apt-get "
                "install chromium; `make test` installs it) or set BROWSER_PATH")
        os.environ.setdefault("BROWSER_PATH", path)
        import kaleido  # deferred: importing it is not free, and only exports need it

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kaleido",
                                        daemon=True)
        self._thread.start()
        self._kaleido = _kaleido_class(kaleido)(n=2, timeout=TIMEOUT_S, mathjax=False)
        try:
            self._call(self._kaleido.open()).result(TIMEOUT_S)
        except Exception as exc:
            self._loop.call_soon_threadsafe(self._loop.stop)
            raise ChartExportError(f"could not start Chromium ({path}) for charts: {exc}") from exc

    def _call(self, coro: Any) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def submit(self, specs: list[tuple[dict[str, Any], dict[str, Any]]]) -> Future[list[bytes]]:
        """Start drawing; the figures share the browser's tabs."""
        async def all_of() -> list[bytes]:
            return list(await asyncio.gather(*(self._kaleido.calc_fig(fig, opts=opts)
                                               for fig, opts in specs)))
        return self._call(all_of())

    def close(self) -> None:
        with contextlib.suppress(Exception):  # best effort at exit; Chromium dies with us
            self._call(self._kaleido.close()).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


_lock = threading.Lock()
_browser: _Browser | None = None


_at_exit: list[bool] = []


def _get_browser() -> _Browser:
    global _browser
    with _lock:
        if not _at_exit:  # before starting: a start still under way at exit is waited for
            atexit.register(shutdown)
            _at_exit.append(True)
        if _browser is None:
            _browser = _Browser()
        return _browser


def start_in_background() -> None:
    """Start Chromium now, on a thread, so it is ready by the time the charts are drawn.

    Errors are not raised here; the export that needs the browser reports them.
    """
    def start() -> None:
        with contextlib.suppress(ChartExportError):
            _get_browser()

    threading.Thread(target=start, name="kaleido-start", daemon=True).start()


def shutdown() -> None:
    """Close the shared browser (it starts again on the next export)."""
    global _browser
    with _lock:
        if _browser is not None:
            _browser.close()
            _browser = None


class PendingSVG:
    """Figures being drawn in Chromium while the caller gets on with other work."""

    def __init__(self, future: Future[list[bytes]] | None, count: int) -> None:
        self._future = future
        self._count = count

    def result(self) -> list[str]:
        """The SVG texts, in the order the figures were given (waits if need be)."""
        if self._future is None:
            return []
        try:
            images = self._future.result(TIMEOUT_S * (1 + max(1, self._count)))
        except ChartExportError:
            shutdown()
            raise  # already worded (Chromium missing or not starting)
        except Exception as exc:
            shutdown()
            raise ChartExportError(f"chart export failed: {exc}") from exc
        return [img.decode("utf-8") if isinstance(img, bytes) else str(img) for img in images]


def submit(figures: Sequence[go.Figure], width: int = DEFAULT_WIDTH) -> PendingSVG:
    """Start drawing each figure `width` px wide at the height its layout asks for."""
    if not figures:
        return PendingSVG(None, 0)
    specs = [(fig.to_plotly_json(), {"format": "svg", "width": width,
                                     "height": fig.layout.height or 450}) for fig in figures]
    ready = _browser  # not under _lock: a start under way holds it for seconds
    if ready is not None:
        return PendingSVG(ready.submit(specs), len(specs))
    # Chromium is still starting (seconds): hand the figures over when it is up, and let
    # the caller lay out its pages meanwhile instead of waiting here.
    pending: Future[list[bytes]] = Future()

    def when_started() -> None:
        try:
            drawn = _get_browser().submit(specs).result(TIMEOUT_S * max(1, len(specs)))
        except BaseException as exc:  # handed to whoever waits for the charts
            pending.set_exception(exc)
        else:
            pending.set_result(drawn)

    threading.Thread(target=when_started, name="kaleido-submit", daemon=True).start()
    return PendingSVG(pending, len(specs))


_SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", _SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")


def slim(svg: str) -> str:
    """The same drawing without what draws nothing: empty groups, and class names.

    Plotly writes a group for every layer a chart type could use (a 4-panel chart has
    ~250, most empty) and classes for its own scripts. WeasyPrint cascades styles
    through every node, so for the PDF these are pure cost. Classes stay when the SVG
    has a stylesheet that could select on them.
    """
    root = ET.fromstring(svg)
    group = f"{{{_SVG_NS}}}g"

    def prune(element: ET.Element) -> None:
        for child in list(element):
            prune(child)
            if child.tag == group and len(child) == 0 and not (child.text or "").strip() \
                    and "id" not in child.attrib:
                element.remove(child)

    prune(root)
    if root.find(f".//{{{_SVG_NS}}}style") is None:
        for element in root.iter():
            element.attrib.pop("class", None)
    return ET.tostring(root, encoding="unicode")


def to_svg(figures: Sequence[go.Figure], width: int = DEFAULT_WIDTH) -> list[str]:
    """SVG text of each figure (see submit)."""
    return submit(figures, width).result()
