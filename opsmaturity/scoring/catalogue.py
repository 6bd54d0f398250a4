"""The maturity model as validated data.

The catalogue (areas, warning signs, questions, scales, probes, recommendations)
lives in YAML under `opsmaturity/questionnaires/`. Everything a user reads is
there; this module only defines its shape and checks it on load, so that a
typo in a hand-edited file is reported as `file:line: what is wrong` instead of
surfacing later as a wrong score.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    model_validator,
)

from opsmaturity.core.language import localise as localise  # re-exported (old home)
from opsmaturity.core.sources import Loc, SourceError, YamlSource, load_yaml

DONT_KNOW = "dont_know"
ROLES = ("dev", "ops", "management", "other")
Role = Literal["dev", "ops", "management", "other"]
RiskLevel = Literal["unknown", "low", "medium", "high", "critical"]
RISK_ORDER: dict[str, int] = {"unknown": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
Effort = Literal["S", "M", "L"]


def _needs_en(value: dict[str, str]) -> dict[str, str]:
    if not str(value.get("en", "")).strip():
        raise ValueError("every text needs an English ('en') version")
    return value


def _yaml_bool_to_word(value: Any) -> Any:
    # YAML 1.1 reads unquoted yes/no/on/off as booleans; option values are words.
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


Text = Annotated[dict[str, str], AfterValidator(_needs_en)]
"""A text users read: language code -> text, English required."""

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
LangCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]


def _languages_with_en(value: list[str]) -> list[str]:
    if "en" not in value:
        raise ValueError("the catalogue's languages must include 'en'")
    if len(set(value)) != len(value):
        raise ValueError("a language is listed twice")
    return value


Languages = Annotated[list[LangCode], AfterValidator(_languages_with_en)]
"""The languages every text of the catalogue is written in (`catalogue check` lists gaps)."""
OptionValue = Annotated[
    str, BeforeValidator(_yaml_bool_to_word), StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]*$")
]
MeasureId = Annotated[
    str, StringConstraints(pattern=r"^(\*|[a-z][a-z0-9_]*)(\.[a-z][a-z0-9_]*)+$")
]
"""`collector.measure`; `*.measure` matches that measure from any collector (gitlab or github)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LevelDescriptor(_Model):
    """What a team at this maturity level observably does."""

    level: int = Field(ge=1, le=5)
    name: Text
    practices: Text


class Area(_Model):
    id: Id
    title: Text
    summary: Text
    levels: list[LevelDescriptor]

    @model_validator(mode="after")
    def _five_levels(self) -> Area:
        if [lv.level for lv in self.levels] != [1, 2, 3, 4, 5]:
            raise ValueError("levels must describe maturity 1, 2, 3, 4 and 5, in that order")
        return self


class Option(_Model):
    """One answer option. `score` runs from 0 (worst practice) to 1 (best)."""

    value: OptionValue
    label: Text
    score: float = Field(ge=0, le=1)
    min: float | None = None
    max: float | None = None
    impact_factor: float | None = Field(default=None, gt=0, le=3)

    def contains(self, number: float) -> bool:
        lo = self.min if self.min is not None else float("-inf")
        hi = self.max if self.max is not None else float("inf")
        return lo <= number < hi


class Scale(_Model):
    """A reusable answer scale. "Don't know" is always allowed and never listed."""

    id: Id
    kind: Literal["agreement", "frequency", "yes_partly_no", "numeric", "choice"]
    unit: Text | None = None
    options: list[Option] = Field(min_length=2)

    @model_validator(mode="after")
    def _options_consistent(self) -> Scale:
        values = [o.value for o in self.options]
        if len(set(values)) != len(values):
            raise ValueError(f"duplicate option values in {values}")
        if DONT_KNOW in values:
            raise ValueError(f"'{DONT_KNOW}' is always offered; do not list it as an option")
        ranged = [o.min is not None or o.max is not None for o in self.options]
        if self.kind != "numeric":
            if any(ranged):
                raise ValueError("only numeric scales may give options a min/max range")
            return self
        if self.unit is None:
            raise ValueError("a numeric scale needs a unit")
        bounds = [(o.min, o.max) for o in self.options]
        if bounds[0][0] is None and bounds[0][1] is None:
            raise ValueError("numeric options need min and/or max")
        for (lo, hi), opt in zip(bounds, self.options, strict=True):
            if lo is not None and hi is not None and lo >= hi:
                raise ValueError(f"option {opt.value!r}: min {lo} must be below max {hi}")
        for (prev, cur) in zip(self.options, self.options[1:], strict=False):
            if prev.max is None or cur.min is None or prev.max != cur.min:
                raise ValueError(
                    f"numeric ranges out of order: {prev.value!r} must end where "
                    f"{cur.value!r} starts (ascending, no gaps or overlaps)"
                )
        return self

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)

    def option_for_number(self, number: float) -> Option | None:
        return next((o for o in self.options if o.contains(number)), None)


