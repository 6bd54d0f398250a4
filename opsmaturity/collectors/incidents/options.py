"""What the incidents collector is asked to read, and the limits it measures within."""

from __future__ import annotations

import re
from datetime import datetime, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from opsmaturity.core.times import as_utc, check_zone

MEASURES: tuple[str, ...] = (
    "incidents.count",
    "incidents.per_week",
    "incidents.high_severity_count",
    "incidents.mtta_minutes_median",
    "incidents.mtta_minutes_p90",
    "incidents.mttr_hours_median",
    "incidents.mttr_hours_p90",
    "incidents.mttr_spread_ratio",
    "incidents.detected_by_monitoring_share",
    "incidents.detected_by_customer_share",
    "incidents.detected_by_staff_share",
    "incidents.detection_known_share",
    "incidents.postmortem_share",
    "incidents.postmortem_share_all",
    "incidents.repeat_count",
    "incidents.repeat_share",
    "incidents.top_responder_share",
    "incidents.top2_responder_share",
    "incidents.mttr_by_responder_ratio",
    "incidents.after_hours_pages_per_person",
    "incidents.after_hours_pages_max_person",
    "incidents.after_hours_page_share",
    "incidents.change_caused_share",
    "incidents.duplicates_merged",
    "incidents.skipped_records",
)
MAX_DETAILS = 50
MAX_MISSING = 100
RESPONDER_MIN_INCIDENTS = 3
COMPARE_LIMIT = 200  # titles compared per incident when looking for repeats or duplicates
Format = Literal["pagerduty", "opsgenie", "jira", "servicenow", "csv"]
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class IncidentsOptions(BaseModel):
    """What to read and how; every default is documented in docs/incident-evidence.md."""

    model_config = ConfigDict(extra="forbid")

    files: list[Path] = Field(min_length=1, description="incident exports (JSON, JSONL, CSV)")
    format: Format | None = Field(default=None, description="None: detect per file")
    mapping: Path | None = Field(default=None, description="column mapping for generic CSV")
    since: datetime | None = Field(default=None, description="window start (incidents opened)")
    until: datetime | None = Field(default=None, description="window end, exclusive")
    show_names: bool = False
    timezone: str = Field(default="UTC", description="the team's zone for business hours")
    naive_timezone: str | None = Field(
        default=None, description="zone of timestamps without offset (default: timezone)"
    )
    business_hours: str = "08:00-18:00"
    business_days: str = "mon-fri"
    time_formats: list[str] = Field(default_factory=list)
    strict: bool = Field(default=False, description="fail on any broken record")
    repeat_days: int = Field(default=30, gt=0)
    title_similarity: float = Field(default=0.5, gt=0, le=1)
    merge_minutes: int = Field(default=15, ge=0)

    @field_validator("timezone", "naive_timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return check_zone(value, "use an IANA name such as Europe/Zurich")

    @field_validator("business_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value)
        ok = m and all(int(m[i]) < 24 for i in (1, 3)) and all(int(m[i]) < 60 for i in (2, 4))
        if not ok or m is None or (int(m[1]), int(m[2])) >= (int(m[3]), int(m[4])):
            raise ValueError(f"business hours must look like 08:00-18:00, got {value!r}")
        return value

    @field_validator("business_days")
    @classmethod
    def _days(cls, value: str) -> str:
        _parse_days(value)
        return value

    @model_validator(mode="after")
    def _window_ordered(self) -> IncidentsOptions:
        since, until = as_utc(self.since), as_utc(self.until)
        if since and until and since >= until:
            raise ValueError(
                f"--since ({since:%Y-%m-%d}) must be before --until ({until:%Y-%m-%d})"
            )
        return self

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def naive_zone(self) -> ZoneInfo:
        return ZoneInfo(self.naive_timezone or self.timezone)

    def hours(self) -> tuple[time, time]:
        start, end = (part.strip() for part in self.business_hours.split("-"))
        return time.fromisoformat(start.zfill(5)), time.fromisoformat(end.zfill(5))

    def days(self) -> frozenset[int]:
        return _parse_days(self.business_days)


def _parse_days(value: str) -> frozenset[int]:
    """`mon-fri`, `sun-thu`, `mon,wed,fri` -> weekday numbers (Monday 0)."""
    days: set[int] = set()
    for part in value.casefold().replace(" ", "").split(","):
        ends = part.split("-")
        if not part or len(ends) > 2 or any(e[:3] not in _DAYS for e in ends):
            raise ValueError(f"business days must look like mon-fri or mon,tue,wed; got {value!r}")
        first, last = (_DAYS.index(e[:3]) for e in (ends[0], ends[-1]))
        days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    return frozenset(days)
