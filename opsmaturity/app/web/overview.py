"""A finalised assessment read for overviews only: without the answers and probes behind it.

The portfolio shows levels, not evidence: for each team the overall result, the areas and
each warning sign's status, likelihood, risk and confidence. Those are a small part of a
stored Assessment (the per-question statistics and probe results are most of its JSON), and
reading only them is several times faster; with hundreds of teams that is most of the
portfolio's first render. The result is an `Assessment` whose findings have empty `answers`
and `probes` lists, so the shared charts draw it unchanged; pages that drill down read the
whole assessment instead.

The light models are derived from `Assessment` and `Finding` (every field but the heavy
ones), so a field added to the assessment reaches the portfolio without a copy here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, create_model

from opsmaturity.scoring.assessment import Assessment, Finding

_HEAVY = frozenset({"answers", "probes"})
"""The finding fields an overview never shows (most of a stored assessment's JSON)."""


def _light(model: type[BaseModel], drop: frozenset[str] = frozenset(),
           **replace: Any) -> type[BaseModel]:
    """`model`'s fields without `drop` (and with `replace`), ignoring any other key."""
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in model.model_fields.items()
        if name not in drop and name not in replace
    }
    return create_model(  # type: ignore[call-overload, no-any-return]
        f"_Light{model.__name__}", __config__=ConfigDict(extra="ignore", frozen=True),
        **fields, **replace,
    )


_LightFinding = _light(Finding, _HEAVY)
_LightAssessment = _light(Assessment, findings=(list[_LightFinding], ...))  # type: ignore[valid-type]


def overview(assessment_json: str) -> Assessment:
    """The assessment in this JSON, without its findings' answers and probes."""
    light = _LightAssessment.model_validate_json(assessment_json)
    fields = dict(light)
    fields["findings"] = [Finding.model_construct(**dict(f), **{k: [] for k in _HEAVY})
                          for f in light.findings]  # type: ignore[attr-defined]
    return Assessment.model_construct(**fields)
