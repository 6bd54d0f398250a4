"""The monitoring collector on hand-built files: Prometheus rule files and PrometheusRule
resources (validated by the real promtool), Alertmanager configurations, Grafana dashboards
and alerting provisioning, Kapacitor TICKscripts and task lists, and alert history. Every
expected value is worked out by hand from the fixtures in tests/fixtures/monitoring."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsmaturity.collectors import get_collector
from opsmaturity.collectors.base import Collector, CollectorError
from opsmaturity.collectors.monitoring import history as alert_history
from opsmaturity.collectors.monitoring import rules as ar
from opsmaturity.collectors.monitoring.collector import MonitoringCollector, MonitoringOptions
from opsmaturity.collectors.monitoring.files import parse_duration
from opsmaturity.collectors.monitoring.measures import MEASURES, Thresholds
from opsmaturity.collectors.monitoring.rules import (
    AlertRule,
    Route,
    Router,
    classify,
    integration,
    parse_matchers,
)
from opsmaturity.collectors.monitoring.sources.kapacitor import scan
from opsmaturity.core.evidence import EvidenceSet
from opsmaturity.core.sources import SourceError
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "monitoring"
PROM = FIXTURES / "prometheus"
GRAFANA = FIXTURES / "grafana"
KAPACITOR = FIXTURES / "kapacitor"
HISTORY = FIXTURES / "history"
NONE_GIVEN = {
    "monitoring.muted_alert_rules": None,   # only Kibana and Watcher report these
    "monitoring.failing_alert_rules": None,
    "monitoring.firing_alerts": None,
    "monitoring.long_firing_alerts": None,
    "monitoring.alert_firings_per_week": None,
    "monitoring.noisy_alert_share": None,
    "monitoring.dashboards_total": None,
    "monitoring.dashboard_panels_total": None,
    "monitoring.services_with_dashboards": None,
}


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is not installed; `make test` installs it (scripts/system-deps, "
                    "Debian package prometheus)", pytrace=False)
    return path


def collect(**options: Any) -> EvidenceSet:
    return MonitoringCollector().collect(MonitoringOptions(**options))


def values(ev: EvidenceSet) -> dict[str, Any]:
    return {m.id: m.value for m in ev.measures}


def details(ev: EvidenceSet, mid: str) -> dict[str, Any]:
    measure = ev.measure(mid)
    assert measure is not None
    return measure.details


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text).lstrip(), encoding="utf-8")
    return path


# ---------------------------------------------------------------- the collector contract


def test_registered_collector_publishes_every_catalogue_measure():
    collector = get_collector("monitoring")
    assert isinstance(collector, Collector) and collector.name == "monitoring"
    catalogue = {"monitoring.alert_rules_total", "monitoring.heartbeat_alert_present",
                 "monitoring.symptom_alert_share", "monitoring.summary_share",
                 "monitoring.severity_label_share", "monitoring.owner_label_share",
                 "monitoring.runbook_url_share", "monitoring.noisy_alert_share",
                 "monitoring.oncall_routing_present"}
    assert catalogue <= set(collector.measures)
    assert len(set(MEASURES)) == len(MEASURES) == 27


def test_every_measure_and_rule_is_documented():
    doc = (ROOT / "docs" / "monitoring-evidence.md").read_text()
    for measure in MEASURES:
        assert f"`{measure}`" in doc, f"docs/monitoring-evidence.md does not explain {measure}"
    # the classification vocabulary in the code is the one written down
    words = [w for group in (*ar.SYMPTOM_WORDS.values(), *ar.CAUSE_WORDS.values())
             for w in group]
    keys = [*ar.SERVICE_LABELS, *ar.OWNER_LABELS, *ar.SEVERITY_LABELS, *ar.RUNBOOK_KEYS,
            *ar.SUMMARY_KEYS]
    for word in words + keys:
        assert re.search(rf"\b{re.escape(word)}\b", doc), f"docs lack {word!r}"
    for prefix in ar.HOST_METRIC_PREFIXES:
        assert f"`{prefix}*`" in doc, f"docs lack {prefix}*"
    readme = (ROOT / "README.md").read_text()
    assert "`opsmaturity collect prometheus" in readme
    assert "docs/monitoring-evidence.md" in readme


# ---------------------------------------------------------------- Prometheus files


def test_prometheus_rule_files_resource_and_alertmanager_routing():
    promtool()
    ev = collect(rules=[str(PROM / "rules"), str(PROM / "k8s")],
                 alertmanager_config=PROM / "alertmanager.yml")
    # 7 rules in rules/ (a recording rule is not an alert) + 2 in the PrometheusRule
    assert values(ev) == {
        "monitoring.alert_rules_total": 9,
        "monitoring.services_with_alerts": 2,          # checkout (job matcher), orders (label)
        "monitoring.runbook_url_share": 0.3333,        # 3 / 9
        "monitoring.summary_share": 0.6667,            # 6 / 9
        "monitoring.context_share": 0.3333,            # $value/$labels in 3 rules
        "monitoring.severity_label_share": 0.8889,     # all but CertificateExpiry
        "monitoring.owner_label_share": 0.5556,        # payments x2, ops, fulfilment x2
        "monitoring.for_duration_share": 0.5556,       # 5 of 9 have for: > 0
        "monitoring.for_duration_median_seconds": 60.0,
        "monitoring.heartbeat_alert_present": True,
        "monitoring.symptom_alert_share": 0.5,         # 3 symptom, 3 cause, 3 other
        "monitoring.oncall_routing_present": True,
        "monitoring.oncall_routed_share": 0.4444,      # the 4 critical rules page
        "monitoring.notification_channels": "email,pagerduty,slack",
        "monitoring.slack_receivers": 1,
        "monitoring.msteams_receivers": 0,
        "monitoring.email_receivers": 1,
        "monitoring.alerts_only_to_chat_or_email": False,
        **NONE_GIVEN,
    }
    assert ev.collector == "monitoring" and not ev.partial
    assert ev.coverage.ratio == 1.0 and ev.coverage.missing == []
    assert ev.window is None  # no history: no time window
    assert ev.source == (f"prometheus rules: {PROM / 'rules'}, {PROM / 'k8s'}; "
                         f"alertmanager config: {PROM / 'alertmanager.yml'}")

    total = details(ev, "monitoring.alert_rules_total")
    assert total["by_system"] == {"prometheus": 9} and total["recording_rules"] == 1
    assert "ignored_files" not in total and "notes" not in total
    rules = {r["name"]: r for r in total["rules"]}
    assert rules["OrdersQueueAbsent"] == {
        "name": "OrdersQueueAbsent", "system": "prometheus",
        "where": f"{PROM / 'k8s' / 'orders-rules.yaml'}:19", "service": "orders",
        "severity": "critical", "owner": "fulfilment", "runbook": True, "summary": True,
        "context": True, "for_seconds": 600.0, "class": "other"}
    assert rules["CheckoutDown"]["where"] == f"{PROM / 'rules' / 'checkout.yml'}:29"
    assert details(ev, "monitoring.services_with_alerts") == {
        "rules_per_service": {"checkout": 3, "orders": 1}, "rules_without_service": 5,
        "labels_read": ["service", "app", "application", "job"]}
    beats = {b["name"]: b["reason"] for b in details(ev, "monitoring.heartbeat_alert_present")
             ["rules"]}
    assert beats == {"CheckoutDown": "up == 0: fires when a target stops answering",
                     "Watchdog": "name 'Watchdog'",
                     "OrdersQueueAbsent": "absent(): fires when a series stops"}
    classes = {r["name"]: (r["class"], r["reasons"])
               for r in details(ev, "monitoring.symptom_alert_share")["rules"]}
    assert classes["CheckoutHighErrorRate"] == ("symptom", ["errors: 5xx status",
                                                            "errors: error"])
    assert classes["CheckoutSlow"][0] == "symptom"
    assert classes["HostDiskFull"] == ("cause", ["disk: disk", "disk: filesystem"])
    assert classes["OrdersMemoryHigh"] == ("cause", ["memory: memory"])
    assert classes["CertificateExpiry"] == ("other", [])
    assert details(ev, "monitoring.for_duration_share")["histogram"] == {
        "0s": 4, "1m": 1, "5m": 1, "10m": 2, "15m": 1}
    routed = {r["name"]: r["types"] for r in details(ev, "monitoring.oncall_routed_share")
              ["listed"]}
    assert routed["HostDiskFull"] == ["pagerduty"]  # critical wins: the first match stops
    assert routed["CheckoutSlow"] == ["email"]
    # routing keys and e-mail addresses are never copied into evidence
    text = ev.to_json()
    assert "0123456789abcdef" not in text and "team@example.com" not in text
    assert "hooks.slack.com" not in text


def test_prometheusrule_resource_alone():
    promtool()
    ev = collect(rules=[str(PROM / "k8s" / "orders-rules.yaml")])
    got = values(ev)
    assert got["monitoring.alert_rules_total"] == 2
    assert got["monitoring.heartbeat_alert_present"] is True  # absent()
    assert got["monitoring.symptom_alert_share"] == 0.0       # one cause, one other
    assert got["monitoring.owner_label_share"] == 1.0
    assert got["monitoring.oncall_routing_present"] is None   # no routing given
    assert details(ev, "monitoring.oncall_routing_present")["note"].startswith(
        "no routing given")
    assert ev.coverage.ratio == 1.0


def test_broken_rule_files_are_named_with_line_and_skipped():
    promtool()
    ev = collect(rules=[str(PROM / "rules"), str(PROM / "broken")])
    broken = PROM / "broken"
    assert ev.coverage.missing == [
        f"{broken / 'bad-expr.yml'}:5: promtool: group \"search\", rule 1, \"SearchErrors\": "
        "could not parse expression: 1:28: parse error: unexpected \")\" in subquery or "
        "range, expected \":\" or \"]\"",
        # promtool checks the extracted spec; the line is the rule's line in the resource
        f"{broken / 'bad-resource.yaml'}:11: promtool: group \"search\", rule 2, "
        "\"SearchBroken\": could not parse expression: 1:37: parse error: unexpected <by> in "
        "aggregation",
        f"{broken / 'bad-yaml.yml'}:6: invalid YAML: expected <block end>, but found "
        "'<block mapping start>' (while parsing a block collection at line 4)",
    ]
    assert ev.partial and ev.coverage.ratio == 0.4  # 2 of 5 files
    assert ev.measure("monitoring.alert_rules_total").value == 7  # the good files only


def test_without_promtool_a_broken_query_is_not_caught_and_the_run_says_so():
    ev = collect(rules=[str(PROM / "broken" / "bad-expr.yml")],
                 promtool="no-such-promtool-binary")
    assert ev.measure("monitoring.alert_rules_total").value == 1
    assert details(ev, "monitoring.alert_rules_total")["notes"] == [
        "rule files not validated: promtool is not installed (Debian/Ubuntu: apt-get install "
        "prometheus)"]
    assert ev.coverage.missing == []


def test_structural_problems_in_rule_files(tmp_path: Path):
    write(tmp_path / "no-expr.yml", """
        groups:
          - name: g
            rules:
              - alert: NoQuery
                labels: {severity: critical}
    """)
    write(tmp_path / "bad-for.yml", """
        groups:
          - name: g
            rules:
              - alert: Odd
                expr: up == 0
                for: five minutes
    """)
    write(tmp_path / "not-rules.yaml", """
        scrape_configs:
          - job_name: x
    """)
    write(tmp_path / "deployment.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api}
    """)
    write(tmp_path / "empty.yml", "groups: []\n")
    ev = collect(rules=[str(tmp_path)], promtool=None)
    assert ev.coverage.missing == [
        f"{tmp_path / 'bad-for.yml'}:6: alert 'Odd': for: 'five minutes' is not a duration",
        f"{tmp_path / 'no-expr.yml'}:4: alert 'NoQuery': expr: missing or not a query",
        f"{tmp_path / 'not-rules.yaml'}:1: not a Prometheus rule file: no groups: and no "
        "PrometheusRule resource",
    ]
    # the empty file and the Deployment are read: they hold no rules, which is no problem
    assert ev.coverage.ratio == 0.4
    assert values(ev)["monitoring.alert_rules_total"] == 0
    assert values(ev)["monitoring.heartbeat_alert_present"] is False
    assert ev.measure("monitoring.runbook_url_share").applicable is False
    assert details(ev, "monitoring.alert_rules_total")["ignored_files"] == [
        f"{tmp_path / 'deployment.yaml'}: no Prometheus rules (Kubernetes Deployment)"]


