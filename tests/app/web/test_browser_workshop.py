"""A workshop that runs itself, in a real browser: what the integrity defects of a live run
were (answers after closing, lost links, double joins, cut comments, wrong codes, counts
that disagree), the facilitator's tools (projector QR code, blind voting, removing a
participant), and answering on a phone at 390x844.

One server for the module on its own store (the world fixture is per module).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import sync_playwright

from opsmaturity.app.store.inputs import COMMENT_LIMIT
from opsmaturity.app.web.browser import COOKIE
from opsmaturity.app.web.links import join_link
from opsmaturity.app.web.state import ordered_questions
from opsmaturity.scoring.catalogue import localise

from .conftest import ADMIN, PASSWORD, World
from .test_browser import T, browser_page, log_in, running_app, wait_for

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server_dir(tmp_path_factory) -> Path:
    """Where the server writes its log (read to check that no secret reached it)."""
    return tmp_path_factory.mktemp("server")


@pytest.fixture(scope="module")
def server(world: World, server_dir: Path) -> Iterator[str]:
    with running_app(world.url, server_dir) as (base, _):
        yield base


def body(page) -> str:
    return page.locator("body").inner_text()


def join(page, server: str, code: str, role: str = "ops") -> int:
    """Join by link as `role`; the participant's id from the link the page moves to."""
    page.goto(f"{server}/join?join={code}")
    page.get_by_text(role, exact=True).click()
    page.get_by_role("button", name=T("join.start")).click()
    page.wait_for_url("**&p=*")
    page.locator(".st-key-join-question [data-testid='stRadio']").first.wait_for()
    return int(parse_qs(urlsplit(page.url).query)["p"][0])


def option_labels(page):
    """The answer options of the question on the page (not the radio's own hidden label)."""
    return page.locator(".st-key-join-question [data-testid='stRadio'] label").filter(
        has=page.locator("input"))


def test_closing_stops_answers_and_reopening_continues_the_same_workshop(world: World,
                                                                         server: str):
    s = world.store()
    aid = world.ids["payments"]
    first, second = ordered_questions(world.catalogue)[:2]
    a, b = (localise(o.label) for o in world.catalogue.scale_of(first).options[:2])
    with sync_playwright() as pw:
        browser, page = browser_page(pw)
        try:
            pid = join(page, server, world.join_code)
            link = page.url
            page.get_by_text(a, exact=True).click()
            page.get_by_text(T("join.saved")).wait_for()
            wait_for(lambda: s.participant_answers(pid), what="the first answer")
            people = len(s.participants(aid))

            s.close_workshop(aid)  # the facilitator closes while this page is open
            page.get_by_text(b, exact=True).click()
            page.get_by_text(T("join.closed_now").split(":")[0]).wait_for()
            assert T("join.saved") not in body(page)
            assert [x.value for x in s.participant_answers(pid)] == [
                world.catalogue.scale_of(first).options[0].value]  # refused by the store

            ws = s.open_workshop(aid)  # reopened: the same code, the same link works
            assert ws.join_code == world.join_code
            page.goto(link)
            page.get_by_text(T("join.question_of", n=2, total=len(
                ordered_questions(world.catalogue)))).wait_for()  # continues where it was
            page.get_by_role("button", name=T("join.previous")).click()
            page.get_by_text(b, exact=True).click()
            page.get_by_text(T("join.saved")).wait_for()
            wait_for(lambda: s.participant_answers(pid)[0].value
                     == world.catalogue.scale_of(first).options[1].value, what="the change")
            assert len(s.participants(aid)) == people  # nobody duplicated
            assert second.id not in {x.question_id for x in s.participant_answers(pid)}
        finally:
            browser.close()
            s.close()


