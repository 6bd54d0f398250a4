"""Seeded random draws the demo needs beyond the standard library's."""

from __future__ import annotations

import math
import random


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means of commits per day or changes per deploy."""
    count, limit, p = 0, math.exp(-mean), 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return count
        count += 1