def test_saved_rules_api_answer_is_read(tmp_path: Path):
    answer = {"status": "success", "data": {"groups": [{"name": "api", "file": "/etc/r.yml",
              "rules": [
                  {"type": "alerting", "name": "ApiErrors", "query": "rate(errors_total[5m]) > 1",
                   "duration": 120, "labels": {"severity": "page", "team": "api"},
                   "annotations": {"runbook_url": "https://x/r"}},
                  {"type": "recording", "name": "x:y", "query": "sum(x)"}]}]}}
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(answer))
    ev = collect(rules=[str(path)])
    got = values(ev)
    assert got["monitoring.alert_rules_total"] == 1
    assert got["monitoring.runbook_url_share"] == 1.0
    assert got["monitoring.for_duration_median_seconds"] == 120.0
    assert got["monitoring.symptom_alert_share"] == 1.0
    assert details(ev, "monitoring.alert_rules_total")["recording_rules"] == 1


def test_email_only_routing_is_not_oncall():
    ev = collect(rules=[str(PROM / "rules")],
                 alertmanager_config=PROM / "alertmanager-email-only.yml", promtool=None)
    got = values(ev)
    assert got["monitoring.oncall_routing_present"] is False  # the pager is never routed to
    assert got["monitoring.oncall_routed_share"] == 0.0
    assert got["monitoring.notification_channels"] == "email"
    receivers = details(ev, "monitoring.oncall_routing_present")["receivers"]
    assert [(r["name"], r["reachable"]) for r in receivers] == [("everyone", True),
                                                                ("unused-pager", False)]
    assert got["monitoring.email_receivers"] == 1 and got["monitoring.slack_receivers"] == 0
    assert got["monitoring.alerts_only_to_chat_or_email"] is True
    assert details(ev, "monitoring.email_receivers")["receivers"] == ["prometheus: everyone"]