def test_a_double_click_on_join_makes_one_participant(world: World, server: str):
    s = world.store()
    aid = world.ids["payments"]
    before = len(s.participants(aid))
    with sync_playwright() as pw:
        browser, page = browser_page(pw)
        try:
            page.goto(f"{server}/join?join={world.join_code}")
            page.get_by_text("dev", exact=True).click()
            page.get_by_role("button", name=T("join.start")).dblclick()
            page.wait_for_url("**&p=*")
            page.locator("[data-testid='stRadio']").first.wait_for()
            time.sleep(2)  # a second participant, if any, would be in the store by now
            assert len(s.participants(aid)) == before + 1
        finally:
            browser.close()
            s.close()


def place(page) -> dict[str, str]:
    """The participant's place in a tab's address (join code, id, secret)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def test_a_second_tab_continues_as_the_same_participant_another_browser_joins_anew(
        world: World, server: str, server_dir: Path):
    s = world.store()
    aid = world.ids["payments"]
    bare = f"{server}/join?join={world.join_code}"
    before = len(s.participants(aid))
    with sync_playwright() as pw:
        browser, page = browser_page(pw, **PHONE)
        try:
            pid = join(page, server, world.join_code, "dev")
            token = place(page)["k"]
            cookies = page.context.cookies  # what this browser keeps
            key = wait_for(lambda: next((c["value"] for c in cookies()
                                         if c["name"] == COOKIE), None),
                           what="the browser's join cookie")

            second = page.context.new_page()  # a second tab, from the bare join link
            second.goto(bare)
            second.wait_for_url("**&p=*")
            second.locator(".st-key-join-question [data-testid='stRadio']").first.wait_for()
            assert place(second)["p"] == str(pid) and place(second)["k"] == token
            assert len(s.participants(aid)) == before + 1  # the same person, not a new one

            other = browser.new_context(viewport=PHONE).new_page()  # another browser
            other_pid = join(other, server, world.join_code, "ops")
            assert other_pid != pid
            assert len(s.participants(aid)) == before + 2

            s.remove_participant(pid)  # the facilitator takes the first one out
            third = page.context.new_page()
            third.goto(bare)
            third.get_by_text(T("join.removed_browser")[:40]).wait_for()
            assert "p" not in place(third)  # the cookie does not bring them back
            third.get_by_role("button", name=T("join.start")).wait_for()
            assert len(s.participants(aid)) == before + 1
            again = join(third, server, world.join_code, "dev")  # a new person, if wanted
            assert again not in (pid, other_pid)
            assert len(s.participants(aid)) == before + 2
        finally:
            browser.close()
            s.close()
    log = (server_dir / "server.log").read_text(errors="replace")
    assert token not in log and key not in log
    assert key.encode() not in world.path.read_bytes()  # the store keeps a hash


def test_a_long_pasted_comment_is_cut_with_a_message(world: World, server: str):
    s = world.store()
    question = ordered_questions(world.catalogue)[0]
    option = world.catalogue.scale_of(question).options[0]
    pasted = "Pasted from the wiki. " * 80  # 1760 characters
    with sync_playwright() as pw:
        browser, page = browser_page(pw)
        try:
            pid = join(page, server, world.join_code, "management")
            page.get_by_text(localise(option.label), exact=True).click()
            page.get_by_text(T("join.saved")).wait_for()
            box = page.get_by_role("textbox", name=T("join.comment"))
            box.fill(pasted)
            box.press("Enter")
            page.get_by_text(T("join.comment_cut", limit=COMMENT_LIMIT)[:40]).wait_for()
            wait_for(lambda: (s.participant_answers(pid)[0].comment or "") != "",
                     what="the comment in the store")
            assert s.participant_answers(pid)[0].comment == pasted[:COMMENT_LIMIT].strip()
        finally:
            browser.close()
            s.close()


def test_a_mistyped_code_and_a_closed_workshop_say_different_things(world: World,
                                                                    server: str):
    s = world.store()
    closed = s.create_assessment(world.ids["payments_team"], world.catalogue.version)
    code = s.open_workshop(closed.id).join_code
    s.close_workshop(closed.id)
    s.close()
    with sync_playwright() as pw:
        browser, page = browser_page(pw)
        try:
            page.goto(f"{server}/join?join=ZZZZZ-ZZZZZ")
            page.get_by_text(T("join.unknown_code").split(".")[0]).wait_for()
            assert T("join.closed").split(":")[0] not in body(page)
            page.goto(f"{server}/join?join={code}")
            page.get_by_text(T("join.closed").split(":")[0]).wait_for()
            assert T("join.unknown_code").split(".")[0] not in body(page)
        finally:
            browser.close()


def test_the_participant_page_fits_a_phone(world: World, server: str, tmp_path: Path):
    """At 390x844: the question and all its options on the first screen, in one column in
    the scale's order, each at least 44 px tall; Previous and Next side by side."""
    cat = world.catalogue
    with sync_playwright() as pw:
        browser, page = browser_page(pw, **PHONE)
        try:
            join(page, server, world.join_code, "dev")
            for _ in range(3):  # the first question, and two more on the way
                question = next(q for q in ordered_questions(cat) if localise(q.text) in
                                body(page))
                names = [localise(o.label) for o in cat.scale_of(question).options]
                labels = option_labels(page)
                wanted = len(names) + 1
                wait_for(lambda n=wanted, found=labels: found.count() == n,
                         what="the options")
                boxes = [labels.nth(i).bounding_box() for i in range(labels.count())]
                texts = [labels.nth(i).inner_text().strip() for i in range(labels.count())]
                assert texts[:-1] == names  # in the scale's order, "don't know" last
                heading = page.get_by_role("heading", name=localise(question.text)).first
                assert heading.bounding_box()["y"] >= 0
                assert all(b["y"] + b["height"] <= PHONE["height"] for b in boxes), boxes
                assert all(b["height"] >= 44 for b in boxes), boxes
                assert len({round(b["x"]) for b in boxes}) == 1  # one column
                assert [b["y"] for b in boxes] == sorted(b["y"] for b in boxes)
                nav = [page.get_by_role("button", name=T(f"join.{k}")).bounding_box()
                       for k in ("previous", "next")]
                assert abs(nav[0]["y"] - nav[1]["y"]) < 2 and nav[0]["x"] < nav[1]["x"]
                assert all(b["height"] >= 44 for b in nav)
                shot = tmp_path / f"phone-{question.id}.png"
                page.screenshot(path=str(shot))
                assert Image.open(shot).size == (PHONE["width"], PHONE["height"])
                page.get_by_role("button", name=T("join.next")).click()
                heading.wait_for(state="detached")
            # area by area: still one column per question, in order
            page.get_by_text(T("join.mode_area"), exact=True).click()
            page.get_by_role("button", name=T("join.next")).wait_for(state="detached")
            group = page.locator("[data-testid='stRadio']").first
            xs = {round(b["x"]) for b in (x.bounding_box() for x in
                                          group.locator("label").filter(
                                              has=page.locator("input")).all())}
            assert len(xs) == 1
        finally:
            browser.close()


