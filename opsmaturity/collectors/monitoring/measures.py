"""The `monitoring.*` measures, computed once from what every reader gathered (a Harvest).

Pure: no I/O and no clock (`now` is passed in), so a fixture gives exact numbers. Every
definition is in docs/monitoring-evidence.md; details carry the raw numbers and the rules
behind each value so a surprising number can be traced to a file and line.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from opsmaturity.core.evidence import Coverage, Measure

from . import rules as ar
from .history import Episode, FiringAlert
from .rules import AlertRule, Integration, Router

MEASURES: tuple[str, ...] = (
    "monitoring.alert_rules_total",
    "monitoring.services_with_alerts",
    "monitoring.runbook_url_share",
    "monitoring.summary_share",
    "monitoring.context_share",
    "monitoring.severity_label_share",
    "monitoring.owner_label_share",
    "monitoring.for_duration_share",
    "monitoring.for_duration_median_seconds",
    "monitoring.heartbeat_alert_present",
    "monitoring.symptom_alert_share",
    "monitoring.muted_alert_rules",
    "monitoring.failing_alert_rules",
    "monitoring.oncall_routing_present",
    "monitoring.oncall_routed_share",
    "monitoring.notification_channels",
    "monitoring.slack_receivers",
    "monitoring.msteams_receivers",
    "monitoring.email_receivers",
    "monitoring.alerts_only_to_chat_or_email",
    "monitoring.firing_alerts",
    "monitoring.long_firing_alerts",
    "monitoring.alert_firings_per_week",
    "monitoring.noisy_alert_share",
    "monitoring.dashboards_total",
    "monitoring.dashboard_panels_total",
    "monitoring.services_with_dashboards",
)
UNITS = {
    "monitoring.alert_rules_total": "rules",
    "monitoring.services_with_alerts": "services",
    "monitoring.for_duration_median_seconds": "seconds",
    "monitoring.heartbeat_alert_present": "boolean",
    "monitoring.muted_alert_rules": "rules",
    "monitoring.failing_alert_rules": "rules",
    "monitoring.oncall_routing_present": "boolean",
    "monitoring.notification_channels": "types",
    "monitoring.slack_receivers": "receivers",
    "monitoring.msteams_receivers": "receivers",
    "monitoring.email_receivers": "receivers",
    "monitoring.firing_alerts": "alerts",
    "monitoring.long_firing_alerts": "alerts",
    "monitoring.alert_firings_per_week": "firings/week",
    "monitoring.dashboards_total": "dashboards",
    "monitoring.dashboard_panels_total": "panels",
    "monitoring.services_with_dashboards": "services",
}
MAX_LISTED = 100


class Dashboard(BaseModel):
    """A Grafana dashboard: its panels (rows not counted) and the services it shows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    uid: str = ""
    where: str
    panels: int = 0
    services: list[str] = Field(default_factory=list)