class Question(_Model):
    """What a person answers. Practice questions inform signs; context questions scale impact;
    benchmark questions pick the DORA Quick Check group the delivery metrics are set beside."""

    id: Id
    area: Id
    kind: Literal["practice", "context", "benchmark"] = "practice"
    benchmark: Literal["industry", "organisation_size"] | None = Field(
        default=None, description="benchmark questions only: which Quick Check group they pick")
    text: Text
    help: Text
    scale: Id
    weight: float = Field(default=1.0, gt=0)
    scales_impact_of: list[Id] = Field(
        default_factory=list,
        description="context questions only: the areas whose signs' impact this scales "
        "(empty = all areas)",
    )

    @model_validator(mode="after")
    def _context_only_fields(self) -> Question:
        if self.kind != "context" and self.scales_impact_of:
            raise ValueError("scales_impact_of is for context questions only")
        if (self.kind == "benchmark") != (self.benchmark is not None):
            raise ValueError("benchmark (industry or organisation_size) goes with kind benchmark")
        return self


Operator = Literal[">=", ">", "<=", "<", "==", "!="]
Strength = Literal["none", "weak", "moderate", "strong"]
"""How strongly one probe outcome speaks for or against its sign (log-odds in ScoringParameters)."""


class EvidenceStrength(_Model):
    """How much each outcome of a probe shifts the odds of its sign, and why.

    `unhealthy` is the push towards the sign when the probe finds the unhealthy outcome;
    `healthy` the push away from it. They differ on purpose: a missing runbook folder says
    little (runbooks usually live in a wiki), a runbook folder found says more.
    """

    healthy: Strength
    unhealthy: Strength
    why: Text


class Probe(_Model):
    """A true/false statement over one measure; the catalogue judges, collectors only measure."""

    id: Id
    measure: MeasureId
    op: Operator
    threshold: float | bool
    healthy_when: bool = Field(
        default=True, description="the outcome (true/false) that speaks against the warning sign"
    )
    strength: EvidenceStrength | None = Field(
        default=None, description="required for probes that inform a warning sign; "
        "indicator probes of an applicability condition carry none"
    )
    description: Text

    @model_validator(mode="after")
    def _bool_needs_equality(self) -> Probe:
        if isinstance(self.threshold, bool) and self.op not in ("==", "!="):
            raise ValueError(f"a true/false threshold needs == or !=, not {self.op}")
        return self


class Recommendation(_Model):
    id: Id
    title: Text
    effort: Effort
    effect: Text
    first_step: Text
    reduces: float = Field(
        gt=0, le=1, description="expected share of the sign's likelihood this removes"
    )
    also_addresses: list[Id] = Field(default_factory=list)


class Condition(_Model):
    """When a group of signs applies at all, decided from indicator probes.

    The condition holds when any indicator probe is true, fails when every indicator that
    could be evaluated is false, and is unknown when none could be: unknown counts as
    holding, so missing evidence never switches signs off.
    """

    id: Id
    title: Text
    why: Text
    any_of: list[Id] = Field(min_length=1, description="indicator probes; any true -> holds")


