"""Alert history: when each alert fired and resolved, read from the exports people have.

Noise (alerts firing many times a week, flapping) can only be seen over time, so this reads
firing *episodes* from:

- a Prometheus range query of `ALERTS` (`/api/v1/query_range` JSON, a matrix): one episode
  per run of samples no further apart than 1.5 steps;
- alert records: an Alertmanager `/api/v2/alerts` export, Prometheus `/api/v1/alerts`,
  Alertmanager webhook payloads (`{"alerts": [...]}`) logged one per line or as a list;
  each distinct (series, start) is one episode;
- CSV with a header: `alertname`, a start column and optionally an end column.

Large files are streamed: JSON lines and CSV line by line, and a top-level JSON list item
by item, so a year of webhook payloads does not have to fit in memory twice.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict, Field

from opsmaturity.core.messages import text as _msg
from opsmaturity.core.sources import SourceError
from opsmaturity.core.times import parse_loose as parse_time

CHUNK = 1 << 20
START_COLUMNS = ("startsat", "starts_at", "start", "activeat", "active_at", "fired_at", "time")
END_COLUMNS = ("endsat", "ends_at", "end", "resolved_at", "resolvedat")


class Episode(BaseModel):
    """One firing of one alert series, from its start to its end (None: not seen to end)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alertname: str
    series: str = Field(description="fingerprint or sorted labels: what makes the alert one")
    start: datetime
    end: datetime | None = None