class Thresholds(BaseModel):
    """The numbers the noise and long-firing measures count against (documented defaults)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    noisy_per_week: float = Field(default=7, gt=0)
    flap_gap_minutes: float = Field(default=15, gt=0)
    flap_refires: int = Field(default=2, ge=1)
    long_firing_days: float = Field(default=7, gt=0)


@dataclass
class Harvest:
    """Everything the readers found, what they could not read, and what it came from.

    `units_ok`/`problems` are files and endpoints (coverage); `kinds_read`/`kinds_failed`
    say which measure groups had a source at all (rules, routing, current, history,
    dashboards), so "none given" and "could not be read" are never reported as zero."""

    rules: list[AlertRule] = field(default_factory=list)
    routers: list[Router] = field(default_factory=list)
    dashboards: list[Dashboard] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    history_window: tuple[datetime, datetime] | None = None
    current: list[FiringAlert] | None = None
    current_source: str | None = None
    units_ok: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kinds_read: Counter[str] = field(default_factory=Counter)
    kinds_failed: Counter[str] = field(default_factory=Counter)
    recording_rules: int = 0
    disabled_rules: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def read(self, unit: str, *kinds: str) -> None:
        self.units_ok.append(unit)
        self.kinds_read.update(kinds)

    def failed(self, problem: str, *kinds: str) -> None:
        self.problems.append(problem)
        self.kinds_failed.update(kinds)

    def extend_window(self, start: datetime, end: datetime) -> None:
        if self.history_window is None:
            self.history_window = (start, end)
        else:
            self.history_window = (min(start, self.history_window[0]),
                                   max(end, self.history_window[1]))

    @property
    def coverage(self) -> Coverage:
        total = len(self.units_ok) + len(self.problems)
        ratio = len(self.units_ok) / total if total else 0.0
        return Coverage(ratio=round(ratio, 4), missing=self.problems + self.warnings)


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4)


def _cap(items: list[Any]) -> list[Any]:
    return items[:MAX_LISTED]


class _Out:
    def __init__(self) -> None:
        self.measures: list[Measure] = []

    def add(self, mid: str, value: Any, applicable: bool = True, **details: Any) -> None:
        self.measures.append(Measure(id=mid, value=value, unit=UNITS.get(mid, "share"),
                                     applicable=applicable, details=details))

    def none(self, mids: Iterable[str], note: str, applicable: bool = True) -> None:
        for mid in mids:
            self.add(mid, None, applicable=applicable, note=note)


def compute(h: Harvest, now: datetime, limits: Thresholds | None = None) -> list[Measure]:
    """All `monitoring.*` measures, in MEASURES order."""
    limits = limits or Thresholds()
    out = _Out()
    _rule_measures(h, out)
    _state_measures(h, out)
    _routing_measures(h, out)
    _current_measures(h, now, limits, out)
    _history_measures(h, limits, out)
    _dashboard_measures(h, out)
    order = {mid: i for i, mid in enumerate(MEASURES)}
    return sorted(out.measures, key=lambda m: order[m.id])


# ---------------------------------------------------------------- rules


RULE_MEASURES = MEASURES[:11]


def _rule_fact(rule: AlertRule) -> dict[str, Any]:
    cls, _ = ar.classify(rule)
    return {
        "name": rule.name, "system": rule.system, "where": rule.where,
        "service": ar.service(rule), "severity": ar.severity(rule), "owner": ar.owner(rule),
        "runbook": ar.runbook(rule) is not None, "summary": ar.summary(rule) is not None,
        "context": ar.has_context(rule), "for_seconds": rule.for_seconds, "class": cls,
    }


def _rule_measures(h: Harvest, out: _Out) -> None:
    rules = h.rules
    if not rules:
        if not h.kinds_read["rules"] and not h.kinds_failed["rules"]:
            out.none(RULE_MEASURES, "no alert rules given (--rules, --url, --grafana or "
                     "--kapacitor)")
            return
        if not h.kinds_read["rules"]:
            out.none(RULE_MEASURES, "no alert rule source could be read; see coverage.missing")
            return
    by_system = dict(sorted(Counter(r.system for r in rules).items()))
    out.add("monitoring.alert_rules_total", len(rules), by_system=by_system,
            recording_rules=h.recording_rules, disabled_not_counted=_cap(h.disabled_rules),
            rules=_cap([_rule_fact(r) for r in rules]), listed=min(len(rules), MAX_LISTED))

    per_service = Counter(ar.service(r) or "" for r in rules)
    without = per_service.pop("", 0)
    out.add("monitoring.services_with_alerts", len(per_service),
            rules_per_service=dict(sorted(per_service.items())), rules_without_service=without,
            labels_read=list(ar.SERVICE_LABELS))

    if not rules:
        out.none(RULE_MEASURES[2:9] + RULE_MEASURES[10:], "no alert rules", applicable=False)
        out.add("monitoring.heartbeat_alert_present", False, rules=[])
        return

    def share(mid: str, has: Callable[[AlertRule], Any], **extra: Any) -> None:
        hit = [r for r in rules if has(r)]
        miss = [f"{r.name} ({r.where})" for r in rules if not has(r)]
        out.add(mid, _share(len(hit), len(rules)), rules_with=len(hit), rules=len(rules),
                without=_cap(miss), **extra)

    share("monitoring.runbook_url_share", ar.runbook, keys_read=list(ar.RUNBOOK_KEYS))
    share("monitoring.summary_share", ar.summary, keys_read=list(ar.SUMMARY_KEYS))
    share("monitoring.context_share", ar.has_context,
          rule="the summary/description interpolates labels/tags or the value")
    share("monitoring.severity_label_share", ar.severity,
          severities=dict(sorted(Counter(ar.severity(r) or "(none)" for r in rules).items())))
    share("monitoring.owner_label_share", ar.owner,
          owners=dict(sorted(Counter(ar.owner(r) or "(none)" for r in rules).items())))

    timed = [r for r in rules if r.for_seconds is not None]
    if timed:
        seconds = [r.for_seconds or 0.0 for r in timed]
        out.add("monitoring.for_duration_share", _share(sum(s > 0 for s in seconds), len(timed)),
                rules=len(timed), rules_with_for=sum(s > 0 for s in seconds),
                not_counted=len(rules) - len(timed),
                histogram={_fmt_seconds(k): v for k, v in sorted(Counter(seconds).items())})
        out.add("monitoring.for_duration_median_seconds", round(statistics.median(seconds), 3),
                rules=len(timed))
    else:
        out.none(("monitoring.for_duration_share", "monitoring.for_duration_median_seconds"),
                 "no rule of a stack with a pending period (for:)", applicable=False)

    beats = [{"name": r.name, "where": r.where, "reason": ar.heartbeat(r)}
             for r in rules if ar.heartbeat(r)]
    out.add("monitoring.heartbeat_alert_present", bool(beats), rules=_cap(beats))

    classes = {"symptom": 0, "cause": 0, "other": 0}
    listed = []
    for r in rules:
        cls, why = ar.classify(r)
        classes[cls] += 1
        listed.append({"name": r.name, "where": r.where, "class": cls, "reasons": why})
    classified = classes["symptom"] + classes["cause"]
    out.add("monitoring.symptom_alert_share",
            _share(classes["symptom"], classified) if classified else None,
            applicable=bool(classified), counts=classes, rules=_cap(listed),
            basis="symptom / (symptom + cause-only); 'other' rules are not counted",
            **({} if classified else {"note": "no rule is a symptom or cause alert"}))


def _fmt_seconds(seconds: float) -> str:
    if seconds == 0:
        return "0s"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


STATE_MEASURES = ("monitoring.muted_alert_rules", "monitoring.failing_alert_rules")


def _state_measures(h: Harvest, out: _Out) -> None:
    """Muted and failing rules, over the rules whose stack reports that state (Kibana,
    Watcher); not measured where no rule carries it."""
    for mid, attr in zip(STATE_MEASURES, ("muted", "failing"), strict=True):
        known = [r for r in h.rules if getattr(r, attr) is not None]
        if not known:
            out.none((mid,), "no rule of a stack that reports it (Kibana, Watcher)")
            continue
        hit = [f"{r.name} ({r.where})" for r in known if getattr(r, attr)]
        out.add(mid, len(hit), rules=len(known), listed=_cap(hit))


# ---------------------------------------------------------------- routing


ROUTED_BY = {"loki": "prometheus"}
"""Loki's ruler sends its alerts to an Alertmanager, as Prometheus does."""

