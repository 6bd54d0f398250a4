"""DORA software delivery metrics and placement in DORA's published performance clusters.

Pure: no clock, and no I/O but reading the published tables once on import. Everything a
result depends on is passed in (the metrics) or is published data (the cluster tables in
`dora_clusters.yaml`, each with its edition and source), so the same input always gives
the same, byte-identical output and an assessment can be reproduced later.

Computing the metrics from deployments is measuring, so it lives with the delivery
collectors (``opsmaturity.collectors.delivery.dora``). This module judges: it places metrics
in the published clusters.

The definitions, the cluster tables and the nearest-cluster method are explained for people
in ``docs/dora.md``; keep the two in step.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from opsmaturity.collectors.delivery.dora import (
    DORA_MEASURES,
    RATE_METRICS,
    DoraMetrics,
)
from opsmaturity.core.sources import Loc, YamlSource, load_yaml

__all__ = [
    "CHANGE_FAIL_RATE_SCALE",
    "CLUSTERS",
    "CLUSTER_METRICS",
    "CLUSTER_TABLES",
    "DEFAULT_YEAR",
    "DORA_MEASURES",
    "SUPPORTED_YEARS",
    "UNITS",
    "ClusterProfile",
    "ClusterTable",
    "DoraPlacement",
    "cluster_table",
    "load_cluster_tables",
    "metrics_from_measures",
    "place",
]

CLUSTER_METRICS: tuple[str, ...] = DORA_MEASURES[:4]
"""The metrics DORA's cluster tables are built from (rework rate is not one of them)."""

CLUSTERS: tuple[str, ...] = ("elite", "high", "medium", "low")
"""Cluster names, best-performing first; ties are broken towards the end of this tuple."""

SUPPORTED_YEARS: tuple[int, ...] = (2023, 2024)
"""Report years that publish performance clusters (the 2025 report publishes none)."""
DEFAULT_YEAR = 2024
REPORT_YEARS: tuple[int, ...] = (2023, 2024, 2025)
"""What `--dora-year` takes: the clusters of the newest cluster table up to that year, and
the Quick Check benchmarks of the newest edition up to that year (quick_check.py)."""
NEWEST_YEAR = max(REPORT_YEARS)


def cluster_year(year: int) -> int:
    """The cluster table used for a report year: the newest published up to it."""
    return max(y for y in SUPPORTED_YEARS if y <= year)

CHANGE_FAIL_RATE_SCALE = 0.1
"""A change-fail-rate gap of 0.1 (ten percentage points) counts as distance 1.0, the same
as a tenfold gap in a time or frequency metric (one step in log10 space)."""

_HIGHER_IS_BETTER = {
    "deployment_frequency_per_week": True,
    "change_lead_time_hours": False,
    "failed_deployment_recovery_time_hours": False,
}
# Values are clamped up to these floors before taking logs, so that 0 (no successful
# deployment, an instant lead time) has a finite distance. Both floors lie far below every
# published bound, so they never change which cluster is nearest.
_LOG_FLOOR = {
    "deployment_frequency_per_week": 0.001,  # about once in 19 years
    "change_lead_time_hours": 0.01,  # 36 seconds
    "failed_deployment_recovery_time_hours": 0.01,
}
_LABELS = {
    "deployment_frequency_per_week": "deployment-frequency",
    "change_lead_time_hours": "lead-time",
    "change_fail_rate": "change-fail-rate",
    "failed_deployment_recovery_time_hours": "recovery-time",
    "deployment_rework_rate": "rework-rate",
}
_DISTANCE_DIGITS = 9  # distances are rounded so that mathematically equal ones tie

# Units. Lead and recovery times are in hours, deployment frequency in deployments per week.
_HOUR = 1.0
_DAY = 24.0
_WEEK = 7 * _DAY
_MONTH = 365.25 / 12 * _DAY  # 730.5 hours: an average calendar month
_SIX_MONTHS = 6 * _MONTH
_PER_DAY = 7.0
_PER_WEEK = 1.0
_PER_MONTH = _WEEK / _MONTH  # about 0.23 per week
_PER_SIX_MONTHS = _WEEK / _SIX_MONTHS  # about 0.038 per week