class FiringAlert(BaseModel):
    """An alert that is firing now, as Prometheus or Alertmanager reports it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alertname: str
    start: datetime | None = None
    state: str = "firing"
    silenced: bool = False
    inhibited: bool = False
    receivers: list[str] = Field(default_factory=list)


def series_key(labels: dict[str, Any]) -> str:
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels) if k not in ("__name__",
                                                                             "alertstate"))


# ---------------------------------------------------------------- Prometheus matrices


def episodes_from_matrix(result: Iterable[Any], step: float | None = None) -> list[Episode]:
    """Episodes of `ALERTS` series in a range-query result (pending samples left out).
    Without a known step, the most common interval between samples is taken as the step."""
    series: list[tuple[dict[str, Any], list[float]]] = []
    for item in result:
        if not isinstance(item, dict) or not isinstance(item.get("metric"), dict):
            continue
        metric = item["metric"]
        if metric.get("alertstate", "firing") != "firing" or not metric.get("alertname"):
            continue
        values = item.get("values") if isinstance(item.get("values"), list) else []
        times = sorted(float(v[0]) for v in values
                       if isinstance(v, (list, tuple)) and v and _epoch(v[0]))
        if times:
            series.append((metric, times))
    if step is None:
        gaps = Counter(round(b - a, 3) for _, ts in series for a, b in pairwise(ts) if b > a)
        step = gaps.most_common(1)[0][0] if gaps else 60.0
    out: list[Episode] = []
    for metric, times in series:
        key = series_key(metric)
        run_start = prev = times[0]
        for t in times[1:]:
            if t - prev > 1.5 * step:
                out.append(_episode(metric, key, run_start, prev))
                run_start = t
            prev = t
        out.append(_episode(metric, key, run_start, prev))
    return out


def _epoch(value: Any) -> bool:
    """A Unix time Python can turn into a date (1970 to year 5000)."""
    try:
        return 0 <= float(value) < 95_617_584_000
    except (TypeError, ValueError):
        return False


def _episode(metric: dict[str, Any], key: str, start: float, end: float) -> Episode:
    return Episode(alertname=str(metric["alertname"]), series=key,
                   start=datetime.fromtimestamp(start, UTC), end=datetime.fromtimestamp(end, UTC))


# ---------------------------------------------------------------- alert records


def _alert_records(value: Any) -> Iterator[dict[str, Any]]:
    """Alerts inside one JSON value: an alert, a webhook payload, a Prometheus API answer, or
    a list of those."""
    if isinstance(value, list):
        for item in value:
            yield from _alert_records(item)
    elif isinstance(value, dict):
        if isinstance(value.get("labels"), dict):
            yield value
        elif isinstance(value.get("alerts"), list):
            yield from _alert_records(value["alerts"])
        elif isinstance(value.get("data"), dict):
            yield from _alert_records(value["data"])


def episode_from_record(record: dict[str, Any]) -> Episode | str | None:
    """An Episode, None for a record that never fired (pending), or why it cannot be read."""
    labels = record.get("labels") or {}
    name = labels.get("alertname")
    if not name:
        return _msg("monitoring.no_alertname")
    status = record.get("status")
    state = status.get("state") if isinstance(status, dict) else status or record.get("state")
    if state == "pending":
        return None
    start = parse_time(record.get("startsAt") or record.get("activeAt"))
    if start is None:
        return _msg("monitoring.no_start")
    end = parse_time(record.get("endsAt")) if state in ("resolved", None) else None
    key = str(record.get("fingerprint") or series_key(labels))
    return Episode(alertname=str(name), series=key, start=start,
                   end=end if end and end >= start else None)


def firing_from_record(record: dict[str, Any]) -> FiringAlert | None:
    """A currently firing alert from an Alertmanager v2 or Prometheus API record."""
    labels = record.get("labels")
    if not isinstance(labels, dict):
        return None
    status = record.get("status")
    state = status.get("state") if isinstance(status, dict) else record.get("state", "firing")
    if not labels.get("alertname") or state in ("pending", "inactive", "resolved"):
        return None
    silenced = bool(isinstance(status, dict) and status.get("silencedBy"))
    inhibited = bool(isinstance(status, dict) and status.get("inhibitedBy"))
    receivers = [str(r.get("name")) for r in record.get("receivers") or []
                 if isinstance(r, dict) and r.get("name")]
    return FiringAlert(alertname=str(labels["alertname"]),
                       start=parse_time(record.get("startsAt") or record.get("activeAt")),
                       state=str(state or "firing"), silenced=silenced, inhibited=inhibited,
                       receivers=receivers)


# ---------------------------------------------------------------- files


class HistoryFile(BaseModel):
    """What one history file gave: episodes and the records that could not be read."""

    model_config = ConfigDict(extra="forbid")

    episodes: list[Episode] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    records: int = 0


def read_history_file(path: Path) -> HistoryFile:
    """Episodes from one history file (format by suffix and first character); a syntax error
    is a SourceError naming the line, records without a name or time are skipped and named."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            if path.suffix.lower() == ".csv":
                return _read_csv(path, fh)
            first = _first_char(fh)
            if path.suffix.lower() in (".jsonl", ".ndjson"):
                return _read_json_lines(path, fh)
            if first == "[":
                return _from_values(path, _iter_json_array(path, fh))
            if first == "{":
                return _read_json_object_or_lines(path, fh)
            if first == "":
                return HistoryFile()
            raise SourceError(path, 1, _msg("monitoring.not_history"))
    except OSError as exc:
        raise SourceError(path, None, _msg("source.cannot_read",
                                           reason=exc.strerror or exc)) from None
    except UnicodeDecodeError as exc:
        raise SourceError(path, None, _msg("source.not_text", encoding="UTF-8",
                                           byte=exc.start)) from None


def _first_char(fh: IO[str]) -> str:
    while True:
        ch = fh.read(1)
        if ch == "" or not ch.isspace():
            fh.seek(0)
            return ch


def _from_values(path: Path, values: Iterable[tuple[Any, int]]) -> HistoryFile:
    out = HistoryFile()
    for value, line in values:
        _add_value(path, value, line, out)
    return out


def _add_value(path: Path, value: Any, line: int, out: HistoryFile) -> None:
    data = value.get("data") if isinstance(value, dict) else None
    if isinstance(data, dict) and data.get("resultType") == "matrix":
        out.episodes += episodes_from_matrix(data.get("result") or [])
        out.records += len(data.get("result") or [])
        return
    if isinstance(value, dict) and value.get("resultType") == "matrix":
        out.episodes += episodes_from_matrix(value.get("result") or [])
        return
    for record in _alert_records(value):
        out.records += 1
        got = episode_from_record(record)
        if isinstance(got, str):
            out.skipped.append(f"{path}:{line}: " + _msg("monitoring.record_skipped", why=got))
        elif got is not None:
            out.episodes.append(got)


def _read_json_object_or_lines(path: Path, fh: IO[str]) -> HistoryFile:
    one_per_line = False
    try:
        json.loads(fh.readline())
    except json.JSONDecodeError:
        pass  # one JSON value spread over lines
    else:
        one_per_line = any(rest.strip() for rest in fh)
    fh.seek(0)
    if one_per_line:
        return _read_json_lines(path, fh)
    text = fh.read()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(path, exc.lineno, _msg("source.invalid_json", problem=exc.msg)) from None
    return _from_values(path, [(value, 1)])


