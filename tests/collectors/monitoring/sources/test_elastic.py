"""Kibana alerting rules and Elasticsearch Watcher watches: real-shaped exports, and the
recorded API answers served over HTTP (pagination, 401, 429, 5xx) through the project's
retry policy."""

from __future__ import annotations

import json

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from opsmaturity.collectors.monitoring.collector import MonitoringCollector, MonitoringOptions
from tests.conftest import FIXTURES

ELASTIC = FIXTURES / "monitoring" / "elastic"


def collect(**options):
    return MonitoringCollector().collect(MonitoringOptions(**options))


def values(ev) -> dict:
    return {m.id: m.value for m in ev.measures}


def test_kibana_rules_find_answer():
    ev = collect(kibana=[str(ELASTIC / "kibana-rules-find.json")])
    got = values(ev)
    assert got["monitoring.alert_rules_total"] == 2  # the disabled rule is listed, not counted
    total = ev.measure("monitoring.alert_rules_total").details
    assert total["by_system"] == {"kibana": 2}
    assert any("Old login failures" in d for d in total["disabled_not_counted"])
    assert got["monitoring.muted_alert_rules"] == 1
    assert got["monitoring.failing_alert_rules"] == 1
    assert ev.measure("monitoring.failing_alert_rules").details["listed"][0].startswith(
        "Disk usage on db hosts")
    assert got["monitoring.services_with_alerts"] == 1  # service:checkout tag
    assert got["monitoring.owner_label_share"] == 1.0  # team: tags
    assert got["monitoring.severity_label_share"] == 0.5
    assert got["monitoring.context_share"] == 0.5  # {{context.value}} in the checkout rule
    assert got["monitoring.symptom_alert_share"] == 0.5  # error logs vs disk
    assert got["monitoring.oncall_routing_present"] is True  # the PagerDuty action
    assert got["monitoring.oncall_routed_share"] == 0.5
    assert got["monitoring.slack_receivers"] == 1 and got["monitoring.msteams_receivers"] == 1
    assert got["monitoring.alerts_only_to_chat_or_email"] is False
    assert got["monitoring.for_duration_share"] is None  # Kibana has no pending period


def test_kibana_saved_objects_export_resolves_connectors():
    ev = collect(kibana=[str(ELASTIC / "kibana-export.ndjson")])
    got = values(ev)
    assert got["monitoring.alert_rules_total"] == 1
    assert got["monitoring.email_receivers"] == 1
    assert got["monitoring.alerts_only_to_chat_or_email"] is True  # only the ops mailbox
    assert got["monitoring.oncall_routing_present"] is False
    assert got["monitoring.symptom_alert_share"] == 1.0  # status_code >= 500 ... 5xx
    assert got["monitoring.muted_alert_rules"] == 0 and got["monitoring.failing_alert_rules"] == 0


def test_watcher_watches_file():
    ev = collect(watcher=[str(ELASTIC / "watcher-watches.json")])
    got = values(ev)
    assert got["monitoring.alert_rules_total"] == 1  # error_logs_watch is inactive
    rule = ev.measure("monitoring.alert_rules_total").details["rules"][0]
    assert rule["name"] == "Elasticsearch cluster red" and rule["owner"] == "platform"
    assert got["monitoring.failing_alert_rules"] == 1  # the e-mail action keeps failing
    assert got["monitoring.email_receivers"] == 1
    assert got["monitoring.context_share"] == 1.0  # {{ctx.payload.status}}


def test_broken_export_is_one_problem(tmp_path):
    bad = tmp_path / "export.ndjson"
    bad.write_text('{"type": "alert", "attributes": {"name": "x"}}\n{"type": oops}\n')
    ev = collect(kibana=[str(bad), str(ELASTIC / "kibana-rules-find.json")])
    assert ev.partial and ev.coverage.missing == [
        f"{bad}:2: invalid JSON line: Expecting value"]
    assert values(ev)["monitoring.alert_rules_total"] == 2


