"""DORA software delivery metrics computed from deployments: measuring, not judging.

This lives with the collectors because turning deployments into the five DORA figures is
measurement: a collector (gitlab, github, via ``delivery.py``) publishes them as measures,
and collectors may not import scoring. Placement in DORA's performance clusters (judging)
stays in ``opsmaturity.scoring.dora``, which re-exports these names.

Pure module: no clock, no I/O. The definitions are explained in ``docs/dora.md`` and
``docs/delivery-evidence.md``; keep them in step.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from opsmaturity.core.stats import median, p90

__all__ = [
    "DORA_MEASURES",
    "RATE_METRICS",
    "Deployment",
    "DoraMetrics",
    "compute_metrics",
]

DORA_MEASURES: tuple[str, ...] = (
    "deployment_frequency_per_week",
    "change_lead_time_hours",
    "change_fail_rate",
    "failed_deployment_recovery_time_hours",
    "deployment_rework_rate",
)
"""Measure-id suffixes of the five DORA metrics, in the order DORA lists them."""

RATE_METRICS = ("change_fail_rate", "deployment_rework_rate")


def _require_aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be timezone-aware (got naive {value.isoformat()}); "
            "attach the source system's timezone, e.g. UTC"
        )
    return value


def _check_metric_value(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    if name in RATE_METRICS and value > 1:
        raise ValueError(f"{name} is a fraction between 0 and 1, got {value!r}")
    return value


class Deployment(BaseModel):
    """One production deployment: the unit of evidence for every DORA metric.

    Times must carry a timezone because deployments from different systems are compared on
    one clock; a naive time would silently shift lead and recovery times by hours.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    finished_at: datetime
    succeeded: bool
    change_times: list[datetime] = Field(
        default_factory=list,
        description="Commit/creation times of the changes this deployment first brought to "
        "production; lead time is measured from these.",
    )
    caused_failure: bool | None = Field(
        default=None, description="Whether it degraded service in production; None = unknown."
    )
    is_rework: bool | None = Field(
        default=None,
        description="Made to fix a failed deployment or an incident rather than to ship "
        "planned work; None = unknown.",
    )
    is_rollback: bool = False
    stream: str = Field(
        default="",
        description="Which line of deployments this belongs to (e.g. project/environment). A "
        "failure is recovered only by a later deployment of the same stream; the default "
        "puts every deployment in one stream.",
    )

    @field_validator("finished_at")
    @classmethod
    def _finished_at_aware(cls, value: datetime) -> datetime:
        return _require_aware(value, "finished_at")

    @field_validator("change_times")
    @classmethod
    def _change_times_aware(cls, values: list[datetime]) -> list[datetime]:
        for value in values:
            _require_aware(value, "change_times")
        return values

    @model_validator(mode="after")
    def _changes_precede_deployment(self) -> Deployment:
        for value in self.change_times:
            if value > self.finished_at:
                raise ValueError(
                    f"deployment {self.id!r}: change time {value.isoformat()} is after "
                    f"finished_at {self.finished_at.isoformat()}; a deployment cannot ship a "
                    "change made after it finished"
                )
        return self