def test_slack_and_teams_receivers_are_named(tmp_path: Path):
    """Microsoft Teams natively, through an Office 365 connector and a workflow webhook; Slack
    through a plain webhook; an incident webhook pages."""
    config = tmp_path / "alertmanager.yml"
    config.write_text("""
route:
  receiver: teams
  routes:
    - receiver: chat-hooks
      matchers: ['severity="warning"']
    - receiver: incident-hook
      matchers: ['severity="critical"']
receivers:
  - name: teams
    msteams_configs:
      - webhook_url: https://example.webhook.office.com/webhookb2/abc
  - name: chat-hooks
    webhook_configs:
      - url: https://prod-12.westeurope.logic.azure.com/workflows/xyz
      - url: https://hooks.slack.com/services/T1/B1/C1
  - name: incident-hook
    webhook_configs:
      - url: https://incidents.example.com/alertmanager
""")
    ev = collect(rules=[str(PROM / "rules")], alertmanager_config=config, promtool=None)
    got = values(ev)
    assert got["monitoring.msteams_receivers"] == 2  # teams, chat-hooks (workflow webhook)
    assert got["monitoring.slack_receivers"] == 1 and got["monitoring.email_receivers"] == 0
    assert got["monitoring.alerts_only_to_chat_or_email"] is False  # the incident hook pages
    head = config.read_text().split("  - name: incident-hook")[0]
    config.write_text(head + """  - name: incident-hook
    email_configs:
      - to: ops@example.com
        from: am@example.com
        smarthost: localhost:25
""")
    got = values(collect(rules=[str(PROM / "rules")], alertmanager_config=config,
                         promtool=None))
    assert got["monitoring.email_receivers"] == 1
    assert got["monitoring.alerts_only_to_chat_or_email"] is True


