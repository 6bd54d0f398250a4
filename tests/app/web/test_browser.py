"""One real browser: `opsmaturity web` serves the app, Debian's Chromium uses it.

A participant joins a workshop by its link, answers a question (and the answer is in the
store), and the portfolio heatmap is drawn (its screenshot is not blank). One browser start
and one server for the whole module: they are the slow part.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from opsmaturity.app.web.state import ordered_questions
from opsmaturity.app.web.texts import web_texts
from opsmaturity.reports.charts import RISK_COLOURS
from opsmaturity.scoring.catalogue import localise

from .conftest import ADMIN, PASSWORD, World

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
START_TIMEOUT_S = 90
T = web_texts()


def free_port() -> int:
    """A free loopback port: from $OPSMATURITY_TEST_PORTS (e.g. 8700-8799) when set, for
    machines where tests may listen only on some ports; else any the system picks."""
    low, _, high = os.environ.get("OPSMATURITY_TEST_PORTS", "").partition("-")
    candidates = range(int(low), int(high or low) + 1) if low else [0]
    for port in random.sample(list(candidates), len(candidates)):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError(f"no free port in {os.environ['OPSMATURITY_TEST_PORTS']}")


@contextmanager
def running_app(url: str, workdir: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """`opsmaturity --db URL web` on a loopback port, as a consultant starts it; yields its
    address and process (stopped, with the streamlit it started, at the end)."""
    port = free_port()
    log = workdir / "server.log"
    cli = Path(sys.executable).with_name("opsmaturity")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(cli), "--db", url, "web", "--port", str(port), "--host", "127.0.0.1"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "OPSMATURITY_CACHE_DIR": str(workdir / "cache")})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                    if answer.read() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the app did not start: {log.read_text(errors='replace')}")
            time.sleep(0.3)
        yield base, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the CLI and the streamlit it started
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def server(world: World, tmp_path_factory) -> Iterator[str]:
    """The app on the test world's store, for the whole module."""
    with running_app(world.url, tmp_path_factory.mktemp("server")) as (base, _):
        yield base


def browser_page(pw, width: int = 1400, height: int = 2000):
    """Debian's Chromium with one page (and the browser, to close)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package "
                    "(scripts/system-deps)")
    browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                 headless=True)
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.set_default_timeout(60_000)
    return browser, page


def log_in(page, name: str, password: str) -> None:
    """Fill in the login form the page shows."""
    page.get_by_role("textbox", name=T("access.name")).fill(name)
    page.get_by_role("textbox", name=T("access.password")).fill(password)
    page.get_by_role("button", name=T("access.login"), exact=True).click()


def wait_for(check, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_participant_answers_in_a_browser_and_the_portfolio_draws(world: World, server: str,
                                                                   tmp_path: Path):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package "
                    "(scripts/system-deps)")
    question = ordered_questions(world.catalogue)[0]
    option = world.catalogue.scale_of(question).options[0]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 2000}).new_page()
            page.set_default_timeout(60_000)
            page.goto(f"{server}/join?join={world.join_code}")
            page.get_by_text("management", exact=True).click()
            page.get_by_role("button", name=T("join.start")).click()
            page.wait_for_url("**&p=*")
            query = parse_qs(urlsplit(page.url).query)
            pid = int(query["p"][0])
            page.get_by_text(localise(option.label), exact=True).click()

            s = world.store()
            saved = wait_for(lambda: s.participant_answers(pid), what="the answer in the store")
            assert [(a.question_id, a.value, a.role) for a in saved] == [
                (question.id, option.value, "management")]
            s.close()

            page.goto(f"{server}/")  # the participant has no login for anything else
            page.get_by_role("textbox", name=T("access.password")).wait_for()
            log_in(page, ADMIN, PASSWORD)
            heatmap = page.locator("[data-testid='stPlotlyChart']").first
            heatmap.locator("g.barlayer path").first.wait_for()
            time.sleep(1)  # let plotly finish its layout
            shot = tmp_path / "portfolio-heatmap.png"
            heatmap.screenshot(path=str(shot))

            # Click through: a cell of the heatmap's top row opens that team. The top row is
            # the most severe team: Search (weak answers, a critical sign at 0.88) ahead of
            # Payments (critical at 0.65), Billing (low) and the team nothing is known of.
            boxes = [b for b in (c.bounding_box() for c in
                                 heatmap.locator("g.barlayer g.point").all())
                     if b and b["width"] > 2 and b["height"] > 2]  # drawn cells only
            box = min(boxes, key=lambda b: (round(b["y"]), b["x"]))
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_url("**/team?**")
            page.get_by_role("heading", name=T("team.title")).wait_for()
            assert parse_qs(urlsplit(page.url).query)["team"] == [str(world.ids["search_team"])]
        finally:
            browser.close()
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=np.int16)
    assert pixels.shape[0] > 200 and pixels.shape[1] > 400
    assert pixels.std() > 20, "the heatmap screenshot is blank"
    # The risk colours are there: at least low (pale yellow) and critical (dark red) cells.
    for level in ("low", "critical"):
        rgb = np.array([int(RISK_COLOURS[level][i:i + 2], 16) for i in (1, 3, 5)])
        close = (np.abs(pixels - rgb).sum(axis=2) < 30).sum()
        assert close > 500, f"no {level} cells in the screenshot"
