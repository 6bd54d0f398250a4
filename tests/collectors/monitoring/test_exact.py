"""Exactness on shapes met in real rule sets (issue 15): each situation is rebuilt in files
written here, and every count is worked out by hand."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.collectors.monitoring.test_collector import collect, details, promtool, values, write


def rules_total(ev) -> int:  # type: ignore[no-untyped-def]
    return values(ev)["monitoring.alert_rules_total"]


# ---------------------------------------------------------------- Prometheus rule files


def test_rules_differing_only_in_their_expression_are_different_rules(tmp_path: Path):
    write(tmp_path / "rules.yml", """
        groups:
          - name: kubelet
            rules:
              - alert: KubeletDown
                expr: absent(up{job="kubelet"} == 1)
                labels: {severity: critical}
              - alert: KubeletDown
                expr: up{job="kubelet"} == 0
                labels: {severity: critical}
              - alert: KubeletDown
                expr: up{job="kubelet"} == 0
                labels: {severity: warning}
    """)
    ev = collect(rules=[str(tmp_path)], promtool=promtool())
    assert rules_total(ev) == 3
    assert ev.coverage.ratio == 1.0


def test_valid_yaml_that_the_default_constructor_rejects_is_read(tmp_path: Path):
    # a CRD's schema lists "=" as an enum value; `!!value` is the same YAML type, explicit
    write(tmp_path / "crd.yaml", """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: prometheusrules.monitoring.coreos.com}
        spec:
          versions:
            - name: v1
              schema:
                openAPIV3Schema:
                  properties:
                    matchType:
                      enum:
                        - =
                        - '!='
                        - =~
    """)
    write(tmp_path / "rules.yaml", """
        groups:
          - name: g
            rules:
              - alert: Down
                expr: up == 0
                labels: {severity: critical, op: !!value =}
                annotations: {summary: "target down"}
    """)
    ev = collect(rules=[str(tmp_path)], promtool=promtool())
    assert ev.coverage.missing == [] and ev.coverage.ratio == 1.0
    assert rules_total(ev) == 1
    assert details(ev, "monitoring.alert_rules_total")["ignored_files"] == [
        f"{tmp_path / 'crd.yaml'}: no Prometheus rules (Kubernetes CustomResourceDefinition)"]


def test_an_empty_mapping_is_an_empty_rule_file(tmp_path: Path):
    empty = write(tmp_path / "empty.yaml", "{}\n")
    assert subprocess.run([promtool(), "check", "rules", str(empty)],
                          capture_output=True).returncode == 0  # Prometheus accepts it
    write(tmp_path / "one.yaml", """
        groups:
          - name: g
            rules:
              - {alert: Down, expr: up == 0}
    """)
    ev = collect(rules=[str(tmp_path)], promtool=promtool())
    assert ev.coverage.missing == [] and ev.coverage.ratio == 1.0
    assert rules_total(ev) == 1
    assert "ignored_files" not in details(ev, "monitoring.alert_rules_total")


def test_files_that_are_clearly_not_rule_files_are_listed_as_ignored(tmp_path: Path):
    rules = tmp_path / "rules"
    write(rules / "node.yaml", """
        groups:
          - name: node
            rules:
              - alert: NodeDown
                expr: up{job="node"} == 0
    """)
    (rules / "dashboard.json").write_text(json.dumps(
        {"title": "Nodes", "panels": [{"type": "graph", "targets": [{"expr": "up"}]}]}))
    (rules / "jsonnetfile.json").write_text(json.dumps(
        {"version": 1, "dependencies": [{"source": {"git": {"remote": "x"}}, "version": "main"}],
         "legacyImports": True}))
    ev = collect(rules=[str(rules)], promtool=promtool())
    assert ev.coverage.missing == [] and ev.coverage.ratio == 1.0
    assert rules_total(ev) == 1
    assert details(ev, "monitoring.alert_rules_total")["ignored_files"] == [
        f"{rules / 'dashboard.json'}: no Prometheus rules (Grafana dashboard)",
        f"{rules / 'jsonnetfile.json'}: no Prometheus rules (jsonnet-bundler file)",
    ]


# ---------------------------------------------------------------- Grafana in Kubernetes


def _board(title: str, panels: int, rows: int = 0) -> str:
    """A dashboard with `panels` leaf panels, `rows` of them inside collapsed rows."""
    leaf = [{"type": "timeseries", "title": f"p{i}", "targets": [{"expr": "up"}]}
            for i in range(panels)]
    inside = [{"type": "row", "collapsed": True, "panels": leaf[:rows]}] if rows else []
    return json.dumps({"title": title, "uid": title.lower(), "panels": inside + leaf[rows:]},
                      indent=2)


def _configmap(name: str, key: str, board: str, indent: str = "") -> str:
    body = "\n".join(f"{indent}      {line}" for line in board.splitlines())
    return (f"{indent}apiVersion: v1\n{indent}kind: ConfigMap\n{indent}metadata:\n"
            f"{indent}  name: {name}\n{indent}data:\n{indent}  {key}: |-\n{body}\n")


def test_dashboards_inside_configmaps_and_a_configmaplist_are_read(tmp_path: Path):
    items = "".join("- " + _configmap(f"grafana-dashboard-{n}", f"{n}.json",
                                      _board(n, panels, rows), "  ")[2:]
                    for n, panels, rows in [("nodes", 4, 2), ("pods", 3, 0)])
    write(tmp_path / "grafana-dashboardDefinitions.yaml",
          "apiVersion: v1\nkind: ConfigMapList\nitems:\n" + items)
    write(tmp_path / "one.yaml", _configmap("grafana-dashboard-api", "api.json",
                                            _board("API", 5)))
    write(tmp_path / "grafana-deployment.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: grafana}
    """)
    ev = collect(grafana=[str(tmp_path)])
    assert ev.coverage.missing == [] and ev.coverage.ratio == 1.0
    assert values(ev)["monitoring.dashboards_total"] == 3
    assert values(ev)["monitoring.dashboard_panels_total"] == 12  # 4 + 3 + 5, rows not counted


