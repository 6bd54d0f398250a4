"""Answering on a phone: from the tap on an option to "Saved." on the screen, in Chromium.

    python -m bench.bench_answer              # 15 answers on each page
    python -m bench.bench_answer --taps 40

Starts `opsmaturity web` on a small store with an open workshop, joins at 390x844 as a
participant would, and for each question taps an option and waits for the confirmation
(then goes to the next question, untimed). The same is done, in the same run, on a bare
Streamlit page that only draws a radio and a "Saved." message in a fragment: the ratio
app / bare shows what the app adds to Streamlit's own round trip. The target is a
confirmation within 300 ms of the tap; nothing here passes or fails on absolute time.
Ports: $OPSMATURITY_TEST_PORTS (e.g. 8620-8629) when set, else any free loopback port.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

PHONE = {"width": 390, "height": 844}
CHROMIUM = "/usr/bin/chromium"
BARE_PAGE = '''
import streamlit as st


@st.fragment
def question():
    i = st.session_state.setdefault("i", 0)

    def saved():
        st.session_state["saved"] = True

    def step():
        st.session_state["i"] += 1

    st.subheader(f"Question {i + 1}")
    st.radio("answer", ["Never", "Rarely", "Sometimes", "Often", "Always", "Don't know"],
             index=None, key=f"r{i}", on_change=saved, label_visibility="collapsed")
    if st.session_state.pop("saved", False):
        st.success("Saved.")
    st.button("Next", on_click=step)


question()
'''


def free_port() -> int:
    low, _, high = os.environ.get("OPSMATURITY_TEST_PORTS", "").partition("-")
    candidates = list(range(int(low), int(high or low) + 1)) if low else [0]
    for port in random.sample(candidates, len(candidates)):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise SystemExit("no free port")


@contextmanager
def serving(command: list[str], env: dict[str, str], port: int, log: Path):
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start: {log.read_text(errors='replace')}")
            time.sleep(0.3)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def build_store(path: Path) -> tuple[str, str]:
    from opsmaturity.app.store import Store
    from opsmaturity.scoring.catalogue import load_catalogue

    cat = load_catalogue()
    url = f"sqlite:///{path}"
    s = Store.open(url)
    team = s.create_team(s.create_organisation("Bench").name, "Phones")
    a = s.create_assessment(team.id, cat.version)
    code = s.open_workshop(a.id).join_code
    s.add_user("ada", "admin", "a long bench password")
    s.close()
    return url, code


def tap_times(page, taps: int, option_of, saved: str, next_label: str) -> list[float]:
    """Seconds from each tap to the confirmation, one question per tap."""
    out = []
    for i in range(taps):
        label = option_of(i)
        label.wait_for()
        time.sleep(0.5)  # let the page settle after moving on (untimed)
        started = time.perf_counter()
        label.click()
        page.get_by_text(saved, exact=True).wait_for()
        out.append(time.perf_counter() - started)
        page.get_by_role("button", name=next_label).click()
        page.get_by_text(saved, exact=True).wait_for(state="detached")
    return out


def summary(name: str, times: list[float]) -> float:
    ms = sorted(t * 1000 for t in times)
    median = statistics.median(ms)
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    print(f"{name:<34} median {median:7.1f} ms   p90 {p90:7.1f} ms   max {ms[-1]:7.1f} ms")
    return median


def main() -> None:
    from playwright.sync_api import sync_playwright

    from opsmaturity.app.cli.web import streamlit_command
    from opsmaturity.app.store import ENV_URL
    from opsmaturity.app.web.state import ordered_questions
    from opsmaturity.app.web.texts import web_texts
    from opsmaturity.scoring.catalogue import load_catalogue, localise

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=15)
    args = parser.parse_args()
    t = web_texts()
    cat = load_catalogue()
    questions = ordered_questions(cat)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url, code = build_store(work / "bench.db")
        bare = work / "bare.py"
        bare.write_text(BARE_PAGE)
        app_port, bare_port = free_port(), free_port()
        env = {**os.environ, ENV_URL: url}
        bare_cmd = streamlit_command(bare_port, "127.0.0.1")
        bare_cmd[4] = str(bare)
        cli = Path(sys.executable).with_name("opsmaturity")
        app_cmd = [str(cli), "--db", url, "web", "--port", str(app_port), "--host", "127.0.0.1"]
        with serving(app_cmd, env, app_port, work / "app.log") as app_base, \
                serving(bare_cmd, env, bare_port, work / "bare.log") as bare_base, \
                sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--headless", "--no-sandbox", "--disable-gpu"])
            try:
                page = browser.new_context(viewport=PHONE, is_mobile=True,
                                           has_touch=True).new_page()
                page.set_default_timeout(60_000)
                page.goto(bare_base)
                tap_times(page, 2, lambda i: page.get_by_text("Sometimes", exact=True),
                          "Saved.", "Next")  # warm up
                bare_times = tap_times(page, args.taps,
                                       lambda i: page.get_by_text("Sometimes", exact=True),
                                       "Saved.", "Next")

                page = browser.new_context(viewport=PHONE, is_mobile=True,
                                           has_touch=True).new_page()
                page.set_default_timeout(60_000)
                page.goto(f"{app_base}/join?join={code}")
                page.get_by_text("dev", exact=True).click()
                page.get_by_role("button", name=t("join.start")).click()
                page.wait_for_url("**&p=*")

                def option(i: int):
                    q = questions[i]
                    first = cat.scale_of(q).options[0]
                    return page.get_by_role("radiogroup", name=localise(q.text)).get_by_text(
                        localise(first.label), exact=True)

                app_times = tap_times(page, min(args.taps + 2, len(questions) - 1), option,
                                      t("join.saved"), t("join.next"))[2:]  # 2 warm-ups
            finally:
                browser.close()
    print(f"Tap to confirmation at 390x844, {args.taps} taps each, same run:")
    base = summary("bare Streamlit page (radio+fragment)", bare_times)
    mine = summary("opsmaturity participant page", app_times)
    print(f"ratio app / bare (median): {mine / base:.2f}   target: app median under 300 ms")


if __name__ == "__main__":
    main()