def test_alertmanager_config_problems(tmp_path: Path):
    bad = write(tmp_path / "bad.yml", """
        route:
          receiver: mail
          routes:
            - matchers: ['severity=~"(crit"']
              receiver: pager
        receivers:
          - name: mail
            email_configs: [{to: a@example.com}]
    """)
    ev = collect(alertmanager_config=bad)
    assert ev.coverage.missing == [
        f"{bad}:4: route: invalid regular expression '(crit' for severity: missing ), "
        "unterminated subpattern at position 0"]
    assert values(ev)["monitoring.oncall_routing_present"] is None
    assert "could not be read" in details(ev, "monitoring.oncall_routing_present")["note"]

    dangling = write(tmp_path / "dangling.yml", """
        route:
          receiver: mail
          routes:
            - match: {severity: critical}
              receiver: pager
        receivers:
          - name: mail
            email_configs: [{to: a@example.com}]
    """)
    ev = collect(alertmanager_config=dangling)
    assert ev.coverage.missing == [
        f"{dangling}: route to receiver 'pager', which is not defined"]
    assert ev.coverage.ratio == 1.0 and ev.partial
    assert values(ev)["monitoring.oncall_routing_present"] is False


# ---------------------------------------------------------------- Grafana


def test_grafana_dashboards_and_alerting_provisioning():
    ev = collect(grafana=[str(GRAFANA / "dashboards"), str(GRAFANA / "provisioning")])
    assert values(ev) == {
        "monitoring.alert_rules_total": 4,            # 3 provisioned (1 paused) + 1 legacy
        "monitoring.services_with_alerts": 1,
        "monitoring.runbook_url_share": 0.5,
        "monitoring.summary_share": 0.75,
        "monitoring.context_share": 0.25,             # {{ $values.A }}
        "monitoring.severity_label_share": 0.5,
        "monitoring.owner_label_share": 0.75,
        "monitoring.for_duration_share": 0.75,
        "monitoring.for_duration_median_seconds": 450.0,   # 0, 300, 600, 600
        "monitoring.heartbeat_alert_present": True,   # noDataState: Alerting
        "monitoring.symptom_alert_share": 0.3333,     # 1 symptom, 2 causes, 1 other
        "monitoring.oncall_routing_present": True,
        "monitoring.oncall_routed_share": 0.3333,     # legacy alert's routing is unknown
        "monitoring.notification_channels": "email,pagerduty,slack",
        "monitoring.slack_receivers": 1,
        "monitoring.msteams_receivers": 0,
        "monitoring.email_receivers": 1,
        "monitoring.alerts_only_to_chat_or_email": False,
        "monitoring.firing_alerts": None,
        "monitoring.long_firing_alerts": None,
        "monitoring.alert_firings_per_week": None,
        "monitoring.noisy_alert_share": None,
        "monitoring.dashboards_total": 2,
        "monitoring.dashboard_panels_total": 7,       # rows not counted, collapsed ones opened
        "monitoring.services_with_dashboards": 3,
        "monitoring.muted_alert_rules": None,
        "monitoring.failing_alert_rules": None,
    }
    assert ev.coverage.ratio == 1.0 and not ev.partial
    total = details(ev, "monitoring.alert_rules_total")
    assert total["disabled_not_counted"] == [
        f"Old paused rule ({GRAFANA / 'provisioning' / 'alerting.yaml'}:47): paused"]
    assert total["ignored_files"] == [
        f"{GRAFANA / 'provisioning' / 'datasources.yaml'}: Grafana provisioning without "
        "alerting or dashboards"]
    assert details(ev, "monitoring.services_with_dashboards")["dashboards_per_service"] == {
        "checkout": 1, "node": 1, "psp-gateway": 1}
    assert details(ev, "monitoring.dashboard_panels_total")["per_dashboard"] == {
        "Checkout overview": 5, "Hosts (legacy)": 2}
    routed = {r["name"]: r["types"] for r in details(ev, "monitoring.oncall_routed_share")
              ["listed"]}
    assert routed == {"Checkout error budget burn": ["pagerduty"],
                      "Checkout metrics missing": ["email"],
                      "Host memory pressure": ["slack"]}  # notification_settings.receiver
    legacy = next(r for r in total["rules"] if r["name"] == "CPU busy alert")
    assert legacy["runbook"] is True and legacy["owner"] == "ops"
    assert legacy["class"] == "cause" and legacy["for_seconds"] == 600.0