def _pages(per_page: int) -> list[dict]:
    rules = json.loads((ELASTIC / "kibana-rules-find.json").read_text())["data"]
    return [{"page": i + 1, "per_page": per_page, "total": len(rules),
             "data": rules[i * per_page:(i + 1) * per_page]}
            for i in range((len(rules) + per_page - 1) // per_page)]


def test_live_kibana_pages_through_rules_and_survives_429_and_503(httpserver: HTTPServer,
                                                                  monkeypatch):
    import opsmaturity.collectors.monitoring.sources.elastic as elastic

    monkeypatch.setattr(elastic, "PAGE_SIZE", 2)  # three rules: two pages
    pages = _pages(2)
    seen: list[str] = []
    state = {"calls": 0}

    def handler(request: Request) -> Response:
        state["calls"] += 1
        seen.append(request.headers.get("Authorization", ""))
        if state["calls"] == 1:
            return Response("slow down", status=429, headers={"Retry-After": "0"})
        if state["calls"] == 2:
            return Response("unavailable", status=503)
        page = int(request.args["page"])
        assert request.args["per_page"] == "2"
        return Response(json.dumps(pages[page - 1]), content_type="application/json")

    httpserver.expect_request("/api/alerting/rules/_find").respond_with_handler(handler)
    monkeypatch.setenv("OPSMATURITY_ELASTIC_TOKEN", "elastic-key-123")
    ev = collect(kibana_url=httpserver.url_for("/"))
    got = values(ev)
    assert not ev.partial
    assert got["monitoring.alert_rules_total"] == 2 and got["monitoring.muted_alert_rules"] == 1
    assert state["calls"] == 4  # 429, 503, page 1, page 2
    assert set(seen) == {"ApiKey elastic-key-123"}
    assert "elastic-key-123" not in json.dumps(ev.model_dump(mode="json"))


def test_live_kibana_401_is_one_warning(httpserver: HTTPServer):
    httpserver.expect_request("/api/alerting/rules/_find").respond_with_data("no", status=401)
    ev = collect(kibana_url=httpserver.url_for("/").replace("http://", "http://me:kb-pw@"),
                 watcher=[str(ELASTIC / "watcher-watches.json")])
    assert ev.partial and ev.coverage.ratio == 0.5
    assert len(ev.coverage.missing) == 1
    assert "401" in ev.coverage.missing[0] and "no Kibana rules" in ev.coverage.missing[0]
    assert "kb-pw" not in json.dumps(ev.model_dump(mode="json"))


def test_live_watcher_pages_with_from_and_size(httpserver: HTTPServer, monkeypatch):
    import opsmaturity.collectors.monitoring.sources.elastic as elastic

    monkeypatch.setattr(elastic, "PAGE_SIZE", 1)
    watches = json.loads((ELASTIC / "watcher-watches.json").read_text())["watches"]
    bodies: list[dict] = []

    def handler(request: Request) -> Response:
        body = json.loads(request.data)
        bodies.append(body)
        chunk = watches[body["from"]:body["from"] + body["size"]]
        return Response(json.dumps({"count": len(watches), "watches": chunk}),
                        content_type="application/json")

    httpserver.expect_request("/_watcher/_query/watches", method="POST"
                              ).respond_with_handler(handler)
    ev = collect(elasticsearch_url=httpserver.url_for("/"))
    assert bodies == [{"from": 0, "size": 1}, {"from": 1, "size": 1}]
    assert values(ev)["monitoring.alert_rules_total"] == 1
    assert values(ev)["monitoring.failing_alert_rules"] == 1


def test_live_watcher_server_error_after_retries(httpserver: HTTPServer):
    httpserver.expect_request("/_watcher/_query/watches").respond_with_data("boom", status=500)
    ev = collect(elasticsearch_url=httpserver.url_for("/"),
                 kibana=[str(ELASTIC / "kibana-export.ndjson")])
    assert ev.partial
    assert any("HTTP 500" in p and "no Watcher watches" in p for p in ev.coverage.missing)
