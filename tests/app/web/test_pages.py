"""Every page through the real router with AppTest, on a real SQLite store.

What a consultant relies on: the heatmaps say what scoring says, a participant's answer is
in the store the moment it is given and survives a reload, the facilitator's counts and
disagreement flags are the engine's, and failures end as messages, not tracebacks.
"""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from opsmaturity.app.store.workshops import shown_code
from opsmaturity.app.web import VIEWS_DIR
from opsmaturity.app.web.state import ordered_questions
from opsmaturity.app.web.streamlit_app import PAGES
from opsmaturity.app.web.texts import web_texts
from opsmaturity.app.web.widgets import TEAM_TAB_KEY as TAB_KEY
from opsmaturity.app.web.widgets import md_escape
from opsmaturity.reports.fmt import first_sentence
from opsmaturity.reports.texts import texts as report_texts
from opsmaturity.scoring.catalogue import localise
from opsmaturity.scoring.engine import score

from .conftest import (
    ADMIN,
    GAP_SIGN,
    TIMEOUT,
    World,
    app,
    charts,
    grid_cells,
    login,
    ok,
    plain,
)

T = web_texts()
R = report_texts()
TITLES = {"portfolio": "portfolio.title", "team": "team.title", "trends": "trends.title",
          "workshop": "workshop.title", "projector": "projector.title", "join": "join.title",
          "evidence": "evidence.title",
          "recommendations": "recommendations.title", "export": "export.title"}


def test_router_reaches_every_page(world: World):
    at = ok(app())
    assert at.title[0].value == T("portfolio.title")  # the start page
    pages = [m for modules in PAGES.values() for m in modules]
    assert sorted(pages) == sorted(p.stem for p in VIEWS_DIR.glob("*.py") if p.stem != "__init__")
    for page in pages:
        at.switch_page(f"views/{page}.py").run()
        ok(at)
        assert at.title[0].value == T(TITLES[page]), page


@pytest.mark.parametrize("page", sorted(TITLES))
def test_each_page_runs_on_its_own(world: World, page: str):
    """A page file is a script of its own too (what `AppTest.from_file(page)` runs)."""
    at = login(AppTest.from_file(str(VIEWS_DIR / f"{page}.py"), default_timeout=TIMEOUT),
               ADMIN).run()
    ok(at)
    assert at.title[0].value == T(TITLES[page])


# ------------------------------------------------------------------------------ portfolio

def expected_scores(world: World) -> dict[str, object]:
    """Each assessed team's newest assessment, scored here independently of the app."""
    s = world.store()
    cat = world.catalogue
    out = {}
    for team, key in (("Payments", "payments"), ("Billing", "billing"), ("Search", "search"),
                      ("Nothing known", "blank")):
        aid = world.ids[key]
        out[team] = s.snapshot(aid) or score(cat, s.evidence(aid), s.responses(aid, cat))
    s.close()
    return out


def test_portfolio_heatmaps_show_the_scoring_output(world: World):
    at = ok(app())
    figs = charts(at)
    cat = world.catalogue
    expected = expected_scores(world)
    areas = grid_cells(figs["portfolio-areas"])
    signs = grid_cells(figs["portfolio-signs"])
    area_titles = {a.id: localise(a.title) for a in cat.areas}
    for team, a in expected.items():
        for result in a.areas:
            level, text = areas[(team, area_titles[result.area_id])]
            assert level == R(f"level.{result.risk_level}"), (team, result.area_id)
            if result.level is not None:
                assert text.endswith(f"L{result.level}")
        for f in a.findings:
            column = next(c for (row, c) in signs if row == team and localise(
                cat.sign(f.sign_id).title).startswith(c.removesuffix("…")))
            level, text = signs[(team, column)]
            assert level == R(f"level.{f.risk_level}"), (team, f.sign_id)
            if f.risk_level != "unknown":  # confidence is written under the level
                assert text == f"{R(f'level.{f.risk_level}')}<br>{f.confidence * 100:.0f}%"
    # Unknown is its own hatched level, never "low": the team with nothing known is all unknown.
    assert {areas[k][0] for k in areas if k[0] == "Nothing known"} == {R("level.unknown")}
    unknown = next(t for t in figs["portfolio-areas"]["data"] if t["name"] == R("level.unknown"))
    assert unknown["marker"]["pattern"]["shape"] == "/"
    # The team never assessed is not in the portfolio.
    assert "Never assessed" not in rows_of(figs["portfolio-areas"])


