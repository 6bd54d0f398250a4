"""The facilitator's live view, worked out once per change: per question, who said what.

Counts, spread, disagreement and role medians are the scoring engine's (`QuestionStats`),
so the room sees exactly what the assessment will say; this module only adds what the
engine does not keep: answers counted per role and option (for the stacked chart),
context questions (which scale impact rather than inform a sign), and the role gap.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from opsmaturity.app.store.records import AnswerRecord, ParticipantRecord
from opsmaturity.scoring.answers import AnswerError, check_answer
from opsmaturity.scoring.assessment import Assessment, QuestionStats
from opsmaturity.scoring.catalogue import DONT_KNOW, Catalogue, Question

from .state import ordered_questions


@dataclass(frozen=True)
class QuestionRow:
    """One question of the workshop as the facilitator's table shows it."""

    number: int
    question: Question
    answered: int
    dont_know: int
    score: float | None
    spread: float | None
    disagreement: bool
    role_medians: dict[str, float]
    role_gap: float | None
    distribution: dict[str, int]
    by_role: dict[str, dict[str, int]] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    gap_threshold: float = 1.0

    @property
    def role_gap_flag(self) -> bool:
        """The roles' medians differ as much as a perception gap (scoring's threshold)."""
        return self.role_gap is not None and self.role_gap >= self.gap_threshold


def option_value(catalogue: Catalogue, question_id: str, raw: object) -> str:
    """A stored answer as its option value (numbers fall into their range)."""
    try:
        return check_answer(catalogue, question_id, raw).value  # type: ignore[arg-type]
    except AnswerError:
        return DONT_KNOW


def question_rows(catalogue: Catalogue, assessment: Assessment,
                  answers: Iterable[AnswerRecord]) -> list[QuestionRow]:
    """Every question in questionnaire order, with the engine's statistics where it has them."""
    stats: dict[str, QuestionStats] = {}
    for finding in assessment.findings:
        for s in finding.answers:
            stats.setdefault(s.question_id, s)
    by_role: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    comments: dict[str, list[str]] = defaultdict(list)
    options: dict[tuple[str, str], str] = {}  # a room gives few distinct values per question
    for a in answers:
        seen = (a.question_id, repr(a.value))
        if seen not in options:
            options[seen] = option_value(catalogue, a.question_id, a.value)
        by_role[a.question_id][a.role][options[seen]] += 1
        if a.comment:
            comments[a.question_id].append(f"{a.participant} ({a.role}): {a.comment}")
    gap = catalogue.scoring.perception_gap
    rows = []
    for number, q in enumerate(ordered_questions(catalogue), 1):
        roles = {r: dict(c) for r, c in sorted(by_role.get(q.id, {}).items())}
        total: Counter[str] = Counter()
        for c in roles.values():
            total.update(c)
        s = stats.get(q.id)
        medians = dict(s.role_medians) if s else {}
        rows.append(QuestionRow(
            number=number, question=q, answered=sum(total.values()),
            dont_know=total.get(DONT_KNOW, 0), score=s.score if s else None,
            spread=s.spread if s else None, disagreement=bool(s and s.disagreement),
            role_medians=medians,
            role_gap=(max(medians.values()) - min(medians.values())) if len(medians) > 1
            else None,
            distribution=dict(total), by_role=roles, comments=comments.get(q.id, []),
            gap_threshold=gap,
        ))
    return rows


STUCK_MINUTES = 3
"""A participant with questions left and no answer for this long may be stuck."""


@dataclass(frozen=True)
class Progress:
    """How far one participant is: counts and positions, never what they answered."""

    label: str
    name: str | None
    role: str
    answered: int
    next_question: int | None
    """The number of the first question they have not answered (None: all answered)."""
    idle_minutes: int | None
    """Minutes since their last answer (None: no answer yet)."""
    status: Literal["done", "answering", "stuck", "not_started"]


def participant_progress(questions: Sequence[Question], people: Iterable[ParticipantRecord],
                         answers: Iterable[AnswerRecord], now: datetime) -> list[Progress]:
    """Per participant: how many answered, where they are, and whether they seem stuck."""
    given: dict[int, set[str]] = defaultdict(set)
    last: dict[int, datetime] = {}
    for a in answers:
        given[a.participant_id].add(a.question_id)
        last[a.participant_id] = max(last.get(a.participant_id, a.answered_at), a.answered_at)
    out = []
    for p in people:
        mine = given.get(p.id, set())
        first_open = next((n for n, q in enumerate(questions, 1) if q.id not in mine), None)
        since = last.get(p.id) or p.created_at
        idle = int((now - since).total_seconds() // 60)
        if first_open is None:
            status = "done"
        elif idle >= STUCK_MINUTES:
            status = "stuck"
        else:
            status = "answering" if mine else "not_started"
        out.append(Progress(label=p.label, name=p.name, role=p.role, answered=len(mine),
                            next_question=first_open,
                            idle_minutes=idle if p.id in last else None, status=status))
    return out