class WarningSign(_Model):
    id: Id
    kind: Literal["checklist", "first_sign"]
    title: Text
    why: Text
    settle: Text = Field(description="the question to settle in the workshop when evidence "
                         "suggests the sign but does not establish it")
    applies_when: Id | None = Field(
        default=None, description="a condition id: where it fails, the sign's probes do not "
        "apply (for example operational signs of a repository nobody deploys)"
    )
    not_observable: Text | None = Field(
        default=None, description="the part of the sign no collector can observe (a demand, a "
        "trend people feel); when set, evidence alone only suggests the sign (suspected) and "
        "the answers decide"
    )
    areas: list[Id] = Field(min_length=1)
    impact: int = Field(ge=1, le=5, description="business impact weight when the sign is present")
    questions: list[Id] = Field(min_length=1)
    probes: list[Id] = Field(default_factory=list)
    recommendations: list[Recommendation] = Field(min_length=1, max_length=3)


class RiskThresholds(_Model):
    """Lower bounds of risk score (likelihood x impact, 0-1) for each level."""

    medium: float = Field(gt=0, lt=1)
    high: float = Field(gt=0, lt=1)
    critical: float = Field(gt=0, le=1)

    @model_validator(mode="after")
    def _ascending(self) -> RiskThresholds:
        if not self.medium < self.high < self.critical:
            raise ValueError("risk thresholds out of order: need medium < high < critical")
        return self

    def level(self, risk: float) -> RiskLevel:
        if risk >= self.critical:
            return "critical"
        if risk >= self.high:
            return "high"
        if risk >= self.medium:
            return "medium"
        return "low"


class StrengthLogOdds(_Model):
    """Log-odds each strength adds to (unhealthy) or takes from (healthy) a sign."""

    weak: float = Field(default=0.5, gt=0)
    moderate: float = Field(default=1.0, gt=0)
    strong: float = Field(default=2.0, gt=0)

    @model_validator(mode="after")
    def _ascending(self) -> StrengthLogOdds:
        if not self.weak < self.moderate < self.strong:
            raise ValueError("strengths out of order: need weak < moderate < strong")
        return self

    def of(self, strength: Strength) -> float:
        return 0.0 if strength == "none" else float(getattr(self, strength))


class ScoringParameters(_Model):
    """Every tunable number of the engine; docs/scoring.md explains each."""

    present_at: float = Field(default=0.5, gt=0, lt=1)
    strength_log_odds: StrengthLogOdds = StrengthLogOdds()
    answers_max_log_odds: float = Field(
        default=2.0, gt=0, description="the answers' likelihood enters the sum as log-odds "
        "clipped to +/- this, so evidence can still move a unanimous room"
    )
    establish_at: float = Field(
        default=2.0, gt=0, description="log-odds of unhealthy moderate or strong evidence "
        "needed to establish a sign the answers do not (one strong probe, or two moderate)"
    )
    evidence_saturation: float = Field(
        default=2.0, gt=0, description="k in S/(S+k): how fast evidence raises confidence"
    )
    assumed_impact: float = Field(
        default=3.0, ge=1, le=5, description="the impact of every sign when no context "
        "question applying to it was answered: the middle of the scale"
    )
    risk_levels: RiskThresholds = RiskThresholds(medium=0.2, high=0.4, critical=0.6)
    absent_cap: RiskLevel = "low"
    suspected_cap: RiskLevel = Field(
        default="low", description="the highest risk level of a sign that is suggested "
        "but not established (status suspected)"
    )
    perception_gap: float = Field(default=0.4, gt=0, le=1)
    disagreement_spread: float = Field(default=0.3, gt=0, le=1)
    disagreement_min_respondents: int = Field(default=3, ge=2)
    respondent_saturation: int = Field(
        default=1, ge=1, description="k in n/(n+k): how fast more respondents raise confidence"
    )
    effort_points: dict[Effort, float] = {"S": 1.0, "M": 2.0, "L": 4.0}
    horizon_sizes: dict[Literal["now", "next"], int] = {"now": 5, "next": 5}


