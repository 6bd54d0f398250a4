"""Each session picks its language; a room answering in two languages gives one result.

Answers are stored by option value, never by the label a participant saw, so German and
English participants answering alike count as one answer pattern; and a participant's
language lives in that participant's session (and link), never in the facilitator's.
"""

from __future__ import annotations

from datetime import date

from opsmaturity.app.web.state import ordered_questions
from opsmaturity.app.web.texts import web_texts
from opsmaturity.app.web.widgets import TEAM_TAB_KEY as TAB_KEY
from opsmaturity.reports.texts import texts as report_texts
from opsmaturity.scoring.catalogue import localise
from opsmaturity.scoring.engine import score

from .conftest import World, app, ok

EN, DE = web_texts("en"), web_texts("de")


def _join_as(code: str, role: str, lang: str | None):
    at = ok(app("join", join=code))
    if lang is not None:
        at.selectbox(key="lang").set_value(lang).run()
    at.radio(key="join-role").set_value(role)
    at.button[0].click().run()
    return ok(at), int(at.query_params["p"])


def test_participants_answer_in_two_languages_and_the_room_gives_one_result(world: World):
    cat = world.catalogue
    s = world.store()
    team = world.ids["billing_team"]
    mixed = s.create_assessment(team, cat.version, on=date(2026, 9, 1), title="mixed")
    code = s.open_workshop(mixed.id).join_code
    first = ordered_questions(cat)[0]
    options = cat.scale_of(first).options
    pick = options[1]

    # A German participant: the page, the question and its options are German.
    de, de_pid = _join_as(code, "ops", "de")
    assert de.query_params["lang"] == "de"  # the link keeps the participant's language
    radio = de.radio(key=f"answer-{de_pid}-{first.id}")
    assert radio.options == [localise(o.label, "de") for o in options] + [
        report_texts("de")("label.dont_know")]
    assert any(localise(first.text, "de") == h.value for h in de.subheader)
    radio.set_value(pick.value).run()
    ok(de)

    # An English participant in the same room answers the same option.
    en, en_pid = _join_as(code, "dev", None)
    en_radio = en.radio(key=f"answer-{en_pid}-{first.id}")
    assert en_radio.options[0] == localise(options[0].label, "en")
    en_radio.set_value(pick.value).run()
    ok(en)

    stored = sorted((a.question_id, a.value) for a in s.answers(mixed.id))
    assert stored == [(first.id, pick.value), (first.id, pick.value)]

    # The same answers given in one language: the same result, finding by finding.
    plain = s.create_assessment(team, cat.version, on=date(2026, 9, 2), title="english")
    for role in ("ops", "dev"):
        p = s.add_participant(plain.id, role)
        s.save_answer(p.id, first.id, pick.value, catalogue=cat)
    a = score(cat, [], s.responses(mixed.id, cat))
    b = score(cat, [], s.responses(plain.id, cat))
    assert [f.model_dump() for f in a.findings] == [f.model_dump() for f in b.findings]
    assert [x.model_dump() for x in a.areas] == [x.model_dump() for x in b.areas]
    s.close()


def test_a_participants_language_does_not_change_the_facilitators(world: World):
    participant = ok(app("join", join=world.join_code))
    participant.selectbox(key="lang").set_value("de").run()
    assert ok(participant).title[0].value == DE("join.title")

    facilitator = ok(app("workshop", team=str(world.ids["payments_team"]),
                         a=str(world.ids["payments"])))
    assert facilitator.title[0].value == EN("workshop.title")
    assert facilitator.selectbox(key="lang").value == "en"
    # The facilitator picks German for themselves: every page title follows.
    facilitator.selectbox(key="lang").set_value("de").run()
    assert ok(facilitator).title[0].value == DE("workshop.title")
    assert facilitator.selectbox(key="lang").options == ["English", "Deutsch"]


def test_team_page_shows_the_quick_check_in_the_sessions_language(world: World):
    from opsmaturity.reports.view import quick_check_view

    at = ok(app("team", team=str(world.ids["payments_team"]), a=str(world.ids["payments"])))
    at.session_state[TAB_KEY] = EN("team.dora")  # only the open tab is drawn
    ok(at.run())
    s = world.store()
    a = score(world.catalogue, s.evidence(world.ids["payments"]),
              s.responses(world.ids["payments"], world.catalogue))
    s.close()
    expected = quick_check_view(a, world.catalogue, report_texts("en"))
    assert expected is not None and expected.edition == 2025
    table = next(d.value for d in at.dataframe
                 if report_texts("en")("quick_check.column.placement") in d.value.columns)
    assert list(table[report_texts("en")("quick_check.column.metric")]) == [
        r.label for r in expected.rows + expected.groups]
    assert report_texts("en")("quick_check.title", edition=2025) in [h.value for h in at.subheader]

    at.selectbox(key="lang").set_value("de").run()
    at.session_state[TAB_KEY] = DE("team.dora")
    german = next(d.value for d in ok(at.run()).dataframe
                  if report_texts("de")("quick_check.column.placement") in d.value.columns)
    de = quick_check_view(a, world.catalogue, report_texts("de"))
    assert list(german[report_texts("de")("quick_check.column.benchmark")]) == [
        r.benchmark for r in de.rows + de.groups]  # 7,4 ± 2,1: German numbers
