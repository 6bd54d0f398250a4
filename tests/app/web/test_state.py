"""The score cache and the portfolio's light summaries, on a real store."""

from __future__ import annotations

from opsmaturity.app.web.overview import overview
from opsmaturity.app.web.state import ScoreCache, participant_token, team_report, token_matches
from opsmaturity.reports import charts, charts_web

from .conftest import World


def test_a_summary_draws_the_same_heatmaps_as_the_whole_assessment(world: World):
    s = world.store()
    records = [r for r in s.latest_assessments() if r.state == "final"]
    assert records
    for record in records:
        whole = s.snapshot(record.id)
        light = overview(s.snapshot_texts([record.id])[record.id])
        assert (light.overall, light.areas, light.recommendations) == (
            whole.overall, whole.areas, whole.recommendations)
        for f, g in zip(light.findings, whole.findings, strict=True):
            assert f.model_dump(exclude={"answers", "probes"}) == g.model_dump(
                exclude={"answers", "probes"})
            assert (f.answers, f.probes) == ([], [])  # what a summary leaves out
        for draw in (charts.team_heatmap, charts_web.team_sign_heatmap):
            assert draw([team_report(record, light)], world.catalogue).to_json() == draw(
                [team_report(record, whole)], world.catalogue).to_json()
    s.close()


def test_scores_are_computed_once_per_change(world: World):
    s = world.store()
    cache = ScoreCache(s, world.catalogue)
    ids = [r.id for r in s.latest_assessments()]
    first = cache.summaries(ids)
    assert cache.computed == len(ids)
    assert cache.summaries(ids) == first and cache.computed == len(ids)  # a rerun: nothing
    draft = world.ids["search"]
    assert first[draft] == s.compute(draft, world.catalogue)  # drafts are scored in full
    p = s.add_participant(draft, "ops")
    s.save_answer(p.id, "infra_defined_as_code", "strongly_agree", catalogue=world.catalogue)
    again = cache.summaries(ids)
    assert cache.computed == len(ids) + 1  # only the changed one
    assert again[draft] == s.compute(draft, world.catalogue) != first[draft]
    final = world.ids["billing"]
    assert cache.get(final) == s.snapshot(final)  # whole, though a summary was cached
    assert cache.get(final).findings[0].answers
    seen = []
    ScoreCache(s, world.catalogue).summaries(ids, lambda done, total: seen.append((done,
                                                                                   total)))
    drafts = sum(1 for r in s.latest_assessments() if r.state == "draft")
    assert seen == [(n, drafts) for n in range(1, drafts + 1)]
    s.close()


def test_participant_links_carry_a_secret_only_the_app_can_make(world: World, monkeypatch):
    s = world.store()
    p = s.add_participant(world.ids["payments"], "dev")
    again = s.participant(p.id)
    token = participant_token(again, world.join_code)
    assert token_matches(s.participant(p.id), world.join_code, token)  # stable across reads
    assert not token_matches(again, "OTHER1", token)  # another session's code
    other = s.add_participant(world.ids["payments"], "dev")
    assert not token_matches(s.participant(other.id), world.join_code, token)
    monkeypatch.setenv("OPSMATURITY_WEB_SECRET", "server secret")
    assert not token_matches(again, world.join_code, token)  # the server secret counts
    s.close()