def test_grafana_broken_file_is_reported_and_the_rest_measured():
    ev = collect(grafana=[str(GRAFANA)])
    assert ev.coverage.missing == [
        f"{GRAFANA / 'broken' / 'dashboard-broken.json'}:5: invalid JSON: Expecting ',' "
        "delimiter"]
    assert ev.coverage.ratio == 0.8  # 4 of 5 files (datasources.yaml read, nothing in it)
    assert values(ev)["monitoring.dashboards_total"] == 2


def test_grafana_api_exports(tmp_path: Path):
    rules = [
        {"uid": "a", "title": "Api 5xx", "ruleGroup": "api", "folderUID": "f", "for": "2m",
         "condition": "A", "labels": {"severity": "critical", "service": "api"},
         "annotations": {"summary": "5xx on {{ $labels.instance }}"},
         "data": [{"refId": "A", "model": {"expr": 'sum(rate(http_total{code=~"5.."}[5m]))'}}]},
        {"uid": "b", "title": "Disk", "ruleGroup": "hosts", "folderUID": "f", "for": "0s",
         "condition": "A", "labels": {"team": "ops"},
         "data": [{"refId": "A", "model": {"expr": "node_filesystem_free_bytes < 1e9"}}]},
    ]
    contacts = [
        {"uid": "1", "name": "oncall", "type": "opsgenie", "settings": {}},
        {"uid": "2", "name": "hook", "type": "webhook",
         "settings": {"url": "https://incidents.example.com/hook"}},
        {"uid": "3", "name": "mail", "type": "email", "settings": {"addresses": "x@y"}},
    ]
    policy = {"receiver": "mail", "routes": [
        {"receiver": "oncall", "object_matchers": [["severity", "=", "critical"]],
         "continue": True},
        {"receiver": "hook", "matchers": ["service=api"]}]}
    (tmp_path / "rules.json").write_text(json.dumps(rules))
    (tmp_path / "contact-points.json").write_text(json.dumps(contacts))
    (tmp_path / "policies.json").write_text(json.dumps(policy))
    ev = collect(grafana=[str(tmp_path)])
    got = values(ev)
    assert got["monitoring.alert_rules_total"] == 2
    assert got["monitoring.symptom_alert_share"] == 0.5
    assert got["monitoring.context_share"] == 0.5
    assert got["monitoring.oncall_routed_share"] == 0.5
    assert got["monitoring.notification_channels"] == "email,opsgenie,webhook"
    routed = {r["name"]: r["types"] for r in details(ev, "monitoring.oncall_routed_share")
              ["listed"]}
    # continue: true on the first route also sends the critical api alert to the webhook
    assert routed == {"Api 5xx": ["opsgenie", "webhook"], "Disk": ["email"]}

    ruler = {"Infra": [{"name": "hosts", "interval": "1m", "rules": [
        {"expr": "", "for": "5m", "labels": {"severity": "warning"},
         "annotations": {"runbook_url": "https://r"},
         "grafana_alert": {"title": "Heartbeat lost", "condition": "A", "data": [],
                           "no_data_state": "Alerting"}}]}]}
    other = tmp_path / "ruler"
    other.mkdir()
    (other / "ruler.json").write_text(json.dumps(ruler))
    ev = collect(grafana=[str(other)])
    assert values(ev)["monitoring.alert_rules_total"] == 1
    assert values(ev)["monitoring.heartbeat_alert_present"] is True
    assert values(ev)["monitoring.for_duration_median_seconds"] == 300.0


def test_prometheus_rules_given_as_grafana_files_are_pointed_to_rules():
    ev = collect(grafana=[str(PROM / "rules" / "node.yml")])
    assert ev.coverage.missing == [
        f"{PROM / 'rules' / 'node.yml'}:5: this is a Prometheus rule file: give it with "
        "--rules, not --grafana"]


# ---------------------------------------------------------------- Kapacitor


def test_kapacitor_tickscripts_tasks_and_topic_handlers():
    ev = collect(kapacitor=[str(KAPACITOR)])
    assert values(ev) == {
        "monitoring.alert_rules_total": 4,            # 3 scripts + 1 enabled task
        "monitoring.services_with_alerts": 1,         # "service" == 'checkout'
        "monitoring.runbook_url_share": 0.25,         # URL in .details()
        "monitoring.summary_share": 0.75,
        "monitoring.context_share": 0.5,              # index .Tags / .Fields
        "monitoring.severity_label_share": 1.0,       # every alert has a level
        "monitoring.owner_label_share": 0.25,         # .tag('team', 'payments')
        "monitoring.for_duration_share": None,        # Kapacitor has no pending period
        "monitoring.for_duration_median_seconds": None,
        "monitoring.heartbeat_alert_present": True,   # |deadman()
        "monitoring.symptom_alert_share": 0.3333,     # http_errors vs cpu and disk
        "monitoring.oncall_routing_present": True,
        "monitoring.oncall_routed_share": 0.25,
        "monitoring.notification_channels": "email,opsgenie,pagerduty,slack,webhook",
        "monitoring.slack_receivers": 2,
        "monitoring.msteams_receivers": 0,
        "monitoring.email_receivers": 2,
        "monitoring.alerts_only_to_chat_or_email": False,
        **{k: v for k, v in NONE_GIVEN.items()},
    }
    assert ev.measure("monitoring.for_duration_share").applicable is False
    tasks = KAPACITOR / "tasks" / "tasks.json"
    assert ev.coverage.missing == [
        f"{KAPACITOR / 'broken' / 'unclosed.tick'}:4: TICKscript: '(' is never closed",
        f"{tasks} task 'broken_task': script line 3: TICKscript: unterminated string",
    ]
    assert ev.coverage.ratio == 0.75  # 6 of 8: 3 scripts, the handler file, 2 tasks
    total = details(ev, "monitoring.alert_rules_total")
    assert total["disabled_not_counted"] == [
        f"old_latency ({tasks} task 'old_latency' script line 3): task disabled"]
    facts = {r["name"]: r for r in total["rules"]}
    assert facts["http_errors"]["where"] == f"{KAPACITOR / 'http_errors.tick'}:9"
    assert facts["disk_usage"]["where"] == f"{tasks} task 'disk_usage' script line 5"
    assert facts["deadman"]["owner"] == "payments"
    routed = {r["name"]: r["types"] for r in details(ev, "monitoring.oncall_routed_share")
              ["listed"]}
    assert routed == {"cpu_alert": ["email", "slack"], "deadman": ["webhook"],
                      "http_errors": ["opsgenie", "pagerduty"], "disk_usage": ["email"]}
    kinds = details(ev, "monitoring.notification_channels")["kinds"]
    assert kinds["webhook"] == "chat"  # .post() to hooks.slack.com is a chat message


