"""The area timer as the room sees it: which area is discussed now and the time left.

The facilitator starts an area's timer (workshop page); participants' phones, the projector
and the facilitator show the same countdown. The server sends the seconds left when it
draws the page and a few lines of script count down in the browser each second, so a
ticking clock costs no round trip; the pages redraw it now and then to pick up a new
area or a stopped timer.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from opsmaturity.app.store.records import WorkshopRecord
from opsmaturity.scoring.catalogue import localise

from .state import T, catalogue, lang

REFRESH_S = 10
"""How often participants' pages look for a new area or a stopped timer (seconds): a short
rerun (one small query) in the server that also saves answers, so not every second; the
clock itself ticks in the browser."""


@dataclass(frozen=True)
class Timing:
    """The running area's timer at one moment."""

    area: str
    planned_s: int
    elapsed_s: int

    @property
    def left_s(self) -> int:
        """Seconds left of the planned time (negative: over by that much)."""
        return self.planned_s - self.elapsed_s


def timing(ws: WorkshopRecord | None, now: datetime) -> Timing | None:
    """The running timer (None: no workshop, no timer, or the workshop is closed)."""
    if ws is None or ws.closed_at is not None or not ws.timer_area or (
            ws.timer_started_at is None):
        return None
    return Timing(area=ws.timer_area, planned_s=60 * ws.agenda.get(ws.timer_area, 0),
                  elapsed_s=max(0, int((now - ws.timer_started_at).total_seconds())))


def clock(seconds: int) -> str:
    """Minutes and seconds as a wall clock shows them (`12:05`)."""
    minutes, rest = divmod(abs(seconds), 60)
    return f"{minutes}:{rest:02d}"


# Counts down from data-left in this browser; the page redraws the element (and with it
# this script) to correct it. Runs only on our own markup: no user text reaches it.
_TICK = """<script>(function () {
  var el = document.currentScript.previousElementSibling;
  var end = Date.now() + Number(el.dataset.left) * 1000;
  function fmt(s) {
    var m = Math.floor(s / 60), r = s % 60;
    return m + ":" + (r < 10 ? "0" : "") + r;
  }
  function tick() {
    if (!el.isConnected) { clearInterval(h); return; }
    var left = Math.round((end - Date.now()) / 1000);
    var text = left >= 0 ? el.dataset.leftText : el.dataset.overText;
    el.querySelector(".om-timer-text").textContent = text.replace("{time}", fmt(Math.abs(left)));
    el.classList.toggle("om-timer-over", left < 0);
  }
  var h = setInterval(tick, 1000);
  tick();
})();</script>"""
_CSS = """<style>
.om-timer {display: flex; gap: 0.5rem; align-items: baseline; flex-wrap: wrap;
  font-variant-numeric: tabular-nums;}
.om-timer .om-timer-area {font-weight: 600;}
.om-timer-over .om-timer-text {color: #b3261e; font-weight: 600;}
.om-timer-large {font-size: clamp(1.5rem, 3vw, 3rem);}
</style>"""


def show(ws: WorkshopRecord | None, now: datetime, *, large: bool = False) -> Timing | None:
    """Draw the running area and its countdown, if a timer runs (nothing otherwise)."""
    running = timing(ws, now)
    if running is None:
        return None
    t = T()
    area = localise(catalogue().area(running.area).title, lang())
    left_text, over_text = t("timer.left", time="{time}"), t("timer.over", time="{time}")
    first = (left_text if running.left_s >= 0 else over_text).replace(
        "{time}", clock(running.left_s))
    classes = "om-timer" + (" om-timer-large" if large else "")
    if running.planned_s == 0:  # an area with no time planned: its name only
        st.html(f'{_CSS}<div class="{classes}" role="timer"><span class="om-timer-area">'
                f'{html.escape(t("timer.now", area=area))}</span></div>')
        return running
    st.html(
        f'{_CSS}<div class="{classes}" role="timer" data-left="{running.left_s}" '
        f'data-left-text="{html.escape(left_text)}" data-over-text="{html.escape(over_text)}">'
        f'<span class="om-timer-area">{html.escape(t("timer.now", area=area))}</span>'
        f'<span class="om-timer-text">{html.escape(first)}</span></div>{_TICK}',
        unsafe_allow_javascript=True)
    return running