def rows_of(fig) -> list[str]:
    return [plain(x) for x in fig["layout"]["yaxis"]["ticktext"]]


def test_portfolio_filters_and_sorts(world: World):
    at = ok(app())
    expected = expected_scores(world)
    rows = rows_of(charts(at)["portfolio-areas"])
    by_risk = sorted((t for t in expected if expected[t].overall.risk_index is not None),
                     key=lambda t: -expected[t].overall.risk_index)
    assert rows == [*by_risk, "Nothing known"]  # highest risk first, unknown last
    at.selectbox(key="portfolio-org").set_value("Globex").run()
    ok(at)
    assert rows_of(charts(at)["portfolio-areas"]) == ["Search", "Nothing known"]
    at.selectbox(key="portfolio-sort").set_value("name").run()
    assert rows_of(charts(at)["portfolio-signs"]) == ["Nothing known", "Search"]
    table = at.dataframe[0].value
    assert list(table[R("label.team")]) == ["Nothing known", "Search"]


def test_portfolio_opens_a_team(world: World):
    at = ok(app())
    at.selectbox(key="portfolio-pick").set_value(world.ids["billing"]).run()
    at.button(key="portfolio-open").click().run()
    ok(at)
    assert at.title[0].value == T("team.title")
    assert at.selectbox(key="team-team").value == world.ids["billing_team"]
    assert at.query_params["team"] == str(world.ids["billing_team"])


# ------------------------------------------------------------------------------ workshop

def join(world: World, **query: str) -> AppTest:
    return app("join", join=world.join_code, **query)


def test_joining_without_a_role_says_what_is_missing(world: World):
    """The error box repeated the radio's label ("Your role") and said nothing else."""
    at = ok(join(world))
    before = len(world.store().participants(world.ids["payments"]))
    at.text_input(key="join-name").set_value("Eva")
    at.button[0].click().run()
    assert [e.value for e in at.error] == [
        "Please pick your role first: the results are also shown by role."]
    assert "p" not in at.query_params
    assert len(world.store().participants(world.ids["payments"])) == before


def test_participant_joins_answers_and_continues_after_a_reload(world: World):
    at = ok(join(world))
    at.radio(key="join-role").set_value("ops")
    at.text_input(key="join-name").set_value("")  # anonymous
    at.button[0].click().run()
    ok(at)
    pid, token = int(at.query_params["p"]), at.query_params["k"]
    s = world.store()
    me = s.participant(pid)
    assert (me.assessment_id, me.role, me.name) == (world.ids["payments"], "ops", None)
    questions = ordered_questions(world.catalogue)
    first = questions[0].id
    assert questions[0].kind == "context"  # context questions come first, as on paper
    option = world.catalogue.scale_of(questions[0]).options[-1].value
    at.text_input(key=f"comment-{pid}-{first}").set_value("the warehouse stops")
    at.radio(key=f"answer-{pid}-{first}").set_value(option).run()
    ok(at)
    saved = s.participant_answers(pid)  # in the store the moment it was picked
    assert [(a.question_id, a.value, a.comment) for a in saved] == [
        (first, option, "the warehouse stops")]
    at.button(key="join-next").click().run()
    second = at.radio[0].key.removeprefix(f"answer-{pid}-")
    assert second != first

    # A reload is a new session with the same link: it continues at the first open question.
    again = ok(join(world, p=str(pid), k=token))
    assert again.radio[0].key == f"answer-{pid}-{second}"
    assert T("join.progress", done=1, total=len(world.catalogue.questions)) in [
        p.proto.text for p in again.get("progress")]
    # Area by area: every question of the area, each saved as it is answered.
    again.segmented_control(key="join-mode").set_value("area").run()
    again.selectbox(key="join-area").set_value("deployments_releases").run()
    again.radio(key=f"answer-{pid}-rollback_defined_rehearsed").set_value("dont_know").run()
    ok(again)
    assert dict((a.question_id, a.value) for a in s.participant_answers(pid)) == {
        first: option, "rollback_defined_rehearsed": "dont_know"}

    # Someone else's link (wrong secret) does not let them answer as this participant.
    forged = ok(join(world, p=str(pid), k="0" * 24))
    assert forged.warning[0].value == T("join.bad_link")
    assert not [r for r in forged.radio if r.key and r.key.startswith("answer-")]
    s.close()