class DoraMetrics(BaseModel):
    """The five DORA metrics for one team and window, with the evidence behind them.

    None means "not available": the evidence was missing, which says nothing about how well
    the team performs, so nothing downstream may turn None into a low score. ``details``
    keeps the counts and per-deployment values so a consultant can show where a number
    came from; it holds only JSON types so it can be stored with the assessment.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    deployment_frequency_per_week: float | None = None
    change_lead_time_hours: float | None = Field(default=None, description="Median.")
    change_fail_rate: float | None = Field(default=None, description="Fraction, 0 to 1.")
    failed_deployment_recovery_time_hours: float | None = Field(default=None, description="Median.")
    deployment_rework_rate: float | None = Field(default=None, description="Fraction, 0 to 1.")
    details: dict[str, Any] = Field(default_factory=dict)

    @field_validator(*DORA_MEASURES)
    @classmethod
    def _valid_value(cls, value: float | None, info: ValidationInfo) -> float | None:
        return _check_metric_value(str(info.field_name), value)


def _hours(seconds: float) -> float:
    return seconds / 3600.0


def _sort_key(deployment: Deployment) -> tuple[datetime, str, str]:
    # The JSON form makes the order total, so equal (time, id) pairs cannot let the input
    # order leak into the details.
    return (deployment.finished_at, deployment.id, deployment.model_dump_json())


def _is_failure(deployment: Deployment) -> bool:
    return (not deployment.succeeded) or deployment.caused_failure is True


def _recovers(deployment: Deployment) -> bool:
    # Unknown (None) counts as not having caused a failure: otherwise a team without
    # incident linkage could never be seen to recover.
    return deployment.succeeded and deployment.caused_failure is not True


def compute_metrics(
    deployments: Iterable[Deployment], window_start: datetime, window_end: datetime
) -> DoraMetrics:
    """Compute the five DORA metrics from production deployments in ``[start, end)``.

    Deployments finishing outside the window are ignored (and counted in the details).
    The result does not depend on input order. No deployment in the window gives all None.
    """
    _require_aware(window_start, "window_start")
    _require_aware(window_end, "window_end")
    if window_end <= window_start:
        raise ValueError(
            f"window_end ({window_end.isoformat()}) must be after "
            f"window_start ({window_start.isoformat()})"
        )
    given = [d if isinstance(d, Deployment) else Deployment.model_validate(d) for d in deployments]
    in_window = sorted(
        (d for d in given if window_start <= d.finished_at < window_end), key=_sort_key
    )
    days = (window_end - window_start).total_seconds() / 86400.0
    weeks = days / 7.0
    details: dict[str, Any] = {
        "window": {
            "start": window_start.isoformat(),
            "end": window_end.isoformat(),
            "days": days,
            "weeks": weeks,
        },
        "deployments": {
            "given": len(given),
            "in_window": len(in_window),
            "outside_window": len(given) - len(in_window),
        },
    }
    if not in_window:
        return DoraMetrics(details=details)

    successful = [d for d in in_window if d.succeeded]
    failures = [d for d in in_window if _is_failure(d)]
    details["deployments"]["successful"] = len(successful)
    details["deployments"]["failures"] = len(failures)

    # Deployment frequency: successful deployments per week of window.
    frequency = len(successful) / weeks
    details["deployment_frequency"] = {"successful_deployments": len(successful), "weeks": weeks}

    # Change lead time: every change of every successful deployment counts once.
    lead_rows: list[dict[str, Any]] = []
    lead_times: list[float] = []
    without_changes = 0
    for deployment in successful:
        leads = sorted(
            _hours((deployment.finished_at - t).total_seconds()) for t in deployment.change_times
        )
        if not leads:
            without_changes += 1
            continue
        lead_times.extend(leads)
        lead_rows.append(
            {
                "id": deployment.id,
                "finished_at": deployment.finished_at.isoformat(),
                "lead_times_hours": leads,
            }
        )
    lead_times.sort()
    lead_median = median(lead_times)
    details["change_lead_time"] = {
        "changes": len(lead_times),
        "successful_deployments_without_change_times": without_changes,
        "median_hours": lead_median,
        "p90_hours": p90(lead_times),
        "per_deployment": lead_rows,
    }

    # Change fail rate: among deployments whose outcome is known.
    known = [d for d in in_window if (not d.succeeded) or d.caused_failure is not None]
    fail_rate = len(failures) / len(known) if known else None
    details["change_fail_rate"] = {
        "failures": len(failures),
        "known": len(known),
        "unknown": len(in_window) - len(known),
        "failure_ids": [d.id for d in failures],
    }

    # Failed deployment recovery time: from each failure to the next deployment of the same
    # stream that finished strictly later, succeeded and did not itself cause a failure.
    recoverers: dict[str, list[Deployment]] = {}
    for d in in_window:
        if _recovers(d):
            recoverers.setdefault(d.stream, []).append(d)
    recoverer_times = {k: [d.finished_at for d in v] for k, v in recoverers.items()}
    recovery_rows: list[dict[str, Any]] = []
    recovery_times: list[float] = []
    for failure in failures:
        candidates = recoverers.get(failure.stream, [])
        index = bisect_right(recoverer_times.get(failure.stream, []), failure.finished_at)
        if index < len(candidates):
            fix = candidates[index]
            hours = _hours((fix.finished_at - failure.finished_at).total_seconds())
            recovery_times.append(hours)
            recovery_rows.append({"failed_id": failure.id, "recovered_by": fix.id, "hours": hours})
        else:
            recovery_rows.append({"failed_id": failure.id, "recovered_by": None, "hours": None})
    recovery_times.sort()
    recovery_median = median(recovery_times)
    details["failed_deployment_recovery_time"] = {
        "failures": len(failures),
        "recovered": len(recovery_times),
        "unrecovered_in_window": len(failures) - len(recovery_times),
        "median_hours": recovery_median,
        "p90_hours": p90(recovery_times),
        "per_failure": recovery_rows,
    }

    # Rework rate: only reported if the evidence says anything about rework at all.
    rework = [d for d in in_window if d.is_rework or d.is_rollback]
    has_rework_evidence = any(d.is_rework is not None or d.is_rollback for d in in_window)
    rework_rate = len(rework) / len(in_window) if has_rework_evidence else None
    details["deployment_rework_rate"] = {
        "rework": len(rework),
        "rollbacks": sum(1 for d in in_window if d.is_rollback),
        "deployments": len(in_window),
        "has_rework_evidence": has_rework_evidence,
        "rework_ids": [d.id for d in rework],
    }

    return DoraMetrics(
        deployment_frequency_per_week=frequency,
        change_lead_time_hours=lead_median,
        change_fail_rate=fail_rate,
        failed_deployment_recovery_time_hours=recovery_median,
        deployment_rework_rate=rework_rate,
        details=details,
    )

