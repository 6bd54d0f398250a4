"""Questionnaire answers: the file people fill in, and its checked, normalised form.

An answers file holds one participant (a team lead's self-assessment) or many
(a workshop). Values are checked against the catalogue on load, so a typo in
an option is reported at its line rather than silently scored as "don't know".
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.dataclasses import dataclass

from opsmaturity.core.sources import YamlSource, load_yaml

from .catalogue import DONT_KNOW, Catalogue, Question, Role, Scale

RawValue = str | int | float | bool | None
_DONT_KNOW_WORDS = {DONT_KNOW, "dont know", "don't know", "unknown", "?", "n/a", ""}


class AnswerWithComment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: RawValue = None
    comment: str | None = None


class ParticipantAnswers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, description="optional; leave out to stay anonymous")
    role: Role
    answers: dict[str, RawValue | AnswerWithComment] = Field(default_factory=dict)


class AnswersFile(BaseModel):
    """The YAML a team lead or facilitator writes (`opsmaturity questionnaire --format yaml`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_ref: str | None = Field(default=None, alias="$schema")
    organisation: str | None = None
    team: str | None = None
    date: dt.date | None = None
    catalogue_version: str | None = None
    participants: list[ParticipantAnswers] = Field(min_length=1)


# A slotted pydantic dataclass rather than a BaseModel: validated the same way, and a
# workshop of 10,000 participants (600,000 answers) is held at a third of the memory. (The
# docstring is the report schema's description.)
@dataclass(frozen=True, slots=True, config=ConfigDict(extra="forbid"))
class Answer:
    """One participant's checked answer to one question."""

    question_id: str
    participant: str
    role: Role
    value: str
    number: float | None = None
    score: float | None = Field(default=None, description="None for don't know")
    comment: str | None = None


class Respondent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    participant: str
    role: Role


class Responses(BaseModel):
    """What the scoring engine reads: participants are labelled P1..Pn, never by name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organisation: str | None = None
    team: str | None = None
    date: dt.date | None = None
    catalogue_version: str | None = None
    respondents: list[Respondent] = Field(default_factory=list)
    answers: list[Answer] = Field(default_factory=list)


def load_answers(path: str | Path, catalogue: Catalogue) -> Responses:
    """Read and check an answers file; problems raise SourceError with file:line."""
    src = load_yaml(path)
    if not isinstance(src.data, dict):
        raise src.error((), "an answers file must be a mapping with 'participants'")
    return check_answers(src, catalogue)


def check_answers(src: YamlSource, catalogue: Catalogue) -> Responses:
    try:
        parsed = AnswersFile.model_validate(src.data)
    except ValidationError as exc:
        raise src.validation_error(exc) from None
    respondents: list[Respondent] = []
    answers: list[Answer] = []
    # each question's scale looked up once, not once per participant
    scales = {q.id: (q, catalogue.scale_of(q)) for q in catalogue.questions}
    for i, person in enumerate(parsed.participants):
        label = f"P{i + 1}"
        respondents.append(Respondent(participant=label, role=person.role))
        for question_id, raw in person.answers.items():
            loc = ("participants", i, "answers", question_id)
            answers.append(_normalise(scales.get(question_id),
                                      lambda msg, loc=loc: src.error(loc, msg),
                                      question_id, label, person.role, raw))
    # by question, then participant: answers were made in participant order and the sort is
    # stable, so the question id alone is the key (no tuple per answer)
    answers.sort(key=_question_of)
    return Responses(
        organisation=parsed.organisation, team=parsed.team, date=parsed.date,
        catalogue_version=parsed.catalogue_version, respondents=respondents, answers=answers,
    )


class AnswerError(ValueError):
    """An answer that does not fit its question (unknown question, option or range)."""


def check_answer(catalogue: Catalogue, question_id: str, raw: RawValue,
                 comment: str | None = None, participant: str = "P1",
                 role: Role = "other") -> Answer:
    """Check one answer as it is given (the web app saves answers one at a time)."""
    found = None
    if catalogue.has_question(question_id):
        question = catalogue.question(question_id)
        found = (question, catalogue.scale_of(question))
    return _normalise(found, AnswerError, question_id, participant, role,
                      AnswerWithComment(value=raw, comment=comment))


def _normalise(
    found: tuple[Question, Scale] | None, fail: Callable[[str], Exception], question_id: str,
    participant: str, role: Role, raw: RawValue | AnswerWithComment,
) -> Answer:
    """The checked Answer; `found` is the question and its scale (None: not in the catalogue)."""
    comment = None
    if isinstance(raw, AnswerWithComment):
        comment, raw = raw.comment, raw.value
    if found is None:
        raise fail(f"unknown question id {question_id!r}")
    question, scale = found
    base = {"question_id": question.id, "participant": participant, "role": role,
            "comment": comment}
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in _DONT_KNOW_WORDS):
        return _answer(value=DONT_KNOW, **base)
    if isinstance(raw, bool):
        raw = "yes" if raw else "no"
    if isinstance(raw, int | float):
        if scale.kind != "numeric":
            raise fail(f"{question_id}: expected one of {_choices(scale)}, got {raw}")
        if not math.isfinite(raw):
            raise fail(f"{question_id}: {raw} is not a number an answer can be")
        option = scale.option_for_number(float(raw))
        if option is None:
            raise fail(f"{question_id}: {raw} is outside the scale's ranges")
        return _answer(value=option.value, number=float(raw), score=option.score, **base)
    option = scale.option(str(raw).strip())
    if option is None:
        hint = " or a number" if scale.kind == "numeric" else ""
        raise fail(f"{question_id}: {raw!r} is not an option; use one of "
                             f"{_choices(scale)}{hint} (or dont_know)")
    return _answer(value=option.value, score=option.score, **base)


def _question_of(answer: Answer) -> str:
    return answer.question_id


def _answer(*, question_id: str, participant: str, role: Role, value: str,
            number: float | None = None, score: float | None = None,
            comment: str | None = None) -> Answer:
    """An Answer from values `_normalise` has checked against the catalogue, built without
    validating again (600,000 validations would be most of a big workshop's time);
    tests/scoring compare it with a validated Answer."""
    answer = object.__new__(Answer)
    put = object.__setattr__  # the dataclass is frozen
    put(answer, "question_id", question_id)
    put(answer, "participant", participant)
    put(answer, "role", role)
    put(answer, "value", value)
    put(answer, "number", number)
    put(answer, "score", score)
    put(answer, "comment", comment)
    return answer


def _choices(scale: Any) -> str:
    return ", ".join(o.value for o in scale.options)


def answers_json_schema() -> dict[str, Any]:
    schema = AnswersFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "opsmaturity answers file"
    return schema


def answers_schema_text() -> str:
    return json.dumps(answers_json_schema(), indent=2, sort_keys=True) + "\n"


__all__ = ["Answer", "AnswerError", "AnswersFile", "Respondent", "Responses", "check_answer",
           "check_answers", "load_answers"]