def test_projector_qr_code_decodes_to_the_join_link_and_counts_agree(world: World,
                                                                     server: str,
                                                                     tmp_path: Path):
    s = world.store()
    aid, team = world.ids["payments"], world.ids["payments_team"]
    with sync_playwright() as pw:
        browser, page = browser_page(pw, width=1400, height=1000)
        try:
            page.goto(f"{server}/workshop?team={team}&a={aid}")
            log_in(page, ADMIN, PASSWORD)
            metric = page.locator("[data-testid='stMetric']").filter(
                has_text=T("workshop.participants")).locator("[data-testid='stMetricValue']")
            metric.wait_for()
            n = len(s.participants(aid))
            picker = page.get_by_role("combobox", name=T("pick.assessment"))
            assert f"{n} participants" in picker.input_value()
            assert metric.inner_text() == str(n)
            s.add_participant(aid, "ops")  # someone joins while the page is open
            wait_for(lambda: metric.inner_text() == str(n + 1), what="the live count")
            wait_for(lambda: f"{n + 1} participants" in picker.input_value(), timeout=15,
                     what="the picker to agree with the live view")

            page.get_by_role("link", name=T("workshop.projector_link")).click()
            image = page.locator("[data-testid='stImage'] img").first
            image.wait_for()
            time.sleep(1)
            shot = tmp_path / "projector.png"
            page.screenshot(path=str(shot))
            found = zxingcpp.read_barcodes(Image.open(shot))
            expected = join_link(world.join_code, f"{server}/workshop")
            assert [f.text for f in found] == [expected]
            text = body(page)
            assert f"{world.join_code[:5]}-{world.join_code[5:]}" in text
            assert T("projector.joined") in text and T("projector.finished") in text
            assert "Payments" not in text and T("workshop.live") not in text  # nothing else
            page.set_viewport_size(PHONE)  # a facilitator's phone: the link shows whole
            box = page.locator("[data-testid='stCode'] code").first
            wait_for(lambda: box.evaluate(  # the text's own boxes, inside the box around it
                "e => { const r = document.createRange(); r.selectNodeContents(e);"
                " const outer = e.closest('pre').getBoundingClientRect();"
                " return r.getBoundingClientRect().right <= outer.right; }"),
                what="the join link to wrap on a phone")
        finally:
            browser.close()
            s.close()


