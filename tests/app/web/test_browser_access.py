"""Who may see what, in a real browser on a real server (`opsmaturity web` and Debian's
Chromium): the login form for visitors, a facilitator's own organisations and "not found"
for the rest, a participant confined to the join page, Markdown in a join link shown as
text, wrong join codes slowed down, nothing loaded from outside the app, and SIGTERM
stopping the server."""

from __future__ import annotations

import os
import re
import signal
import socket
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from opsmaturity.app.web.texts import web_texts

from .conftest import ADMIN, FACILITATOR, PASSWORD, World
from .test_browser import browser_page, log_in, running_app, server, wait_for

T = web_texts()
NAMES = ("Acme Logistics", "Globex", "Payments", "Billing", "Nothing known")
OTHER_CLIENT = ("Globex", "Nothing known")
__all__ = ["server"]  # the module's app, from test_browser


def pages(world: World) -> list[str]:
    ids = world.ids
    return ["/", f"/team?team={ids['payments_team']}&a={ids['payments']}",
            f"/trends?team={ids['payments_team']}", "/workshop", "/evidence",
            "/recommendations", "/export"]


def outside(requests: list[str], base: str) -> list[str]:
    """Requests to anywhere but the app itself."""
    own = urlsplit(base).netloc
    return [u for u in requests
            if not u.startswith(("data:", "blob:", "about:")) and urlsplit(u).netloc != own]


def body(page) -> str:
    return page.locator("body").inner_text()


def wait_for_login_form(page) -> None:
    page.get_by_role("textbox", name=T("access.password")).wait_for()
    page.get_by_role("button", name=T("access.login"), exact=True).wait_for()


def test_a_visitor_sees_the_login_form_and_no_names_on_any_page(world: World, server: str,
                                                                 tmp_path: Path):
    shots = Path(os.environ.get("OPSMATURITY_SCREENSHOTS") or tmp_path)
    with sync_playwright() as pw:
        browser, page = browser_page(pw)
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        try:
            for path in pages(world):
                page.goto(server + path)
                wait_for_login_form(page)
                time.sleep(0.5)  # nothing else arrives after the form
                text = body(page)
                assert T("access.title") in text
                assert not [n for n in NAMES if n in text], path
                assert page.locator("[data-testid='stSidebarNav']").count() == 0  # no menu
            page.screenshot(path=str(shots / "login-desktop.png"), full_page=True)
            phone = browser.new_context(viewport={"width": 390, "height": 844},
                                        device_scale_factor=2).new_page()
            phone.on("request", lambda r: requests.append(r.url))
            phone.goto(server + "/")
            wait_for_login_form(phone)
            box = phone.get_by_role("textbox", name=T("access.password")).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
            phone.screenshot(path=str(shots / "login-phone.png"), full_page=True)
        finally:
            browser.close()
    assert requests and not outside(requests, server)
    for name in ("login-desktop.png", "login-phone.png"):
        pixels = np.asarray(Image.open(shots / name).convert("L"), dtype=np.int16)
        assert (pixels < 100).sum() > 2000, f"{name} shows no text"  # title, labels


def test_a_facilitator_sees_exactly_their_organisations(world: World, server: str):
    ids = world.ids
    with sync_playwright() as pw:
        browser, page = browser_page(pw)
        try:
            page.goto(server + "/")
            wait_for_login_form(page)
            log_in(page, FACILITATOR, PASSWORD)
            page.get_by_role("heading", name=T("portfolio.title")).wait_for()
            page.locator("[data-testid='stPlotlyChart']").first.wait_for()
            text = body(page)
            assert "Payments" in text and "Billing" in text
            assert not [n for n in OTHER_CLIENT if n in text]
            assert f"{FACILITATOR} (facilitator)" in text
            # Another organisation's ids typed into the address: "not found", nothing shown.
            # (A new address is a new connection: the login form first, then that page.)
            for path in (f"/team?team={ids['search_team']}&a={ids['search']}",
                         f"/export?team={ids['payments_team']}&a={ids['search']}",
                         f"/workshop?team={ids['search_team']}&a={ids['search']}"):
                page.goto(server + path)
                wait_for_login_form(page)
                log_in(page, FACILITATOR, PASSWORD)
                page.get_by_text(re.compile("^Not found")).wait_for()
                text = body(page)
                assert not [n for n in OTHER_CLIENT if n in text], path
            # The admin opens the same address and sees that team.
            page.goto(server + f"/team?team={ids['search_team']}&a={ids['search']}")
            wait_for_login_form(page)
            log_in(page, ADMIN, PASSWORD)
            page.get_by_role("heading", name=T("team.title")).wait_for()
            page.locator("[data-testid='stMetric']").first.wait_for()
            assert "Not found" not in body(page)
            assert "Search (Globex)" in page.locator(
                "[data-testid='stMain'] [data-testid='stSelectbox']").first.inner_html()
        finally:
            browser.close()


