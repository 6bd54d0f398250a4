"""Workshop answers that disagree the way real workshops do.

Each team has a "true" score per question near its maturity. Participants see it
through their role: management rosier (the team's `optimism`), operations a little
darker than development, everybody with some noise, and some "don't know".
"""

from __future__ import annotations

import random
from typing import Any

from opsmaturity.scoring.catalogue import Catalogue

from .profiles import TeamProfile

ROLE_BIAS = {"dev": 0.0, "ops": -0.06, "management": 1.0, "other": 0.02}
DONT_KNOW = {"dev": 0.03, "ops": 0.04, "management": 0.18, "other": 0.10}
WORKSHOP_ROLES = ["dev"] * 5 + ["ops"] * 4 + ["management"] * 2 + ["other"]
FIRST_NAMES = ["Alex", "Chris", "Dana", "Eli", "Fay", "Gil", "Hana", "Ivo", "Jo", "Kim",
               "Lou", "Max", "Nik", "Pat", "Rui", "Sam"]


def deviations(catalogue: Catalogue, rng: random.Random) -> dict[str, float]:
    """Where a team is stronger or weaker than its overall maturity; stable over time."""
    return {q.id: rng.gauss(0, 0.16) for q in catalogue.questions if q.kind == "practice"}


def truths(deviation: dict[str, float], maturity: float) -> dict[str, float]:
    """The team's real standing per practice question (0 bad - 1 good) at a maturity."""
    return {q: _clamp(maturity + d) for q, d in deviation.items()}


def contested(catalogue: Catalogue, rng: random.Random, share: float = 0.15) -> set[str]:
    """Questions the room splits on: each participant sees them clearly better or worse."""
    return {q.id for q in catalogue.questions if q.kind == "practice" and rng.random() < share}


def participant(catalogue: Catalogue, team: TeamProfile, truth: dict[str, float], role: str,
                name: str | None, rng: random.Random, context: dict[str, str],
                split: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    bias = team.optimism if role == "management" else ROLE_BIAS[role]
    answers: dict[str, Any] = {}
    for q in catalogue.questions:
        if q.kind == "context":
            answers[q.id] = context[q.id]
            continue
        if q.kind == "benchmark":  # the demo company names no industry or size
            continue
        if rng.random() < DONT_KNOW[role]:
            answers[q.id] = "dont_know"
            continue
        camp = rng.choice((-0.35, 0.35)) if q.id in split else 0.0
        target = _clamp(truth[q.id] + bias + camp + rng.gauss(0, 0.12))
        options = catalogue.scale_of(q).options
        answers[q.id] = min(options, key=lambda o: abs(o.score - target)).value
    person: dict[str, Any] = {"role": role, "answers": answers}
    if name:
        person["name"] = name
    return person


def context_answers(catalogue: Catalogue, team: TeamProfile,
                    company: dict[str, str]) -> dict[str, str]:
    """One set of context answers per team (the whole room agrees on these facts).

    Fixed in organisation.yaml, not drawn at random: how much the business depends on a
    team's systems scales every risk, and a random draw made the least mature team look
    safer than the next one.
    """
    chosen = {**company, **team.context}
    out = {}
    for q in catalogue.context_questions():
        value = chosen.get(q.id)
        if catalogue.scale_of(q).option(value or "") is None:
            raise ValueError(f"demo: context question {q.id!r} needs an option, got {value!r}")
        out[q.id] = value
    return out


def workshop(catalogue: Catalogue, team: TeamProfile, truth: dict[str, float],
             rng: random.Random, context: dict[str, str]) -> list[dict[str, Any]]:
    people = []
    split = contested(catalogue, rng)
    for i, role in enumerate(WORKSHOP_ROLES):
        name = None if i % 4 == 3 else f"{FIRST_NAMES[i]} ({role})"  # some stay anonymous
        people.append(participant(catalogue, team, truth, role, name, rng, context, split))
    return people


def _clamp(x: float) -> float:
    return min(1.0, max(0.0, x))