def test_blind_voting_reveal_and_removing_a_participant(world: World, server: str):
    s = world.store()
    aid, team = world.ids["payments"], world.ids["payments_team"]
    question = ordered_questions(world.catalogue)[0]
    ghost = s.add_participant(aid, "other", "Test join")
    s.save_answer(ghost.id, question.id, world.catalogue.scale_of(question).options[0].value,
                  catalogue=world.catalogue)
    with sync_playwright() as pw:
        browser, page = browser_page(pw, width=1400, height=1400)
        try:
            page.goto(f"{server}/workshop?team={team}&a={aid}")
            log_in(page, ADMIN, PASSWORD)
            page.get_by_text(T("workshop.blind"), exact=True).click()
            page.get_by_text(T("workshop.hidden_question", answered=1).split(".")[1].strip()
                             [:30]).wait_for()
            assert page.locator("[data-testid='stPlotlyChart']").count() == 0
            assert s.latest_workshop(aid).blind
            page.get_by_role("button", name=T("workshop.reveal")).click()
            page.locator("[data-testid='stPlotlyChart']").first.wait_for()
            assert s.latest_workshop(aid).revealed == [question.id]

            before = len(s.participants(aid))
            page.get_by_text(T("workshop.live_refresh"), exact=True).click()  # hold still
            page.get_by_text(T("workshop.remove"), exact=True).click()
            who = page.get_by_role("combobox", name=T("workshop.remove_who"))
            assert "Test join" in who.input_value()  # the newest is picked to begin with
            page.get_by_role("button", name=T("workshop.remove_button"), exact=True).click()
            dialog = page.get_by_role("dialog")
            dialog.get_by_text("Test join").wait_for()
            dialog.get_by_role("button", name=T("workshop.remove_button")).click()
            wait_for(lambda: len(s.participants(aid)) == before - 1, what="the removal")
            assert ghost.id not in {a.participant_id for a in s.answers(aid)}
            metric = page.locator("[data-testid='stMetric']").filter(
                has_text=T("workshop.participants")).locator("[data-testid='stMetricValue']")
            wait_for(lambda: metric.inner_text() == str(before - 1), what="the count")
        finally:
            browser.close()
            s.close()


