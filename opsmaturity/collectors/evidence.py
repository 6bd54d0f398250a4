"""The evidence types, where third-party collectors are promised to find them.

Their home is `opsmaturity.core.evidence`; this module re-exports it (with the clock and
the atomic write collectors used to find here) so `from opsmaturity.collectors.evidence
import EvidenceSet` keeps working.
"""

from __future__ import annotations

from opsmaturity.core.evidence import (
    DEFAULT_DAYS,
    SCHEMA_VERSION,
    Coverage,
    EvidenceFileError,
    EvidenceSet,
    Measure,
    MeasureName,
    MeasureValue,
    Window,
    load_evidence,
    window_between,
)
from opsmaturity.core.files import write_atomic
from opsmaturity.core.times import now_utc

DEFAULT_WINDOW_DAYS = DEFAULT_DAYS

__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_WINDOW_DAYS",
    "SCHEMA_VERSION",
    "Coverage",
    "EvidenceFileError",
    "EvidenceSet",
    "Measure",
    "MeasureName",
    "MeasureValue",
    "Window",
    "load_evidence",
    "now_utc",
    "window_between",
    "write_atomic",
]
