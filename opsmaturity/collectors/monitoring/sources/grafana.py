"""Grafana: dashboards, alert rules, contact points and notification policies from the files
teams already have (dashboard JSON, alerting provisioning YAML/JSON, or API exports).

Why files: Grafana's provisioning directory and exported JSON are in git far more often than
an API token is at hand. Recognised shapes:

- dashboards: a dashboard JSON (`panels`, or legacy `rows`), or an API export
  `{"dashboard": ..., "meta": ...}`; legacy panel alerts (Grafana 7) count as alert rules;
- alert rules: provisioning/export files (`groups:` whose rules have `title` and `data`),
  the provisioning API list (`/api/v1/provisioning/alert-rules`) and the ruler API
  (`{folder: [{name, rules: [{grafana_alert: ...}]}]}`);
- contact points: provisioning `contactPoints:`, the API list (`type` + `settings`), and the
  Grafana Alertmanager configuration export (`alertmanager_config`);
- notification policies: provisioning `policies:` and the API policy tree.

Other provisioning files (data sources, dashboard providers) are listed as ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsmaturity.core.messages import text as _msg
from opsmaturity.core.sources import SourceError, where

from ..files import line_of, load_documents, parse_duration, parse_json, parse_yaml, text_map
from ..measures import Dashboard, Harvest
from ..rules import (
    SERVICE_LABELS,
    AlertRule,
    Integration,
    Receiver,
    Route,
    Router,
    integration,
    route_matchers,
    services_in_query,
)

QUERY_KEYS = ("expr", "query", "rawSql", "rawQuery", "expression", "target")
_URL = re.compile(r"https?://[^\s)\"'<>]+")
_OTHER_PROVISIONING = frozenset(
    {"providers", "datasources", "deleteDatasources", "templates", "muteTimes", "deleteRules",
     "resetPolicies", "notifiers", "deleteContactPoints", "deleteTemplates",
     "deleteMuteTimes", "deleteNotifiers", "apps"}
)


@dataclass
class _Found:
    rules: list[AlertRule] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)
    contact_points: dict[str, list[Integration]] = field(default_factory=dict)
    contact_lines: dict[str, str] = field(default_factory=dict)
    policies: list[Route] = field(default_factory=list)
    dashboards: list[Dashboard] = field(default_factory=list)
    ignored: bool = False
    ignored_as: str = "Grafana provisioning without alerting or dashboards"

    @property
    def kinds(self) -> list[str]:
        kinds = []
        if self.rules or self.paused:
            kinds.append("rules")
        if self.contact_points or self.policies:
            kinds.append("routing")
        if self.dashboards:
            kinds.append("dashboards")
        return kinds


def read_grafana_files(paths: list[Path], harvest: Harvest) -> None:
    """Read Grafana files into the harvest; each broken file is one problem."""
    contact_points: dict[str, list[Integration]] = {}
    contact_lines: dict[str, str] = {}
    policies: list[Route] = []
    sources: list[str] = []
    for path in paths:
        try:
            found = _read_file(path)
        except SourceError as exc:
            harvest.failed(str(exc), "rules", "routing", "dashboards")
            continue
        if found.ignored and not found.kinds:
            harvest.ignored.append(f"{path}: {found.ignored_as}")
            harvest.read(str(path))
            continue
        harvest.rules += found.rules
        harvest.disabled_rules += found.paused
        harvest.dashboards += found.dashboards
        for name, integrations in found.contact_points.items():
            contact_points.setdefault(name, []).extend(integrations)
            contact_lines.setdefault(name, found.contact_lines.get(name, str(path)))
        policies += found.policies
        if found.contact_points or found.policies:
            sources.append(str(path))
        harvest.read(str(path), *found.kinds)
    if contact_points:
        receivers = {name: Receiver(name=name, integrations=items, where=contact_lines[name])
                     for name, items in sorted(contact_points.items())}
        source = ", ".join(sources)
        for root in policies or [None]:
            harvest.routers.append(Router(system="grafana", source=source, root=root,
                                          receivers=receivers))
        for name in sorted({r.receiver for p in policies for r in _walk_routes(p)
                            if r.receiver} - set(receivers)):
            harvest.warnings.append(f"{source}: " + _msg("monitoring.undefined_contact_point",
                                                         name=repr(name)))
    elif policies:
        harvest.notes.append(_msg("monitoring.policies_without_contacts"))


def _walk_routes(route: Route) -> list[Route]:
    out, stack = [], [route]
    while stack:
        node = stack.pop()
        out.append(node)
        stack += node.routes
    return out


def _read_file(path: Path) -> _Found:
    found = _Found()
    recognised = False
    for doc in load_documents(path):
        recognised |= _read_doc(path, doc, found)
    if not recognised:
        raise SourceError(path, None, _msg("monitoring.not_grafana"))
    return found


def _read_doc(path: Path, doc: Any, found: _Found) -> bool:
    """Read one document into `found`; False when nothing in it is recognised."""
    if isinstance(doc, list):
        if doc and all(isinstance(d, dict) and "title" in d and "data" in d for d in doc):
            for i, item in enumerate(doc):
                _rule(path, item, f"{path} [{i}]", item.get("ruleGroup", ""), found)
            return True
        if doc and all(isinstance(d, dict) and "type" in d and "name" in d for d in doc):
            for i, item in enumerate(doc):
                _contact(path, str(item["name"]), item, f"{path} [{i}]", found)
            return True
        return not doc
    if not isinstance(doc, dict):
        return False
    if "apiVersion" in doc and "kind" in doc:
        return _kubernetes(path, doc, found)
    recognised = False
    if isinstance(doc.get("dashboard"), dict):
        meta = doc.get("meta") if isinstance(doc.get("meta"), dict) else {}
        _dashboard(path, doc["dashboard"], meta, found)
        recognised = True
    elif isinstance(doc.get("panels"), list) or isinstance(doc.get("rows"), list):
        _dashboard(path, doc, {}, found)
        recognised = True
    if isinstance(doc.get("groups"), list):
        _rule_groups(path, doc["groups"], found)
        recognised = True
    if isinstance(doc.get("contactPoints"), list):
        for i, cp in enumerate(doc["contactPoints"]):
            at = where(path, line_of(doc["contactPoints"], index=i))
            if not isinstance(cp, dict) or not cp.get("name"):
                raise SourceError(path, line_of(doc["contactPoints"], index=i),
                                  _msg("monitoring.contact_needs_name"))
            receivers = cp.get("receivers") or []
            if not isinstance(receivers, list):
                raise SourceError(path, line_of(cp, "receivers"),
                                  _msg("monitoring.must_be_list", key="receivers"))
            found.contact_points.setdefault(str(cp["name"]), [])
            for item in receivers:
                _contact(path, str(cp["name"]), item, at, found)
        recognised = True
    if isinstance(doc.get("policies"), list):
        for i, tree in enumerate(doc["policies"]):
            found.policies.append(_policy(path, tree, line_of(doc["policies"], index=i)))
        recognised = True
    if isinstance(doc.get("alertmanager_config"), dict):
        _am_config(path, doc["alertmanager_config"], found)
        recognised = True
    if not recognised and "receiver" in doc and not {"route", "receivers"} & set(doc):
        found.policies.append(_policy(path, doc, line_of(doc)))
        recognised = True
    if not recognised and _is_ruler_export(doc):
        for folder, groups in doc.items():
            _rule_groups(path, groups, found, folder=str(folder))
        recognised = True
    if not recognised and _OTHER_PROVISIONING & set(doc):
        found.ignored = True
        recognised = True
    return recognised


_LISTS = frozenset({"List", "ConfigMapList", "SecretList"})
_EMBEDDED = (".json", ".yaml", ".yml")


def _kubernetes(path: Path, doc: dict[str, Any], found: _Found) -> bool:
    """Grafana files shipped as Kubernetes resources: dashboards (and provisioning) as the
    values of a ConfigMap's `data` (a Secret's `stringData`), one ConfigMap per dashboard or
    all in a ConfigMapList, as kube-prometheus does. Other resources are read and ignored."""
    kind = str(doc.get("kind"))
    if kind in _LISTS and isinstance(doc.get("items"), list):
        for item in doc["items"]:
            if isinstance(item, dict):
                _kubernetes(path, item, found)
        return True
    data = doc.get("data") if kind == "ConfigMap" else (
        doc.get("stringData") if kind == "Secret" else None)
    meta = doc.get("metadata")
    name = str(meta.get("name")) if isinstance(meta, dict) and meta.get("name") else kind
    read_any = False
    if isinstance(data, dict):
        for key, text in data.items():
            if not isinstance(text, str) or not str(key).lower().endswith(_EMBEDDED):
                continue
            label = f"{path} ({kind} {name!r}, {key})"
            try:
                inner = ([parse_json(label, text)] if str(key).lower().endswith(".json")
                         else parse_yaml(label, text))
            except SourceError as exc:
                line = line_of(data, key)
                raise SourceError(path, line, f"{kind} {name!r}, {key}"
                                  + (f" line {exc.line}" if exc.line else "")
                                  + f": {exc.message}") from None
            for item in inner:
                read_any |= _read_doc(Path(label), item, found)
    if not read_any:
        found.ignored = True
        found.ignored_as = f"Kubernetes {kind} without Grafana dashboards or alerting"
    return True


def _is_ruler_export(doc: dict[str, Any]) -> bool:
    return bool(doc) and all(
        isinstance(v, list) and all(isinstance(g, dict) and "rules" in g for g in v)
        for v in doc.values()
    )


# ---------------------------------------------------------------- alert rules


def _rule_groups(path: Path, groups: list[Any], found: _Found, folder: str = "") -> None:
    for gi, group in enumerate(groups):
        if not isinstance(group, dict):
            raise SourceError(path, line_of(groups, index=gi), _msg(
                "monitoring.must_be_mapping", what=_msg("monitoring.a_rule_group")))
        name = str(group.get("name", ""))
        rules = group.get("rules") or []
        if not isinstance(rules, list):
            raise SourceError(path, line_of(group, "rules"), _msg(
                "monitoring.must_be_list", key=f"{_msg('scope.group', name=repr(name))}: rules"))
        for ri, rule in enumerate(rules):
            rline = line_of(rules, index=ri)
            if isinstance(rule, dict) and "alert" in rule and "expr" in rule:
                raise SourceError(path, rline, _msg("monitoring.is_prometheus_file"))
            if isinstance(rule, dict) and isinstance(rule.get("grafana_alert"), dict):
                merged = {**rule["grafana_alert"], "for": rule.get("for"),
                          "labels": rule.get("labels"), "annotations": rule.get("annotations")}
                rule = merged
            if not isinstance(rule, dict) or not rule.get("title"):
                raise SourceError(path, rline, _msg("monitoring.rule_no_title", group=repr(name),
                                                    n=ri + 1))
            at = where(path, rline) if rline else f"{path} group {name!r} rule {ri + 1}"
            _rule(path, rule, at, "/".join(p for p in (folder or str(group.get("folder", "")),
                                                        name) if p), found)


def _queries(data: Any) -> str:
    texts = []
    for item in data if isinstance(data, list) else []:
        model = item.get("model") if isinstance(item, dict) else None
        if isinstance(model, dict):
            texts += [str(model[k]) for k in QUERY_KEYS if isinstance(model.get(k), str)]
    return " ".join(t for t in texts if t.strip())


def _rule(path: Path, rule: dict[str, Any], at: str, group: str, found: _Found) -> None:
    title = str(rule.get("title") or "")
    if rule.get("isPaused") or rule.get("is_paused"):
        found.paused.append(f"{title} ({at}): paused")
        return
    for_seconds = parse_duration(rule.get("for") or 0)
    if for_seconds is None:
        raise SourceError(path, line_of(rule, "for"), _msg(
            "monitoring.not_duration", rule=_msg("monitoring.rule", name=repr(title)),
            value=repr(rule.get("for"))))
    no_data = rule.get("noDataState") or rule.get("no_data_state")
    settings = rule.get("notification_settings")
    receiver = settings.get("receiver") if isinstance(settings, dict) else None
    found.rules.append(AlertRule(
        system="grafana", name=title, where=at, group=group, expr=_queries(rule.get("data")),
        for_seconds=for_seconds, labels=text_map(rule.get("labels")),
        annotations=text_map(rule.get("annotations")),
        heartbeat_hint="noDataState: Alerting (fires when the query returns no data)"
        if str(no_data).lower() == "alerting" else None,
        receivers=[str(receiver)] if receiver else None))


# ---------------------------------------------------------------- routing


def _contact(path: Path, name: str, item: Any, at: str, found: _Found) -> None:
    if not isinstance(item, dict) or not item.get("type"):
        raise SourceError(path, line_of(item), _msg("monitoring.integration_needs_type",
                                                    name=repr(name)))
    settings = item.get("settings") if isinstance(item.get("settings"), dict) else {}
    url = next((settings[k] for k in ("url", "webhook_url", "webhookUrl", "apiUrl")
                if isinstance(settings.get(k), str)), None)
    found.contact_points.setdefault(name, []).append(integration(str(item["type"]), url))
    found.contact_lines.setdefault(name, at)


def _policy(path: Path, node: Any, line: int | None, root: bool = True) -> Route:
    if not isinstance(node, dict):
        raise SourceError(path, line, _msg("monitoring.must_be_mapping",
                                           what=_msg("monitoring.a_policy")))
    try:
        matchers = route_matchers(node)
    except ValueError as exc:
        raise SourceError(path, line_of(node) or line,
                          _msg("monitoring.policy_problem", problem=exc)) from None
    children = node.get("routes") or []
    if not isinstance(children, list):
        raise SourceError(path, line_of(node, "routes"),
                          _msg("monitoring.must_be_list", key="routes"))
    return Route(receiver=str(node["receiver"]) if node.get("receiver") else None,
                 matchers=[] if root else matchers, continue_=bool(node.get("continue")),
                 routes=[_policy(path, c, line_of(children, index=i), root=False)
                         for i, c in enumerate(children)],
                 where=where(path, line_of(node) or line))


def _am_config(path: Path, config: dict[str, Any], found: _Found) -> None:
    for receiver in config.get("receivers") or []:
        if not isinstance(receiver, dict) or not receiver.get("name"):
            continue
        name = str(receiver["name"])
        found.contact_points.setdefault(name, [])
        for item in receiver.get("grafana_managed_receiver_configs") or []:
            _contact(path, name, item, str(path), found)
        for key, configs in receiver.items():
            if str(key).endswith("_configs") and key != "grafana_managed_receiver_configs":
                for cfg in configs if isinstance(configs, list) else []:
                    url = cfg.get("url") if isinstance(cfg, dict) else None
                    found.contact_points[name].append(
                        integration(str(key)[: -len("_configs")], url))
    if isinstance(config.get("route"), dict):
        found.policies.append(_policy(path, config["route"], line_of(config, "route")))


# ---------------------------------------------------------------- dashboards


def _panels(panels: Any) -> list[dict[str, Any]]:
    """Leaf panels; collapsed rows carry their panels inside, rows themselves do not count."""
    out: list[dict[str, Any]] = []
    for panel in panels if isinstance(panels, list) else []:
        if not isinstance(panel, dict):
            continue
        if panel.get("type") == "row":
            out += _panels(panel.get("panels"))
        else:
            out.append(panel)
    return out


def _variable_services(dashboard: dict[str, Any]) -> list[str]:
    templating = dashboard.get("templating")
    variables = templating.get("list") if isinstance(templating, dict) else None
    found: list[str] = []
    for var in variables if isinstance(variables, list) else []:
        if not isinstance(var, dict):
            continue
        query = var.get("query")
        query = query.get("query") if isinstance(query, dict) else query
        if isinstance(query, str):
            found += services_in_query(query)
        if var.get("name") in SERVICE_LABELS and isinstance(var.get("current"), dict):
            value = var["current"].get("value")
            values = value if isinstance(value, list) else [value]
            found += [str(v) for v in values
                      if isinstance(v, str) and v and v not in ("$__all", "All", "*")
                      and "$" not in v]
    return found


def _dashboard(path: Path, board: dict[str, Any], meta: dict[str, Any], found: _Found) -> None:
    panels = _panels(board.get("panels"))
    rows = board.get("rows") if isinstance(board.get("rows"), list) else []
    for row in rows:
        if isinstance(row, dict):
            panels += _panels(row.get("panels"))
    title = str(board.get("title") or path.stem)
    services: list[str] = []
    for panel in panels:
        for target in panel.get("targets") or []:
            if isinstance(target, dict):
                for key in QUERY_KEYS:
                    if isinstance(target.get(key), str):
                        services += services_in_query(target[key])
    services += _variable_services(board)
    where_ = f"{path}" + (f" (folder {meta['folderTitle']})" if meta.get("folderTitle") else "")
    found.dashboards.append(Dashboard(title=title, uid=str(board.get("uid") or ""),
                                      where=where_, panels=len(panels),
                                      services=sorted(set(services))))
    for panel in panels:
        alert = panel.get("alert")
        if isinstance(alert, dict):
            _legacy_alert(path, title, panel, alert, found)


def _legacy_alert(path: Path, board: str, panel: dict[str, Any], alert: dict[str, Any],
                  found: _Found) -> None:
    """A Grafana 7 panel alert: message as summary (a URL in it as runbook), tags as labels."""
    message = str(alert.get("message") or "")
    annotations = {"message": message} if message.strip() else {}
    url = _URL.search(message)
    if url:
        annotations["runbook_url"] = url.group(0)
    queries = " ".join(str(t.get(k)) for t in panel.get("targets") or [] if isinstance(t, dict)
                       for k in QUERY_KEYS if isinstance(t.get(k), str))
    name = str(alert.get("name") or panel.get("title") or "panel alert")
    found.rules.append(AlertRule(
        system="grafana", name=name, where=f"{path} dashboard {board!r} panel "
        f"{panel.get('title', panel.get('id', ''))!r}", group=board, expr=queries,
        for_seconds=parse_duration(alert.get("for") or 0) or 0.0,
        labels=text_map(alert.get("alertRuleTags")), annotations=annotations,
        heartbeat_hint="noDataState: alerting (fires when the query returns no data)"
        if str(alert.get("noDataState", "")).lower() == "alerting" else None,
        routing_known=False))