def test_kapacitor_topic_without_handler_file_keeps_the_direct_handler():
    ev = collect(kapacitor=[str(KAPACITOR / "http_errors.tick")])
    routed = details(ev, "monitoring.oncall_routed_share")["listed"]
    assert routed == [{"name": "http_errors", "where": f"{KAPACITOR / 'http_errors.tick'}:9",
                       "oncall": True, "types": ["pagerduty"]}]


def test_tickscript_scanner_skips_comments_and_strings():
    calls = scan("x.tick", dedent("""\
        // a comment with |alert() and a ( that means nothing
        stream
            |from().measurement('a|b') // .slack()
            |alert()
                .message('''line one
        line two (with a parenthesis''')
                .crit(lambda: "value" > 1)
                .email('x@example.com')
        """))
    assert [(c.kind, c.name, c.line) for c in calls] == [
        ("node", "from", 3), ("property", "measurement", 3), ("node", "alert", 4),
        ("property", "message", 5), ("property", "crit", 7), ("property", "email", 8)]
    assert calls[3].strings == ["line one\nline two (with a parenthesis"]
    with pytest.raises(SourceError) as exc:
        scan("y.tick", "stream\n  |alert()\n    .crit(lambda: \"x\" > 1))\n")
    assert str(exc.value) == "y.tick:3: TICKscript: ')' without '('"


# ---------------------------------------------------------------- alert history


def test_history_from_an_alerts_range_query():
    ev = collect(alert_history=[str(HISTORY / "alerts-range.json")])
    got = values(ev)
    assert got["monitoring.alert_firings_per_week"] == 4.0  # 3 + 1 episodes, pending left out
    assert got["monitoring.noisy_alert_share"] == 0.5
    assert got["monitoring.alert_rules_total"] is None
    noise = details(ev, "monitoring.noisy_alert_share")
    assert noise["alerts"] == [
        {"alertname": "CheckoutHighErrorRate", "firings": 3, "quick_refires": 2,
         "per_week": 3.0, "flapping": True, "noisy": True},
        {"alertname": "HostHighCPU", "firings": 1, "quick_refires": 0, "per_week": 1.0,
         "flapping": False, "noisy": False}]
    assert noise["window"]["weeks_counted"] == 1.0  # 89 minutes are not extrapolated
    assert ev.window is not None
    assert (ev.window.start.isoformat(), ev.window.end.isoformat()) == (
        "2026-10-05T08:00:00+00:00", "2026-10-05T09:29:00+00:00")


def test_history_from_webhook_payloads_over_two_weeks():
    ev = collect(alert_history=[str(HISTORY / "webhook.jsonl")])
    got = values(ev)
    assert got["monitoring.alert_firings_per_week"] == 8.5   # 17 firings / 2 weeks
    assert got["monitoring.noisy_alert_share"] == 0.5        # DiskFull: 8 a week > 7
    assert ev.coverage.missing == [
        f"{HISTORY / 'webhook.jsonl'}:35: alert record skipped: no alertname label"]
    assert ev.coverage.ratio == 1.0 and ev.partial
    alerts = details(ev, "monitoring.noisy_alert_share")["alerts"]
    assert [(a["alertname"], a["firings"], a["noisy"]) for a in alerts] == [
        ("DiskFull", 16, True), ("CheckoutDown", 1, False)]
    # a higher threshold makes DiskFull acceptable
    ev = MonitoringCollector().collect(MonitoringOptions(
        alert_history=[str(HISTORY / "webhook.jsonl")],
        thresholds=Thresholds(noisy_per_week=8)))
    assert values(ev)["monitoring.noisy_alert_share"] == 0.0


def test_history_from_csv():
    ev = collect(alert_history=[str(HISTORY / "alerts.csv")])
    assert values(ev)["monitoring.alert_firings_per_week"] == 4.0
    assert values(ev)["monitoring.noisy_alert_share"] == 0.5   # QueueBacklog flaps
    assert ev.coverage.missing == [
        f"{HISTORY / 'alerts.csv'}:6: alert record skipped: no start time"]


