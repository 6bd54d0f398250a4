"""Loki ruler rules through the Prometheus rule reader: files (plain groups and the ruler's
`namespace: [groups]` listing) and a running ruler's rules endpoint served over HTTP."""

from __future__ import annotations

import json

import yaml
from pytest_httpserver import HTTPServer

from opsmaturity.collectors.monitoring.collector import MonitoringCollector, MonitoringOptions
from tests.conftest import FIXTURES

LOKI = FIXTURES / "monitoring" / "loki"
PROM = FIXTURES / "monitoring" / "prometheus"


def collect(**options):
    return MonitoringCollector().collect(MonitoringOptions(**options))


def values(ev) -> dict:
    return {m.id: m.value for m in ev.measures}


def test_loki_rule_files_are_alert_rules_routed_by_alertmanager():
    ev = collect(loki_rules=[str(LOKI)], alertmanager_config=PROM / "alertmanager.yml")
    got = values(ev)
    assert got["monitoring.alert_rules_total"] == 3  # the recording rule is not an alert
    total = ev.measure("monitoring.alert_rules_total").details
    assert total["by_system"] == {"loki": 3} and total["recording_rules"] == 1
    names = {r["name"]: r for r in total["rules"]}
    assert set(names) == {"CheckoutErrorLogsHigh", "PanicInLogs", "IngressLogs5xx"}
    assert got["monitoring.services_with_alerts"] == 2  # checkout (app=), ingress-nginx (job=)
    assert got["monitoring.runbook_url_share"] == 0.3333
    assert got["monitoring.context_share"] == 0.3333  # $labels/$value in one summary
    # error logs and 5xx are symptoms; a panic is neither symptom nor cause, so not counted
    assert got["monitoring.symptom_alert_share"] == 1.0
    # Loki's ruler sends to Alertmanager: the two critical rules page
    assert got["monitoring.oncall_routed_share"] == 0.6667
    assert not ev.partial and "loki rules:" in ev.source


def test_live_loki_ruler_and_its_errors(httpserver: HTTPServer):
    groups = yaml.safe_load((LOKI / "checkout.yaml").read_text())["groups"]
    api_groups = [{"name": g["name"], "file": "checkout", "rules": [
        {"type": "alerting", "name": r["alert"], "query": r["expr"],
         "duration": 600 if r.get("for") else 0, "labels": r.get("labels", {}),
         "annotations": r.get("annotations", {}), "health": "ok", "state": "inactive"}
        for r in g["rules"] if "alert" in r]} for g in groups]
    httpserver.expect_request("/prometheus/api/v1/rules").respond_with_json(
        {"status": "success", "data": {"groups": api_groups}})
    ev = collect(loki_url=httpserver.url_for("/"))
    assert values(ev)["monitoring.alert_rules_total"] == 2
    assert ev.measure("monitoring.alert_rules_total").details["by_system"] == {"loki": 2}

    httpserver.clear()
    httpserver.expect_request("/prometheus/api/v1/rules").respond_with_data("no", status=401)
    ev = collect(loki_url=httpserver.url_for("/").replace("http://", "http://u:loki-pw@"),
                 loki_rules=[str(LOKI / "checkout.yaml")])
    assert ev.partial and ev.coverage.ratio == 0.5
    assert len(ev.coverage.missing) == 1 and "401" in ev.coverage.missing[0]
    assert "loki-pw" not in json.dumps(ev.model_dump(mode="json"))
    assert values(ev)["monitoring.alert_rules_total"] == 2