ROUTING_MEASURES = (
    "monitoring.oncall_routing_present",
    "monitoring.oncall_routed_share",
    "monitoring.notification_channels",
    "monitoring.slack_receivers",
    "monitoring.msteams_receivers",
    "monitoring.email_receivers",
    "monitoring.alerts_only_to_chat_or_email",
)


def _integrations_of(rule: AlertRule, routers: dict[str, list[Router]]) -> list[Integration] | None:
    """Where an alert of this rule goes, or None when its routing is not known."""
    if not rule.routing_known:
        return None
    if rule.integrations is not None:
        return list(rule.integrations)
    mine = routers.get(ROUTED_BY.get(rule.system, rule.system), [])
    if rule.receivers is not None:
        if not mine:
            return None
        return [i for router in mine for name in rule.receivers
                for i in (router.receivers.get(name).integrations
                          if router.receivers.get(name) else [])]
    if not any(router.root for router in mine):
        return None
    labels = ar.routing_labels(rule)
    return [i for router in mine for name in router.receivers_for(labels)
            for i in (router.receivers[name].integrations if name in router.receivers else [])]


def _routing_measures(h: Harvest, out: _Out) -> None:
    routers: dict[str, list[Router]] = {}
    for router in h.routers:
        routers.setdefault(router.system, []).append(router)
    direct = [r for r in h.rules if r.integrations is not None]
    if not h.routers and not direct:
        note = ("the routing configuration could not be read; see coverage.missing"
                if h.kinds_failed["routing"] else
                "no routing given (--alertmanager, --alertmanager-config, Grafana contact "
                "points and policies, Kapacitor handlers)")
        out.none(ROUTING_MEASURES, note)
        return

    receivers: list[dict[str, Any]] = []
    reachable: list[Integration] = []
    for router in h.routers:
        used = router.reachable() | {n for r in h.rules
                                     if ROUTED_BY.get(r.system, r.system) == router.system
                                     for n in r.receivers or []}
        for name, receiver in sorted(router.receivers.items()):
            receivers.append({
                "system": router.system, "source": router.source, "name": name,
                "where": receiver.where, "reachable": name in used,
                "integrations": [f"{i.type} ({i.kind})" for i in receiver.integrations],
            })
            if name in used:
                reachable += receiver.integrations
    for rule in direct:
        reachable += rule.integrations or []
    oncall = sorted({i.type for i in reachable if i.kind == "oncall"})
    out.add("monitoring.oncall_routing_present", bool(oncall), oncall_types=oncall,
            receivers=_cap(receivers),
            kapacitor_alerts_with_handlers=sum(bool(r.integrations) for r in direct))

    known, routed, listed = 0, 0, []
    for rule in h.rules:
        targets = _integrations_of(rule, routers)
        if targets is None:
            continue
        known += 1
        pages = any(i.kind == "oncall" for i in targets)
        routed += pages
        listed.append({"name": rule.name, "where": rule.where, "oncall": pages,
                       "types": sorted({i.type for i in targets})})
    if known:
        out.add("monitoring.oncall_routed_share", _share(routed, known), rules_routed=routed,
                rules=known, rules_routing_unknown=len(h.rules) - known, listed=_cap(listed))
    else:
        out.add("monitoring.oncall_routed_share", None, applicable=bool(h.rules),
                note="no alert rule whose routing is known" if h.rules else "no alert rules")

    kinds = {i.type: i.kind for i in reachable}
    out.add("monitoring.notification_channels", ",".join(sorted(kinds)),
            kinds=dict(sorted(kinds.items())))

    # Receivers by the channel they post to: a routed receiver, or a rule's own handlers
    # (Kapacitor, Kibana, Watcher) counted as one receiver per rule.
    by_channel: dict[str, list[str]] = {"slack": [], "msteams": [], "email": []}
    for entry in receivers:
        if not entry["reachable"]:
            continue
        router = next(r for r in h.routers if r.source == entry["source"]
                      and r.system == entry["system"])
        for ch in {ar.channel(i) for i in router.receivers[entry["name"]].integrations}:
            if ch:
                by_channel[ch].append(f"{entry['system']}: {entry['name']}")
    for rule in direct:
        for ch in {ar.channel(i) for i in rule.integrations or []}:
            if ch:
                by_channel[ch].append(f"{rule.system}: {rule.name} ({rule.where})")
    for ch in ("slack", "msteams", "email"):
        out.add(f"monitoring.{ch}_receivers", len(by_channel[ch]),
                receivers=_cap(sorted(by_channel[ch])))
    out.add("monitoring.alerts_only_to_chat_or_email",
            bool(reachable) and all(i.kind in ("chat", "email") for i in reachable),
            applicable=bool(reachable),
            kinds=sorted({i.kind for i in reachable}))