def test_history_files_together_share_one_window():
    ev = collect(alert_history=[str(HISTORY / "webhook.jsonl"), str(HISTORY / "alerts.csv"),
                                str(HISTORY / "alerts-range.json")])
    # 17 + 4 + 4 firings over 2026-10-01 .. 2026-10-15 (two weeks)
    assert values(ev)["monitoring.alert_firings_per_week"] == 12.5
    assert values(ev)["monitoring.noisy_alert_share"] == 0.5  # 3 noisy of 6 alerts


def test_streamed_json_list_gives_the_same_episodes_at_any_chunk_size(tmp_path: Path,
                                                                      monkeypatch):
    records = [{"labels": {"alertname": f"A{i % 3}", "instance": f"i{i}"},
                "startsAt": f"2026-10-0{1 + i % 5}T0{i % 10}:00:00Z",
                "endsAt": "2026-10-09T00:00:00Z", "status": {"state": "active"},
                "fingerprint": f"{i:016x}"} for i in range(40)]
    path = tmp_path / "am-alerts.json"
    path.write_text(json.dumps(records, indent=2))
    whole = alert_history.read_history_file(path)
    assert len(whole.episodes) == 40 and whole.records == 40
    monkeypatch.setattr(alert_history, "CHUNK", 7)
    assert alert_history.read_history_file(path) == whole
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(records[:3], indent=2).replace("},\n  {", "}\n  {", 1))
    with pytest.raises(SourceError) as exc:
        alert_history.read_history_file(broken)
    assert str(exc.value) == f"{broken}:14: invalid JSON: expected ',' or ']'"


def test_broken_history_files_are_named(tmp_path: Path):
    lines = write(tmp_path / "log.jsonl", '{"alerts": []}\n{"alerts": [\n')
    csv_file = write(tmp_path / "export.csv", "name,start\nx,2026-01-01\n")
    ev = collect(alert_history=[str(lines), str(csv_file)])
    assert ev.coverage.missing == [
        f"{lines}:2: invalid JSON: Expecting value",
        f"{csv_file}:1: CSV header has no alertname column",
    ]
    assert values(ev)["monitoring.noisy_alert_share"] is None
    assert "could not be read" in details(ev, "monitoring.noisy_alert_share")["note"]


# ---------------------------------------------------------------- all stacks together


def test_all_stacks_feed_the_same_measures():
    ev = collect(rules=[str(PROM / "rules")], alertmanager_config=PROM / "alertmanager.yml",
                 grafana=[str(GRAFANA / "dashboards"), str(GRAFANA / "provisioning")],
                 kapacitor=[str(KAPACITOR / "cpu_alert.tick"),
                            str(KAPACITOR / "http_errors.tick")],
                 alert_history=[str(HISTORY / "webhook.jsonl")], promtool=None)
    got = values(ev)
    assert details(ev, "monitoring.alert_rules_total")["by_system"] == {
        "grafana": 4, "kapacitor": 2, "prometheus": 7}
    assert got["monitoring.alert_rules_total"] == 13
    assert got["monitoring.runbook_url_share"] == 0.3846    # 2 + 2 + 1 of 13
    assert got["monitoring.symptom_alert_share"] == 0.5     # 3+1+1 symptom, 2+2+1 cause
    # routed: 3 Prometheus (Alertmanager), 1 Grafana (policies), 1 Kapacitor (handlers)
    assert got["monitoring.oncall_routed_share"] == 0.4167  # 5 of 12 (legacy alert unknown)
    assert got["monitoring.notification_channels"] == "email,pagerduty,slack"
    assert ev.source == (
        f"prometheus rules: {PROM / 'rules'}; alertmanager config: {PROM / 'alertmanager.yml'}"
        f"; grafana: {GRAFANA / 'dashboards'}, {GRAFANA / 'provisioning'}; kapacitor: "
        f"{KAPACITOR / 'cpu_alert.tick'}, {KAPACITOR / 'http_errors.tick'}; alert history: "
        f"{HISTORY / 'webhook.jsonl'}")


# ---------------------------------------------------------------- inputs the user must fix


@pytest.mark.parametrize(("options", "message"), [
    ({}, "no monitoring source given"),
    ({"rules": ["/no/such/rules.yml"]}, "/no/such/rules.yml: no such file or directory"),
    ({"rules": [str(FIXTURES / "nothing-*.yml")]}, "no rule files match this pattern"),
    ({"rules": [str(KAPACITOR / "broken")]}, "no rule files \\(.yml, .yaml, .json\\) in"),
    ({"alertmanager_config": "/no/such/am.yml"}, "/no/such/am.yml: no such file"),
])
def test_inputs_that_name_nothing_are_user_errors(options: dict[str, Any], message: str):
    with pytest.raises(CollectorError, match=message.replace("*", r"\*")):
        collect(**options)


def test_url_must_be_http():
    with pytest.raises(ValueError, match="is not an http:// or https:// URL"):
        MonitoringOptions(prometheus_url="localhost:9090")


# ---------------------------------------------------------------- the rules, unit by unit