def test_join_with_an_unknown_code_says_so(world: World):
    at = app("join", join="NOPE99", user=None)
    assert not at.exception
    assert at.error[0].value == T("join.unknown_code")  # never repeating what was typed


def live_table(at: AppTest):
    return next(d.value for d in at.dataframe if R("label.question") in d.value.columns)


def test_facilitator_sees_counts_and_disagreement_of_the_engine(world: World):
    s = world.store()
    aid = world.ids["payments"]
    at = ok(app("workshop", team=str(world.ids["payments_team"]), a=str(aid)))
    assert at.metric[0].value == shown_code(world.join_code)
    table = live_table(at)
    cat = world.catalogue
    scored = score(cat, s.evidence(aid), s.responses(aid, cat))
    stats = {q.question_id: q for f in scored.findings for q in f.answers}
    answers = s.answers(aid)
    flags = table[T("workshop.flag_column")]
    for i, text in enumerate(table[R("label.question")]):
        q = next(q for q in cat.questions if localise(q.text) == text)
        assert table[R("label.respondents")][i] == sum(a.question_id == q.id for a in answers)
        if q.id in stats:
            assert bool(flags[i]) == stats[q.id].disagreement, q.id
            for role, median in stats[q.id].role_medians.items():
                assert table[R(f"role.{role}")][i] == pytest.approx(median)
    assert any(flags) and not all(flags)  # the example workshop has real disagreement

    # A new participant answers: the count of that question goes up by one on the next run.
    question = "infra_defined_as_code"
    row = next(i for i, text in enumerate(table[R("label.question")])
               if text == localise(cat.question(question).text))
    before = table[R("label.respondents")][row]
    newcomer = s.add_participant(aid, "management")
    s.save_answer(newcomer.id, question, "agree", catalogue=cat)
    at.run()
    assert live_table(ok(at))[R("label.respondents")][row] == before + 1
    full = live_table(at)
    gaps = full[R("flag.perception_gap")]
    flagged = [text for text, flag, gap in zip(full[R("label.question")], full[T(
        "workshop.flag_column")], gaps, strict=True) if flag or gap]
    at.toggle(key="workshop-only").set_value(True).run()
    assert list(live_table(ok(at))[R("label.question")]) == flagged
    assert 0 < len(flagged) < len(full)
    s.close()


def test_facilitator_records_consensus(world: World):
    aid = world.ids["payments"]
    at = ok(app("workshop", team=str(world.ids["payments_team"]), a=str(aid)))
    at.selectbox(key=f"workshop-question-{aid}").set_value("rollback_defined_rehearsed").run()
    form_radio = next(r for r in at.radio if r.label == T("workshop.consensus_value"))
    form_radio.set_value("disagree")
    at.text_area[0].set_value("only the web shop can roll back")
    next(b for b in at.button if b.label == T("workshop.consensus_save")).click().run()
    ok(at)
    s = world.store()
    got = {c.question_id: (c.value, c.notes) for c in s.consensus(aid)}
    assert got["rollback_defined_rehearsed"] == ("disagree", "only the web shop can roll back")
    s.close()


def test_save_consensus_with_nothing_picked_is_refused(world: World):
    aid = world.ids["payments"]
    at = ok(app("workshop", team=str(world.ids["payments_team"]), a=str(aid)))
    at.selectbox(key=f"workshop-question-{aid}").set_value("db_failover_tested").run()
    at.text_area[0].set_value("we did not agree")
    next(b for b in at.button if b.label == T("workshop.consensus_save")).click().run()
    assert [e.value for e in at.error] == [T("workshop.consensus_none")]
    assert T("workshop.consensus_saved") not in [m.value for m in at.success]
    s = world.store()
    assert "db_failover_tested" not in {c.question_id for c in s.consensus(aid)}
    s.close()


def test_finalise_in_the_app_names_what_it_will_freeze_first(world: World):
    s = world.store()
    team = s.ensure_team("Acme Logistics", "Finance")
    a = s.create_assessment(team.id, world.catalogue.version, title="Q3")
    s.open_workshop(a.id)
    p = s.add_participant(a.id, "dev")
    s.save_answer(p.id, "infra_defined_as_code", "agree", catalogue=world.catalogue)
    at = ok(app("workshop", team=str(team.id), a=str(a.id)))
    at.button(key=f"finalise-{a.id}").click().run()
    assert s.assessment(a.id).state == "draft"  # asked first, nothing frozen yet
    text = " ".join(m.value for m in at.markdown)
    assert T("workshop.finalise_confirm", id=a.id, team="Finance",
             organisation=md_escape("Acme Logistics"), date=a.date.isoformat(),
             participants=1, answers=1, evidence=0, consensus=0) in text
    assert at.button(key="finalise-confirm").label == T("workshop.finalise_button")
    s.close()  # confirming (a click inside the dialog): test_browser_workshop.py


