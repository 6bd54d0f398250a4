"""The `monitoring` collector: alerting and dashboards from Prometheus/Alertmanager, Grafana
and InfluxDB/Kapacitor, measured as one `monitoring.*` EvidenceSet.

Why one collector for three stacks: the warning signs (customers notice first, alerts
without context, nobody paged) do not depend on which tool fires the alert, and a team often
runs two of them; the shares are taken over all their rules together, and every rule keeps
its stack and file in the details. Definitions: docs/monitoring-evidence.md.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from opsmaturity.core.evidence import EvidenceSet, Measure, Window
from opsmaturity.core.messages import text as _msg
from opsmaturity.core.privacy import endpoint_only
from opsmaturity.core.sources import SourceError
from opsmaturity.core.times import now_utc

from ..base import CollectorError, Progress, no_progress
from .files import expand_paths
from .history import read_history_file
from .measures import MEASURES, Harvest, Thresholds, compute
from .rules import AlertRule
from .sources.alertmanager import read_alertmanager_api, read_alertmanager_config
from .sources.elastic import (
    read_kibana_api,
    read_kibana_file,
    read_watcher_api,
    read_watcher_file,
)
from .sources.grafana import read_grafana_files
from .sources.kapacitor import read_kapacitor_files
from .sources.prometheus import read_loki_api, read_prometheus_api, read_rule_files

RULE_SUFFIXES = (".yml", ".yaml", ".json")
GRAFANA_SUFFIXES = (".json", ".yml", ".yaml")
KAPACITOR_SUFFIXES = (".tick", ".json", ".yml", ".yaml")


class MonitoringOptions(BaseModel):
    """Where the monitoring configuration and alert history are; at least one source."""

    model_config = ConfigDict(extra="forbid")

    rules: list[str] = Field(default_factory=list,
                             description="Prometheus rule files, directories or globs")
    prometheus_url: str | None = Field(default=None, description="a running Prometheus")
    alertmanager_url: str | None = Field(default=None, description="a running Alertmanager")
    alertmanager_config: Path | None = Field(default=None, description="alertmanager.yml")
    grafana: list[str] = Field(default_factory=list, description="Grafana files or dirs")
    kapacitor: list[str] = Field(default_factory=list, description="Kapacitor files or dirs")
    loki_rules: list[str] = Field(default_factory=list,
                                  description="Loki ruler rule files, directories or globs")
    loki_url: str | None = Field(default=None, description="a running Loki ruler")
    kibana: list[str] = Field(default_factory=list, description="Kibana rule exports "
                              "(_find JSON, saved-objects NDJSON): files, directories, globs")
    kibana_url: str | None = Field(default=None, description="a running Kibana")
    watcher: list[str] = Field(default_factory=list, description="Watcher watch JSON files")
    elasticsearch_url: str | None = Field(default=None,
                                          description="a running Elasticsearch (Watcher)")
    alert_history: list[str] = Field(default_factory=list, description="alert history files")
    history_days: float = Field(default=7, ge=0, le=365,
                                description="days of ALERTS history read from --url")
    thresholds: Thresholds = Field(default_factory=Thresholds)
    promtool: str | None = Field(default="promtool",
                                 description="promtool to validate rule files; None: do not")
    timeout_seconds: float = Field(default=10, gt=0)

    @field_validator("prometheus_url", "alertmanager_url", "loki_url", "kibana_url",
                     "elasticsearch_url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(_msg("monitoring.not_http_url", value=repr(value)))
        return value


class MonitoringCollector:
    """The `monitoring` collector (CLI: `opsmaturity collect prometheus`)."""

    name: ClassVar[str] = "monitoring"
    measures: ClassVar[tuple[str, ...]] = MEASURES
    config_model: ClassVar[type[BaseModel]] = MonitoringOptions

    def collect(self, config: BaseModel, progress: Progress = no_progress) -> EvidenceSet:
        """Read every given source, then measure; unreadable parts lower coverage."""
        try:
            options = (config if isinstance(config, MonitoringOptions)
                       else MonitoringOptions.model_validate(config.model_dump()))
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            raise CollectorError(_msg("monitoring.options", problem=err["msg"])) from None
        o = options
        if not (o.rules or o.prometheus_url or o.alertmanager_url or o.alertmanager_config
                or o.grafana or o.kapacitor or o.alert_history or o.loki_rules or o.loki_url
                or o.kibana or o.kibana_url or o.watcher or o.elasticsearch_url):
            raise CollectorError(_msg("monitoring.no_source"))
        rule_files = expand_paths(o.rules, RULE_SUFFIXES, "rule")
        grafana_files = expand_paths(o.grafana, GRAFANA_SUFFIXES, "Grafana")
        kapacitor_files = expand_paths(o.kapacitor, KAPACITOR_SUFFIXES, "Kapacitor")
        loki_files = expand_paths(o.loki_rules, RULE_SUFFIXES, "Loki rule")
        kibana_files = expand_paths(o.kibana, (".json", ".ndjson"), "Kibana")
        watcher_files = expand_paths(o.watcher, (".json",), "Watcher")
        history_files = expand_paths(o.alert_history, (".json", ".jsonl", ".ndjson", ".csv"),
                                     "alert history")
        if o.alertmanager_config is not None and not o.alertmanager_config.is_file():
            raise CollectorError(_msg("postgres.no_such_file", path=o.alertmanager_config))

        now = now_utc()
        harvest = Harvest()
        sources: list[str] = []
        promtool = shutil.which(o.promtool) if o.promtool else None
        if rule_files:
            sources.append(f"prometheus rules: {_names(o.rules)}")
            if o.promtool and promtool is None:
                harvest.notes.append(_msg("monitoring.no_promtool"))
            read_rule_files(rule_files, harvest, promtool, progress)
        from_files = len(harvest.rules)
        if o.prometheus_url:
            progress("reading Prometheus", None)
            sources.append(f"prometheus: {endpoint_only(o.prometheus_url)}")
            read_prometheus_api(o.prometheus_url, harvest, now, o.history_days,
                                o.timeout_seconds)
        files, live = harvest.rules[:from_files], harvest.rules[from_files:]
        harvest.rules = [*files, *_not_in_files(live, files)]
        if loki_files:
            sources.append(f"loki rules: {_names(o.loki_rules)}")
            read_rule_files(loki_files, harvest, None, progress, system="loki")
        if o.loki_url:
            progress("reading Loki", None)
            sources.append(f"loki: {endpoint_only(o.loki_url)}")
            read_loki_api(o.loki_url, harvest, o.timeout_seconds)
        for path in kibana_files:
            _guarded(harvest, read_kibana_file, path)
        if kibana_files:
            sources.append(f"kibana: {_names(o.kibana)}")
        if o.kibana_url:
            progress("reading Kibana", None)
            sources.append(f"kibana: {endpoint_only(o.kibana_url)}")
            read_kibana_api(o.kibana_url, harvest, o.timeout_seconds)
        for path in watcher_files:
            _guarded(harvest, read_watcher_file, path)
        if watcher_files:
            sources.append(f"watcher: {_names(o.watcher)}")
        if o.elasticsearch_url:
            progress("reading Elasticsearch Watcher", None)
            sources.append(f"watcher: {endpoint_only(o.elasticsearch_url)}")
            read_watcher_api(o.elasticsearch_url, harvest, o.timeout_seconds)
        if o.alertmanager_config is not None:
            sources.append(f"alertmanager config: {o.alertmanager_config}")
            read_alertmanager_config(o.alertmanager_config, harvest)
        if o.alertmanager_url:
            progress("reading Alertmanager", None)
            sources.append(f"alertmanager: {endpoint_only(o.alertmanager_url)}")
            read_alertmanager_api(o.alertmanager_url, harvest, o.timeout_seconds)
        if grafana_files:
            progress("reading Grafana files", None)
            sources.append(f"grafana: {_names(o.grafana)}")
            read_grafana_files(grafana_files, harvest)
        if kapacitor_files:
            progress("reading Kapacitor files", None)
            sources.append(f"kapacitor: {_names(o.kapacitor)}")
            read_kapacitor_files(kapacitor_files, harvest)
        if history_files:
            progress("reading alert history", None)
            sources.append(f"alert history: {_names(o.alert_history)}")
            _read_history(history_files, harvest)

        progress("measuring", 0.95)
        measures = compute(harvest, now, o.thresholds)
        window = (Window(start=harvest.history_window[0], end=harvest.history_window[1])
                  if harvest.history_window else None)
        coverage = harvest.coverage
        progress("monitoring measured", 1.0)
        return EvidenceSet(
            collector=self.name, source="; ".join(sources), window=window,
            collected_at=now, coverage=coverage, partial=bool(coverage.missing),
            measures=_with_notes(measures, harvest))


def _guarded(harvest: Harvest, reader: Callable[[Path, Harvest], None], path: Path) -> None:
    """One file: a broken one is one problem (file:line), the rest is still read."""
    try:
        reader(path, harvest)
    except SourceError as exc:
        harvest.failed(str(exc), "rules", "routing")


def _names(specs: list[str]) -> str:
    return ", ".join(specs)


def _read_history(paths: list[Path], harvest: Harvest) -> None:
    for path in paths:
        try:
            got = read_history_file(path)
        except SourceError as exc:
            harvest.failed(str(exc), "history")
            continue
        harvest.episodes += got.episodes
        harvest.warnings += got.skipped[:20]
        if len(got.skipped) > 20:
            harvest.warnings.append(f"{path}: " + _msg("monitoring.more_skipped",
                                                       n=len(got.skipped) - 20))
        if got.episodes:
            harvest.extend_window(min(e.start for e in got.episodes),
                                  max(e.end or e.start for e in got.episodes))
        harvest.read(str(path), "history")


def _not_in_files(live: list[AlertRule], files: list[AlertRule]) -> list[AlertRule]:
    """The live server's rules that the rule files do not already hold. Prometheus reformats
    a query, so a live rule is matched to a file rule by group, name and labels, one to one:
    rules that differ only in their expression stay different rules, in files and live."""
    def key(rule: AlertRule) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        return (rule.group, rule.name, tuple(sorted(rule.labels.items())))

    unmatched = Counter(key(r) for r in files if r.system == "prometheus")
    out = []
    for rule in live:
        if unmatched[key(rule)] > 0:
            unmatched[key(rule)] -= 1
            continue
        out.append(rule)
    return out


def _with_notes(measures: list[Measure], harvest: Harvest) -> list[Measure]:
    """Attach collector-wide notes (promtool missing, ignored files) to the rules total."""
    if not (harvest.notes or harvest.ignored):
        return measures
    out = []
    for m in measures:
        if m.id == "monitoring.alert_rules_total":
            extra = {"notes": harvest.notes} if harvest.notes else {}
            if harvest.ignored:
                extra["ignored_files"] = harvest.ignored[:100]
            m = m.model_copy(update={"details": {**m.details, **extra}})
        out.append(m)
    return out
