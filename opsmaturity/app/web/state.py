"""What every page reads: the store, the catalogue, and scores cached by fingerprint.

The store and the catalogue are opened once per process and shared by all sessions
(`st.cache_resource`). Scores are cached under (assessment id, fingerprint): the
fingerprint changes with every answer, participant, evidence set or finalisation, so a
cached score is never stale, and a rerun (a filter change, the facilitator's view
refreshing every few seconds) scores nothing again unless something was answered.

Scores live in one shared, bounded map rather than in `st.cache_data`: they are frozen
pydantic models, never changed in place; `st.cache_data` would copy every one on every
rerun (about 1 ms each, 0.4 s for a portfolio of 300 teams); and one map lets a page load
everything missing in bulk (all snapshots in one query, all drafts' inputs in four).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from datetime import UTC
from typing import Any

import streamlit as st

from opsmaturity.app import store_reports
from opsmaturity.app.store import Scope, Store, database_url
from opsmaturity.app.store.records import AssessmentRecord, ParticipantRecord
from opsmaturity.reports.model import HistoryPoint, TeamReport
from opsmaturity.reports.texts import Texts
from opsmaturity.scoring.assessment import Assessment
from opsmaturity.scoring.catalogue import Catalogue, Question, load_catalogue
from opsmaturity.scoring.engine import score

from .overview import overview
from .texts import report_texts, web_texts

ENV_SECRET = "OPSMATURITY_WEB_SECRET"
"""Optional server secret mixed into participants' links (see `participant_token`)."""
CACHE_SIZE = 5000
Progress = Callable[[int, int], None]


def store_url() -> str:
    """The store the app works on: $OPSMATURITY_DATABASE_URL (set by `opsmaturity web`)."""
    return database_url(None)


@st.cache_resource(show_spinner=False)
def _open_store(url: str) -> Store:
    return Store.open(url)


SCOPE_KEY = "access-scope"


def raw_store() -> Store:
    """The shared store, unlimited (opened and migrated once per process and URL): for
    logging in and for looking up a join code, nothing else."""
    return _open_store(store_url())


def set_scope(scope: Scope) -> None:
    """What this session's store may see (set by access.py on every run)."""
    st.session_state[SCOPE_KEY] = scope


def scope() -> Scope:
    found = st.session_state.get(SCOPE_KEY)
    return found if isinstance(found, Scope) else Scope.nothing()


def store() -> Store:
    """The shared store as this session's user may see it: a facilitator's organisations,
    everything for an admin, nothing before a login."""
    return raw_store().scoped(scope())


def workshop_store(assessment_id: int) -> Store:
    """The store as a participant sees it: the one assessment their join code opens."""
    return raw_store().scoped(Scope.of_assessment(assessment_id))


@st.cache_resource(show_spinner=False)
def catalogue() -> Catalogue:
    """The built-in catalogue, loaded and validated once per process."""
    return load_catalogue()


LANG_KEY = "lang"
"""Session state key of the session's language (set by the router's language picker)."""


def lang() -> str:
    return str(st.session_state.get(LANG_KEY, "en"))


def T() -> Texts:
    """The web app's texts in the session's language (short: pages use it on every line)."""
    return web_texts(lang())


def R() -> Texts:
    """The report texts (risk levels, labels), so pages and the PDF use the same words."""
    return report_texts(lang())