def test_facilitator_opens_a_new_assessment_and_its_workshop(world: World):
    at = ok(app("workshop"))
    at.text_input[0].set_value("Initech")
    at.text_input[1].set_value("Printers")
    next(b for b in at.button if b.label == T("workshop.create")).click().run()
    ok(at)
    s = world.store()
    created = s.list_assessments(team="Printers", organisation="Initech")
    assert len(created) == 1 and created[0].state == "draft"
    assert at.selectbox(key="workshop-team").value == created[0].team_id
    at.button(key="workshop-open").click().run()
    ws = s.current_workshop(created[0].id)
    assert ws is not None
    assert ok(at).metric[0].value == shown_code(ws.join_code)
    assert f"/join?join={ws.join_code}" in at.code[0].value
    s.close()


# ------------------------------------------------------------------------------ team

def test_team_page_drills_down_to_answers_evidence_and_raw_numbers(world: World):
    aid = world.ids["payments"]
    at = ok(app("team", team=str(world.ids["payments_team"]), a=str(aid)))
    s = world.store()
    cat = world.catalogue
    scored = score(cat, s.evidence(aid), s.responses(aid, cat))
    assert set(charts(at)) >= {"team-radar", "team-heatmap"}  # the first tab's
    assert not at.dataframe  # the other tabs run only when opened
    at.session_state[TAB_KEY] = T("team.signs")
    findings = ok(at.run()).dataframe[0].value
    assert len(findings) == len(cat.signs)
    for _, row in findings.iterrows():
        sign = next(x for x in cat.signs if localise(x.title) == row[R("label.warning_sign")])
        f = scored.finding(sign.id)
        assert row[R("label.risk_level")] == R(f"level.{f.risk_level}")
        assert row[R("label.status")] == R(f"status.{f.status}")
    assert not charts(at)
    at.selectbox(key="team-sign").set_value(GAP_SIGN).run()
    ok(at)
    gap = scored.finding(GAP_SIGN).perception_gap
    assert gap is not None
    assert any(w.value == T(f"team.gap.{gap.direction}",
                            answers=f"{gap.likelihood_from_answers * 100:.0f}%",
                            evidence=f"{gap.likelihood_from_evidence * 100:.0f}%")
               for w in at.warning)
    shown = {m.value for m in at.markdown}
    for probe_id in cat.sign(GAP_SIGN).probes:  # every probe, with its outcome, beside answers
        assert f"**{first_sentence(localise(cat.probe(probe_id).description))}**" in shown
    assert sum(c.value.startswith(f"{R('label.outcome')}: {R('outcome.true')}")
               for c in at.caption) == len(cat.sign(GAP_SIGN).probes)
    # The raw numbers behind a measure: the incidents it was computed from.
    raw = [d.value for d in at.dataframe if "detected_by" in d.value.columns]
    assert raw and list(raw[0]["id"])[:3] == ["INC-1", "INC-2", "INC-3"]
    s.close()


# ------------------------------------------------------------------------------ others

def test_recommendations_follow_the_ranking(world: World):
    aid = world.ids["search"]
    at = ok(app("recommendations", team=str(world.ids["search_team"]), a=str(aid)))
    s = world.store()
    scored = score(world.catalogue, s.evidence(aid), s.responses(aid, world.catalogue))
    titles = {r.id: localise(r.title) for r in world.catalogue.all_recommendations()}
    shown = [m.value for m in at.markdown if m.value.startswith("**")]
    assert shown == [f"**{r.rank}. {titles[r.recommendation_id]}**"
                     for r in scored.recommendations]
    assert [h.value for h in at.subheader] == [
        R(f"horizon.{h}.title") for h in ("now", "next", "later")
        if any(r.horizon == h for r in scored.recommendations)]
    s.close()


