"""The one median and p90, so a percentile means the same in every measure.

p90 is the nearest-rank 90th percentile (the ceil(0.9 n)-th smallest value): it is always
a value that was observed, so a drill-down can point at the record behind it, and it needs
no assumption about values between two observations. docs/dora.md says why it won over
the interpolated percentile the delivery metrics once used.
"""

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