# ---------------------------------------------------------------- alerts now


def _current_measures(h: Harvest, now: datetime, limits: Thresholds, out: _Out) -> None:
    mids = ("monitoring.firing_alerts", "monitoring.long_firing_alerts")
    if h.current is None:
        note = ("the live alerts could not be read; see coverage.missing"
                if h.kinds_failed["current"] else
                "no live Prometheus or Alertmanager given (--url, --alertmanager)")
        out.none(mids, note)
        return
    alerts = h.current
    by_name = dict(sorted(Counter(a.alertname for a in alerts).items()))
    out.add("monitoring.firing_alerts", len(alerts), source=h.current_source,
            by_alertname=by_name, silenced=sum(a.silenced for a in alerts),
            inhibited=sum(a.inhibited for a in alerts))
    cutoff = now - timedelta(days=limits.long_firing_days)
    long = sorted((a for a in alerts if a.start and a.start < cutoff),
                  key=lambda a: (a.start, a.alertname))
    out.add("monitoring.long_firing_alerts", len(long), days=limits.long_firing_days,
            alerts=_cap([{"alertname": a.alertname, "since": a.start.isoformat() if a.start
                          else None, "silenced": a.silenced} for a in long]))


# ---------------------------------------------------------------- history


def _merge_episodes(episodes: list[Episode]) -> list[Episode]:
    """One episode per (series, start), keeping the latest known end (repeated webhook
    payloads and overlapping exports describe the same firing)."""
    merged: dict[tuple[str, str, datetime], Episode] = {}
    for ep in episodes:
        key = (ep.alertname, ep.series, ep.start)
        old = merged.get(key)
        if old is None or (ep.end and (old.end is None or ep.end > old.end)):
            merged[key] = ep
    return sorted(merged.values(), key=lambda e: (e.alertname, e.series, e.start))


