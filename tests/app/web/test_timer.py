"""The area timer's arithmetic: what the room's countdown starts from (the browser then
ticks it down; tests/app/web/test_browser_workshop.py watches it tick)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from opsmaturity.app.store.records import WorkshopRecord
from opsmaturity.app.web.timer import clock, timing

START = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


def workshop(**values) -> WorkshopRecord:
    return WorkshopRecord(**{"id": 1, "assessment_id": 1, "join_code": "ABCDEFGHJK",
                             "opened_at": START, "closed_at": None, **values})


def test_the_time_left_counts_down_and_then_over():
    ws = workshop(agenda={"delivery": 10}, timer_area="delivery", timer_started_at=START)
    early = timing(ws, START + timedelta(minutes=2, seconds=5))
    assert (early.area, early.planned_s, early.left_s) == ("delivery", 600, 475)
    assert clock(early.left_s) == "7:55"
    late = timing(ws, START + timedelta(minutes=11, seconds=30))
    assert late.left_s == -90 and clock(late.left_s) == "1:30"  # over, shown as such


def test_no_timer_no_countdown():
    assert timing(None, START) is None
    assert timing(workshop(agenda={"delivery": 10}), START) is None  # never started
    stopped = workshop(agenda={"delivery": 10}, timer_area="delivery",
                       timer_started_at=START, closed_at=START + timedelta(minutes=1))
    assert timing(stopped, START + timedelta(minutes=2)) is None  # closed workshop
    unplanned = workshop(timer_area="delivery", timer_started_at=START)
    assert timing(unplanned, START + timedelta(minutes=1)).planned_s == 0  # its name only
