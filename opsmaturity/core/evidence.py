"""What every collector produces: measures, never judgements.

An EvidenceSet is one collector's run over one source and time window. It is
written as JSON so evidence can be collected before a workshop (or in CI) and
scored later; coverage travels with it so "not measured" is never read as bad.
It lives in `core` because every layer reads it; `opsmaturity.collectors.evidence`
re-exports it for third-party collectors.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from .messages import text as _msg
from .times import DEFAULT_DAYS, window_bounds

SCHEMA_VERSION = 1

MeasureValue = float | int | bool | str | None
MeasureName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")]


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end < self.start:
            raise ValueError(_msg("window.reversed"))
        return self


class Coverage(BaseModel):
    """How much of what the collector could measure it did measure (0-1), and what was missing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ratio: float = Field(ge=0, le=1)
    missing: list[str] = Field(default_factory=list)


class Measure(BaseModel):
    """One measured fact. `value` None means "not measured"; `applicable` False means
    "does not apply here" (e.g. release intervals for a repository without tags)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: MeasureName
    value: MeasureValue
    unit: str = ""
    applicable: bool = True
    details: dict[str, Any] = Field(default_factory=dict)

    @field_validator("value")
    @classmethod
    def _finite(cls, value: MeasureValue) -> MeasureValue:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(_msg("measure.not_finite", value=value))
        return value

    @field_validator("details")
    @classmethod
    def _finite_details(cls, details: dict[str, Any]) -> dict[str, Any]:
        if (where := non_finite(details)) is not None:
            raise ValueError(_msg("measure.details_not_finite", where=where))
        return details


def non_finite(data: Any) -> str | None:
    """The dotted place of the first NaN or infinity in JSON-like data, else None."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, place = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return place.lstrip(".") or "(value)"
        if isinstance(value, dict):
            stack.extend((v, f"{place}.{k}") for k, v in value.items())
        elif isinstance(value, (list, tuple)):
            stack.extend((v, f"{place}.{i}") for i, v in enumerate(value))
    return None


class EvidenceSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = SCHEMA_VERSION
    collector: str
    source: str
    window: Window | None = None
    collected_at: AwareDatetime
    coverage: Coverage
    partial: bool = False
    measures: list[Measure] = Field(default_factory=list)

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, version: int) -> int:
        if version != SCHEMA_VERSION:
            key = "measure.schema_version_newer" if version > SCHEMA_VERSION \
                else "measure.schema_version"
            raise ValueError(_msg(key, version=version, ours=SCHEMA_VERSION))
        return version

    @model_validator(mode="after")
    def _namespaced(self) -> EvidenceSet:
        seen: set[str] = set()
        for m in self.measures:
            if m.id in seen:
                raise ValueError(_msg("measure.twice", id=repr(m.id)))
            seen.add(m.id)
        return self

    def measure(self, measure_id: str) -> Measure | None:
        return next((m for m in self.measures if m.id == measure_id), None)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> EvidenceSet:
        return cls.model_validate_json(text)


class EvidenceFileError(Exception):
    """An evidence file that cannot be read, phrased for the user (file, record, problem)."""


def load_evidence(path: str | Path) -> list[EvidenceSet]:
    """Read an evidence file: one EvidenceSet object or a JSON list of them."""
    from .sources import SourceError, read_json  # here: a collector run never reads files

    path = Path(path)
    try:
        raw = read_json(path)
    except SourceError as exc:
        raise EvidenceFileError(str(exc)) from None
    return evidence_from_json(raw, str(path))


def evidence_from_json(raw: Any, name: str) -> list[EvidenceSet]:
    """Evidence sets from parsed JSON (one set or a list); a bad record is named by index."""
    from .sources import first_problem

    records = raw if isinstance(raw, list) else [raw]
    sets: list[EvidenceSet] = []
    for i, record in enumerate(records):
        try:
            sets.append(EvidenceSet.model_validate(record))
        except ValidationError as exc:
            label = (_msg("evidence.record", index=i) if isinstance(raw, list)
                     else _msg("evidence.evidence_set"))
            raise EvidenceFileError(f"{name}: {label}: {first_problem(exc)}") from None
    return sets


def window_between(since: datetime | None, until: datetime | None, *,
                   days: int = DEFAULT_DAYS, now: datetime | None = None) -> Window:
    """The collection window every collector uses (see `window_bounds`)."""
    start, end = window_bounds(since, until, days=days, now=now)
    return Window(start=start, end=end)
