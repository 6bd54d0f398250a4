"""The monitoring collector against a real Prometheus and Alertmanager (Debian's packages),
started once for this module on free loopback ports with the fixture rules and routing.

Prometheus evaluates the fixture rules every second and sends what fires (the Watchdog) to
Alertmanager; the test also posts an old alert and silences it, so firing, silenced and
long-firing alerts all have exact expected values.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.collectors.monitoring.collector import MonitoringCollector, MonitoringOptions
from opsmaturity.core.evidence import EvidenceSet
from tests.conftest import FIXTURES as SHARED_FIXTURES

FIXTURES = SHARED_FIXTURES / "monitoring"
RULES = FIXTURES / "prometheus" / "rules"
READY_TIMEOUT = 30


def _binary(name: str) -> str:
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists()
                                  else None)
    if path is None:
        pytest.fail(f"{name} is not installed; `make test` installs it (scripts/system-deps, "
                    "Debian package prometheus / prometheus-alertmanager)", pytrace=False)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until(what: str, check, log: Path, proc: subprocess.Popen | None = None) -> Any:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"{what}: the process exited with {proc.returncode}:\n"
                        f"{log.read_text()[-3000:]}", pytrace=False)
        try:
            found = check()
        except requests.RequestException:
            found = None
        if found:
            return found
        time.sleep(0.1)
    pytest.fail(f"{what}: not within {READY_TIMEOUT} s:\n{log.read_text()[-3000:]}",
                pytrace=False)


class _Server:
    def __init__(self, name: str, args: list[str], url: str, log: Path) -> None:
        self.url, self.log = url, log
        self._fh = log.open("w")
        self.proc = subprocess.Popen(args, stdout=self._fh, stderr=subprocess.STDOUT)
        _wait_until(f"{name} ready at {url}",
                    lambda: requests.get(f"{url}/-/ready", timeout=1).status_code == 200,
                    log, self.proc)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._fh.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A running Alertmanager (PagerDuty, e-mail and Slack receivers) and a Prometheus with
    the fixture rule files that sends its alerts there."""
    prometheus, alertmanager = _binary("prometheus"), _binary("prometheus-alertmanager")
    tmp = tmp_path_factory.mktemp("monitoring-stack")
    am_port, prom_port = _free_port(), _free_port()
    am = _Server("alertmanager", [
        alertmanager, f"--config.file={FIXTURES / 'prometheus' / 'alertmanager.yml'}",
        f"--storage.path={tmp / 'am-data'}", f"--web.listen-address=127.0.0.1:{am_port}",
        "--cluster.listen-address=", "--log.level=warn",
    ], f"http://127.0.0.1:{am_port}", tmp / "alertmanager.log")
    config = tmp / "prometheus.yml"
    config.write_text(json.dumps({
        "global": {"evaluation_interval": "1s"},
        "rule_files": [str(p) for p in sorted(RULES.glob("*.yml"))],
        "alerting": {"alertmanagers": [{"static_configs": [
            {"targets": [f"127.0.0.1:{am_port}"]}]}]},
    }))
    try:
        prom = _Server("prometheus", [
            prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp / 'prom-data'}",
            f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn",
            "--rules.alert.resend-delay=1s",  # the first send precedes discovery: resend soon
        ], f"http://127.0.0.1:{prom_port}", tmp / "prometheus.log")
    except BaseException:
        am.stop()
        raise
    try:
        now = datetime.now(UTC)
        old = {"labels": {"alertname": "LegacyDiskAlert", "severity": "warning"},
               "annotations": {"summary": "left firing for ten days"},
               "startsAt": (now - timedelta(days=10)).isoformat()}
        requests.post(f"{am.url}/api/v2/alerts", json=[old], timeout=5).raise_for_status()
        requests.post(f"{am.url}/api/v2/silences", timeout=5, json={
            "matchers": [{"name": "alertname", "value": "LegacyDiskAlert", "isRegex": False}],
            "startsAt": now.isoformat(), "endsAt": (now + timedelta(hours=1)).isoformat(),
            "createdBy": "test", "comment": "known"}).raise_for_status()

        def both_alerts() -> bool:
            alerts = requests.get(f"{am.url}/api/v2/alerts", timeout=2).json()
            states = {a["labels"]["alertname"]: a["status"]["state"] for a in alerts}
            return states == {"Watchdog": "active", "LegacyDiskAlert": "suppressed"}

        _wait_until("Watchdog from Prometheus in Alertmanager", both_alerts, prom.log)
        yield {"prometheus": prom.url, "alertmanager": am.url}
    finally:
        prom.stop()
        am.stop()


