"""Suspected signs and the one risk order, in the web app, on a store of their own.

A library known only from its repository (signs suspected, nothing present) and a team whose
one critical sign hides among low ones: the portfolio puts that team first, and the team
page asks the library's questions instead of calling them risks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest

from opsmaturity.app.store import ENV_URL, Store
from opsmaturity.app.web.texts import web_texts
from opsmaturity.app.web.views.portfolio import sort_rows
from opsmaturity.app.web.widgets import TEAM_TAB_KEY as TAB_KEY
from opsmaturity.reports.model import team_report
from opsmaturity.reports.texts import texts as report_texts
from opsmaturity.reports.view import note_texts
from opsmaturity.scoring.answers import AnswersFile
from opsmaturity.scoring.assessment import Assessment
from opsmaturity.scoring.catalogue import Catalogue, load_catalogue, localise
from opsmaturity.scoring.engine import score
from tests.conftest import (
    code_only_evidence,
    one_sign_at_its_worst,
    strong_team_with_one_sign_at_its_worst,
)

from .conftest import app, charts, grid_cells, ok, plain

T = web_texts()
R = report_texts()
LONE_SIGN = "manual_deployments"


@dataclass
class Settled:
    catalogue: Catalogue
    ids: dict[str, int]
    library: Assessment


@pytest.fixture(scope="module")
def settled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settled]:
    cat = load_catalogue()
    url = f"sqlite:///{tmp_path_factory.mktemp('settle') / 'store.db'}"
    s = Store.open(url)
    s.create_organisation("Example OSS")
    library = s.create_team("Example OSS", "Library")
    lone = s.create_team("Example OSS", "Hand-deployed")
    ids = {"library_team": library.id, "lone_team": lone.id}
    ids["library"] = s.create_assessment(library.id, cat.version, on=date(2026, 11, 20)).id
    for e in code_only_evidence():
        s.add_evidence(ids["library"], e)
    ids["lone"] = s.create_assessment(lone.id, cat.version, on=date(2026, 11, 20)).id
    s.import_answers(ids["lone"], AnswersFile.model_validate(
        strong_team_with_one_sign_at_its_worst(cat, LONE_SIGN)))
    s.close()
    mp = pytest.MonkeyPatch()
    mp.setenv(ENV_URL, url)
    yield Settled(catalogue=cat, ids=ids, library=score(cat, code_only_evidence()))
    mp.undo()


def test_team_page_asks_the_questions_to_settle(settled: Settled):
    cat, a = settled.catalogue, settled.library
    assert a.suspected() and a.overall.signs_present == 0
    at = ok(app("team", team=str(settled.ids["library_team"]), a=str(settled.ids["library"])))
    assert T("team.settle") in [h.value for h in at.subheader]
    shown = " ".join(m.value for m in at.markdown).replace("\\", "")
    for f in a.suspected():
        assert localise(cat.sign(f.sign_id).settle) in shown
    captions = [c.value for c in at.caption]
    for line in note_texts(a, cat, R):  # the impact assumption among them, never an id
        assert line in captions
    at.session_state[TAB_KEY] = T("team.signs")  # only the open tab is drawn
    statuses = set(ok(at.run()).dataframe[0].value[R("label.status")])
    assert R("status.suspected") in statuses


def test_portfolio_puts_the_team_with_the_worst_cells_first(settled: Settled):
    at = ok(app())
    fig = charts(at)["portfolio-areas"]
    rows = [plain(x) for x in fig["layout"]["yaxis"]["ticktext"]]
    # The lone critical sign outranks the library's higher mean of suspected signs.
    assert rows == ["Hand-deployed", "Library"]
    levels = {row: {lv for (r, _), (lv, _) in grid_cells(fig).items() if r == row}
              for row in rows}
    assert R("level.critical") in levels["Hand-deployed"]
    assert R("level.critical") not in levels["Library"]


def test_sort_by_risk_is_by_severity_not_by_mean():
    cat = load_catalogue()
    lone = team_report(one_sign_at_its_worst(cat, LONE_SIGN), team="Hand-deployed",
                       date=date(2026, 11, 1))
    library = team_report(score(cat, code_only_evidence()), team="Library",
                          date=date(2026, 11, 1))
    assert lone.assessment.overall.risk_index < library.assessment.overall.risk_index
    rows = [(_Record("Library"), library), (_Record("Hand-deployed"), lone)]
    assert [r.team for _, r in sort_rows(rows, "risk")] == ["Hand-deployed", "Library"]


@dataclass
class _Record:
    team: str
    organisation: str = "Example OSS"