def test_broken_dashboard_inside_a_configmap_names_the_file_line_and_key(tmp_path: Path):
    write(tmp_path / "cm.yaml", _configmap("grafana-dashboard-x", "x.json",
                                           '{"title": "X",\n "panels": [}'))
    ev = collect(grafana=[str(tmp_path / "cm.yaml")])
    assert ev.coverage.missing == [
        f"{tmp_path / 'cm.yaml'}:6: ConfigMap 'grafana-dashboard-x', x.json line 2: "
        "invalid JSON: Expecting value"]


# ---------------------------------------------------------------- Kapacitor load directory


TEMPLATE = """
// generic threshold alert
var measurement string
var field string
var crit lambda
var message = 'threshold crossed'
var runbook string

stream
    |from()
        .measurement(measurement)
    |mean(field)
    |alert()
        .crit(crit)
        .message(message)
        .details(runbook)
        .slack()
"""


def test_kapacitor_load_directory_tasks_templates_and_handlers(tmp_path: Path):
    load = tmp_path / "load"
    write(load / "tasks" / "cpu.tick", """
        dbrp "telegraf"."autogen"

        stream
            |from()
                .measurement('cpu')
            |alert()
                .warn(lambda: "usage_idle" < 20)
                .message('cpu busy on {{ index .Tags "host" }}
        usage_idle: {{ index .Fields "usage_idle" }}')
                .topic('infra')
    """)
    write(load / "tasks" / "mem.yaml", """
        dbrps:
          - {db: telegraf, rp: autogen}
        template-id: generic
        vars:
          measurement: {type: string, value: mem}
          field: {type: string, value: used_percent}
          crit: {type: lambda, value: '"mean" > 90'}
          runbook: {type: string, value: 'https://runbooks.example/mem'}
    """)
    (load / "tasks" / "disk.json").write_text(json.dumps({
        "dbrps": [{"db": "telegraf", "rp": "autogen"}], "template-id": "generic",
        "vars": {"measurement": {"type": "string", "value": "disk"},
                 "field": {"type": "string", "value": "used_percent"},
                 "crit": {"type": "lambda", "value": '"mean" > 95'},
                 "message": {"type": "string", "value": "disk full"}}}))
    write(load / "templates" / "generic.tick", TEMPLATE)
    write(load / "handlers" / "infra.yaml", """
        id: infra-pagerduty
        topic: infra
        kind: pagerduty2
        options: {routing-key: x}
    """)
    ev = collect(kapacitor=[str(load)])
    assert ev.coverage.missing == [] and ev.coverage.ratio == 1.0
    got = values(ev)
    assert got["monitoring.alert_rules_total"] == 3  # cpu, mem, disk: the template is no task
    assert got["monitoring.summary_share"] == 1.0  # messages from the task vars and defaults
    assert got["monitoring.runbook_url_share"] == round(1 / 3, 4)  # mem's runbook var
    facts = {r["name"]: r for r in details(ev, "monitoring.alert_rules_total")["rules"]}
    assert set(facts) == {"cpu", "mem", "disk"}
    assert facts["mem"]["where"] == (f"{load / 'tasks' / 'mem.yaml'} task 'mem' (template "
                                     f"{load / 'templates' / 'generic.tick'}:12)")
    routed = {r["name"]: r["types"] for r in details(ev, "monitoring.oncall_routed_share")
              ["listed"]}
    assert routed == {"cpu": ["pagerduty"], "mem": ["slack"], "disk": ["slack"]}
    # one task file alone: its template is found where the load directory keeps it
    alone = collect(kapacitor=[str(load / "tasks" / "mem.yaml")])
    assert rules_total(alone) == 1 and alone.coverage.ratio == 1.0


def test_kapacitor_templated_task_without_its_template_is_named(tmp_path: Path):
    task = write(tmp_path / "tasks" / "mem.yaml", """
        template-id: missing
        vars: {}
    """)
    ev = collect(kapacitor=[str(task)])
    assert ev.coverage.missing == [
        f"{task} task 'mem': uses template 'missing', which is not among the files read "
        "(give the load directory's templates/)"]


def test_tickscript_strings_may_span_lines_references_may_not(tmp_path: Path):
    script = write(tmp_path / "host.tick", """
        var details = 'host: {{ index .Tags "host" }}
        No data'
        stream
            |from()
                .measurement('system')
            |deadman(0.0, 5m)
                .details(details)
                .tcp('alerts:9000')
    """)
    broken = write(tmp_path / "broken.tick", 'stream\n    |from()\n        .where(lambda: "host\n')
    ev = collect(kapacitor=[str(script), str(broken)])
    assert rules_total(ev) == 1
    assert ev.coverage.missing == [f"{broken}:3: TICKscript: unterminated reference"]