class CatalogueFile(_Model):
    """One YAML file of the catalogue; every section is optional so the model can be split."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_ref: str | None = Field(default=None, alias="$schema")
    version: str | None = None
    languages: Languages | None = Field(
        default=None, description="languages every text is written in, e.g. [en, de]; "
        "set in one file only")
    scoring: ScoringParameters | None = None
    areas: list[Area] = Field(default_factory=list)
    scales: list[Scale] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list)
    probes: list[Probe] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)
    signs: list[WarningSign] = Field(default_factory=list)


class Catalogue(_Model):
    version: str
    languages: Languages = Field(default_factory=lambda: ["en"])
    scoring: ScoringParameters
    areas: list[Area]
    scales: list[Scale]
    questions: list[Question]
    probes: list[Probe]
    conditions: list[Condition] = Field(default_factory=list)
    signs: list[WarningSign]

    _area: dict[str, Area] = PrivateAttr(default_factory=dict)
    _scale: dict[str, Scale] = PrivateAttr(default_factory=dict)
    _question: dict[str, Question] = PrivateAttr(default_factory=dict)
    _probe: dict[str, Probe] = PrivateAttr(default_factory=dict)
    _sign: dict[str, WarningSign] = PrivateAttr(default_factory=dict)
    _condition: dict[str, Condition] = PrivateAttr(default_factory=dict)
    _recommendation: dict[str, tuple[Recommendation, str]] = PrivateAttr(default_factory=dict)
    _text_gaps: list[TextGap] = PrivateAttr(default_factory=list)

    def model_post_init(self, __context: Any) -> None:
        self._area = {a.id: a for a in self.areas}
        self._scale = {s.id: s for s in self.scales}
        self._question = {q.id: q for q in self.questions}
        self._probe = {p.id: p for p in self.probes}
        self._sign = {s.id: s for s in self.signs}
        self._condition = {c.id: c for c in self.conditions}
        self._recommendation = {r.id: (r, s.id) for s in self.signs for r in s.recommendations}

    def area(self, area_id: str) -> Area:
        return self._area[area_id]

    def scale(self, scale_id: str) -> Scale:
        return self._scale[scale_id]

    def question(self, question_id: str) -> Question:
        return self._question[question_id]

    def has_question(self, question_id: str) -> bool:
        return question_id in self._question

    def probe(self, probe_id: str) -> Probe:
        return self._probe[probe_id]

    def sign(self, sign_id: str) -> WarningSign:
        return self._sign[sign_id]

    def condition(self, condition_id: str) -> Condition:
        return self._condition[condition_id]

    def scale_of(self, question: Question) -> Scale:
        return self._scale[question.scale]

    def signs_for_question(self, question_id: str) -> list[str]:
        return [s.id for s in self.signs if question_id in s.questions]

    def addressed_signs(self, rec: Recommendation) -> list[str]:
        """The sign a recommendation is listed under, then the others it also helps."""
        home = self._recommendation[rec.id][1]
        return [home, *(s for s in rec.also_addresses if s != home)]

    def all_recommendations(self) -> list[Recommendation]:
        return [r for s in self.signs for r in s.recommendations]

    def context_questions(self) -> list[Question]:
        return [q for q in self.questions if q.kind == "context"]

    def framing_questions(self) -> list[Question]:
        """Context and benchmark questions: about the team's situation, asked first."""
        return [q for q in self.questions if q.kind != "practice"]

    def benchmark_question(self, group: str) -> Question | None:
        return next((q for q in self.questions if q.benchmark == group), None)

    def text_gaps(self) -> list[TextGap]:
        """Texts lacking one of the declared languages, in file and line order."""
        return list(self._text_gaps)


# --------------------------------------------------------------------------- loading


class TextGap(_Model):
    """A text that lacks one of the catalogue's declared languages."""

    path: Path
    line: int | None
    field: str
    lang: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.field} has no {self.lang!r} text"


def _is_text(node: Any) -> bool:
    return (isinstance(node, dict) and "en" in node
            and all(isinstance(k, str) and isinstance(v, str) for k, v in node.items()))


