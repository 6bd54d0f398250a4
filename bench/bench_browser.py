"""Browser benchmark: the pages a consultant waits for, in Chromium, against Streamlit's bare
page in the same run.

    python -m bench.bench_browser                  # the demo store, 5 warm runs per page
    python -m bench.bench_browser --runs 9 --port 8630

Builds the demo organisation in a new store (`opsmaturity demo`), starts `opsmaturity web`
on it and a bare two-page Streamlit app (one `st.write` per page) beside it, and drives
Debian's Chromium with Playwright, as a person clicks through the menu (one browser tab, one
login: switching pages in the menu keeps the session, as it does for a user):
- bare page: a click on the other page of the bare app until its text is shown (what any
  Streamlit page costs: the baseline);
- portfolio: a click on "Portfolio" until both heatmaps are drawn;
- team page: a click on "Team" (the demo's current workshop: a draft, 12 participants)
  until its charts are drawn.
The first visit of each page is printed as "first", the median of the next runs as "warm",
and each as a ratio against the bare page's warm median. Target: under 1.5 s warm for both
pages. Nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
USER, PASSWORD = "bench", "a benchmark password"
BARE_PAGE = """
import streamlit as st

def page(name):
    def draw():
        st.write(f"bare page {name}")
    return st.Page(draw, title=name, url_path=name, default=name == "one")

st.navigation([page("one"), page("two")]).run()
"""


def _cli() -> str:
    return str(Path(sys.executable).with_name("opsmaturity"))


@contextmanager
def serving(cmd: list[str], port: int, env: dict[str, str], log: Path) -> Iterator[str]:
    """A server process on a loopback port until it answers Streamlit's health check."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                    if answer.read() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{cmd[0]} did not start: {log.read_text(errors='replace')}")
            time.sleep(0.3)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def build_demo(directory: Path, env: dict[str, str]) -> tuple[str, int, int]:
    """The demo store, an admin account, and the current workshop's team and assessment."""
    url = f"sqlite:///{directory / 'demo.db'}"
    subprocess.run([_cli(), "--db", url, "demo"], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([_cli(), "--db", url, "user", "add", USER, "--role", "admin"],
                   env={**env, "OPSMATURITY_NEW_PASSWORD": PASSWORD}, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    from opsmaturity.app.store import Store

    store = Store.open(url)
    try:
        drafts = [r for r in store.latest_assessments() if r.state == "draft"]
        current = max(drafts, key=lambda r: r.participants)
        return url, current.team_id, current.id
    finally:
        store.close()


def drawn(page, *keys: str) -> Callable[[], bool]:
    """True once every keyed chart has plotted its traces."""
    script = ("keys => keys.every(k => document.querySelector("
              "`.st-key-${k} .js-plotly-plot g.trace`))")
    return lambda: bool(page.evaluate(script, list(keys)))


def shown(page, text: str) -> Callable[[], bool]:
    script = "t => [...document.querySelectorAll('[data-testid=stMarkdown]')]" \
             ".some(e => e.innerText.includes(t))"
    return lambda: bool(page.evaluate(script, text))


def wait(check: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.01)


def click_and_wait(page, href: str, check: Callable[[], bool], what: str) -> float:
    """Seconds from a click on the menu entry for `href` to `check` holding."""
    started = time.perf_counter()
    page.locator(f"[data-testid=stSidebarNavLink][href='{href}']").click()
    wait(check, what)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="warm runs per page")
    parser.add_argument("--port", type=int, default=8630,
                        help="the app's port; the bare page uses the next one")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from opsmaturity.app.web.texts import web_texts

    t = web_texts()
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
        directory = Path(tmp)
        env = {**os.environ, "OPSMATURITY_DATA_DIR": str(directory / "data"),
               "OPSMATURITY_CACHE_DIR": str(directory / "cache")}
        started = time.perf_counter()
        url, team_id, assessment_id = build_demo(directory, env)
        print(f"demo store built in {time.perf_counter() - started:.1f} s; "
              f"{os.cpu_count()} CPUs", flush=True)
        bare_file = directory / "bare.py"
        bare_file.write_text(BARE_PAGE)
        app_cmd = [_cli(), "--db", url, "web", "--port", str(args.port), "--host", "127.0.0.1"]
        bare_cmd = [sys.executable, "-m", "streamlit", "run", str(bare_file),
                    "--server.port", str(args.port + 1), "--server.address", "127.0.0.1",
                    "--server.headless", "true", "--browser.gatherUsageStats", "false"]
        with serving(app_cmd, args.port, env, directory / "app.log") as app, \
                serving(bare_cmd, args.port + 1, env, directory / "bare.log") as bare, \
                sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(120_000)

            times: dict[str, list[float]] = {"bare": [], "portfolio": [], "team": []}
            page.goto(f"{bare}/")  # the default page is served at the root
            wait(shown(page, "bare page one"), "the bare page")
            for _ in range(args.runs + 1):
                times["bare"].append(click_and_wait(
                    page, f"{bare}/two", shown(page, "bare page two"), "bare page two"))
                click_and_wait(page, f"{bare}/", shown(page, "bare page one"), "bare page one")

            page.goto(f"{app}/team?team={team_id}&a={assessment_id}")
            page.get_by_role("textbox", name=t("access.name")).fill(USER)
            page.get_by_role("textbox", name=t("access.password")).fill(PASSWORD)
            page.get_by_role("button", name=t("access.login"), exact=True).click()
            wait(drawn(page, "team-radar", "team-heatmap"), "the team page after login")
            for _ in range(args.runs + 1):
                times["portfolio"].append(click_and_wait(
                    page, f"{app}/", drawn(page, "portfolio-areas", "portfolio-signs"),
                    "the portfolio's heatmaps"))
                times["team"].append(click_and_wait(
                    page, f"{app}/team", drawn(page, "team-radar", "team-heatmap"),
                    "the team page's charts"))
            browser.close()

    base = statistics.median(times["bare"][1:])
    print(f"\n{'page':28s} {'first':>8s} {'warm':>8s}   ratio (warm / bare warm)")
    for name, label in (("bare", "bare Streamlit page"), ("portfolio", "portfolio: 2 heatmaps"),
                        ("team", "team (draft, 12 people)")):
        first, warm = times[name][0], statistics.median(times[name][1:])
        met = "met" if warm < 1.5 else "NOT met"
        target = "" if name == "bare" else f"   target < 1.5 s: {met}"
        print(f"{label:28s} {first:7.2f}s {warm:7.2f}s   {warm / base:6.1f}x{target}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