def test_trends_show_the_finalised_history(world: World):
    at = ok(app("trends", team=str(world.ids["payments_team"])))
    s = world.store()
    history = s.history(world.ids["payments_team"])
    trend = charts(at)["trends-risk"]
    assert trend["data"][0]["y"] == [p.risk_index for p in history]
    areas = charts(at)["trends-areas"]
    assert len(areas["data"]) == len(world.catalogue.areas)
    s.close()
    nothing = ok(app("trends", team=str(world.ids["search_team"])))
    assert nothing.info[0].value == T("trends.none")


def test_errors_are_messages_not_tracebacks(world: World, monkeypatch):
    from opsmaturity.app.store import Store

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Store, "latest_assessments", broken)
    at = app()
    assert not at.exception
    assert at.error[0].value == T("errors.unexpected", what=md_escape("RuntimeError: disk on fire"))


def test_user_text_is_never_html(world: World):
    s = world.store()
    team = s.ensure_team("Acme Logistics", "<b>Ops</b> [click](http://evil.example)")
    aid = s.create_assessment(team.id, world.catalogue.version).id
    code = s.open_workshop(aid).join_code
    p = s.add_participant(aid, "dev")
    s.save_answer(p.id, "infra_defined_as_code", "agree", "<img src=x onerror=alert(1)>",
                  catalogue=world.catalogue)
    s.close()
    pages = [app(), app("team", team=str(team.id), a=str(aid)),
             app("workshop", team=str(team.id), a=str(aid)), app("join", join=code)]
    for at in pages:
        ok(at)
        for m in [*at.markdown, *at.caption]:
            assert not m.proto.allow_html, m.value
        for m in [*at.markdown, *at.caption, *at.success, *at.info, *at.warning]:
            assert "<b>" not in m.value and "](http" not in m.value, m.value
        for c in at.get("plotly_chart"):
            assert "<b>Ops</b>" not in c.proto.spec  # plotly reads some tags: escaped too
    joined = pages[3]
    joined.radio(key="join-role").set_value("dev")
    joined.button[0].click().run()
    assert any(r"\<b\>Ops\</b\> \[click\]\(http" in c.value for c in ok(joined).caption)


def test_team_page_shows_the_plan_from_the_workbook(world: World):
    from opsmaturity.reports.xlsx_read import PlanRow

    aid = world.ids["payments"]
    s = world.store()
    scored = score(world.catalogue, s.evidence(aid), s.responses(aid, world.catalogue))
    first = scored.recommendations[0].recommendation_id
    s.set_plan(aid, [PlanRow(recommendation_id=first, owner="Anna Berger",
                             due=dt.date(2027, 2, 1), status="in_progress", notes=None)])
    s.close()
    at = ok(app("team", team=str(world.ids["payments_team"]), a=str(aid)))
    at.session_state[TAB_KEY] = T("team.plan")  # only the open tab is drawn
    at = ok(at.run())
    plan = next(d.value for d in at.dataframe if R("label.owner") in d.value.columns)
    row = plan.iloc[0]
    assert (row[R("label.owner")], row[R("label.due")], row[R("label.plan_status")]) == (
        "Anna Berger", "2027-02-01", R("plan.status.in_progress"))
    assert set(plan[R("label.plan_status")][1:]) == {R("plan.status.open")}
    from opsmaturity.reports.texts import texts as report_texts
    de = report_texts("de")
    at = ok(app("team", team=str(world.ids["payments_team"]), a=str(aid), lang="de"))
    at.session_state[TAB_KEY] = web_texts("de")("team.plan")
    at = ok(at.run())
    plan = next(d.value for d in at.dataframe if de("label.owner") in d.value.columns)
    row = plan.iloc[0]
    assert (row[de("label.due")], row[de("label.plan_status")]) == ("1. Februar 2027",
                                                                    "in Arbeit")


def test_known_errors_in_the_sessions_language(world: World, monkeypatch):
    from opsmaturity.app.store import Store, StoreError
    from opsmaturity.core.messages import text

    def gone(*args, **kwargs):
        raise StoreError(text("store.no_assessment", id=99))

    monkeypatch.setattr(Store, "latest_assessments", gone)
    german = app(lang="de")
    assert not german.exception
    assert german.error[0].value == md_escape(
        "keine Bewertung 99 (siehe `opsmaturity assessment list`)")
    english = app()
    assert english.error[0].value == md_escape(
        "no assessment 99 (see `opsmaturity assessment list`)")