def test_finalise_in_the_browser_after_the_confirmation(world: World, server: str):
    s = world.store()
    team = s.ensure_team("Acme Logistics", "Warehouse")
    a = s.create_assessment(team.id, world.catalogue.version, title="Autumn")
    s.open_workshop(a.id)
    p = s.add_participant(a.id, "ops")
    s.save_answer(p.id, "infra_defined_as_code", "agree", catalogue=world.catalogue)
    with sync_playwright() as pw:
        browser, page = browser_page(pw, width=1400, height=1400)
        try:
            page.goto(f"{server}/workshop?team={team.id}&a={a.id}")
            log_in(page, ADMIN, PASSWORD)
            page.get_by_role("button", name=T("workshop.finalise")).click()
            dialog = page.get_by_role("dialog")
            dialog.get_by_text("Warehouse").wait_for()
            assert "1 participants, 1 answers, 0 evidence sets" in dialog.inner_text()
            assert s.assessment(a.id).state == "draft"
            dialog.get_by_role("button", name=T("workshop.finalise_button")).click()
            page.get_by_text(T("workshop.final_note").split(":")[0]).wait_for()
            assert s.assessment(a.id).state == "final"
            assert s.latest_workshop(a.id).closed_at is not None
        finally:
            browser.close()
            s.close()


def seconds_left(page) -> int:
    """The countdown a page shows, in seconds (negative once over the planned time)."""
    text = page.locator(".om-timer .om-timer-text").first.inner_text()
    found = re.search(r"(\d+):(\d\d)", text)
    assert found, text
    seconds = int(found[1]) * 60 + int(found[2])
    return -seconds if "over" in text else seconds


def test_agenda_and_timer_reach_participants_and_the_projector_and_count_down(
        world: World, server: str, tmp_path: Path):
    s = world.store()
    aid, team = world.ids["payments"], world.ids["payments_team"]
    area = world.catalogue.areas[1]
    title = localise(area.title)
    now = T("timer.now", area=title)
    with sync_playwright() as pw:
        browser, page = browser_page(pw, width=1400, height=1400)
        phone = browser.new_context(viewport=PHONE).new_page()
        try:
            join(phone, server, world.join_code, "ops")
            assert phone.locator(".om-timer").count() == 0  # no timer runs yet

            page.goto(f"{server}/workshop?team={team}&a={aid}")
            log_in(page, ADMIN, PASSWORD)
            page.get_by_text(T("workshop.agenda"), exact=True).click()
            page.get_by_label(title, exact=True).fill("10")
            page.get_by_role("button", name=T("workshop.agenda_save")).click()
            wait_for(lambda: s.latest_workshop(aid).agenda == {area.id: 10}, what="the agenda")
            page.get_by_role("button", name=T("workshop.timer_start")).click()
            wait_for(lambda: s.latest_workshop(aid).timer_area == area.id, what="the timer")

            # the participant's phone picks the area up by itself, and its clock ticks
            phone.locator(".om-timer").filter(has_text=now).wait_for()
            first = seconds_left(phone)
            assert 9 * 60 <= first <= 10 * 60
            wait_for(lambda: seconds_left(phone) < first, timeout=5, what="the phone's clock")
            options = option_labels(phone)
            assert all(options.nth(i).bounding_box()["y"] + options.nth(i).bounding_box()[
                "height"] <= PHONE["height"] for i in range(options.count()))
            phone.screenshot(path=str(tmp_path / "phone-timer.png"))

            page.locator(".om-timer").filter(has_text=now).wait_for()  # the facilitator's
            first = seconds_left(page)
            wait_for(lambda: seconds_left(page) < first, timeout=5, what="the facilitator")
            page.get_by_role("link", name=T("workshop.projector_link")).click()
            page.locator(".om-timer-large").filter(has_text=now).wait_for()
            first = seconds_left(page)
            assert 9 * 60 <= first <= 10 * 60
            wait_for(lambda: seconds_left(page) < first, timeout=5, what="the projector")

            s.start_timer(aid, None)  # stopped: the pages drop it on their next redraw
            phone.locator(".om-timer").wait_for(state="detached", timeout=60_000)
        finally:
            s.start_timer(aid, None)
            browser.close()
            s.close()
