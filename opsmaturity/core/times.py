"""The collectors' clock and the time parsers every source shares.

Sources write times as ISO 8601 (with `Z`, an offset or none) or as Unix seconds; one set
of parsers means a naive time or a nanosecond fraction is read the same way everywhere.
Scoring never reads a clock: only collectors and the app call `now_utc`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def now_utc() -> datetime:
    """The collectors' clock (scoring never reads one)."""
    return datetime.now(UTC)


DEFAULT_DAYS = 180
"""The collection window when none is given: about six months, in every collector."""


def window_bounds(since: datetime | None, until: datetime | None, *,
                  days: int = DEFAULT_DAYS, now: datetime | None = None
                  ) -> tuple[datetime, datetime]:
    """The collection window every collector uses: until defaults to the end of today (UTC),
    so runs on the same day share a window (and a cache); since defaults to `days` before.
    Naive times are read as UTC. (Here rather than beside the Window model: the git
    collector needs it before pydantic is imported.)"""
    if until is None:
        today = (now or now_utc()).astimezone(UTC).date()
        until = datetime(today.year, today.month, today.day, tzinfo=UTC) + timedelta(days=1)
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    since = since or until - timedelta(days=days)
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    if since >= until:
        from .messages import text  # only on this error: the git collector starts light

        raise ValueError(text("window.since_until", since=f"{since:%Y-%m-%d}",
                              until=f"{until:%Y-%m-%d}"))
    return since, until


def parse_iso(value: str) -> datetime:
    """ISO 8601 text as a datetime (`Z` accepted); raises ValueError for anything else."""
    return datetime.fromisoformat(value)


def iso_or_none(value: Any) -> str | None:
    """API timestamps normalised to ISO 8601 with an explicit offset; None for nothing."""
    if not value:
        return None
    return parse_iso(str(value)).isoformat()


def from_epoch(value: float | str) -> datetime | None:
    """Unix seconds as a UTC time; None when the number is not a representable time."""
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (OverflowError, OSError, ValueError):
        return None


def parse_loose(value: Any) -> datetime | None:
    """RFC 3339 text (nanoseconds allowed, naive = UTC) or Unix seconds; None for nothing,
    for what cannot be read, and for Go's zero time (`0001-01-01T00:00:00Z`, "not ended")."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return from_epoch(value)
    text = str(value).strip()
    try:
        parsed = parse_iso(text)
    except ValueError:
        return from_epoch(text)
    if parsed.year <= 1:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """The same instant in UTC; a naive time is read as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def check_zone(value: str | None, hint: str) -> str | None:
    """An IANA time zone name that exists (or None); else ValueError with the hint."""
    if value is not None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            from .messages import text

            raise ValueError(text("window.unknown_zone", value=repr(value), hint=hint)) from None
    return value