def _texts(node: Any, loc: tuple[str | int, ...]) -> Iterable[tuple[tuple[str | int, ...], dict]]:
    if _is_text(node):
        yield loc, node
    elif isinstance(node, dict):
        for key, child in node.items():
            yield from _texts(child, (*loc, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _texts(child, (*loc, i))


def _field_name(data: Any, loc: tuple[str | int, ...]) -> str:
    """`signs.manual_deployments.why`: list items named by their id (or value, level)."""
    parts: list[str] = []
    node = data
    for part in loc:
        node = node[part]
        if isinstance(part, int) and isinstance(node, dict):
            name = next((node[k] for k in ("id", "value", "level") if k in node), part)
            parts.append(str(name))
        else:
            parts.append(str(part))
    return ".".join(parts)


def _text_gaps(sources: list[YamlSource], languages: list[str]) -> list[TextGap]:
    gaps: list[TextGap] = []
    for src in sources:
        for loc, text in _texts(src.data, ()):
            for lang in languages:
                if not str(text.get(lang, "")).strip():
                    line = src.line_for((*loc, "en"))
                    gaps.append(TextGap(path=src.path, line=line,
                                        field=_field_name(src.data, loc), lang=lang))
    return gaps

PACKAGE_DIR = Path(str(resources.files("opsmaturity.questionnaires")))


def default_catalogue_dir() -> Path:
    return PACKAGE_DIR


def catalogue_json_schema() -> dict[str, Any]:
    """The JSON schema editors use to validate catalogue files as you type."""
    schema = CatalogueFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "opsmaturity catalogue file"
    return schema


def schema_text() -> str:
    return json.dumps(catalogue_json_schema(), indent=2, sort_keys=True) + "\n"


_SECTIONS = ("areas", "scales", "questions", "probes", "conditions", "signs")


def load_catalogue(directory: str | Path | None = None) -> Catalogue:
    """Load and cross-check every `*.yaml` directly inside `directory`.

    Raises SourceError naming the file and line of the first problem found.
    """
    directory = Path(directory) if directory else default_catalogue_dir()
    files = sorted(p for p in directory.glob("*.yaml") if p.is_file())
    if not files:
        raise SourceError(directory, None, "no catalogue files (*.yaml) in this directory")
    parts: list[tuple[YamlSource, CatalogueFile]] = []
    for path in files:
        src = load_yaml(path)
        if src.data is None:
            continue
        if not isinstance(src.data, dict):
            raise src.error((), "a catalogue file must be a mapping of sections")
        try:
            parts.append((src, CatalogueFile.model_validate(src.data)))
        except ValidationError as exc:
            raise src.validation_error(exc) from None
    return _assemble(directory, parts)


def _assemble(directory: Path, parts: list[tuple[YamlSource, CatalogueFile]]) -> Catalogue:
    where: dict[tuple[str, str], tuple[YamlSource, Loc]] = {}
    merged: dict[str, list[Any]] = {name: [] for name in _SECTIONS}
    version: tuple[str, YamlSource] | None = None
    languages: tuple[list[str], YamlSource] | None = None
    scoring: ScoringParameters | None = None

    for src, part in parts:
        if part.version is not None:
            if version is not None:
                raise src.error(("version",), f"version is already set in {version[1].path.name}")
            version = (part.version, src)
        if part.languages is not None:
            if languages is not None:
                raise src.error(("languages",),
                                f"languages are already set in {languages[1].path.name}")
            languages = (part.languages, src)
        if part.scoring is not None:
            if scoring is not None:
                raise src.error(("scoring",), "scoring parameters are set in two files")
            scoring = part.scoring
        for name in _SECTIONS:
            for i, item in enumerate(getattr(part, name)):
                key = (name, item.id)
                if key in where:
                    first = where[key][0]
                    raise src.error((name, i, "id"), f"duplicate {name[:-1]} id {item.id!r} "
                                    f"(first defined in {first.path.name}:"
                                    f"{first.line_for(where[key][1])})")
                where[key] = (src, (name, i))
                merged[name].append(item)
            if name == "signs":
                for i, sign in enumerate(part.signs):
                    for j, rec in enumerate(sign.recommendations):
                        key = ("recommendations", rec.id)
                        loc: Loc = ("signs", i, "recommendations", j)
                        if key in where:
                            raise src.error((*loc, "id"), f"duplicate recommendation id {rec.id!r}")
                        where[key] = (src, loc)

    if version is None:
        raise SourceError(directory, None, "no file sets the catalogue 'version'")
    catalogue = Catalogue(version=version[0], scoring=scoring or ScoringParameters(),
                          **({"languages": languages[0]} if languages else {}), **merged)
    _cross_check(catalogue, where)
    catalogue._text_gaps = _text_gaps([src for src, _ in parts], catalogue.languages)
    return catalogue


def _cross_check(cat: Catalogue, where: dict[tuple[str, str], tuple[YamlSource, Loc]]) -> None:
    def fail(kind: str, item_id: str, sub: Loc, message: str) -> SourceError:
        src, loc = where[(kind, item_id)]
        return src.error((*loc, *sub), message)

    def known(kind: str, ref: str) -> bool:
        return (kind, ref) in where

    def refs(kind: str, owner: str, field: str, values: Iterable[str], target: str) -> None:
        for i, ref in enumerate(values):
            if not known(target, ref):
                raise fail(kind, owner, (field, i), f"{field}: unknown {target[:-1]} id {ref!r}")

    for q in cat.questions:
        if not known("areas", q.area):
            raise fail("questions", q.id, ("area",), f"unknown area id {q.area!r}")
        if not known("scales", q.scale):
            raise fail("questions", q.id, ("scale",), f"unknown scale id {q.scale!r}")
        refs("questions", q.id, "scales_impact_of", q.scales_impact_of, "areas")
        scale = cat.scale(q.scale)
        factors = [o.impact_factor is not None for o in scale.options]
        if q.kind == "context" and not all(factors):
            raise fail("questions", q.id, ("scale",),
                       f"context question needs a scale whose options all have impact_factor "
                       f"(scale {scale.id!r})")
        if q.kind != "context" and any(factors):
            raise fail("questions", q.id, ("scale",),
                       f"scale {scale.id!r} carries impact factors; it is for context questions")

    informed: set[str] = set()
    used_probes: set[str] = set()
    signs_per_area: set[str] = set()
    for s in cat.signs:
        refs("signs", s.id, "areas", s.areas, "areas")
        refs("signs", s.id, "questions", s.questions, "questions")
        refs("signs", s.id, "probes", s.probes, "probes")
        if s.applies_when is not None and not known("conditions", s.applies_when):
            raise fail("signs", s.id, ("applies_when",),
                       f"applies_when: unknown condition id {s.applies_when!r}")
        for p_id in s.probes:
            if cat.probe(p_id).strength is None:
                raise fail("probes", p_id, ("id",),
                           f"probe {p_id!r} informs sign {s.id!r} and needs a strength "
                           "(healthy, unhealthy, why)")
        for j, q_id in enumerate(s.questions):
            if cat.question(q_id).kind == "context":
                raise fail("signs", s.id, ("questions", j),
                           f"{q_id!r} is a context question; it scales impact, it cannot "
                           "inform a sign")
        for field in ("questions", "probes", "areas"):
            values = getattr(s, field)
            dup = sorted({v for v in values if values.count(v) > 1})
            if dup:
                raise fail("signs", s.id, (field,), f"{field} listed twice: {dup}")
        for j, rec in enumerate(s.recommendations):
            for k, other in enumerate(rec.also_addresses):
                if not known("signs", other) or other == s.id:
                    raise fail("signs", s.id, ("recommendations", j, "also_addresses", k),
                               f"also_addresses: {other!r} is not another sign id")
        informed.update(s.questions)
        used_probes.update(s.probes)
        signs_per_area.update(s.areas)

    for c in cat.conditions:
        refs("conditions", c.id, "any_of", c.any_of, "probes")
        used_probes.update(c.any_of)
        if c.id not in {s.applies_when for s in cat.signs}:
            raise fail("conditions", c.id, ("id",),
                       f"condition {c.id!r} is used by no warning sign (applies_when)")

    for q in cat.questions:
        if q.kind == "practice" and q.id not in informed:
            raise fail("questions", q.id, ("id",),
                       f"question {q.id!r} informs no warning sign (list it under a sign's "
                       "questions, or make it a context question)")
    for p in cat.probes:
        if p.id not in used_probes:
            raise fail("probes", p.id, ("id",), f"probe {p.id!r} is used by no warning sign "
                       "or condition")
    for a in cat.areas:
        if a.id not in signs_per_area:
            raise fail("areas", a.id, ("id",), f"area {a.id!r} has no warning sign")
