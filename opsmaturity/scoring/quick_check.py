"""DORA's Quick Check scoring, for measured and answered delivery metrics (pure).

The 2025 DORA report no longer publishes performance clusters. DORA's Quick Check instead
scores each metric on 0-10 (10 best) and sets it beside a benchmark mean and standard
deviation for an industry or an organisation size. The benchmark numbers and the answer
bands are published data, carried over unchanged into `dora_quick_check.yaml` with their
edition and source; the rules below restate the published scoring (docs/dora.md):

- lead time, deployment frequency and failed deployment recovery time are answered in six
  bands, 1 (worst) to 6 (best); a band scores (band - 1) / 5 * 10;
- change fail rate and deployment rework rate are percentages; p % scores 10 - p / 10;
- throughput is the mean of the three banded metrics, stability the mean of the rate
  metrics (rework only from the 2025 edition on), overall the mean of all scored metrics;
- the published change fail rate, rework rate and instability benchmarks count 0 as best:
  they are turned with 10 - mean (standard deviation unchanged), and the overall benchmark
  mean is the mean of the turned metric means.

Placement: the distance from the benchmark mean in standard deviations; within one standard
deviation (the band the Quick Check draws) is "around", beyond it "above" or "below".
Where this module differs from the Quick Check it says so: a metric that is not available
is left out of every mean, never scored as 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from opsmaturity.core.sources import load_yaml

DATA_FILE = Path(__file__).with_name("dora_quick_check.yaml")
EDITIONS: tuple[int, ...] = (2025, 2024)
DEFAULT_EDITION = 2025
BANDED = ("leadtime", "deployfreq", "failurerecovery")
RATES = ("changefailure", "rework")
METRICS = (*BANDED, *RATES)
FROM_MEASURE = {
    "change_lead_time_hours": "leadtime",
    "deployment_frequency_per_week": "deployfreq",
    "failed_deployment_recovery_time_hours": "failurerecovery",
    "change_fail_rate": "changefailure",
    "deployment_rework_rate": "rework",
}
"""Our DORA measure names (collectors, scoring/dora.py) -> the Quick Check's metric names."""
GroupKind = Literal["industry", "organisation_size"]
Placement = Literal["above", "around", "below"]

_HOUR, _DAY, _WEEK = 1.0, 24.0, 168.0
_MONTH = 365.25 / 12 * _DAY
_SIX_MONTHS = 6 * _MONTH


