"""Numbers as people read them, shared by the PDF, the charts and the spreadsheet."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

from .texts import Texts

DASH = "–"
RATE_METRICS = ("change_fail_rate", "deployment_rework_rate")


def rounded(x: float, digits: int = 0) -> float:
    """The one rounding rule of every output: half away from zero on the decimal value
    (56.5 -> 57, 2.45 -> 2.5), so the PDF, the workbook and the web app agree."""
    q = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


def whole(x: float) -> int:
    return int(rounded(x))


def pct(x: float | None) -> str:
    return DASH if x is None else f"{whole(x * 100)}%"


def index_value(x: float | None) -> int | None:
    """The risk index as every output shows it: a whole number out of 100."""
    return None if x is None else whole(x)


def index(x: float | None) -> str:
    """The operational risk index as printed: a whole number out of 100."""
    return DASH if x is None else str(whole(x))


def points(x: float | None) -> str:
    """Risk on the index's scale (0-100) as printed: a whole number, at least "<1"."""
    if x is None:
        return DASH
    return "<1" if 0 < x < 0.5 else str(whole(x))


def level(x: float | int | None) -> str:
    """A maturity level as printed everywhere: one decimal (2.6, 3.0)."""
    return DASH if x is None else f"{rounded(x, 1):.1f}"


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



def value(x: float | int | bool | str | None, unit: str, t: Texts) -> str:
    """A measured value in words: yes/no, never a bare true/false."""
    if isinstance(x, bool):
        return t("word.yes") if x else t("word.no")
    if x == 1 and t.has(f"unit_one.{unit}"):
        unit = t(f"unit_one.{unit}")
    return number(x, unit)


_LOCAL_PATH = re.compile(r"(?:file:)?(?<![\w/.])(?:~|[A-Za-z]:)?[\\/](?![\\/])[^\s;,()]*")


def _last_part(match: re.Match[str]) -> str:
    parts = [p for p in re.split(r"[\\/]", match.group(0).removeprefix("file:")) if p]
    return parts[-1] if parts else match.group(0)


def source(text: str) -> str:
    """Where evidence came from, as a reader may see it: a local path becomes the name of
    the folder or file it ends in (the consultant's disk layout is nobody's business);
    URLs stay as they are."""
    return _LOCAL_PATH.sub(_last_part, text.strip().replace("file://", ""))


def measure_name(measure_id: str, t: Texts) -> str:
    """A measure in words: its text from texts.yaml if it has one, else its name spelt out
    ("git.large_commit_share" -> "Git: large commit share")."""
    key = f"measure.{measure_id}"
    if t.has(key):
        return t(key)
    collector, _, name = measure_id.partition(".")
    words = name.replace("_", " ").replace(".", " ").strip()
    if collector == "*":  # a probe over any collector's measure of that name
        return words[:1].upper() + words[1:]
    family = t(f"collector.{collector}") if t.has(f"collector.{collector}") else (
        collector.capitalize())
    return f"{family}: {words}" if words else family