def _history_measures(h: Harvest, limits: Thresholds, out: _Out) -> None:
    mids = ("monitoring.alert_firings_per_week", "monitoring.noisy_alert_share")
    if not h.kinds_read["history"]:
        note = ("the alert history could not be read; see coverage.missing"
                if h.kinds_failed["history"] else
                "no alert history given (--alert-history, or --url for Prometheus' ALERTS)")
        out.none(mids, note)
        return
    episodes = _merge_episodes(h.episodes)
    if h.history_window:
        start, end = h.history_window
    elif episodes:
        start = min(e.start for e in episodes)
        end = max(e.end or e.start for e in episodes)
    else:
        out.none(mids, "the alert history holds no firing alert", applicable=False)
        return
    days = (end - start).total_seconds() / 86400
    weeks = max(days / 7, 1.0)
    window = {"start": start.isoformat(), "end": end.isoformat(), "days": round(days, 3),
              "weeks_counted": round(weeks, 4)}
    out.add("monitoring.alert_firings_per_week", round(len(episodes) / weeks, 4),
            firings=len(episodes), window=window,
            rule="firings / max(window in weeks, 1)")
    if not episodes:
        out.add("monitoring.noisy_alert_share", None, applicable=False,
                note="no alert fired in the history window", window=window)
        return
    gap = timedelta(minutes=limits.flap_gap_minutes)
    per_alert: dict[str, dict[str, Any]] = {}
    last: dict[tuple[str, str], Episode] = {}
    for ep in episodes:
        stats = per_alert.setdefault(ep.alertname, {"firings": 0, "quick_refires": 0})
        stats["firings"] += 1
        prev = last.get((ep.alertname, ep.series))
        if prev and prev.end is not None and timedelta(0) <= ep.start - prev.end <= gap:
            stats["quick_refires"] += 1
        last[(ep.alertname, ep.series)] = ep
    noisy = 0
    for stats in per_alert.values():
        stats["per_week"] = round(stats["firings"] / weeks, 4)
        stats["flapping"] = stats["quick_refires"] >= limits.flap_refires
        stats["noisy"] = stats["per_week"] > limits.noisy_per_week or stats["flapping"]
        noisy += stats["noisy"]
    ranked = sorted(per_alert.items(), key=lambda kv: (-kv[1]["firings"], kv[0]))
    out.add("monitoring.noisy_alert_share", _share(noisy, len(per_alert)),
            noisy_alerts=noisy, alerts_fired=len(per_alert), window=window,
            thresholds=limits.model_dump(exclude={"long_firing_days"}),
            alerts=_cap([{"alertname": k, **v} for k, v in ranked]))


# ---------------------------------------------------------------- dashboards


def _dashboard_measures(h: Harvest, out: _Out) -> None:
    mids = ("monitoring.dashboards_total", "monitoring.dashboard_panels_total",
            "monitoring.services_with_dashboards")
    if not h.dashboards:
        note = ("no Grafana dashboard could be read; see coverage.missing"
                if h.kinds_failed["dashboards"] else "no Grafana dashboards given (--grafana)")
        out.none(mids, note)
        return
    boards = h.dashboards
    out.add("monitoring.dashboards_total", len(boards),
            dashboards=_cap([{"title": d.title, "uid": d.uid, "where": d.where,
                              "panels": d.panels, "services": d.services} for d in boards]))
    out.add("monitoring.dashboard_panels_total", sum(d.panels for d in boards),
            per_dashboard={d.title: d.panels for d in boards[:MAX_LISTED]})
    per_service = Counter(s for d in boards for s in set(d.services))
    out.add("monitoring.services_with_dashboards", len(per_service),
            dashboards_per_service=dict(sorted(per_service.items())),
            dashboards_without_service=sum(not d.services for d in boards))