def collect(**options: Any) -> EvidenceSet:
    return MonitoringCollector().collect(MonitoringOptions(**options))


def values(ev: EvidenceSet) -> dict[str, Any]:
    return {m.id: m.value for m in ev.measures}


# The seven alert rules of tests/fixtures/monitoring/prometheus/rules, as Prometheus runs them.
RULE_VALUES = {
    "monitoring.alert_rules_total": 7,
    "monitoring.services_with_alerts": 1,
    "monitoring.runbook_url_share": 0.2857,
    "monitoring.summary_share": 0.7143,
    "monitoring.context_share": 0.2857,
    "monitoring.severity_label_share": 0.8571,
    "monitoring.owner_label_share": 0.4286,
    "monitoring.for_duration_share": 0.5714,
    "monitoring.for_duration_median_seconds": 60.0,
    "monitoring.heartbeat_alert_present": True,
    "monitoring.symptom_alert_share": 0.6,
}


def test_live_prometheus_and_alertmanager(stack: dict[str, str]):
    ev = collect(prometheus_url=stack["prometheus"], alertmanager_url=stack["alertmanager"])
    assert values(ev) == {
        **RULE_VALUES,
        "monitoring.oncall_routing_present": True,
        "monitoring.oncall_routed_share": 0.4286,  # the three critical rules page
        "monitoring.notification_channels": "email,pagerduty,slack",
        "monitoring.slack_receivers": 1,
        "monitoring.msteams_receivers": 0,
        "monitoring.email_receivers": 1,
        "monitoring.alerts_only_to_chat_or_email": False,
        "monitoring.muted_alert_rules": None,
        "monitoring.failing_alert_rules": None,
        "monitoring.firing_alerts": 2,
        "monitoring.long_firing_alerts": 1,
        "monitoring.alert_firings_per_week": 1.0,
        "monitoring.noisy_alert_share": 0.0,
        "monitoring.dashboards_total": None,
        "monitoring.dashboard_panels_total": None,
        "monitoring.services_with_dashboards": None,
    }
    assert ev.coverage.ratio == 1.0 and ev.coverage.missing == [] and not ev.partial
    prom, am = stack["prometheus"], stack["alertmanager"]
    assert ev.source == f"prometheus: {prom}; alertmanager: {am}"
    # the history covers the seven days read from ALERTS
    assert ev.window is not None and ev.window.end - ev.window.start == timedelta(days=7)

    firing = ev.measure("monitoring.firing_alerts").details
    assert firing["source"] == f"{am}/api/v2/alerts"
    assert firing["by_alertname"] == {"LegacyDiskAlert": 1, "Watchdog": 1}
    assert firing["silenced"] == 1
    long_firing = ev.measure("monitoring.long_firing_alerts").details["alerts"]
    assert [a["alertname"] for a in long_firing] == ["LegacyDiskAlert"]
    assert long_firing[0]["silenced"] is True

    noise = ev.measure("monitoring.noisy_alert_share").details
    assert noise["alerts"] == [{"alertname": "Watchdog", "firings": 1, "quick_refires": 0,
                                "per_week": 1.0, "flapping": False, "noisy": False}]
    rules = ev.measure("monitoring.alert_rules_total").details["rules"]
    watchdog = next(r for r in rules if r["name"] == "Watchdog")
    assert watchdog["where"] == (f"{prom}/api/v1/rules group 'meta' "
                                 f"({RULES / 'checkout.yml'})")
    receivers = ev.measure("monitoring.oncall_routing_present").details["receivers"]
    assert {r["name"]: r["integrations"] for r in receivers} == {
        "ops-chat": ["slack (chat)"], "pager": ["pagerduty (oncall)"],
        "team-mail": ["email (email)"]}
    # the routing key is a secret: Alertmanager redacts it, and we never store it anyway
    assert "0123456789abcdef" not in ev.to_json()


