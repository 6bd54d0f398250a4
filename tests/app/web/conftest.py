"""A real store for the web app's tests, and helpers to drive the app through AppTest.

The store is a SQLite file with two organisations: a team with a finalised and a draft
workshop assessment (eight participants, evidence that contradicts their answers), a
finalised strong team, a draft weak team, a team assessed with nothing known yet, and a
team never assessed. AppTest runs the real pages in this process against that file.
Two accounts: ADMIN sees everything, FACILITATOR only Acme Logistics; pages run as the
admin unless a test says otherwise (`app(..., user=None)` is a visitor without a login).
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from opsmaturity.app.store import ENV_URL, Store
from opsmaturity.app.web import ENTRYPOINT, access
from opsmaturity.core.evidence import Coverage, EvidenceSet, Measure, Window
from opsmaturity.core.sources import load_yaml
from opsmaturity.scoring.answers import AnswersFile
from opsmaturity.scoring.catalogue import Catalogue, default_catalogue_dir, load_catalogue

EXAMPLES = default_catalogue_dir() / "examples"
TIMEOUT = 120  # seconds per AppTest run: generous for a loaded 2-core CI machine
GAP_SIGN = "customers_detect_issues"
"""The sign whose evidence says the opposite of the workshop's answers."""
ADMIN, FACILITATOR = "ada", "fran"
PASSWORD = "a long test password"
INCIDENTS = [{"id": f"INC-{i}", "detected_by": "monitoring" if i % 10 else "customer",
              "opened": f"2026-05-{i:02d}"} for i in range(1, 21)]


def answers_file(name: str) -> AnswersFile:
    return AnswersFile.model_validate(load_yaml(EXAMPLES / name).data)


def gap_evidence() -> list[EvidenceSet]:
    """Monitoring and incident evidence in which every probe of GAP_SIGN is healthy."""
    window = Window(start=datetime(2026, 1, 1, tzinfo=UTC), end=datetime(2026, 6, 1, tzinfo=UTC))
    when = datetime(2026, 6, 1, tzinfo=UTC)
    incidents = EvidenceSet(
        collector="incidents", source="pagerduty-export.csv", window=window, collected_at=when,
        coverage=Coverage(ratio=0.9, missing=["postmortems"]),
        measures=[
            Measure(id="incidents.detected_by_monitoring_share", value=0.9,
                    details={"incidents": INCIDENTS}),
            Measure(id="incidents.detected_by_customer_share", value=0.1),
        ])
    monitoring = EvidenceSet(
        collector="monitoring", source="rules/", collected_at=when, coverage=Coverage(ratio=1.0),
        measures=[
            Measure(id="monitoring.heartbeat_alert_present", value=True),
            Measure(id="monitoring.symptom_alert_share", value=0.8, details={"symptom": 8,
                                                                             "cause": 2}),
            Measure(id="monitoring.alert_rules_total", value=12, unit="rules"),
        ])
    return [incidents, monitoring]


@dataclass
class World:
    """What the store holds, by name, for the tests to look up."""

    url: str
    path: Path
    catalogue: Catalogue
    ids: dict[str, int]
    join_code: str

    def store(self) -> Store:
        return Store.open(self.url)


