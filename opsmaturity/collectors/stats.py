"""Small statistics the collectors share, so a median or p90 means the same everywhere."""

from __future__ import annotations

import math
import statistics


def median(values: list[float]) -> float | None:
    """The middle value; the mean of the two middle values for an even count."""
    return float(statistics.median(values)) if values else None


def p90(values: list[float]) -> float | None:
    """Nearest-rank 90th percentile: the ceil(0.9 n)-th smallest value."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)])
