"""Incident source readers on vendor-shaped exports: every field normalised, broken records
reported with file:line, mixed time zones, and the streaming readers at chunk boundaries."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsmaturity.collectors.incidents.record import IncidentRecord
from opsmaturity.collectors.incidents.sources import READERS, detect, streams
from opsmaturity.collectors.incidents.sources.common import (
    Problem,
    SourceContext,
    parse_time,
    severity_of,
)
from opsmaturity.collectors.incidents.sources.generic_csv import CsvMapping

FIXTURES = Path(__file__).parents[2] / "fixtures" / "incidents"
ZURICH = ZoneInfo("Europe/Zurich")


def read(name: str, fmt: str | None = None, ctx: SourceContext | None = None):
    path = FIXTURES / name
    items = list(READERS[fmt or detect(path)](path, ctx or SourceContext()))
    records = {r.id: r for r in items if isinstance(r, IncidentRecord)}
    problems = [str(p) for p in items if isinstance(p, Problem)]
    return records, problems


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --------------------------------------------------------------------------- detection of formats


@pytest.mark.parametrize(("name", "fmt"), [
    ("pagerduty_incidents.json", "pagerduty"),
    ("pagerduty_analytics.json", "pagerduty"),
    ("pagerduty_export.csv", "pagerduty"),
    ("opsgenie_alerts.json", "opsgenie"),
    ("opsgenie_incidents.json", "opsgenie"),
    ("jira_issues.json", "jira"),
    ("jira_export.csv", "jira"),
    ("servicenow_incidents.json", "servicenow"),
    ("servicenow_export.csv", "servicenow"),
    ("team.csv", "csv"),
])
def test_formats_are_detected_from_content(name: str, fmt: str):
    assert detect(FIXTURES / name) == fmt


def test_an_unknown_csv_is_not_guessed(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    assert detect(path) is None
    assert detect(path, mapping_given=True) == "csv"


# --------------------------------------------------------------------------- PagerDuty


def test_pagerduty_rest_with_log_entries():
    records, problems = read("pagerduty_incidents.json")
    assert set(records) == {"PABC001", "PABC002", "PABC003"}
    one = records["PABC001"]
    assert (one.opened, one.acknowledged, one.resolved) == (
        utc(2024, 3, 4, 9), utc(2024, 3, 4, 9, 5), utc(2024, 3, 4, 11))
    assert (one.service, one.team, one.severity, one.priority) == (
        "checkout", "Payments", "critical", "P1")
    assert one.detected_by == "monitoring" and "api" in one.detection_rule
    assert one.resolved_by == "Alice Example" and one.responders == ("Alice Example",)
    assert one.pages == (("Alice Example", utc(2024, 3, 4, 9, 0, 30)),)  # the notify entry
    assert one.postmortem == "yes" and "wiki.example.com/pm/101" in one.postmortem_ref
    assert one.caused_by_change == "unknown"
    two = records["PABC002"]  # +01:00 offsets; resolved via last_status_change_at
    assert (two.opened, two.acknowledged, two.resolved) == (
        utc(2024, 3, 9, 22, 30), utc(2024, 3, 9, 22, 40), utc(2024, 3, 10, 2, 30))
    assert two.severity == "high"  # no priority: urgency high
    assert two.detected_by == "staff"  # a person triggered it from the web UI
    assert two.resolved_by == "Bob Builder"
    assert two.pages == (("Bob Builder", utc(2024, 3, 9, 22, 31)),)  # first page per person
    assert two.postmortem == "no"  # log entries seen, no review note
    three = records["PABC003"]  # still open, acknowledgements list, trigger reference only
    assert three.resolved is None and three.acknowledged == utc(2024, 3, 12, 14, 20)
    assert three.severity == "low" and three.detected_by == "monitoring"
    assert three.postmortem == "unknown" and three.refs == ("OPS-7",)
    path = FIXTURES / "pagerduty_incidents.json"
    assert problems == [
        f"{path}:102: incident PABC004: created_at missing",
        f"{path}:110: incident PABC005: resolved (2024-03-13T09:00:00Z) lies before opened "
        "(2024-03-13T10:00:00Z)",
    ]


def test_pagerduty_log_entries_in_another_file_are_joined(tmp_path: Path):
    incidents = tmp_path / "incidents.json"
    incidents.write_text(json.dumps({"incidents": [{
        "id": "PX1", "title": "Queue stuck", "created_at": "2024-05-01T10:00:00Z",
        "status": "resolved", "resolved_at": "2024-05-01T12:00:00Z", "urgency": "high",
        "service": {"summary": "queue"}, "acknowledgements": [], "assignments": []}]}))
    logs = tmp_path / "log_entries.json"
    logs.write_text(json.dumps({"log_entries": [
        {"type": "trigger_log_entry", "created_at": "2024-05-01T10:00:00Z",
         "agent": {"type": "user_reference", "summary": "Zoe"}, "channel": {"type": "web_trigger"},
         "incident": {"id": "PX1"}},
        {"type": "acknowledge_log_entry", "created_at": "2024-05-01T10:07:00Z",
         "agent": {"type": "user_reference", "summary": "Yann"}, "incident": {"id": "PX1"}},
        {"type": "resolve_log_entry", "created_at": "2024-05-01T12:00:00Z",
         "agent": {"type": "user_reference", "summary": "Yann"}, "incident": {"id": "PX1"}},
        {"type": "acknowledge_log_entry", "incident": {"id": "PX1"}},
    ], "limit": 100}))
    from opsmaturity.collectors.incidents.sources import pagerduty

    ctx = SourceContext()
    items = [*pagerduty.read(incidents, ctx), *pagerduty.read(logs, ctx)]
    records = [i for i in items if isinstance(i, IncidentRecord)]
    assert [str(p) for p in items if isinstance(p, Problem)] == [
        f"{logs}:1: log entry: created_at missing"]
    before = records[0]
    assert before.acknowledged is None and before.detected_by == "unknown"
    (after,), problems = pagerduty.finish(records, ctx)
    assert problems == []
    assert after.acknowledged == utc(2024, 5, 1, 10, 7)
    assert after.detected_by == "staff" and after.resolved_by == "Yann"
    assert after.pages == (("Yann", utc(2024, 5, 1, 10)),)  # no notify entries: at opened
    early = tmp_path / "early.json"  # an acknowledgement before the incident opened
    early.write_text(json.dumps({"log_entries": [
        {"type": "acknowledge_log_entry", "created_at": "2024-05-01T09:00:00Z",
         "agent": {"type": "user_reference", "summary": "Yann"}, "incident": {"id": "PX1"}}]}))
    list(pagerduty.read(early, ctx))
    kept, problems = pagerduty.finish(records, ctx)
    assert kept == []
    assert [str(p) for p in problems] == [
        f"{incidents}:1: incident PX1: acknowledged (2024-05-01T09:00:00Z) lies before opened "
        "(2024-05-01T10:00:00Z) (with its log entries)"]


def test_pagerduty_analytics_and_csv():
    records, problems = read("pagerduty_analytics.json")
    assert problems == []
    one = records["PABC001"]
    assert one.acknowledged == utc(2024, 3, 4, 9, 5)  # created_at + seconds_to_first_ack
    assert one.severity == "critical" and one.detected_by == "unknown"
    ten = records["PABC010"]  # resolved from seconds_to_resolve; urgency when no priority
    assert ten.resolved == utc(2024, 3, 20, 4) and ten.severity == "high"
    assert ten.resolved_by == "Dave Grohl"
    records, problems = read("pagerduty_export.csv")
    csv01 = records["PCSV01"]
    assert (csv01.opened, csv01.acknowledged, csv01.resolved) == (
        utc(2024, 4, 2, 6, 15), utc(2024, 4, 2, 6, 16, 30), utc(2024, 4, 2, 7, 15))
    assert csv01.responders == ("Erin Brockovich", "Frank Ocean")
    assert records["PCSV02"].resolved is None and records["PCSV02"].severity == "low"
    assert problems == [f"{FIXTURES / 'pagerduty_export.csv'}:4: incident PCSV03: created_at: "
                        "cannot read the time 'yesterday'"]


# --------------------------------------------------------------------------- Opsgenie


def test_opsgenie_alerts_and_incidents():
    records, problems = read("opsgenie_alerts.json")
    disk = records["70413a06-38d6-4c85-92b8-5ebc900d42e2"]
    assert (disk.opened, disk.acknowledged, disk.resolved) == (
        utc(2024, 3, 5, 10), utc(2024, 3, 5, 10, 2), utc(2024, 3, 5, 11, 30))  # ms offsets
    assert (disk.service, disk.severity, disk.detected_by) == ("postgres", "high", "monitoring")
    assert disk.resolved_by == "erin@example.com" and disk.refs == ("db-01-disk",)
    hotline = records["8c2e1f57-0b4d-4a56-a4a0-2f6c1b4b9b31"]
    assert hotline.detected_by == "customer"  # the title rule beats "created by a user"
    assert hotline.detection_rule == "title says 'reported by customer'"
    mail = records["1f0c9e8a-5d7b-4f3e-9a2c-7b6d5e4f3a21"]
    assert mail.resolved == utc(2024, 3, 9, 8) and mail.resolved_by is None  # not a person
    assert problems == [f"{FIXTURES / 'opsgenie_alerts.json'}:56: incident 1794: createdAt: "
                        "cannot read the time 'not a date'"]
    records, _ = read("opsgenie_incidents.json")
    (outage,) = records.values()
    assert (outage.service, outage.team, outage.severity) == ("auth", "Identity", "critical")
    assert outage.resolved == utc(2024, 3, 7, 9, 30)
    assert outage.postmortem == "yes" and outage.acknowledged is None


# --------------------------------------------------------------------------- Jira


def test_jira_issue_json():
    records, problems = read("jira_issues.json")
    seven = records["OPS-7"]
    assert seven.opened == utc(2024, 3, 12, 14, 5)  # +0100 offset
    assert (seven.service, seven.severity, seven.detected_by) == ("search", "moderate",
                                                                  "monitoring")
    eight = records["OPS-8"]
    assert (eight.severity, eight.detected_by) == ("critical", "customer")
    assert eight.resolved - eight.opened == utc(2024, 1, 1, 6) - utc(2024, 1, 1)
    assert (eight.postmortem, eight.postmortem_ref) == ("yes", "PIR-3")
    assert (eight.caused_by_change, eight.change) == ("yes", "CHG-12")
    assert eight.resolved_by == "Grace Hopper" and eight.pages == ()
    assert problems == [f"{FIXTURES / 'jira_issues.json'}:50: incident OPS-9: "
                        "fields.created missing"]


def test_jira_csv_with_repeated_columns_and_naive_local_times():
    records, problems = read("jira_export.csv", ctx=SourceContext(naive_tz=ZURICH))
    invoices = records["OPS-21"]
    assert invoices.opened == utc(2024, 4, 2, 7, 30)  # 9:30 AM in Zurich, summer time
    assert invoices.resolved == utc(2024, 4, 2, 10, 30)
    assert (invoices.severity, invoices.service) == ("high", "billing")
    assert (invoices.caused_by_change, invoices.change) == ("yes", "CHG-40")
    assert invoices.postmortem == "yes"
    slow = records["OPS-22"]
    assert slow.detected_by == "customer"
    assert slow.detection_rule == "label 'detected-by-customer'"  # from the 2nd Labels column
    assert (slow.postmortem, slow.caused_by_change) == ("no", "no")
    assert problems == [f"{FIXTURES / 'jira_export.csv'}:4: incident OPS-23: Created: cannot "
                        "read the time '32/Foo/24 1:00 PM'"]


# --------------------------------------------------------------------------- ServiceNow


def test_servicenow_json_in_every_display_value_mode():
    records, problems = read("servicenow_incidents.json", ctx=SourceContext(naive_tz=ZURICH))
    erp = records["INC0010001"]  # {display_value, value}: the stored UTC value is used
    assert (erp.opened, erp.resolved) == (utc(2024, 3, 8, 9), utc(2024, 3, 8, 12))
    assert (erp.service, erp.team, erp.severity) == ("SAP ERP", "ERP Operations", "critical")
    assert erp.detected_by == "customer" and erp.detection_rule == "contact_type 'Phone'"
    assert (erp.caused_by_change, erp.change) == ("yes", "CHG0030001")
    assert erp.postmortem == "no" and erp.resolved_by == "Heidi Klum"
    mail = records["INC0010002"]  # display strings: naive, read in Zurich time
    assert mail.opened == utc(2024, 3, 9, 7) and mail.detected_by == "monitoring"
    assert (mail.postmortem, mail.postmortem_ref) == ("yes", "problem PRB0040001")
    assert mail.caused_by_change == "no" and mail.severity == "moderate"
    assert problems == [f"{FIXTURES / 'servicenow_incidents.json'}:38: incident INC0010003: "
                        "opened_at: cannot read the time '2024-13-45 99:00:00'"]


def test_servicenow_csv_with_label_headers():
    records, problems = read("servicenow_export.csv")
    vpn = records["INC0020001"]
    assert (vpn.service, vpn.severity, vpn.detected_by) == ("VPN gateway", "high", "customer")
    assert vpn.refs == ("PDEXT99",) and vpn.caused_by_change == "no"
    backup = records["INC0020002"]
    assert (backup.caused_by_change, backup.change) == ("yes", "CHG0030077")
    assert backup.detected_by == "monitoring" and backup.postmortem == "yes"
    assert problems == [f"{FIXTURES / 'servicenow_export.csv'}:4: incident INC0020003: "
                        "opened_at missing"]


# --------------------------------------------------------------------------- generic CSV


def test_generic_csv_with_a_mapping_file():
    from opsmaturity.collectors.incidents.sources.generic_csv import load_mapping

    mapping = load_mapping(FIXTURES / "ops_sheet.mapping.yaml")
    ctx = SourceContext(state={"csv_mapping": mapping})
    records, problems = read("ops_sheet.csv", "csv", ctx)
    one = records["ST-1"]
    assert one.source == "opsheet"
    assert (one.opened, one.acknowledged, one.resolved) == (
        utc(2024, 3, 4, 8), utc(2024, 3, 4, 8, 15), utc(2024, 3, 4, 10))  # CET, day first
    assert (one.severity, one.detected_by, one.service) == ("critical", "monitoring", "Webshop")
    assert (one.caused_by_change, one.change, one.postmortem) == ("yes", "CHG-100", "yes")
    two = records["ST-2"]
    assert (two.severity, two.detected_by, two.caused_by_change) == ("low", "customer", "no")
    three = records["ST-3"]
    assert three.responders == ("Anna Muster", "Beat Beispiel")  # list_separator ","
    assert three.detected_by == "customer" and three.postmortem == "no"  # no_values: nein
    assert problems == [f"{FIXTURES / 'ops_sheet.csv'}:5: incident ST-4: Beginn: cannot read "
                        "the time 'gestern'"]


def test_mapping_file_errors_name_file_line_and_key(tmp_path: Path):
    from opsmaturity.collectors.base import CollectorError
    from opsmaturity.collectors.incidents.sources.generic_csv import load_mapping

    bad = tmp_path / "m.yaml"
    bad.write_text("columns:\n  opened: Start\n  openned: Begin\n")
    with pytest.raises(CollectorError, match=r"m\.yaml:3: columns\.openned: Extra inputs"):
        load_mapping(bad)
    bad.write_text("columns: [\n")
    with pytest.raises(CollectorError, match=r"m\.yaml:2: invalid YAML"):
        load_mapping(bad)
    bad.write_text("severity_values:\n  S1: catastrophic\n")
    with pytest.raises(CollectorError, match=r"m\.yaml:2: severity_values\.S1: "):
        load_mapping(bad)


ROW = st.lists(st.text(max_size=30), max_size=18)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.sampled_from([
    ["id", "opened", "resolved", "severity", "responders", "postmortem", "change"],
    ["id", "opened", "acknowledged", "resolved", "detected_by", "tags", "refs", "team"],
]), rows=st.lists(ROW, max_size=12), raw=st.lists(st.text(max_size=60), max_size=5))
def test_generic_csv_reader_never_raises(tmp_path: Path, header, rows, raw):
    path = tmp_path / "fuzz.csv"
    with open(path, "w", newline="", encoding="utf-8", errors="surrogatepass") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
        for line in raw:  # not even valid CSV quoting
            f.write(line.replace("\r", "") + "\n")
    for fmt in ("csv", "pagerduty", "jira", "servicenow"):
        for item in READERS[fmt](path, SourceContext(state={"csv_mapping": CsvMapping()})):
            assert isinstance(item, IncidentRecord | Problem)
            if isinstance(item, Problem):
                assert item.where.startswith(f"{path}:")


# --------------------------------------------------------------------------- shared helpers


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-03-04T09:00:00Z", utc(2024, 3, 4, 9)),
    ("2024-03-04T10:00:00+01:00", utc(2024, 3, 4, 9)),
    ("2024-03-04T10:00:00.000+0100", utc(2024, 3, 4, 9)),
    ("2024-03-04 10:00:00", utc(2024, 3, 4, 9)),  # naive: Zurich (CET)
    ("2024-07-04 10:00", utc(2024, 7, 4, 8)),  # naive: Zurich (CEST)
    ("04/Mar/24 10:00 AM", utc(2024, 3, 4, 9)),
])
def test_times_from_every_source_end_up_in_utc(text: str, expected: datetime):
    assert parse_time(text, SourceContext(naive_tz=ZURICH), "t") == expected


@pytest.mark.parametrize(("text", "severity"), [
    ("P1", "critical"), ("SEV-2", "high"), ("1 - Critical", "critical"), ("3 - Moderate",
    "moderate"), ("5 - Planning", "low"), ("Highest", "critical"), ("Major", "high"),
    ("Low", "low"), ("whatever", "unknown"), (None, "unknown"), ("Severity 2", "high"),
])
def test_severity_scale(text, severity):
    assert severity_of(text) == severity


# --------------------------------------------------------------------------- JSON streaming

PAGE = {"incidents": [{"id": f"P{i}", "n": i, "s": "x" * (i * 7 % 50), "u": "é\\\"ü"}
                      for i in range(40)], "limit": 40, "more": False}


@pytest.mark.parametrize("chunk", [1, 3, 7, 64, 1 << 20])
def test_json_stream_is_exact_at_any_chunk_size(tmp_path: Path, monkeypatch, chunk: int):
    monkeypatch.setattr(streams, "CHUNK", chunk)
    path = tmp_path / "p.json"
    path.write_text(json.dumps(PAGE, indent=2))
    items = list(streams.json_records(path, ("incidents",)))
    assert [i.value for i in items] == PAGE["incidents"]
    lines = path.read_text().splitlines()
    for item in items:  # each record starts on its reported line
        assert lines[item.line - 1].strip() == "{"
        assert f'"P{item.value["n"]}"' in lines[item.line]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(st.dictionaries(st.text(max_size=5), st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                max_size=3),
    max_leaves=8), max_size=4), max_size=6), chunk=st.integers(1, 40),
    indent=st.sampled_from([None, 1, 4]))
def test_json_stream_matches_json_load(tmp_path: Path, records, chunk, indent):
    streams.CHUNK, saved = chunk, streams.CHUNK
    try:
        path = tmp_path / "r.json"
        path.write_text(json.dumps({"meta": {"x": 1}, "data": records}, indent=indent))
        got = [i.value for i in streams.json_records(path, ("data",))]
    finally:
        streams.CHUNK = saved
    assert got == records


def test_json_lines_keep_going_after_a_broken_line(tmp_path: Path):
    path = tmp_path / "alerts.jsonl"
    path.write_text('{"id": "a"}\n{"id": "b", oops}\n\n{"data": [{"id": "c"}, {"id": "d"}]}\n')
    items = list(streams.json_records(path, ("data",)))
    assert [(i.line, i.value) for i in items if not i.error] == [
        (1, {"id": "a"}), (4, {"id": "c"}), (4, {"id": "d"})]
    assert [(i.line, i.fatal) for i in items if i.error] == [(2, False)]


def test_broken_json_array_stops_the_file_with_its_line(tmp_path: Path):
    path = tmp_path / "broken.json"
    path.write_text('{"result": [\n  {"number": "INC1"},\n  {"number": "INC2",,}\n]}\n')
    items = list(streams.json_records(path, ("result",)))
    assert items[0].value == {"number": "INC1"}
    assert (items[1].line, items[1].fatal) == (3, True)
    assert "invalid JSON" in items[1].error


def test_a_single_bare_record_and_a_list_of_pages(tmp_path: Path):
    one = tmp_path / "one.json"
    one.write_text('{"id": "PX", "title": "t", "log_entries": [{"type": "x"}]}')
    (item,) = streams.json_records(one, ("incidents", "log_entries"))
    assert item.value["log_entries"] == [{"type": "x"}]  # an id first: one record, not a page
    pages = tmp_path / "pages.json"
    pages.write_text(json.dumps([{"issues": [{"key": "A-1"}]}, {"issues": [{"key": "A-2"}]}]))
    assert [i.value["key"] for i in streams.json_records(pages, ("issues",))] == ["A-1", "A-2"]