def build_world(directory: Path, catalogue: Catalogue) -> World:
    path = directory / "web.db"
    url = f"sqlite:///{path}"
    s = Store.open(url)
    ids: dict[str, int] = {}
    acme, globex = "Acme Logistics", "Globex"
    s.create_organisation(acme)
    s.create_organisation(globex)
    payments = s.create_team(acme, "Payments")
    billing = s.create_team(acme, "Billing")
    search = s.create_team(globex, "Search")
    blank = s.create_team(globex, "Nothing known")
    s.create_team(globex, "Never assessed")
    ids[ADMIN] = s.add_user(ADMIN, "admin", PASSWORD).id
    ids[FACILITATOR] = s.add_user(FACILITATOR, "facilitator", PASSWORD, [acme]).id

    earlier = s.create_assessment(payments.id, catalogue.version, on=date(2026, 1, 15),
                                  title="Winter")
    s.import_answers(earlier.id, answers_file("weak-team.yaml"))
    s.finalise(earlier.id, catalogue)
    ids["payments_final"] = earlier.id
    current = s.create_assessment(payments.id, catalogue.version, on=date(2026, 6, 15),
                                  title="Workshop")
    s.import_answers(current.id, answers_file("workshop.yaml"))
    for e in gap_evidence():
        s.add_evidence(current.id, e)
    ids["payments"] = current.id
    join_code = s.open_workshop(current.id).join_code

    strong = s.create_assessment(billing.id, catalogue.version, on=date(2026, 3, 1))
    s.import_answers(strong.id, answers_file("strong-team.yaml"))
    s.finalise(strong.id, catalogue)
    ids["billing"] = strong.id
    weak = s.create_assessment(search.id, catalogue.version, on=date(2026, 4, 1))
    s.import_answers(weak.id, answers_file("weak-team.yaml"))
    ids["search"] = weak.id
    ids["blank"] = s.create_assessment(blank.id, catalogue.version, on=date(2026, 5, 1)).id
    for name, team in (("payments_team", payments), ("billing_team", billing),
                       ("search_team", search), ("blank_team", blank)):
        ids[name] = team.id
    s.close()
    return World(url=url, path=path, catalogue=catalogue, ids=ids, join_code=join_code)


@pytest.fixture(autouse=True)
def fresh_throttle() -> None:
    """Every test starts with no wrong attempts counted: the count is per server process and
    client address, and all AppTest sessions are one process at one address."""
    access.throttle.clear()


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    """A fresh store per test module, named to the app by the environment, as in production."""
    mp = pytest.MonkeyPatch()
    w = build_world(tmp_path_factory.mktemp("web"), load_catalogue())
    mp.setenv(ENV_URL, w.url)
    yield w
    mp.undo()


def login(at: AppTest, user: str | None) -> AppTest:
    """The session logged in as that account (None: a visitor without a login)."""
    if user is not None:
        s = Store.open()
        try:
            if user == ADMIN and not s.has_users():  # a store a test module built itself
                s.add_user(ADMIN, "admin", PASSWORD)
            user_id = s.user(user).id
        finally:
            s.close()
        now = time.time()
        at.session_state[access.USER_KEY] = access.Login(user_id, now, now, "password")
    return at


def app(page: str | None = None, *, user: str | None = ADMIN, **query: str) -> AppTest:
    """The real app through its router, on one page (views/<page>.py), after one run,
    logged in as `user`."""
    at = login(AppTest.from_file(str(ENTRYPOINT), default_timeout=TIMEOUT), user)
    at.query_params.update(query)
    at.run()
    if page is not None:
        at.switch_page(f"views/{page}.py")
        at.query_params.update(query)
        at.run()
    return at


def ok(at: AppTest) -> AppTest:
    """No traceback and no error message on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def unescaped(element: Any) -> str:
    """A message's Markdown source as the reader sees it (backslash escapes removed)."""
    return re.sub(r"\\(.)", r"\1", element.value)


def charts(at: AppTest) -> dict[str, dict[str, Any]]:
    """The page's plotly figures by widget key, as the browser receives them."""
    return {c.key: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def plain(label: str) -> str:
    """A plotly label as the reader sees it: wrapped lines joined, entities decoded."""
    return html.unescape(label.replace("<br>", " "))


def grid_cells(fig: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
    """A heatmap from charts.risk_grid read back: (row, column) -> (trace name = level, text)."""
    rows = [plain(x) for x in fig["layout"]["yaxis"]["ticktext"]]
    cols = [plain(x) for x in fig["layout"]["xaxis"]["ticktext"]]
    out = {}
    for trace in fig["data"]:
        for y, base, text in zip(trace.get("y") or [], trace.get("base") or [],
                                 trace.get("text") or [], strict=False):
            if y is None:
                continue
            out[(rows[int(y)], cols[round(base - 0.03)])] = (trace["name"], text)
    return out
