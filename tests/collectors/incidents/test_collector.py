"""The incidents collector end to end: exact measures from hand-computed fixtures, duplicates
merged across tools, the window, pseudonyms, coverage, and the measures' documentation."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from opsmaturity.collectors import get_collector
from opsmaturity.collectors.base import Collector, CollectorError
from opsmaturity.collectors.incidents.collector import IncidentsCollector
from opsmaturity.collectors.incidents.measures import pseudonym
from opsmaturity.collectors.incidents.merge import similar, title_words
from opsmaturity.collectors.incidents.options import MEASURES, IncidentsOptions
from opsmaturity.core.evidence import EvidenceSet
from opsmaturity.core.stats import p90

ROOT = Path(__file__).parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "incidents"
VENDORS = ["pagerduty_incidents.json", "pagerduty_analytics.json", "jira_issues.json",
           "servicenow_incidents.json", "opsgenie_alerts.json", "opsgenie_incidents.json"]


def collect(*files: str | Path, **options: Any) -> EvidenceSet:
    paths = [f if isinstance(f, Path) else FIXTURES / f for f in files]
    return IncidentsCollector().collect(IncidentsOptions(files=paths, **options))


def values(ev: EvidenceSet) -> dict[str, Any]:
    return {m.id: m.value for m in ev.measures}


def details(ev: EvidenceSet, measure_id: str) -> dict[str, Any]:
    measure = ev.measure(measure_id)
    assert measure is not None
    return measure.details


MARCH = {"since": datetime(2024, 3, 1, tzinfo=UTC), "until": datetime(2024, 4, 1, tzinfo=UTC)}


@pytest.fixture(scope="module")
def team() -> EvidenceSet:
    """team.csv in March 2024, the team working in Zurich (naive times are Zurich time)."""
    return collect("team.csv", timezone="Europe/Zurich", **MARCH)


def test_it_is_a_registered_collector_publishing_every_measure(team: EvidenceSet):
    collector = get_collector("incidents")
    assert isinstance(collector, Collector) and collector.measures == MEASURES
    assert [m.id for m in team.measures] == list(MEASURES)


def test_team_measures_are_exact(team: EvidenceSet):
    v = values(team)
    # T1..T8 are in March; T9 (February) only serves as history; T10, T11 are broken
    assert v["incidents.count"] == 8
    assert v["incidents.high_severity_count"] == 5  # SEV1: T1 T4, SEV2: T2 T5 T7
    assert v["incidents.per_week"] == round(8 / (31 / 7), 3)
    # acknowledge, minutes: T1 4, T2 10, T3 30 (naive 14:00 Zurich = 13:00Z), T4 20, T6 2, T7 6
    assert v["incidents.mtta_minutes_median"] == 8.0  # (6 + 10) / 2
    assert v["incidents.mtta_minutes_p90"] == 30.0  # ceil(0.9 * 6) = 6th of 6
    # resolve, hours: T1 1, T2 4, T3 2, T4 8, T5 0.5, T6 6, T7 12 (T8 is open)
    assert v["incidents.mttr_hours_median"] == 4.0
    assert v["incidents.mttr_hours_p90"] == 12.0  # ceil(6.3) = 7th of 7
    assert v["incidents.mttr_spread_ratio"] == 3.0
    # detection: monitoring T1 T4 T6, customer T2 T5, staff T3 T8, unknown T7
    assert v["incidents.detected_by_monitoring_share"] == round(3 / 7, 4)
    assert v["incidents.detected_by_customer_share"] == round(2 / 7, 4)
    assert v["incidents.detected_by_staff_share"] == round(2 / 7, 4)
    assert v["incidents.detection_known_share"] == 0.875
    # reviews of high-severity incidents: T1 yes, T2 no, T4 no, T5 yes, T7 yes
    assert v["incidents.postmortem_share"] == 0.6
    assert v["incidents.postmortem_share_all"] == 0.375  # 3 of 8
    # repeats: T1 of T9 (February), T2 of T1, T5 of T2, T8 of T3
    assert v["incidents.repeat_count"] == 4 and v["incidents.repeat_share"] == 0.5
    # handlers: Alice T1 T3 T4 T7, Bob T2 T5 T6, Dave T8
    assert v["incidents.top_responder_share"] == 0.5
    assert v["incidents.top2_responder_share"] == 0.875
    # median hours: Alice (1, 2, 8, 12) -> 5, Bob (4, 0.5, 6) -> 4
    assert v["incidents.mttr_by_responder_ratio"] == 1.25
    # pages outside Mon-Fri 08-18 Zurich: T2 Bob (Sun 22:00), T4 Alice+Carol (Fri 04:00),
    # T7 Alice (Sat 21:00): 4 of 10 pages, 4 people paged
    assert v["incidents.after_hours_pages_per_person"] == 1.0
    assert v["incidents.after_hours_pages_max_person"] == 2
    assert v["incidents.after_hours_page_share"] == 0.4
    # changes: T1 yes, T2 no, T4 yes, T5 no, T7 no (T3 T6 T8 unknown)
    assert v["incidents.change_caused_share"] == 0.4
    assert v["incidents.duplicates_merged"] == 0
    assert v["incidents.skipped_records"] == 2


def test_team_details_allow_drill_down(team: EvidenceSet):
    count = details(team, "incidents.count")
    assert count["by_severity"] == {"critical": 2, "high": 3, "moderate": 2, "low": 1,
                                    "unknown": 0}
    assert count["by_service"]["checkout"] == 3
    assert count["by_service_severity"]["checkout"] == {"critical": 1, "high": 2}
    assert (count["open"], count["outside_window"]) == (1, 1)
    ttr = details(team, "incidents.mttr_hours_median")["by_severity"]
    assert ttr["critical"] == {"n": 2, "median": 4.5, "p90": 8.0}
    assert ttr["high"] == {"n": 3, "median": 4.0, "p90": 12.0}
    pairs = {p["incident"]: p["repeats"] for p in details(team, "incidents.repeat_count")["pairs"]}
    assert pairs == {"T1": "T9", "T2": "T1", "T5": "T2", "T8": "T3"}
    assert details(team, "incidents.change_caused_share")["incidents"] == {
        "T1": "deploy-881", "T4": "cfg-12"}
    assert details(team, "incidents.postmortem_share")["without_review"] == ["T2", "T4"]


def test_people_are_pseudonymised_unless_asked(team: EvidenceSet):
    text = team.to_json()
    for name in ("Alice", "Bob", "Carol", "Dave"):
        assert name not in text
    handled = details(team, "incidents.top_responder_share")["handled_by"]
    assert handled == {pseudonym("Alice"): 4, pseudonym("Bob"): 3, pseudonym("Dave"): 1}
    assert pseudonym("Alice") == pseudonym(" alice ")  # stable and case-insensitive
    named = collect("team.csv", timezone="Europe/Zurich", show_names=True, **MARCH)
    assert details(named, "incidents.top_responder_share")["handled_by"] == {
        "Alice": 4, "Bob": 3, "Dave": 1}
    assert details(named, "incidents.after_hours_pages_per_person")["by_person"]["Alice"] == {
        "pages": 4, "after_hours": 2}


def test_broken_rows_lower_coverage_and_are_named(team: EvidenceSet):
    path = FIXTURES / "team.csv"
    assert team.partial is True
    assert team.coverage.ratio == round(9 / 11, 4)
    assert team.coverage.missing[:2] == [
        f"{path}:11: incident T10: opened: cannot read the time 'soon'",
        f"{path}:12: incident T11: resolved (2024-03-28T09:00:00Z) lies before opened "
        "(2024-03-28T10:00:00Z)",
    ]


def test_the_naive_time_assumption_is_an_option():
    # read in UTC, T3's naive 14:00 lies after its acknowledgement at 13:30Z: a broken row
    ev = collect("team.csv", **MARCH)
    assert values(ev)["incidents.skipped_records"] == 3
    assert any("T3: acknowledged (2024-03-12T13:30:00Z) lies before opened" in m
               for m in ev.coverage.missing)
    fixed = collect("team.csv", naive_timezone="Europe/Zurich", **MARCH)
    assert values(fixed)["incidents.skipped_records"] == 2
    # business hours default to UTC: T4 at 03:00Z is still after hours, the rest keep theirs
    assert values(fixed)["incidents.after_hours_page_share"] == 0.4


def test_business_hours_and_days_are_options():
    ev = collect("team.csv", timezone="Europe/Zurich", business_hours="00:00-23:59",
                 business_days="mon-sun", **MARCH)
    assert values(ev)["incidents.after_hours_page_share"] == 0.0
    ev = collect("team.csv", timezone="Europe/Zurich", business_days="sun-thu", **MARCH)
    # Sun 22:00 (T2), Fri 04:00 (T4 x2), Sat 21:00 (T7) are all off days now; the Friday
    # hours count as after hours anyway: still 4 of 10
    assert values(ev)["incidents.after_hours_page_share"] == 0.4
    ev = collect("team.csv", timezone="Europe/Zurich", business_hours="11:00-18:00", **MARCH)
    # T1 Mon 10:00 and T5 Mon 11:00 (Bob), T8 Tue 10:00: T1 and T8 now after hours
    assert values(ev)["incidents.after_hours_page_share"] == 0.6


def test_duplicates_across_tools_are_merged():
    ev = collect(*VENDORS, naive_timezone="Europe/Zurich")
    v = values(ev)
    # PD REST + PD analytics (same id), PD PABC003 + Jira OPS-7 (incident_key names the
    # issue), ServiceNow INC0010002 + Opsgenie "Mail queue stuck on mx-01" (5 minutes apart)
    assert v["incidents.duplicates_merged"] == 3
    assert v["incidents.count"] == 10
    assert v["incidents.skipped_records"] == 5
    assert ev.coverage.ratio == round(13 / 18, 4)
    groups = details(ev, "incidents.duplicates_merged")["groups"]
    assert sorted(g[0].split(" ")[0] for g in groups) == [
        "opsgenie:1f0c9e8a-5d7b-4f3e-9a2c-7b6d5e4f3a21", "pagerduty:PABC001",
        "pagerduty:PABC003"]
    search = next(g for g in groups if g[0].startswith("pagerduty:PABC003"))
    assert search == [f"pagerduty:PABC003 ({FIXTURES / 'pagerduty_incidents.json'}:84)",
                      f"jira:OPS-7 ({FIXTURES / 'jira_issues.json'}:7)"]
    # resolve hours: 2 4 2 6 3 1 1.5 1.5 (two incidents open)
    assert v["incidents.mttr_hours_median"] == 2.0 and v["incidents.mttr_hours_p90"] == 6.0
    # detection: monitoring PABC001 PABC003 INC0010002 og-1; customer OPS-8 INC0010001 og-2;
    # staff PABC002; unknown PABC010 and the Opsgenie incident
    assert (v["incidents.detected_by_monitoring_share"],
            v["incidents.detected_by_customer_share"],
            v["incidents.detected_by_staff_share"]) == (0.5, 0.375, 0.125)
    assert v["incidents.change_caused_share"] == 0.5  # INC0010001, OPS-8 of 4 known


def test_without_the_right_naive_zone_the_duplicate_is_not_recognised():
    # ServiceNow's 08:00 display time read as UTC lies 55 minutes from Opsgenie's alert
    ev = collect(*VENDORS)
    assert values(ev)["incidents.duplicates_merged"] == 2
    assert values(ev)["incidents.count"] == 11


def test_merged_record_takes_earliest_open_and_known_facts():
    from opsmaturity.collectors.incidents.collector import load
    from opsmaturity.collectors.incidents.merge import merge_duplicates

    options = IncidentsOptions(files=[FIXTURES / f for f in VENDORS],
                               naive_timezone="Europe/Zurich")
    merged = {r.id: r for r in merge_duplicates(load(options).records, options).records}
    mail = merged["1f0c9e8a-5d7b-4f3e-9a2c-7b6d5e4f3a21"]
    assert mail.opened == datetime(2024, 3, 9, 7, tzinfo=UTC)  # ServiceNow, 5 minutes earlier
    assert mail.resolved == datetime(2024, 3, 9, 8, tzinfo=UTC)  # Opsgenie has precedence
    assert mail.postmortem == "yes" and mail.caused_by_change == "no"  # from ServiceNow
    assert mail.responders == ("Ivan Drago",) and mail.team == "Messaging"
    search = merged["PABC003"]
    assert search.severity == "moderate"  # the most severe: Jira Medium over PD low urgency
    assert search.responders == ("Alice Example",)


def test_two_ids_of_one_tool_never_merge(tmp_path: Path):
    path = tmp_path / "dups.csv"
    path.write_text("id,title,service,opened\nA,Disk full,db,2024-03-01T10:00:00Z\n"
                    "B,Disk full,db,2024-03-01T10:01:00Z\nA,Disk full,db,2024-03-01T10:00:00Z\n")
    v = values(collect(path))
    assert (v["incidents.count"], v["incidents.duplicates_merged"]) == (2, 1)
    assert v["incidents.repeat_count"] == 1  # B repeats A one minute later


def test_rows_without_ids_of_two_sheets_stay_apart(tmp_path: Path):
    for name, title in (("a.csv", "Disk full"), ("b.csv", "Login slow")):
        (tmp_path / name).write_text(f"title,service,opened\n{title},x,2024-03-01T10:00:00Z\n")
    ev = collect(tmp_path / "a.csv", tmp_path / "b.csv")
    assert values(ev)["incidents.count"] == 2
    assert values(ev)["incidents.duplicates_merged"] == 0
    again = collect(tmp_path / "a.csv", tmp_path / "a.csv")  # the same sheet twice: one
    assert values(again)["incidents.count"] == 1


def test_window_is_the_data_span_by_default_and_until_is_exclusive(tmp_path: Path):
    ev = collect("team.csv", timezone="Europe/Zurich")
    assert ev.window is not None
    assert (ev.window.start, ev.window.end) == (datetime(2024, 2, 20, 10, tzinfo=UTC),
                                                datetime(2024, 3, 26, 9, tzinfo=UTC))
    assert values(ev)["incidents.count"] == 9
    ev = collect("team.csv", timezone="Europe/Zurich",
                 since=datetime(2024, 3, 4, 9, tzinfo=UTC),
                 until=datetime(2024, 3, 26, 9, tzinfo=UTC))
    assert values(ev)["incidents.count"] == 7  # T1 (at since) in, T8 (at until) out


def test_an_empty_window_is_not_applicable_not_zero():
    ev = collect("team.csv", timezone="Europe/Zurich", since=datetime(2025, 1, 1, tzinfo=UTC))
    count = ev.measure("incidents.count")
    assert count is not None and count.value == 0 and count.applicable
    mttr = ev.measure("incidents.mttr_hours_median")
    assert mttr is not None and mttr.value is None and not mttr.applicable
    assert "no incidents in the window" in ev.coverage.missing


def test_sources_without_acknowledgements_say_so():
    ev = collect("servicenow_incidents.json", naive_timezone="Europe/Zurich")
    v = values(ev)
    assert v["incidents.mtta_minutes_median"] is None
    assert ev.measure("incidents.mtta_minutes_median").applicable  # not measured, not n/a
    assert "no acknowledgement times (Jira and ServiceNow record none)" in ev.coverage.missing
    assert v["incidents.after_hours_pages_per_person"] is None  # tickets page nobody


def test_unreadable_input_is_a_collector_error(tmp_path: Path):
    with pytest.raises(CollectorError, match=r"nope\.json: no such file"):
        collect(tmp_path / "nope.json")
    odd = tmp_path / "odd.csv"
    odd.write_text("when,what\n1,2\n")
    with pytest.raises(CollectorError, match=r"odd\.csv: cannot tell which tool.*--format"):
        collect(odd)
    broken = tmp_path / "all-broken.csv"
    broken.write_text("id,opened\nA,never\nB,\n")
    with pytest.raises(CollectorError, match=r"all-broken\.csv:2: incident A: opened: cannot "
                                             r"read the time 'never' \(and 1 more broken "
                                             r"records\) \[no incident could be read\]"):
        collect(broken)
    with pytest.raises(CollectorError, match=r"team\.csv:11: .* \[--strict\]"):
        collect("team.csv", timezone="Europe/Zurich", strict=True)
    with pytest.raises(CollectorError, match=r"timezone: unknown time zone 'Mars/Olympus'"):
        IncidentsCollector().collect(_Loose(files=["x"], timezone="Mars/Olympus"))


class _Loose:
    """Options as another caller might pass them: any object with model_dump()."""

    def __init__(self, **data: Any) -> None:
        self.data = data

    def model_dump(self) -> dict[str, Any]:
        return self.data


def test_option_validation_messages():
    for bad, message in [({"business_hours": "18-08"}, "08:00-18:00"),
                         ({"business_hours": "18:00-08:00"}, "08:00-18:00"),
                         ({"business_days": "weekdays"}, "mon-fri"),
                         ({"naive_timezone": "CEST+1"}, "IANA")]:
        with pytest.raises(ValueError, match=message):
            IncidentsOptions(files=[Path("x")], **bad)
    assert IncidentsOptions(files=[Path("x")], business_days="fri-mon").days() == {4, 5, 6, 0}


def test_titles_are_compared_without_ids_and_numbers():
    assert title_words("[FIRING:1] HighCPU on checkout-7d9f8 (10.0.0.12)") == {
        "firing", "highcpu", "checkout"}
    assert title_words("Disk full on db-01 https://grafana/d/abc?x=1") == {"disk", "full", "db"}
    assert similar(title_words("Checkout 500 errors again"), title_words("Checkout errors"), 0.5)
    assert not similar(title_words("Login slow"), title_words("Checkout slow"), 0.5)
    assert not similar(frozenset(), frozenset(), 0.5)
    assert p90([5.0]) == 5.0 and p90(list(range(1, 11))) == 9.0 and p90([]) is None


def test_every_measure_is_documented():
    doc = (ROOT / "docs" / "incident-evidence.md").read_text()
    for measure in MEASURES:
        assert f"`{measure}`" in doc, f"docs/incident-evidence.md does not define {measure}"
    for rule in ("p90", "nearest-rank", "similar title", "after hours", "naive"):
        assert rule in doc.casefold(), f"docs/incident-evidence.md does not explain {rule}"


def test_catalogue_probes_on_incidents_read_published_measures():
    from opsmaturity.scoring.catalogue import load_catalogue

    probes = [p for p in load_catalogue().probes if p.measure.startswith("incidents.")]
    assert len(probes) >= 6
    for probe in probes:
        assert probe.measure in MEASURES


def test_evidence_round_trips_as_json(team: EvidenceSet):
    again = EvidenceSet.from_json(team.to_json())
    assert again == team
    assert re.search(r'"collector": "incidents"', team.to_json())
    assert json.loads(team.to_json())["window"]["start"].startswith("2024-03-01")
