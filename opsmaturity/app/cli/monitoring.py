"""`opsmaturity collect prometheus`: monitoring evidence from Prometheus/Alertmanager, Grafana
and Kapacitor, from files or live servers.

Unreadable parts never stop the run: each is one `warning:` line naming the file and line
(or the URL), the evidence is written as partial with lower coverage, and the exit code is 0.
Only input the user must fix first (a path that names nothing, a malformed URL) exits 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import (
    EvidenceOutOpt,
    LangOpt,
    fail,
    measures_note,
    multi_option,
    run_collector,
    warn_problems,
    write_evidence,
)

OPTION_OF = {"prometheus_url": "--url", "alertmanager_url": "--alertmanager",
             "loki_rules": "--loki-rules", "loki_url": "--loki", "kibana_url": "--kibana-url",
             "elasticsearch_url": "--elasticsearch",
             "history_days": "--history-days", "thresholds": "--noisy-per-week",
             "timeout_seconds": "--timeout"}


def collect_prometheus(
    rules: Annotated[list[str] | None, multi_option(
        "--rules", "-r", metavar="PATH", help="Prometheus rule files, directories or globs "
        "(plain rule files and PrometheusRule resources).")] = None,
    url: Annotated[str | None, typer.Option(
        "--url", help="A running Prometheus: its rules, firing alerts and ALERTS history.")]
    = None,
    alertmanager: Annotated[str | None, typer.Option(
        "--alertmanager", help="A running Alertmanager: its routing and current alerts.")]
    = None,
    alertmanager_config: Annotated[Path | None, typer.Option(
        "--alertmanager-config", help="alertmanager.yml, for the routing measures.")] = None,
    grafana: Annotated[list[str] | None, multi_option(
        "--grafana", metavar="PATH", help="Grafana dashboard JSON, alerting provisioning or "
        "API exports (files, directories or globs).")] = None,
    kapacitor: Annotated[list[str] | None, multi_option(
        "--kapacitor", metavar="PATH", help="Kapacitor TICKscripts, task list JSON or topic "
        "handler files (files, directories or globs).")] = None,
    loki_rules: Annotated[list[str] | None, multi_option(
        "--loki-rules", metavar="PATH", help="Loki ruler rule files (Prometheus format with "
        "LogQL), directories or globs.")] = None,
    loki: Annotated[str | None, typer.Option(
        "--loki", help="A running Loki ruler: its alert rules.")] = None,
    kibana: Annotated[list[str] | None, multi_option(
        "--kibana", metavar="PATH", help="Kibana alerting rules: an /api/alerting/rules/_find "
        "answer or a saved-objects NDJSON export (files, directories or globs).")] = None,
    kibana_url: Annotated[str | None, typer.Option(
        "--kibana-url", help="A running Kibana: all its alerting rules.")] = None,
    watcher: Annotated[list[str] | None, multi_option(
        "--watcher", metavar="PATH", help="Elasticsearch Watcher watches as JSON (a "
        "_watcher/_query/watches answer or one watch; files, directories or globs).")] = None,
    elasticsearch: Annotated[str | None, typer.Option(
        "--elasticsearch", help="A running Elasticsearch: all its Watcher watches.")] = None,
    alert_history: Annotated[list[str] | None, multi_option(
        "--alert-history", help="Alert history for the noise measures: ALERTS range "
        "queries, Alertmanager alerts or webhook payloads (JSON/JSON lines), or CSV.")]
    = None,
    history_days: Annotated[float, typer.Option(
        "--history-days", help="Days of ALERTS history read from --url (0: none).")] = 7,
    noisy_per_week: Annotated[float, typer.Option(
        "--noisy-per-week", help="An alert firing more often than this per week is noisy.")]
    = 7,
    no_promtool: Annotated[bool, typer.Option(
        "--no-promtool", help="Do not validate rule files with promtool.")] = False,
    timeout: Annotated[float, typer.Option(
        "--timeout", help="Seconds to wait for each HTTP answer.")] = 10,
    out: EvidenceOutOpt = Path("evidence-monitoring.json"),
    lang: LangOpt = "en",
) -> None:
    """Measure alerting (rules, routing, noise) and dashboards into evidence JSON."""
    from pydantic import ValidationError

    from opsmaturity.collectors.monitoring.collector import MonitoringOptions
    from opsmaturity.collectors.monitoring.measures import Thresholds

    try:
        options = MonitoringOptions(
            rules=rules or [], prometheus_url=url, alertmanager_url=alertmanager,
            alertmanager_config=alertmanager_config, grafana=grafana or [],
            kapacitor=kapacitor or [], loki_rules=loki_rules or [], loki_url=loki,
            kibana=kibana or [], kibana_url=kibana_url, watcher=watcher or [],
            elasticsearch_url=elasticsearch,
            alert_history=alert_history or [],
            history_days=history_days, thresholds=Thresholds(noisy_per_week=noisy_per_week),
            promtool=None if no_promtool else "promtool", timeout_seconds=timeout)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = str(err["loc"][0]) if err["loc"] else ""
        option = OPTION_OF.get(field, "--" + field.replace("_", "-"))
        raise fail(f"{option}: {err['msg'].removeprefix('Value error, ')}") from None
    evidence = run_collector("monitoring", options.model_dump(), "monitoring")
    warn_problems(evidence)
    write_evidence(out, [evidence], measures_note(evidence))
