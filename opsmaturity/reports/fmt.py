"""Numbers as people read them, shared by the PDF, the charts and the spreadsheet."""

from __future__ import annotations

import math
import re

from .texts import Texts

DASH = "–"
RATE_METRICS = ("change_fail_rate", "deployment_rework_rate")


def pct(x: float | None) -> str:
    return DASH if x is None else f"{x * 100:.0f}%"


def index(x: float | None) -> str:
    """The operational risk index as printed: a whole number out of 100."""
    return DASH if x is None else f"{x:.0f}"


def level(x: float | int | None) -> str:
    """A maturity level as printed everywhere: one decimal (2.6, 3.0)."""
    return DASH if x is None else f"{x:.1f}"


def number(x: float | int | bool | str | None, unit: str = "") -> str:
    if x is None:
        return DASH
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        if math.isinf(x) or math.isnan(x):
            return str(x)
        text = f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"
    else:
        text = str(x)
    return f"{text} {unit}".strip()


def duration_hours(hours: float, t: Texts) -> str:
    if hours < 1:
        return t("unit.minutes", n=f"{hours * 60:.0f}")
    if hours < 48:
        return t("unit.hours", n=f"{hours:.3g}")
    return t("unit.days", n=f"{hours / 24:.3g}")


def dora_value(metric: str, value: float | None, t: Texts) -> str:
    """A DORA metric in its natural unit: per week, a duration, or a share."""
    if value is None:
        return t("word.not_available")
    if metric in RATE_METRICS:
        return f"{value * 100:.1f}%"
    if metric == "deployment_frequency_per_week":
        return t("unit.per_week", n=f"{value:.3g}")
    return duration_hours(value, t)


def first_sentence(text: str) -> str:
    """The opening sentence of a catalogue text, for places with room for one line."""
    match = re.match(r"(.+?[.!?])(\s|$)", text.strip(), re.S)
    return (match.group(1) if match else text).strip()

