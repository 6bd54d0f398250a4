"""The shared core: one p90, one time parser, one retry rule, one error type, stable paths."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

import opsmaturity.collectors.evidence as promised
from opsmaturity.core import evidence, files, privacy, stats, times
from opsmaturity.core.http import RetryPolicy, next_delay
from opsmaturity.core.sources import LineLoader, SourceError, parse_yaml, where


def test_p90_is_nearest_rank_everywhere():
    assert stats.p90([1, 2, 3, 5, 7]) == 7.0  # ceil(4.5) = 5th, not the interpolated 6.2
    assert stats.p90(list(range(1, 11))) == 9.0
    assert stats.p90([]) is None and stats.median([]) is None
    assert stats.median([1, 2, 3, 10]) == 2.5


def test_third_party_paths_still_import():
    assert promised.EvidenceSet is evidence.EvidenceSet
    assert promised.write_atomic is files.write_atomic
    assert promised.DEFAULT_WINDOW_DAYS == evidence.DEFAULT_DAYS == 180
    from opsmaturity.collectors.base import Collector, CollectorError  # noqa: F401


def test_times_read_rfc3339_epoch_and_go_zero():
    nanos = times.parse_loose("2024-03-01T10:00:00.123456789Z")  # Go writes nanoseconds
    assert nanos == datetime(2024, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert times.parse_loose("2024-03-01T10:00:00Z") == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert times.parse_loose("2024-03-01T10:00:00") == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert times.parse_loose(0) == datetime(1970, 1, 1, tzinfo=UTC)
    assert times.parse_loose("0001-01-01T00:00:00Z") is None
    assert times.iso_or_none("2024-03-01T10:00:00Z") == "2024-03-01T10:00:00+00:00"
    assert times.as_utc(datetime(2024, 1, 1)) == datetime(2024, 1, 1, tzinfo=UTC)


def test_one_retry_rule():
    policy = RetryPolicy()
    now = 1_700_000_000.0
    later = datetime.fromtimestamp(now + 30, UTC)
    assert next_delay(429, {"Retry-After": "7"}, 0, policy, now) == 7.0
    assert next_delay(503, {"Retry-After": format_datetime(later, usegmt=True)}, 0, policy,
                      now) == 30.0
    limited = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(now) + 42)}
    assert next_delay(403, limited, 0, policy, now) == 43.0  # the reset, plus one second
    assert [next_delay(500, {}, a, policy, now) for a in range(3)] == [1.0, 2.0, 4.0]
    assert next_delay(None, {}, 10, policy, now) == policy.backoff_max_seconds  # capped


def test_one_source_error_with_file_and_line(tmp_path: Path):
    with pytest.raises(SourceError) as exc:
        parse_yaml("a: 1\na: 2\n", tmp_path / "x.yaml")
    assert str(exc.value) == f"{tmp_path / 'x.yaml'}:2: duplicate key 'a'"
    assert where("f.yml", None) == "f.yml"
    import yaml

    data = yaml.load("groups:\n  - name: x\n    !Ref y: 1\n", Loader=LineLoader)
    assert data.key_lines["groups"] == 1 and data["groups"].item_lines == [2]


def test_privacy():
    assert privacy.pseudonym("alice", "author") == privacy.pseudonym("alice", "author")
    assert privacy.pseudonym("alice", "author").startswith("author-")
    assert privacy.without_credentials("https://u:p@h/x.git?a=1") == "https://h/x.git?a=1"
    assert privacy.endpoint_only("https://u:p@h:9090/api/?token=1") == "https://h:9090/api"
    assert privacy.redact("token abc", ["abc", None]) == "token ***"


def test_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("OPSMATURITY_CACHE_DIR", str(tmp_path))
    assert files.default_cache_dir() == tmp_path
    files.write_atomic(tmp_path / "a" / "b.txt", "x")
    assert (tmp_path / "a" / "b.txt").read_text() == "x"
    assert times.now_utc().tzinfo is UTC


def test_every_yaml_reader_goes_through_the_safe_loaders():
    """One home for reading YAML (core.sources: alias cycles and bombs refused): no module
    calls PyYAML's loaders itself."""
    import re
    from pathlib import Path

    import opsmaturity

    package = Path(opsmaturity.__file__).parent
    direct = re.compile(r"\byaml\.(safe_load|load|load_all|safe_load_all|full_load|"
                        r"unsafe_load|compose|compose_all|parse)\(")
    offenders = [str(p.relative_to(package)) for p in package.rglob("*.py")
                 if p.name != "sources.py" and direct.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_safe_loaders_refuse_cycles_bombs_and_impossible_dates():
    from opsmaturity.core.sources import SourceError, load_documents, parse_yaml, safe_load

    pairs = zip("abcdef", "bcdefg", strict=True)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in pairs)
    for reader in (lambda t: parse_yaml(t, "f.yaml"), lambda t: load_documents(t, "f.yaml"),
                   lambda t: safe_load(t, "f.yaml")):
        for text, line, words in (("x: 1\ny: &p [*p]\n", 2, "alias cycle"),
                                  (bomb, 6, "alias bomb"),
                                  ("[" * 250 + "]" * 250, 1, "nested")):
            with pytest.raises(SourceError) as err:
                reader(text)
            assert err.value.line == line and words in err.value.message, str(err.value)
    with pytest.raises(SourceError, match=r"f\.yaml:2: date '2026-02-30' does not exist"):
        parse_yaml("a: 1\ndate: 2026-02-30\n", "f.yaml")
    assert safe_load("date: 2026-02-30\n") == {"date": "2026-02-30"}  # lenient: kept as text
    shared = parse_yaml("a: &a {k: [1, 2]}\nb: *a\nc: *a\n").data
    assert shared["b"] == shared["c"] == {"k": [1, 2]}  # plain aliases still work


def test_writing_to_a_pipe_or_device_writes_through_and_keeps_it(tmp_path: Path):
    """`--out /dev/null` once replaced the device with a file (running as root): the atomic
    rename is for files; a pipe or device is written to, and stays what it was."""
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    files.write_atomic(fifo, "through the pipe")
    reader.join(timeout=10)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert list(tmp_path.iterdir()) == [fifo]  # no temporary file left beside it


def test_written_files_get_the_usual_mode_not_the_temporary_files(tmp_path: Path):
    import os

    new = tmp_path / "assessment.json"
    files.write_atomic(new, "{}")
    umask = os.umask(0o022)
    os.umask(umask)
    assert new.stat().st_mode & 0o777 == 0o666 & ~umask
    kept = tmp_path / "shared.json"
    kept.write_text("old")
    kept.chmod(0o640)
    files.write_atomic(kept, "new")
    assert kept.stat().st_mode & 0o777 == 0o640 and kept.read_text() == "new"