def test_a_participant_who_joined_by_link_is_refused_every_other_page(world: World,
                                                                        server: str):
    with sync_playwright() as pw:
        browser, page = browser_page(pw)
        try:
            page.goto(f"{server}/join?join={world.join_code}")
            page.get_by_text("dev", exact=True).click()
            page.get_by_role("button", name=T("join.start")).click()
            page.wait_for_url("**&p=*")
            page.get_by_text(re.compile("in the assessment of Payments")).wait_for()
            query = parse_qs(urlsplit(page.url).query)
            mine = f"p={query['p'][0]}&k={query['k'][0]}&join={world.join_code}"
            assert "Payments" in body(page)  # their own workshop's team
            for path in pages(world):
                page.goto(server + path + ("&" if "?" in path else "?") + mine)
                wait_for_login_form(page)
                time.sleep(0.5)
                assert not [n for n in NAMES if n in body(page)], path
        finally:
            browser.close()


def test_markdown_and_links_in_a_join_link_stay_plain_text(server: str):
    evil = "x [click here](https://evil.example/login) ![t](https://evil.example/t.png)"
    with sync_playwright() as pw:
        browser, page = browser_page(pw)
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        try:
            page.goto(f"{server}/join?join={evil}")
            page.get_by_text(T("join.unknown_code").split(".")[0]).wait_for()
            time.sleep(1)
            assert page.locator("a[href*='evil']").count() == 0
            assert page.locator("img[src*='evil']").count() == 0
            assert "click here" not in body(page)  # not even as text: the code is not echoed
        finally:
            browser.close()
    assert not outside(requests, server)  # nothing fetched from evil.example


def waits_shown(page) -> int | None:
    found = re.search(r"Try again in (\d+) seconds", body(page))
    return int(found.group(1)) if found else None


def test_wrong_join_codes_are_slowed_down_and_sigterm_frees_the_port(world: World,
                                                                      tmp_path: Path):
    """On a server of its own (the slow-down is per server process and client address)."""
    with running_app(world.url, tmp_path) as (base, proc), sync_playwright() as pw:
        browser, page = browser_page(pw)
        try:
            def attempt(code: str) -> str:
                page.goto(f"{base}/join?join={code}")
                page.locator("[data-testid='stAlert']").first.wait_for()
                return body(page)

            started = time.monotonic()
            for i in range(3):  # the first few wrong codes: just "no such workshop"
                assert T("join.unknown_code") in attempt(f"WRONGCODE{i}")
            assert waits_shown(page) is None
            # then the next attempt is refused unchecked, even with the right code
            attempt(world.join_code)
            first_wait = waits_shown(page)
            assert first_wait is not None
            assert "Payments" not in body(page)
            time.sleep(first_wait + 0.2)
            assert T("join.unknown_code") in attempt("WRONGCODE9")  # looked at again
            attempt("WRONGCODE10")
            second_wait = waits_shown(page)
            assert second_wait is not None and second_wait > first_wait  # it grows
            assert time.monotonic() - started >= first_wait
        finally:
            browser.close()
        port = int(urlsplit(base).port)
        children = _children(proc.pid)
        assert children  # the streamlit server the command started
        os.kill(proc.pid, signal.SIGTERM)  # the command only, as a service manager does
        assert proc.wait(timeout=20) == 0
        wait_for(lambda: not any(_alive(c) for c in children), timeout=20,
                 what="the streamlit child to stop")
        with pytest.raises(ConnectionRefusedError):  # nobody listens any more
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        with socket.socket() as s:  # and a new server may listen there (as servers do, with
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the browser's closed
            s.bind(("127.0.0.1", port))  # connections still in TIME_WAIT)
            s.listen()


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"