def _read_json_lines(path: Path, fh: IO[str]) -> HistoryFile:
    def values() -> Iterator[tuple[Any, int]]:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line), number
            except json.JSONDecodeError as exc:
                raise SourceError(path, number, _msg("source.invalid_json",
                                                          problem=exc.msg)) from None

    return _from_values(path, values())


def _iter_json_array(path: Path, fh: IO[str]) -> Iterator[tuple[Any, int]]:
    """Items of a top-level JSON list with the line each starts on, read in chunks."""
    decoder = json.JSONDecoder()
    buf, pos, line, eof = "", 0, 1, False

    def more() -> bool:
        nonlocal buf, pos, line, eof
        if eof:
            return False
        line += buf.count("\n", 0, pos)
        buf = buf[pos:]
        pos = 0
        chunk = fh.read(CHUNK)
        eof = chunk == ""
        buf += chunk
        return not eof

    def skip_space() -> str:
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n":
                pos += 1
            if pos < len(buf):
                return buf[pos]
            if not more():
                return ""

    def here() -> int:
        return line + buf.count("\n", 0, pos)

    if skip_space() != "[":
        raise SourceError(path, here(), _msg("source.invalid_json",
                                             problem=_msg("monitoring.expected_list")))
    pos += 1
    first = True
    while True:
        ch = skip_space()
        if ch == "]":
            pos += 1
            if skip_space() != "":
                raise SourceError(path, here(), _msg("source.invalid_json",
                                                     problem=_msg("monitoring.after_list")))
            return
        if ch == "":
            raise SourceError(path, here(), _msg("source.invalid_json",
                                                 problem=_msg("monitoring.list_not_closed")))
        if not first:
            if ch != ",":
                raise SourceError(path, here(), _msg("source.invalid_json",
                                                     problem=_msg("monitoring.expected_comma")))
            pos += 1
            skip_space()
        first = False
        while True:
            try:
                value, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError as exc:
                if more():
                    continue
                line_no = line + buf.count("\n", 0, exc.pos)
                raise SourceError(path, line_no, _msg("source.invalid_json",
                                                         problem=exc.msg)) from None
            if end == len(buf) and more():  # a number may go on in the next chunk
                continue
            break
        start_line = here()
        pos = end
        yield value, start_line


def _read_csv(path: Path, fh: IO[str]) -> HistoryFile:
    reader = csv.reader(fh)
    try:
        header = next(reader)
    except StopIteration:
        return HistoryFile()
    except csv.Error as exc:
        raise SourceError(path, 1, _msg("monitoring.invalid_csv", problem=exc)) from None
    names = [h.strip() for h in header]
    lowered = [n.lower() for n in names]
    if "alertname" not in lowered:
        raise SourceError(path, 1, _msg("monitoring.csv_no_alertname"))
    start_col = next((lowered.index(c) for c in START_COLUMNS if c in lowered), None)
    if start_col is None:
        raise SourceError(path, 1, _msg("monitoring.csv_no_start",
                                         columns=", ".join(START_COLUMNS)))
    end_col = next((lowered.index(c) for c in END_COLUMNS if c in lowered), None)
    name_col = lowered.index("alertname")
    out = HistoryFile()
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            out.records += 1
            number = reader.line_num
            cells = row + [""] * (len(names) - len(row))
            start = parse_time(cells[start_col])
            if not cells[name_col].strip() or start is None:
                why = "no alertname" if not cells[name_col].strip() else "no start time"
                out.skipped.append(f"{path}:{number}: "
                                   + _msg("monitoring.record_skipped", why=why))
                continue
            end = parse_time(cells[end_col]) if end_col is not None else None
            labels = {names[i]: cells[i] for i in range(len(names))
                      if i not in (start_col, end_col) and cells[i]}
            out.episodes.append(Episode(alertname=cells[name_col].strip(),
                                        series=series_key(labels), start=start,
                                        end=end if end and end >= start else None))
    except csv.Error as exc:
        raise SourceError(path, reader.line_num, _msg("monitoring.invalid_csv",
                                                       problem=exc)) from None
    return out