def test_live_prometheus_without_alertmanager_uses_its_own_alerts(stack: dict[str, str]):
    ev = collect(prometheus_url=stack["prometheus"], history_days=0)
    got = values(ev)
    assert {k: got[k] for k in RULE_VALUES} == RULE_VALUES
    assert got["monitoring.firing_alerts"] == 1  # only the Watchdog: Prometheus knows no silences
    assert got["monitoring.long_firing_alerts"] == 0
    assert got["monitoring.oncall_routing_present"] is None
    assert got["monitoring.alert_firings_per_week"] is None  # --history-days 0
    details = ev.measure("monitoring.firing_alerts").details
    assert details["source"] == f"{stack['prometheus']}/api/v1/alerts"


def test_rules_from_files_and_the_live_server_are_counted_once(stack: dict[str, str]):
    ev = collect(rules=[str(RULES)], prometheus_url=stack["prometheus"], history_days=0)
    assert ev.measure("monitoring.alert_rules_total").value == 7
    assert ev.coverage.ratio == 1.0


def test_unreachable_servers_give_one_message_each_and_partial_evidence():
    dead = f"http://127.0.0.1:{_free_port()}"
    ev = collect(rules=[str(RULES)], prometheus_url=dead, alertmanager_url=dead + "/am",
                 timeout_seconds=2)
    assert ev.partial
    assert ev.coverage.missing == [
        f"{dead}/api/v1/rules: cannot connect (connection refused); no live rules, alerts or "
        "alert history from Prometheus",
        f"{dead}/am/api/v2/status: cannot connect (connection refused); no routing or alerts "
        "from Alertmanager",
    ]
    assert ev.coverage.ratio == pytest.approx(0.5)  # two rule files read, two servers not
    got = values(ev)
    assert {k: got[k] for k in RULE_VALUES} == RULE_VALUES  # the files are still measured
    for mid in ("monitoring.firing_alerts", "monitoring.noisy_alert_share",
                "monitoring.oncall_routing_present"):
        assert got[mid] is None
        assert "could not be read" in ev.measure(mid).details["note"]


def test_cli_against_the_live_stack(stack: dict[str, str], tmp_path: Path):
    out = tmp_path / "monitoring.json"
    result = CliRunner().invoke(app, [
        "collect", "prometheus", "--url", stack["prometheus"], "--alertmanager",
        stack["alertmanager"], "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["collector"] == "monitoring"
    got = {m["id"]: m["value"] for m in data["measures"]}
    assert got["monitoring.firing_alerts"] == 2
    assert got["monitoring.oncall_routed_share"] == 0.4286
    assert "27 measures, complete" in result.output


def test_cli_unreachable_url_warns_and_writes_partial_evidence(tmp_path: Path):
    dead = f"http://user:secret@127.0.0.1:{_free_port()}"
    out = tmp_path / "monitoring.json"
    result = CliRunner().invoke(app, ["collect", "prometheus", "--url", dead, "--out",
                                      str(out), "--timeout", "2"])
    assert result.exit_code == 0, result.output
    shown = dead.replace("user:secret@", "")
    assert f"warning: {shown}/api/v1/rules: cannot connect (connection refused)" in result.output
    assert "Traceback" not in result.output and "secret" not in result.output
    data = json.loads(out.read_text())
    assert data["partial"] is True and data["coverage"]["ratio"] == 0.0
    assert "secret" not in out.read_text()
    assert all(m["value"] is None for m in data["measures"])