def test_matchers_and_routing_semantics():
    assert [str(m) for m in parse_matchers('{severity=~"crit.*", team!="ops"}')] == [
        'severity=~"crit.*"', 'team!="ops"']
    assert [str(m) for m in parse_matchers("team = payments")] == ['team="payments"']
    with pytest.raises(ValueError, match="not a label matcher"):
        parse_matchers("severity")
    m = parse_matchers('team!~"ops|sre"')[0]
    assert m.matches({"team": "payments"}) and m.matches({}) and not m.matches({"team": "ops"})

    def route(receiver: str | None, match: str = "", cont: bool = False,
              *routes: Route) -> Route:
        return Route(receiver=receiver, matchers=parse_matchers(match) if match else [],
                     continue_=cont, routes=list(routes))

    tree = route("default", "", False,
                 route("pager", 'severity="critical"', True),
                 route(None, 'team="payments"', False, route("payments-chat", 'env="prod"')),
                 route("never", 'severity="critical"'))
    router = Router(system="prometheus", source="t", root=tree)
    assert router.receivers_for({"severity": "critical", "team": "payments",
                                 "env": "prod"}) == ["pager", "payments-chat"]
    assert router.receivers_for({"team": "payments"}) == ["default"]  # inherited receiver
    assert router.receivers_for({"severity": "critical"}) == ["never", "pager"]
    assert router.receivers_for({}) == ["default"]
    assert router.reachable() == {"default", "pager", "payments-chat", "never"}


@pytest.mark.parametrize(("type_", "url", "kind"), [
    ("pagerduty", None, "oncall"), ("opsgenie", None, "oncall"), ("victorops", None, "oncall"),
    ("webhook", "https://alerts.internal/hook", "oncall"),
    ("webhook", "https://hooks.slack.com/services/x", "chat"),
    ("webhook", "https://events.pagerduty.com/x", "oncall"),
    ("slack", None, "chat"), ("msteams", None, "chat"), ("email", None, "email"),
    ("sns", None, "other"), ("prometheus-alertmanager", None, "other"),
])
def test_integration_kinds(type_: str, url: str | None, kind: str):
    assert integration(type_, url).kind == kind


@pytest.mark.parametrize(("name", "expr", "cls"), [
    ("ApiHighLatency", "histogram_quantile(0.99, rate(x_bucket[5m])) > 1", "symptom"),
    ("Api5xx", 'rate(http_requests_total{code=~"5.."}[5m]) > 0', "symptom"),
    ("BlackboxProbeFailed", "probe_success == 0", "symptom"),
    ("HostOutOfMemory", "node_memory_MemAvailable_bytes < 1e8", "cause"),
    ("KubePodCrashLooping", "rate(kube_pod_container_status_restarts_total[5m]) > 0", "cause"),
    ("NodeNetworkReceiveErrs", "rate(node_network_receive_errs_total[2m]) > 0.01", "cause"),
    ("KafkaConsumerLag", "kafka_consumergroup_lag > 1000", "other"),
])
def test_classification(name: str, expr: str, cls: str):
    rule = AlertRule(system="prometheus", name=name, where="t", expr=expr)
    assert classify(rule)[0] == cls


def test_durations():
    assert parse_duration("1h30m") == 5400
    assert parse_duration("1m0s") == 60
    assert parse_duration("90s") == 90
    assert parse_duration("1d") == 86400
    assert parse_duration(0) == 0.0
    assert parse_duration("five minutes") is None


# ---------------------------------------------------------------- no input gives a traceback


KEYS = ["groups", "rules", "alert", "record", "expr", "for", "labels", "annotations", "name",
        "kind", "spec", "apiVersion", "items", "data", "dashboard", "panels", "rows",
        "targets", "contactPoints", "receivers", "type", "settings", "policies", "routes",
        "object_matchers", "matchers", "match", "receiver", "route", "tasks", "script",
        "topic", "handlers", "actions", "options", "alerts", "startsAt", "endsAt", "status",
        "result", "metric", "values", "resultType", "title", "grafana_alert", "templating",
        "list", "current", "value", "query", "severity", "alertname", "url", "model",
        "email_configs", "webhook_configs", "alertmanager_config", "isPaused", "state"]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False)
    | st.sampled_from(["", "5m", "up == 0", "critical", "2026-10-01T00:00:00Z", "matrix",
                       "PrometheusRule", "List", "firing", 'a="b"', "|alert()", "x"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=JSON, script=st.text(alphabet="|.@()'\"/\n abc", max_size=40))
def test_malformed_input_never_raises(tmp_path_factory, value: Any, script: str):
    tmp = tmp_path_factory.mktemp("fuzz")
    text = json.dumps(value)
    for name in ("rules.json", "grafana.json", "tasks.json", "history.json", "am.yml"):
        (tmp / name).write_text(text)
    (tmp / "task.tick").write_text(script)
    ev = collect(rules=[str(tmp / "rules.json")], grafana=[str(tmp / "grafana.json")],
                 kapacitor=[str(tmp / "tasks.json"), str(tmp / "task.tick")],
                 alert_history=[str(tmp / "history.json")],
                 alertmanager_config=tmp / "am.yml", promtool=None)
    assert len(ev.measures) == len(MEASURES)
    for problem in ev.coverage.missing:
        assert problem.startswith(str(tmp)), problem
