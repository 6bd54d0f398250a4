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
    rules: Annotated[list[str] | None, multi_option("--rules", "-r", metavar="PATH")] = None,
    url: Annotated[str | None, typer.Option("--url")]
    = None,
    alertmanager: Annotated[str | None, typer.Option("--alertmanager")]
    = None,
    alertmanager_config: Annotated[Path | None, typer.Option("--alertmanager-config")] = None,
    grafana: Annotated[list[str] | None, multi_option("--grafana", metavar="PATH")] = None,
    kapacitor: Annotated[list[str] | None, multi_option("--kapacitor", metavar="PATH")] = None,
    loki_rules: Annotated[list[str] | None, multi_option("--loki-rules", metavar="PATH")] = None,
    loki: Annotated[str | None, typer.Option("--loki")] = None,
    kibana: Annotated[list[str] | None, multi_option("--kibana", metavar="PATH")] = None,
    kibana_url: Annotated[str | None, typer.Option("--kibana-url")] = None,
    watcher: Annotated[list[str] | None, multi_option("--watcher", metavar="PATH")] = None,
    elasticsearch: Annotated[str | None, typer.Option("--elasticsearch")] = None,
    alert_history: Annotated[list[str] | None, multi_option("--alert-history")]
    = None,
    history_days: Annotated[float, typer.Option("--history-days")] = 7,
    noisy_per_week: Annotated[float, typer.Option("--noisy-per-week")]
    = 7,
    no_promtool: Annotated[bool, typer.Option("--no-promtool")] = False,
    timeout: Annotated[float, typer.Option("--timeout")] = 10,
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
