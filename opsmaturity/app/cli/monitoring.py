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
from pydantic import ValidationError

from opsmaturity.collectors.monitoring.collector import MonitoringOptions
from opsmaturity.collectors.monitoring.measures import Thresholds
from opsmaturity.core.files import write_atomic

from .common import err_console, evidence_json, fail, run_collector, warn_problems

OPTION_OF = {"prometheus_url": "--url", "alertmanager_url": "--alertmanager",
             "history_days": "--history-days", "thresholds": "--noisy-per-week",
             "timeout_seconds": "--timeout"}


def collect_prometheus(
    rules: Annotated[list[str] | None, typer.Option(
        "--rules", "-r", help="Prometheus rule file, directory or glob (plain rule files and "
        "PrometheusRule resources); repeatable.")] = None,
    url: Annotated[str | None, typer.Option(
        "--url", help="A running Prometheus: its rules, firing alerts and ALERTS history.")]
    = None,
    alertmanager: Annotated[str | None, typer.Option(
        "--alertmanager", help="A running Alertmanager: its routing and current alerts.")]
    = None,
    alertmanager_config: Annotated[Path | None, typer.Option(
        "--alertmanager-config", help="alertmanager.yml, for the routing measures.")] = None,
    grafana: Annotated[list[str] | None, typer.Option(
        "--grafana", help="Grafana dashboard JSON, alerting provisioning or API export (file, "
        "directory or glob); repeatable.")] = None,
    kapacitor: Annotated[list[str] | None, typer.Option(
        "--kapacitor", help="Kapacitor TICKscripts, task list JSON or topic handler files "
        "(file, directory or glob); repeatable.")] = None,
    alert_history: Annotated[list[str] | None, typer.Option(
        "--alert-history", help="Alert history for the noise measures: an ALERTS range "
        "query, Alertmanager alerts or webhook payloads (JSON/JSON lines), or CSV; "
        "repeatable.")] = None,
    history_days: Annotated[float, typer.Option(
        "--history-days", help="Days of ALERTS history read from --url (0: none).")] = 7,
    noisy_per_week: Annotated[float, typer.Option(
        "--noisy-per-week", help="An alert firing more often than this per week is noisy.")]
    = 7,
    no_promtool: Annotated[bool, typer.Option(
        "--no-promtool", help="Do not validate rule files with promtool.")] = False,
    timeout: Annotated[float, typer.Option(
        "--timeout", help="Seconds to wait for each HTTP answer.")] = 10,
    out: Annotated[Path, typer.Option("--out", "-o", help="Evidence JSON to write.")]
    = Path("evidence-monitoring.json"),
) -> None:
    """Measure alerting (rules, routing, noise) and dashboards into evidence JSON."""
    try:
        options = MonitoringOptions(
            rules=rules or [], prometheus_url=url, alertmanager_url=alertmanager,
            alertmanager_config=alertmanager_config, grafana=grafana or [],
            kapacitor=kapacitor or [], alert_history=alert_history or [],
            history_days=history_days, thresholds=Thresholds(noisy_per_week=noisy_per_week),
            promtool=None if no_promtool else "promtool", timeout_seconds=timeout)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = str(err["loc"][0]) if err["loc"] else ""
        option = OPTION_OF.get(field, "--" + field.replace("_", "-"))
        raise fail(f"{option}: {err['msg'].removeprefix('Value error, ')}") from None
    evidence = run_collector("monitoring", options.model_dump(), "monitoring")
    warn_problems(evidence)
    write_atomic(out, evidence_json([evidence]))
    state = (f"partial, coverage {evidence.coverage.ratio:.0%}" if evidence.partial
             else "complete")
    err_console.print(f"wrote {out} ({len(evidence.measures)} measures, {state})",
                      highlight=False, soft_wrap=True)