class ScoreCache:
    """Scored assessments by (id, fingerprint), bounded, safe to share between sessions.

    Two kinds are kept: whole assessments (`get`, `get_many`) and, for overviews, summaries
    of finalised ones without the answers and probes behind each finding (`summaries`,
    see overview.py). A whole assessment serves as its own overview.
    """

    def __init__(self, store: Store, catalogue: Catalogue, size: int = CACHE_SIZE) -> None:
        self.store = store
        self.catalogue = catalogue
        self.size = size
        self._counter = [0]
        self._full: OrderedDict[tuple[int, str], Assessment] = OrderedDict()
        self._light: OrderedDict[tuple[int, str], Assessment] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def computed(self) -> int:
        """How many assessments were scored or read from the store (not found cached)."""
        return self._counter[0]

    def view(self, store: Store) -> ScoreCache:
        """The same cache read through another (scoped) store: ids outside its scope are
        left out (`get` says "not found"), cached scores are shared."""
        other = copy.copy(self)
        other.store = store
        return other

    def get_many(self, ids: Iterable[int], progress: Progress | None = None
                 ) -> dict[int, Assessment]:
        """Whole scores: final ones from their snapshot, drafts scored from their inputs.

        What is not cached is read in bulk (all snapshots in one query, all drafts' answers
        and evidence in four); `progress(done, total)` hears about drafts being scored.
        """
        keys = self._keys(ids)
        found = self._cached(keys, self._full)
        missing = [i for i in keys if i not in found]
        if missing:
            fresh = self.store.snapshots(missing)
            fresh.update(self._score_drafts([i for i in missing if i not in fresh], progress))
            found.update(self._keep(keys, fresh, self._full))
        return {i: found[i] for i in keys}

    def summaries(self, ids: Iterable[int], progress: Progress | None = None
                  ) -> dict[int, Assessment]:
        """Scores for overviews: finalised ones without their findings' answers and probes."""
        keys = self._keys(ids)
        found = self._cached(keys, self._full)
        found.update(self._cached({i: k for i, k in keys.items() if i not in found},
                                  self._light))
        missing = [i for i in keys if i not in found]
        if missing:
            texts = self.store.snapshot_texts(missing)
            light = {i: overview(text) for i, text in texts.items()}
            found.update(self._keep(keys, light, self._light))
            drafts = self._score_drafts([i for i in missing if i not in texts], progress)
            found.update(self._keep(keys, drafts, self._full))
        return {i: found[i] for i in keys}

    def get(self, assessment_id: int) -> Assessment:
        """The score of one assessment (a StoreError when there is no such assessment)."""
        got = self.get_many([assessment_id])
        if assessment_id not in got:
            self.store.assessment(assessment_id)  # raises the store's "no assessment" error
        return got[assessment_id]

    def _keys(self, ids: Iterable[int]) -> dict[int, tuple[int, str]]:
        ids = list(dict.fromkeys(ids))
        fingerprints = self.store.fingerprints(ids)
        return {i: (i, fingerprints[i]) for i in ids if i in fingerprints}

    def _cached(self, keys: dict[int, tuple[int, str]],
                items: OrderedDict[tuple[int, str], Assessment]) -> dict[int, Assessment]:
        with self._lock:
            found = {i: items[k] for i, k in keys.items() if k in items}
            for i in found:
                items.move_to_end(keys[i])
        return found

    def _keep(self, keys: dict[int, tuple[int, str]], fresh: dict[int, Assessment],
              items: OrderedDict[tuple[int, str], Assessment]) -> dict[int, Assessment]:
        with self._lock:
            self._counter[0] += len(fresh)
            for i, a in fresh.items():
                items[keys[i]] = a
            while len(items) > self.size:
                items.popitem(last=False)
        return fresh

    def _score_drafts(self, ids: list[int], progress: Progress | None
                      ) -> dict[int, Assessment]:
        inputs = self.store.scoring_inputs(ids, self.catalogue)
        out = {}
        for n, i in enumerate(ids, 1):
            evidence, responses = inputs[i]
            out[i] = score(self.catalogue, evidence, responses)
            if progress is not None:
                progress(n, len(ids))
        return out


@st.cache_resource(show_spinner=False)
def _scores(url: str) -> ScoreCache:
    return ScoreCache(_open_store(url), catalogue())


def scores() -> ScoreCache:
    """The process-wide score cache, read through this session's scoped store."""
    return _scores(store_url()).view(store())


FIGURES = 256
"""Charts kept ready to draw (see `figure`)."""


class FigureCache:
    """Charts built once per what they show, shared by all sessions. Building a plotly
    figure (its validation) is most of a page's own time on a rerun; keyed by the
    fingerprints of the assessments drawn and the language, a cached chart is never stale.
    Figures are never changed once cached (they are prepared before they go in). The
    workshop's live statistics per question are kept here the same way."""

    def __init__(self, size: int = FIGURES) -> None:
        self._figures: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._figures:
                self._figures.move_to_end(key)
                return self._figures[key]
        figure = build()
        with self._lock:
            self._figures[key] = figure
            while len(self._figures) > self.size:
                self._figures.popitem(last=False)
        return figure


@st.cache_resource(show_spinner=False)
def figures() -> FigureCache:
    return FigureCache()


def fingerprints(ids: Iterable[int]) -> dict[int, str]:
    """What each assessment's score depends on, hashed (see Store.fingerprints)."""
    return store().fingerprints(ids)


def team_report(record: AssessmentRecord, assessment: Assessment,
                history: Iterable[HistoryPoint] = ()) -> TeamReport:
    """An assessment wrapped the way the charts and the PDF read it."""
    return TeamReport(organisation=record.organisation, team=record.team, date=record.date,
                      catalogue_version=assessment.catalogue_version, state=record.state,
                      assessment=assessment, history=list(history))


def store_plan(record: AssessmentRecord) -> list:
    """The plan the next report shows: the assessment's own, else the team's earlier one."""
    report_plan = store_reports.plan_entries(store(), record, {
        r.recommendation_id for r in scores().get(record.id).recommendations})
    return report_plan


def history_points(team_id: int, before: AssessmentRecord | None = None) -> list[HistoryPoint]:
    """The team's finalised assessments as trend points (those before `before`, if given)."""
    return store_reports.history_points(store(), team_id, before)


def ordered_questions(cat: Catalogue) -> list[Question]:
    """Context questions first (they frame the rest), then practice questions by area.

    The same order as the printable questionnaire, so a room working from paper and one
    working on laptops are on the same question.
    """
    out = list(cat.framing_questions())
    for area in cat.areas:
        out += [q for q in cat.questions if q.kind == "practice" and q.area == area.id]
    return out


def participant_token(participant: ParticipantRecord, join_code: str) -> str:
    """The secret in a participant's link, so nobody else can answer in their name.

    An HMAC of the participant's id and the exact time they joined (never shown to anyone),
    keyed with the workshop's join code and the optional server secret: it survives a
    restart of the app, needs no column in the store, and dies with the session's code.
    """
    joined = participant.created_at.astimezone(UTC).isoformat()
    key = (os.environ.get(ENV_SECRET, "") + join_code).encode()
    message = f"{participant.assessment_id}:{participant.id}:{joined}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:24]


def token_matches(participant: ParticipantRecord, join_code: str, token: str) -> bool:
    return hmac.compare_digest(participant_token(participant, join_code), token)