class DoraPlacement(BaseModel):
    """Where a team's metrics sit among one year's published DORA clusters, and why.

    The notes are part of the answer, not decoration: the published clusters overlap and
    are coarse, and a consultant has to be able to say when a placement was a close call.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int
    cluster: str | None = Field(description="elite/high/medium/low; None if no metric.")
    distance: float | None = Field(description="Mean distance to the chosen cluster.")
    per_metric: dict[str, list[str]] = Field(
        description="For each metric used, the clusters whose published range holds its value."
    )
    metrics_used: list[str]
    missing: list[str] = Field(description="Clustering metrics that were not available.")
    notes: list[str]
    distances: dict[str, float] = Field(
        default_factory=dict, description="Mean distance to every cluster, for drill-down."
    )
    source: str = ""

def metrics_from_measures(values: Mapping[str, float | None]) -> DoraMetrics:
    """Build metrics from collector measures such as ``gitlab.change_fail_rate``.

    For each DORA suffix the first id in sorted order that ends with ``.<suffix>`` and has a
    value wins, so the choice does not depend on mapping order. None and NaN are skipped as
    "not available". The chosen ids are recorded in ``details["sources"]``.
    """
    chosen: dict[str, float | None] = {}
    sources: dict[str, str | None] = {}
    for suffix in DORA_MEASURES:
        chosen[suffix] = None
        sources[suffix] = None
        for measure_id in sorted(k for k in values if k.endswith("." + suffix)):
            value = values[measure_id]
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            chosen[suffix] = float(value)
            sources[suffix] = measure_id
            break
    return DoraMetrics(**chosen, details={"sources": sources})


# --------------------------------------------------------------------------------------
# Cluster tables
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterProfile:
    """One published performance cluster, turned into numbers a team can be compared with.

    Ranges are (lower, upper) in the metric's unit; the best cluster's range is open-ended
    on its good side, since doing better than "elite" must not count as a distance.
    Change fail rate is published as one typical value per cluster, not a range.
    """

    name: str
    deployment_frequency_per_week: tuple[float, float]
    change_lead_time_hours: tuple[float, float]
    change_fail_rate: float
    failed_deployment_recovery_time_hours: tuple[float, float]
    published: tuple[str, str, str, str]
    published_in: Mapping[str, tuple[str, str, str, str]] = field(default_factory=dict)

    def published_words(self, lang: str = "en") -> tuple[str, str, str, str]:
        """The published wording of the four metrics in `lang`, else in English."""
        return self.published_in.get(lang, self.published)
    """The report's wording for the four metrics, paraphrased, in CLUSTER_METRICS order."""


@dataclass(frozen=True)
class ClusterTable:
    """One report year's clusters, pinned so a placement can be reproduced and cited."""

    year: int
    source: str
    clusters: tuple[ClusterProfile, ...]

    def profile(self, name: str) -> ClusterProfile:
        for cluster in self.clusters:
            if cluster.name == name:
                return cluster
        raise KeyError(name)


UNITS: Mapping[str, float] = MappingProxyType({
    "hour": _HOUR, "day": _DAY, "week": _WEEK, "month": _MONTH, "six_months": _SIX_MONTHS,
    "per_day": _PER_DAY, "per_week": _PER_WEEK, "per_month": _PER_MONTH,
    "per_six_months": _PER_SIX_MONTHS, "inf": math.inf,
})
"""The unit names the cluster tables are written in (dora_clusters.yaml)."""

TABLES_FILE = Path(__file__).with_name("dora_clusters.yaml")


