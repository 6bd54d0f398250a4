"""Numbers and dates as people read them, shared by the PDF, the charts, the spreadsheet,
the web app and the terminal.

English keeps the compact forms (45%, 1,234, 2026-12-04); every other language is written
by Babel in that language's conventions (German: 45 %, 1.234,5, 4. Dezember 2026). The
language is the one of the output being made: `with fmt.language("de"):` around a report,
or `fmt.set_language(lang)` at the start of a web page run. It lives in a context variable,
so concurrent web sessions each keep their own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date as Date
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol

from .texts import Texts

DASH = "–"
RATE_METRICS = ("change_fail_rate", "deployment_rework_rate")

_LANG: ContextVar[str] = ContextVar("opsmaturity_fmt_lang", default="en")


def current_language() -> str:
    return _LANG.get()


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Format numbers and dates in `lang` inside this block."""
    token = _LANG.set(lang)
    try:
        yield
    finally:
        _LANG.reset(token)


def set_language(lang: str) -> None:
    """Format in `lang` for the rest of this context (a web page run)."""
    _LANG.set(lang)


def _localised() -> str | None:
    lang = _LANG.get()
    return None if lang == "en" else lang


def rounded(x: float, digits: int = 0) -> float:
    """The one rounding rule of every output: half away from zero on the decimal value
    (56.5 -> 57, 2.45 -> 2.5), so the PDF, the workbook and the web app agree."""
    q = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


def whole(x: float) -> int:
    return int(rounded(x))


def index_value(x: float | None) -> int | None:
    """The risk index as every output shows it: a whole number out of 100."""
    return None if x is None else whole(x)


def sig(x: float, digits: int = 3) -> str:
    """`x` to `digits` significant digits, in the current language's notation."""
    lang = _localised()
    if lang is None:
        return f"{x:.{digits}g}"
    rounded_ = float(f"{x:.{digits}g}")
    return format_decimal(rounded_, format="#,##0.###", locale=lang)


def fixed(x: float, decimals: int = 2) -> str:
    """`x` with exactly `decimals` decimals (0.32; 0,32 in German), rounded by the one rule."""
    x = rounded(x, decimals)
    lang = _localised()
    if lang is None:
        return f"{x:.{decimals}f}"
    return format_decimal(x, format="#,##0." + "0" * decimals, locale=lang)


def pct(x: float | None, decimals: int = 0) -> str:
    """A share as a percentage (45%; 45 % in German), rounded by the one rule."""
    if x is None:
        return DASH
    shown = rounded(x * 100, decimals)
    lang = _localised()
    if lang is None:
        return f"{shown:.{decimals}f}%"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(shown, format=pattern, locale=lang) + " %"


def index(x: float | None) -> str:
    """The operational risk index as printed: a whole number out of 100."""
    return DASH if x is None else str(whole(x))


def points(x: float | None) -> str:
    """Risk on the index's scale (0-100) as printed: a whole number, at least "<1"."""
    if x is None:
        return DASH
    return "<1" if 0 < x < 0.5 else str(whole(x))


def level(x: float | int | None) -> str:
    """A maturity level as printed everywhere: one decimal (2.6, 3.0; 2,6 in German)."""
    if x is None:
        return DASH
    shown = rounded(x, 1)
    lang = _localised()
    return f"{shown:.1f}" if lang is None else format_decimal(shown, format="#,##0.0",
                                                               locale=lang)


_YES_NO = {"en": ("yes", "no"), "de": ("ja", "nein")}


def number(x: float | int | bool | str | None, unit: str = "") -> str:
    if x is None:
        return DASH
    lang = _LANG.get()
    if isinstance(x, bool):
        yes, no = _YES_NO.get(lang, _YES_NO["en"])
        return yes if x else no
    if isinstance(x, float):
        if math.isinf(x) or math.isnan(x):
            return str(x)
        if abs(x) < 1000:
            text = sig(x)
        elif lang == "en":
            text = f"{x:,.0f}"
        else:
            text = format_decimal(round(x), format="#,##0", locale=lang)
    elif isinstance(x, int) and lang != "en" and abs(x) >= 10000:
        text = format_decimal(x, format="#,##0", locale=lang)
    else:
        text = str(x)
    return f"{text} {unit}".strip()


def date(d: Date | datetime | None) -> str:
    """A calendar date: ISO in English (sortable, unambiguous), the long form elsewhere."""
    if d is None:
        return DASH
    day = d.date() if isinstance(d, datetime) else d
    lang = _localised()
    return day.isoformat() if lang is None else format_date(day, format="long", locale=lang)


DATE_TICKS = {"de": "%d.%m.%Y"}
"""Date axis formats of the charts (d3 time format) where the language is not English."""


def separators() -> str:
    """Decimal and thousands separators for plotly charts, in the current language."""
    lang = _localised()
    if lang is None:
        return ".,"
    return get_decimal_symbol(lang) + get_group_symbol(lang)


def duration_hours(hours: float, t: Texts) -> str:
    if hours < 1:
        return t("unit.minutes", n=f"{hours * 60:.0f}")
    if hours < 48:
        return t("unit.hours", n=sig(hours))
    return t("unit.days", n=sig(hours / 24))


def dora_value(metric: str, value: float | None, t: Texts) -> str:
    """A DORA metric in its natural unit: per week, a duration, or a share."""
    if value is None:
        return t("word.not_available")
    if metric in RATE_METRICS:
        return pct(value, decimals=1)
    if metric == "deployment_frequency_per_week":
        return t("unit.per_week", n=sig(value))
    return duration_hours(value, t)


def first_sentence(text: str) -> str:
    """The opening sentence of a catalogue text, for places with room for one line."""
    match = re.match(r"(.+?[.!?])(\s|$)", text.strip(), re.S)
    return (match.group(1) if match else text).strip()



_SHARE_NAMES = ("_share", "_rate", "_ratio")


def value(x: float | int | bool | str | None, unit: str, t: Texts, measure_id: str = "") -> str:
    """A measured value in words: yes/no, never a bare true/false; a share as a percentage
    (also when the collector gave no unit but the measure's name says it is a share)."""
    if isinstance(x, bool):
        return t("word.yes") if x else t("word.no")
    if not unit and measure_id.endswith(_SHARE_NAMES):
        unit = "share"
    if unit in ("ratio", "share") and isinstance(x, int | float) and 0 <= x <= 1:
        return pct(x)  # a share: 24%, not "0.24 ratio"
    if unit == "ratio" and isinstance(x, int | float):
        return f"{sig(x, 2)} ×"  # a factor between two numbers
    if unit == "boolean":
        unit = ""
    if x == 1 and t.has(f"unit_one.{unit}"):
        unit = t(f"unit_one.{unit}")
    elif t.has(f"unit_word.{unit}"):
        unit = t(f"unit_word.{unit}")
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
    """A measure in words, after the collector that measured it: its name from texts.yaml
    ("Git: share of large commits"), else its id spelt out ("Git: large commit share")."""
    collector, _, name = measure_id.partition(".")
    words = name.replace("_", " ").replace(".", " ").strip()
    for key in (f"measure.{measure_id}", f"measure.*.{name}"):
        if name and t.has(key):
            words = t(key)
            break
    if collector == "*":  # a probe over any collector's measure of that name
        return words[:1].upper() + words[1:]
    family = t(f"collector.{collector}") if t.has(f"collector.{collector}") else (
        collector.capitalize())
    return f"{family}: {words}" if words else family