class Benchmark(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mean: float
    std: float = Field(gt=0)


class _Group(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    performance_average: Benchmark
    software_delivery_throughput: Benchmark | None = None
    software_delivery_instability: Benchmark | None = None
    leadtime: Benchmark
    deployfreq: Benchmark
    failurerecovery: Benchmark
    changefailure: Benchmark
    rework: Benchmark | None = None


class _Edition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    edition: int
    industry: dict[str, _Group]
    organisation_size: dict[str, _Group]


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")  # the mapping is read below

    source_commit: str
    bands: dict[str, dict[int, str]]
    editions: list[_Edition]


@cache
def _data() -> _Data:
    src = load_yaml(DATA_FILE)
    return _Data.model_validate(src.data)


SOURCE = ("DORA Quick Check benchmarks (dora.dev), dora-team/dora.dev "
          "svelte/quick-check/src/lib/data/editions/{edition}/")


class GroupBenchmark(BaseModel):
    """One benchmark group of one edition, turned so that 10 is best everywhere."""

    model_config = ConfigDict(frozen=True)

    edition: int
    kind: GroupKind
    key: str
    name: str
    metrics: dict[str, Benchmark]
    throughput: Benchmark | None
    stability: Benchmark | None
    overall: Benchmark
    source: str


def groups(kind: GroupKind, edition: int = DEFAULT_EDITION) -> dict[str, str]:
    """The benchmark groups of one kind in an edition: key -> published name."""
    return {k: g.name for k, g in getattr(_edition(edition), kind).items()}


def _edition(edition: int) -> _Edition:
    for e in _data().editions:
        if e.edition == edition:
            return e
    raise ValueError(f"no Quick Check edition {edition}; editions: "
                     f"{', '.join(map(str, EDITIONS))}")


def benchmark(kind: GroupKind, key: str = "all", edition: int = DEFAULT_EDITION
              ) -> GroupBenchmark:
    table = getattr(_edition(edition), kind)
    if key not in table:
        raise ValueError(f"no {kind.replace('_', ' ')} {key!r} in the {edition} Quick Check; "
                         f"one of: {', '.join(table)}")
    g: _Group = table[key]
    metrics: dict[str, Benchmark] = {}
    for m in METRICS:
        b = getattr(g, m)
        if b is None:
            continue
        metrics[m] = Benchmark(mean=round(10 - b.mean, 4), std=b.std) if m in RATES else b
    overall = Benchmark(mean=round(math.fsum(b.mean for b in metrics.values()) / len(metrics), 4),
                        std=g.performance_average.std)
    stability = None
    if g.software_delivery_instability is not None:
        stability = Benchmark(mean=round(10 - g.software_delivery_instability.mean, 4),
                              std=g.software_delivery_instability.std)
    return GroupBenchmark(edition=edition, kind=kind, key=key, name=g.name, metrics=metrics,
                          throughput=g.software_delivery_throughput, stability=stability,
                          overall=overall, source=SOURCE.format(edition=edition)
                          + f" (commit {_data().source_commit[:12]})")


# ------------------------------------------------------------------------------ scores

def band_score(band: float) -> float:
    """A banded answer, 1 (worst) to 6 (best), on 0-10."""
    return (min(max(band, 1.0), 6.0) - 1.0) / 5.0 * 10.0


def rate_score(percent: float) -> float:
    """A percentage where 0 is best (change fail rate, rework rate), on 0-10."""
    return 10.0 - min(max(percent, 0.0), 100.0) / 10.0


def band_for_hours(hours: float) -> int:
    """The Quick Check band of a lead time or recovery time measured in hours."""
    for band, below in ((6, _HOUR), (5, _DAY), (4, _WEEK), (3, _MONTH), (2, _SIX_MONTHS)):
        if hours < below:
            return band
    return 1


def band_for_frequency(per_week: float) -> int:
    """The Quick Check band of a measured deployment frequency (deployments per week).

    The bands are the published answers; a measured average is put in the band whose
    wording it meets: several a day (6), at least daily (5), at least weekly (4), at least
    monthly (3), at least once in six months (2), less (1).
    """
    per_day = per_week / 7
    if per_day >= 2:
        return 6
    if per_day >= 1:
        return 5
    if per_week >= 1:
        return 4
    if per_week >= _WEEK / _MONTH:
        return 3
    if per_week >= _WEEK / _SIX_MONTHS:
        return 2
    return 1


class Scored(BaseModel):
    """A score beside its benchmark: how far from the mean, in standard deviations."""

    model_config = ConfigDict(frozen=True)

    score: float
    benchmark: Benchmark | None
    z: float | None = Field(description="(score - benchmark mean) / benchmark std")
    placement: Placement | None


class MetricResult(Scored):
    metric: str
    value: float | None = Field(description="measured (hours, per week, share) if measured")
    band: float | None = Field(description="the answer band (1-6) of a banded metric; a room's "
                               "median may fall between two bands")


class QuickCheck(BaseModel):
    """A team's delivery metrics the Quick Check way, beside one benchmark group."""

    model_config = ConfigDict(frozen=True)

    edition: int
    benchmark_kind: GroupKind
    benchmark_key: str
    benchmark_name: str
    source: str
    metrics: list[MetricResult]
    missing: list[str]
    throughput: Scored | None
    stability: Scored | None
    overall: Scored | None


def _scored(score: float, bench: Benchmark | None) -> Scored:
    if bench is None:
        return Scored(score=round(score, 4), benchmark=None, z=None, placement=None)
    z = (score - bench.mean) / bench.std
    placement: Placement = "around" if abs(z) <= 1 else "above" if z > 0 else "below"
    return Scored(score=round(score, 4), benchmark=bench, z=round(z, 4), placement=placement)


def _mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def quick_check(answers: Mapping[str, float | None], *, kind: GroupKind = "industry",
                key: str = "all", edition: int = DEFAULT_EDITION,
                measured: Mapping[str, float | None] | None = None) -> QuickCheck:
    """Score answered bands/percentages (`answers`: leadtime, deployfreq, failurerecovery
    as bands 1-6; changefailure, rework as percent) and measured metrics (`measured`, by our
    measure names: hours, per week, shares 0-1; a measured value wins over an answer)."""
    bench = benchmark(kind, key, edition)
    wanted = [m for m in METRICS if m in bench.metrics]  # rework only where published
    values: dict[str, tuple[float | None, float | None]] = {}  # metric -> (value, answer)
    for m in wanted:
        if answers.get(m) is not None:
            values[m] = (None, float(answers[m]))  # type: ignore[arg-type]
    for name, value in (measured or {}).items():
        m = FROM_MEASURE.get(name)
        if m in wanted and value is not None and not math.isnan(value):
            values[m] = (float(value), None)
    results: list[MetricResult] = []
    for m in wanted:
        if m not in values:
            continue
        value, answer = values[m]
        if m in BANDED:
            band = answer if value is None else float(
                band_for_frequency(value) if m == "deployfreq" else band_for_hours(value))
            score = band_score(band)  # type: ignore[arg-type]
        else:
            band = None
            score = rate_score(answer if value is None else value * 100)  # type: ignore[operator]
        s = _scored(score, bench.metrics[m])
        results.append(MetricResult(metric=m, value=value, band=band, **s.model_dump()))
    by = {r.metric: r.score for r in results}
    throughput = _mean([by[m] for m in BANDED if m in by])
    stability = _mean([by[m] for m in RATES if m in by])
    overall = _mean(list(by.values()))
    return QuickCheck(
        edition=edition, benchmark_kind=kind, benchmark_key=key, benchmark_name=bench.name,
        source=bench.source, metrics=results, missing=[m for m in wanted if m not in by],
        throughput=None if throughput is None else _scored(throughput, bench.throughput),
        stability=None if stability is None else _scored(stability, bench.stability),
        overall=None if overall is None else _scored(overall, bench.overall),
    )


# ------------------------------------------------------------------ from the questionnaire

class _FromAnswers(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str
    bands: dict[str, int] | None = None
    percent: dict[str, float] | None = None


class _Mapping(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    organisation_sizes: dict[str, dict[int, str | None]]
    from_answers: dict[str, _FromAnswers]


@cache
def _mapping() -> _Mapping:
    return _Mapping.model_validate(load_yaml(DATA_FILE).data)


def edition_for(year: int) -> int | None:
    """The Quick Check edition used for a DORA report year: the newest not after it."""
    fitting = [e for e in EDITIONS if e <= year]
    return max(fitting) if fitting else None


def group_key(kind: GroupKind, answer: str | None, edition: int) -> str:
    """The benchmark group an answered option stands for in `edition` ("all" if none)."""
    if answer is None:
        return "all"
    if kind == "organisation_size":
        return _mapping().organisation_sizes.get(answer, {}).get(edition) or "all"
    return answer if answer in groups(kind, edition) else "all"


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def answers_from_questions(values: Mapping[str, list[str]]) -> dict[str, float]:
    """The Quick Check answers implied by the catalogue's DORA questions.

    `values`: question id -> the option values the participants chose (no "don't know").
    A room gives one answer per metric: the median of its participants' bands or shares.
    """
    out: dict[str, float] = {}
    for metric, rule in _mapping().from_answers.items():
        table = rule.bands if rule.bands is not None else rule.percent or {}
        picked = [float(table[v]) for v in values.get(rule.question, []) if v in table]
        if picked:
            out[metric] = _median(picked)
    return out


def dora_question_ids() -> list[str]:
    return [rule.question for rule in _mapping().from_answers.values()]


def option_for(kind: GroupKind, key: str, edition: int) -> str | None:
    """The catalogue option that stands for a benchmark group (the reverse of group_key)."""
    if kind == "industry":
        return key
    return next((option for option, keys in _mapping().organisation_sizes.items()
                 if keys.get(edition) == key), None)