class _Cluster(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Literal["elite", "high", "medium", "low"]
    deployment_frequency_per_week: tuple[float | str, float | str]
    change_lead_time_hours: tuple[float | str, float | str]
    change_fail_rate: float = Field(ge=0, le=1)
    failed_deployment_recovery_time_hours: tuple[float | str, float | str]
    published: tuple[str, str, str, str]
    published_in: dict[str, tuple[str, str, str, str]] = Field(default_factory=dict)


class _Edition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int
    source: str = Field(min_length=1)
    clusters: tuple[_Cluster, ...]


class _Tables(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    editions: tuple[_Edition, ...]


def _value(value: float | str, where: str) -> float:
    if isinstance(value, str):
        if value not in UNITS:
            raise ValueError(f"{where}: unknown unit {value!r}; known: {', '.join(UNITS)}")
        return UNITS[value]
    return float(value)


def _bounds_of(pair: tuple[float | str, float | str], where: str) -> tuple[float, float]:
    lower, upper = _value(pair[0], where), _value(pair[1], where)
    if lower > upper:
        raise ValueError(f"{where}: range {list(pair)} runs backwards")
    return lower, upper


def _profile(source: YamlSource, loc: Loc, cl: _Cluster) -> ClusterProfile:
    def bounds(metric: str) -> tuple[float, float]:
        try:
            return _bounds_of(getattr(cl, metric), metric)
        except ValueError as exc:
            raise source.error((*loc, metric), str(exc)) from None

    return ClusterProfile(
        cl.name,
        deployment_frequency_per_week=bounds("deployment_frequency_per_week"),
        change_lead_time_hours=bounds("change_lead_time_hours"),
        change_fail_rate=cl.change_fail_rate,
        failed_deployment_recovery_time_hours=bounds("failed_deployment_recovery_time_hours"),
        published=cl.published,
        published_in=dict(cl.published_in),
    )


def load_cluster_tables(path: Path = TABLES_FILE) -> dict[int, ClusterTable]:
    """The published cluster tables from YAML, checked; errors name the file and line."""
    source = load_yaml(path)
    try:
        tables = _Tables.model_validate(source.data)
    except ValidationError as exc:
        raise source.validation_error(exc) from None
    out: dict[int, ClusterTable] = {}
    for e, edition in enumerate(tables.editions):
        if tuple(c.name for c in edition.clusters) != CLUSTERS:
            raise source.error(("editions", e, "clusters"),
                               f"clusters must be {', '.join(CLUSTERS)}, in that order")
        if edition.year in out:
            raise source.error(("editions", e, "year"), f"edition {edition.year} appears twice")
        profiles = [_profile(source, ("editions", e, "clusters", c), cl)
                    for c, cl in enumerate(edition.clusters)]
        out[edition.year] = ClusterTable(year=edition.year, clusters=tuple(profiles),
                                         source=" ".join(edition.source.split()))
    return dict(sorted(out.items()))


CLUSTER_TABLES: Mapping[int, ClusterTable] = MappingProxyType(load_cluster_tables())


def cluster_table(year: int = DEFAULT_YEAR) -> ClusterTable:
    """Return the pinned cluster table for a report year, or explain which years exist."""
    if isinstance(year, bool) or year not in CLUSTER_TABLES:
        supported = ", ".join(str(y) for y in SUPPORTED_YEARS)
        raise ValueError(
            f"no DORA cluster table for year {year!r}; supported report years: {supported}"
        )
    return CLUSTER_TABLES[year]


# --------------------------------------------------------------------------------------
# Placement
# --------------------------------------------------------------------------------------


def _bounds(cluster: ClusterProfile, metric: str) -> tuple[float, float]:
    bounds: tuple[float, float] = getattr(cluster, metric)
    return bounds


def _better_end(bounds: tuple[float, float], metric: str) -> float:
    return bounds[1] if _HIGHER_IS_BETTER[metric] else bounds[0]


def _worse_end(bounds: tuple[float, float], metric: str) -> float:
    return bounds[0] if _HIGHER_IS_BETTER[metric] else bounds[1]


def _range_members(table: ClusterTable, metric: str, value: float) -> list[str]:
    """Clusters whose range holds the value; a shared bound belongs to the worse cluster."""
    better_ends = {_better_end(_bounds(c, metric), metric) for c in table.clusters}
    members = []
    for cluster in table.clusters:
        low, high = _bounds(cluster, metric)
        if not low <= value <= high:
            continue
        if value == _worse_end((low, high), metric) and value in better_ends:
            continue
        members.append(cluster.name)
    return members


def _range_distance(metric: str, value: float, bounds: tuple[float, float]) -> float:
    low, high = bounds
    x = max(value, _LOG_FLOOR[metric])
    if x < low:
        return math.log10(low) - math.log10(x)
    if x > high:
        return math.log10(x) - math.log10(high)
    return 0.0


def _metric_distance(cluster: ClusterProfile, metric: str, value: float) -> float:
    if metric == "change_fail_rate":
        return abs(value - cluster.change_fail_rate) / CHANGE_FAIL_RATE_SCALE
    return _range_distance(metric, value, _bounds(cluster, metric))


def _join(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _format_value(metric: str, value: float) -> str:
    if metric in RATE_METRICS:
        return f"{value:.1%}"
    if metric == "deployment_frequency_per_week":
        return f"{value:.3g} per week"
    return f"{value:.3g} h"


def place(metrics: DoraMetrics, year: int = DEFAULT_YEAR) -> DoraPlacement:
    """Place a team in the nearest of one report year's clusters, using available metrics.

    Distance per metric is 0 inside a cluster's range and otherwise the log10 gap to the
    nearest bound (change fail rate: absolute gap / CHANGE_FAIL_RATE_SCALE). The cluster
    with the smallest mean distance wins; ties go to the lower-performing cluster.
    """
    table = cluster_table(year)
    used = [m for m in CLUSTER_METRICS if getattr(metrics, m) is not None]
    missing = [m for m in CLUSTER_METRICS if getattr(metrics, m) is None]
    notes: list[str] = []
    if missing and used:
        labels = ", ".join(_LABELS[m] for m in missing)
        notes.append(
            f"not available, so left out rather than counted as bad: {labels}; "
            f"placement uses the {len(used)} available metric(s)"
        )
    rework = metrics.deployment_rework_rate
    if rework is not None:
        notes.append(
            f"{year}: deployment rework rate ({_format_value('deployment_rework_rate', rework)})"
            f" is reported but is not part of the {year} cluster table, so it does not affect"
            " placement"
        )
    if not used:
        notes.append(
            "no clustering metric is available, so no cluster is given; "
            "this means not available, not a low score"
        )
        return DoraPlacement(
            year=year,
            cluster=None,
            distance=None,
            per_metric={},
            metrics_used=[],
            missing=missing,
            notes=notes,
            distances={},
            source=table.source,
        )

    values = {m: float(getattr(metrics, m)) for m in used}
    distances: dict[str, float] = {}
    for cluster in table.clusters:
        total = math.fsum(_metric_distance(cluster, m, values[m]) for m in used)
        distances[cluster.name] = round(total / len(used), _DISTANCE_DIGITS)

    per_metric: dict[str, list[str]] = {}
    shared: dict[tuple[str, ...], list[str]] = {}
    for metric in used:
        value = values[metric]
        if metric == "change_fail_rate":
            gaps = {
                c.name: round(_metric_distance(c, metric, value), _DISTANCE_DIGITS)
                for c in table.clusters
            }
            nearest = min(gaps.values())
            per_metric[metric] = [name for name in CLUSTERS if gaps[name] == nearest]
            if len(per_metric[metric]) > 1:
                published = ", ".join(
                    f"{name} {table.profile(name).change_fail_rate:.0%}"
                    for name in per_metric[metric]
                )
                notes.append(
                    f"{year}: change fail rate {_format_value(metric, value)} is equally close "
                    f"to the published values of {_join(per_metric[metric])} ({published})"
                )
            continue
        members = _range_members(table, metric, value)
        per_metric[metric] = members
        if len(members) > 1:
            shared.setdefault(tuple(members), []).append(metric)
        elif not members:
            notes.append(
                f"{year}: {_LABELS[metric]} {_format_value(metric, value)} lies outside every "
                "published range; its distance is measured to the nearest bound"
            )
    for group, group_metrics in shared.items():
        labels = _join([_LABELS[m] for m in group_metrics])
        plural = "ranges" if len(group_metrics) > 1 else "range"
        values_lie = "values lie" if len(group_metrics) > 1 else "value lies"
        where = "both" if len(group) == 2 else "all of them"
        notes.append(
            f"{year}: {_join(list(group))} share the same {labels} {plural}; "
            f"this team's {values_lie} in {where}"
        )

    best = min(distances.values())
    tied = [name for name in CLUSTERS if distances[name] == best]
    chosen = tied[-1]
    if len(tied) > 1:
        notes.append(
            f"{year}: {_join(tied)} are equally near (mean distance {best:.3f}); placed in "
            f"{chosen}, the lower-performing of them, to stay conservative"
        )
    if year == 2024 and "change_fail_rate" in used and chosen in ("high", "medium"):
        notes.append(
            "2024: the published change fail rate is 20% for high but 10% for medium, so on "
            "that metric alone a lower rate points towards medium; read it with the others"
        )
    return DoraPlacement(
        year=year,
        cluster=chosen,
        distance=best,
        per_metric=per_metric,
        metrics_used=used,
        missing=missing,
        notes=notes,
        distances=distances,
        source=table.source,
    )
