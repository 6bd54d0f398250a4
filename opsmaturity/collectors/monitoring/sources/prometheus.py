"""Prometheus: rule files, PrometheusRule resources and the live HTTP API, read into a
Harvest (Alertmanager, which routes what Prometheus fires, is alertmanager.py).

Why both files and a live server: teams keep rules in git (plain rule files or Kubernetes
`PrometheusRule` resources), and a running server also knows what fires now and what fired
before (`ALERTS`). Files are validated with `promtool check rules` when it is installed, as
Prometheus would refuse a file that promtool rejects. A broken file is named (file:line) and
skipped; an unreachable server gives one message and the rest is still measured.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from opsmaturity.core.http import RateLimitError, RetryingSession, RetryPolicy
from opsmaturity.core.messages import text as _msg
from opsmaturity.core.privacy import endpoint_only
from opsmaturity.core.sources import SourceError, where

from ..files import (
    line_of,
    load_documents,
    parse_duration,
    text_map,
)
from ..history import FiringAlert, episodes_from_matrix, firing_from_record
from ..measures import Harvest
from ..rules import AlertRule

PROMETHEUS_TOKEN_ENV = "OPSMATURITY_PROMETHEUS_TOKEN"
ALERTMANAGER_TOKEN_ENV = "OPSMATURITY_ALERTMANAGER_TOKEN"
MAX_POINTS = 10_950  # Prometheus refuses range queries over 11,000 points per series
PROMTOOL_TIMEOUT = 60
PROMETHEUS_RETRIES = 2  # a busy server answering 503 gets 1 s and 2 s to recover


# ---------------------------------------------------------------- HTTP


class EndpointError(Exception):
    """An API that could not be read, phrased for the user (URL without credentials)."""


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def _reason(exc: Exception) -> str:
    found = _ERRNO.findall(str(exc))
    if found:
        return found[-1].strip().lower()
    if "NameResolution" in str(exc) or "resolve" in str(exc):
        return _msg("monitoring.host_not_found")
    return _msg("monitoring.connection_failed")


def get_json(base: str, path: str, params: dict[str, Any] | None = None,
             token_env: str = PROMETHEUS_TOKEN_ENV, timeout: float = 10.0) -> Any:
    """GET base+path as JSON; every failure is one EndpointError sentence."""
    shown = endpoint_only(base) + path
    headers = {"Accept": "application/json"}
    token = os.environ.get(token_env)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        with RetryingSession(RetryPolicy(retries=PROMETHEUS_RETRIES, connect_retries=0,
                                         timeout_seconds=timeout,
                                         max_wait_seconds=timeout)) as session:
            resp = session.get(base.rstrip("/") + path, params=params, headers=headers)
    except RateLimitError:
        raise EndpointError(f"{shown}: " + _msg("monitoring.rate_limited")) from None
    except requests.exceptions.Timeout:
        raise EndpointError(f"{shown}: " + _msg("monitoring.no_answer_within",
                                                  seconds=f"{timeout:g}")) from None
    except requests.exceptions.ConnectionError as exc:
        raise EndpointError(f"{shown}: " + _msg("monitoring.cannot_connect",
                                                  reason=_reason(exc))) from None
    except requests.exceptions.RequestException as exc:
        raise EndpointError(f"{shown}: " + _msg("monitoring.request_failed",
                                                  kind=type(exc).__name__)) from None
    if resp.status_code in (401, 403):
        raise EndpointError(f"{shown}: " + _msg("monitoring.not_authorised",
                                                status=resp.status_code, env=token_env))
    if resp.status_code != 200:
        raise EndpointError(f"{shown}: HTTP {resp.status_code} {resp.reason or ''}".rstrip())
    try:
        return resp.json()
    except ValueError:
        raise EndpointError(f"{shown}: " + _msg("postgres.not_json")) from None


# ---------------------------------------------------------------- rule files


def _namespaced_groups(doc: Any) -> Any:
    """Loki's ruler lists rules as `namespace: [groups]` (`/loki/api/v1/rules`); as plain
    groups, each named after its namespace too."""
    if (isinstance(doc, dict) and doc and "groups" not in doc and all(
            isinstance(v, list) and all(isinstance(g, dict) and "rules" in g for g in v)
            for v in doc.values())):
        return {"groups": [{**g, "name": f"{ns}/{g.get('name', '')}"}
                           for ns, groups in doc.items() for g in groups]}
    return doc


def _rule_groups(path: Path, docs: list[Any], others: list[str] | None = None,
                 system: str = "prometheus") -> list[tuple[str, Any, Any]]:
    """(kind, groups, owner of the groups) for each rule-bearing document: plain rule files
    (`{}` is an empty one, as promtool agrees), PrometheusRule resources (also inside a
    `kind: List`), and `/api/v1/rules` answers; for Loki also the ruler's
    `namespace: [groups]` listing. Documents that are clearly something else (other
    Kubernetes resources, Grafana dashboards, jsonnet-bundler files) are named in `others`
    and skipped."""
    found: list[tuple[str, Any, Any]] = []
    if system == "loki":
        docs = [_namespaced_groups(d) for d in docs]
    for doc in docs:
        items = doc.get("items") if isinstance(doc, dict) and doc.get("kind") == "List" else [doc]
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                raise SourceError(path, line_of(item), _msg("monitoring.not_rule_file_top"))
            if item.get("kind") == "PrometheusRule":
                spec = item.get("spec")
                if not isinstance(spec, dict) or not isinstance(spec.get("groups"), list):
                    raise SourceError(path, line_of(item, "spec"),
                                      _msg("monitoring.rule_without_groups"))
                found.append(("resource", spec["groups"], spec))
            elif "groups" in item:
                found.append(("plain", item["groups"], item))
            elif not item:
                found.append(("plain", [], item))  # `{}`: a rule file without groups
            elif isinstance(item.get("data"), dict) and "groups" in item["data"]:
                found.append(("api", item["data"]["groups"], item["data"]))
            elif (what := _not_rules(path, item)) is not None:
                if others is not None:
                    others.append(what)
            else:
                raise SourceError(path, line_of(item), _msg("monitoring.not_rule_file"))
    return found


def _not_rules(path: Path, item: dict[str, Any]) -> str | None:
    """What a document that is clearly not a rule file is, or None."""
    if "apiVersion" in item and "kind" in item:
        return f"Kubernetes {item['kind']}"
    if (isinstance(item.get("panels"), list) or isinstance(item.get("rows"), list)
            or isinstance(item.get("dashboard"), dict)):
        return _msg("monitoring.grafana_dashboard")
    if path.name.lower().startswith("jsonnetfile") or (
            isinstance(item.get("dependencies"), list) and "version" in item):
        return _msg("monitoring.jsonnet_file")
    return None


def _rules_from_groups(path: str | Path, kind: str, groups: Any, owner: Any,
                       system: Any = "prometheus"
                       ) -> tuple[list[AlertRule], int, dict[tuple[str, int], int | None]]:
    """Alert rules, the number of recording rules, and the line of every (group, rule
    number) so promtool's messages can be pointed at the right line."""
    if not isinstance(groups, list):
        raise SourceError(path, line_of(owner, "groups"),
                          _msg("monitoring.must_be_list", key="groups"))
    rules: list[AlertRule] = []
    recording = 0
    lines: dict[tuple[str, int], int | None] = {}
    for gi, group in enumerate(groups):
        gline = line_of(groups, index=gi)
        if not isinstance(group, dict) or not group.get("name"):
            raise SourceError(path, gline, _msg("monitoring.group_needs_name"))
        gname = str(group["name"])
        items = group.get("rules") or []
        if not isinstance(items, list):
            raise SourceError(path, line_of(group, "rules"), _msg(
                "monitoring.must_be_list", key=f"{_msg('scope.group', name=repr(gname))}: rules"))
        for ri, rule in enumerate(items):
            rline = line_of(items, index=ri)
            lines[(gname, ri + 1)] = rline
            if not isinstance(rule, dict):
                raise SourceError(path, rline, _msg("monitoring.rule_not_mapping",
                                                    group=repr(gname), n=ri + 1))
            if kind == "api":
                if rule.get("type") == "alerting":
                    rules.append(_api_rule(rule, gname, where(path, rline), group, system))
                else:
                    recording += 1
                continue
            if rule.get("record"):
                recording += 1
                continue
            if not rule.get("alert"):
                raise SourceError(path, rline, _msg("monitoring.rule_neither",
                                                    group=repr(gname), n=ri + 1))
            if not isinstance(rule.get("expr"), (str, int, float)) or str(rule["expr"]) == "":
                raise SourceError(path, line_of(rule, "expr") if "expr" in rule else rline,
                                  _msg("monitoring.rule_no_expr", alert=repr(rule["alert"])))
            for_seconds = parse_duration(rule.get("for", 0))
            if for_seconds is None:
                raise SourceError(path, line_of(rule, "for"),
                                  _msg("monitoring.not_duration",
                                       rule=_msg("monitoring.alert", name=repr(rule["alert"])),
                                       value=repr(rule.get("for"))))
            rules.append(AlertRule(
                system=system, name=str(rule["alert"]), where=where(path, rline),
                group=gname, expr=str(rule["expr"]), for_seconds=for_seconds,
                labels=text_map(rule.get("labels")),
                annotations=text_map(rule.get("annotations"))))
    return rules, recording, lines


def _api_rule(rule: dict[str, Any], group: str, at: str, group_data: dict[str, Any],
              system: Any = "prometheus") -> AlertRule:
    file = group_data.get("file")
    return AlertRule(
        system=system, name=str(rule.get("name", "")), group=group,
        where=f"{at} group {group!r}" + (f" ({file})" if file else ""),
        expr=str(rule.get("query", "")),
        for_seconds=parse_duration(rule.get("duration") or 0) or 0.0,
        labels=text_map(rule.get("labels")), annotations=text_map(rule.get("annotations")))


_PROMTOOL_LINE = re.compile(r"^(\d+):(\d+): (.*)$", re.S)
_YAML_LINE = re.compile(r"^yaml: line (\d+): (.*)$")
_GROUP_RULE = re.compile(r'group "(.+?)", rule (\d+)')
_UNMARSHAL_LINE = re.compile(r"^\s*line (\d+): (.*)$")


def _promtool(promtool: str, path: Path, kind: str, groups: Any,
              lines: dict[tuple[str, int], int | None]) -> None:
    """Raise promtool's first complaint about the groups as a SourceError (file:line)."""
    with tempfile.TemporaryDirectory(prefix="opsmaturity-rules-") as tmp:
        if kind == "plain":
            target = path
        else:
            target = Path(tmp) / "rules.json"
            target.write_text(json.dumps({"groups": groups}, default=str), encoding="utf-8")
        try:
            proc = subprocess.run([promtool, "check", "rules", "--lint=none", str(target)],
                                  capture_output=True, text=True, timeout=PROMTOOL_TIMEOUT,
                                  check=False)
        except (subprocess.TimeoutExpired, OSError):
            return
    if proc.returncode == 0:
        return
    prefix = f"{target}: "
    messages = [ln[len(prefix):] if ln.startswith(prefix) else ln
                for ln in (proc.stderr + "\n" + proc.stdout).splitlines()
                if ln.strip() and ln.strip() != "FAILED:" and not ln.startswith("Checking ")
                and not ln.strip().startswith("SUCCESS")]
    if not messages:
        raise SourceError(path, None, _msg("monitoring.promtool_rejected", code=proc.returncode))
    text, line = messages[0].strip(), None
    if m := _PROMTOOL_LINE.match(text):
        line, text = int(m.group(1)), m.group(3)
    elif (m := _YAML_LINE.match(text)) or (
        text.startswith("yaml: unmarshal errors:") and len(messages) > 1
        and (m := _UNMARSHAL_LINE.match(messages[1]))
    ):
        line, text = int(m.group(1)), m.group(2)
    if kind != "plain":
        line = None  # promtool saw the extracted groups, not the file
    if line is None and (m := _GROUP_RULE.search(text)):
        line = lines.get((m.group(1), int(m.group(2))))
    raise SourceError(path, line, f"promtool: {text}")


def _read_rule_file(path: Path, promtool: str | None, others: list[str] | None = None,
                    system: Any = "prometheus") -> tuple[list[AlertRule], int, bool]:
    """Alert rules and recording-rule count of one file, and whether it held rules at all
    (what else it held goes to `others`)."""
    parts = _rule_groups(path, load_documents(path), others, system)
    rules: list[AlertRule] = []
    recording = 0
    for kind, groups, owner in parts:
        found, rec, lines = _rules_from_groups(path, kind, groups, owner, system)
        if promtool and kind != "api":
            _promtool(promtool, path, kind, groups, lines)
        rules += found
        recording += rec
    return rules, recording, bool(parts)


def read_rule_files(paths: list[Path], harvest: Harvest, promtool: str | None,
                    progress: Callable[[str, float | None], None] | None = None,
                    system: Any = "prometheus") -> None:
    """Read Prometheus rule files (or Loki ruler files: the same format with LogQL, which
    promtool cannot check) into the harvest; each broken file is one problem."""
    for n, path in enumerate(paths):
        if progress:
            progress(f"rules: {path.name}", n / max(len(paths), 1))
        others: list[str] = []
        try:
            rules, recording, any_rules = _read_rule_file(path, promtool, others, system)
        except SourceError as exc:
            harvest.failed(str(exc), "rules")
            continue
        if not any_rules:  # read fine, holds no rules: zero rules from this file
            what = ", ".join(dict.fromkeys(others)) or _msg("monitoring.nothing")
            harvest.ignored.append(f"{path}: " + _msg("monitoring.no_rules_in_file", what=what))
            harvest.read(str(path), "rules")
            continue
        harvest.rules += rules
        harvest.recording_rules += recording
        harvest.read(str(path), "rules")


# ---------------------------------------------------------------- live APIs


def read_prometheus_api(url: str, harvest: Harvest, now: datetime, history_days: float,
                        timeout: float = 10.0) -> None:
    """Rules, firing alerts and `ALERTS` history from a running Prometheus."""
    shown = endpoint_only(url)
    try:
        answer = get_json(url, "/api/v1/rules", {"type": "alert"}, timeout=timeout)
    except EndpointError as exc:
        harvest.failed(_msg("monitoring.no_prometheus_live", problem=exc),
                       "rules", "current", "history")
        return
    label = f"{shown}/api/v1/rules"
    data = answer.get("data") if isinstance(answer, dict) else None
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        harvest.failed(f"{label}: " + _msg("monitoring.not_rules_answer"), "rules")
    else:
        try:
            rules, _, _ = _rules_from_groups(label, "api", groups, None)
        except SourceError as exc:
            harvest.failed(str(exc), "rules")
        else:
            harvest.rules += rules
            harvest.read(label, "rules")

    try:
        answer = get_json(url, "/api/v1/alerts", timeout=timeout)
        records = answer["data"]["alerts"]
        if not isinstance(records, list):
            raise TypeError
    except EndpointError as exc:
        harvest.failed(str(exc), "current")
    except (KeyError, TypeError):
        harvest.failed(f"{shown}/api/v1/alerts: " + _msg("monitoring.not_alerts_answer"),
                       "current")
    else:
        if harvest.current is None:
            harvest.current = firing_alerts(records)
            harvest.current_source = f"{shown}/api/v1/alerts"
        harvest.read(f"{shown}/api/v1/alerts", "current")

    if history_days > 0:
        _read_alerts_history(url, harvest, now, history_days, timeout)


LOKI_TOKEN_ENV = "OPSMATURITY_LOKI_TOKEN"


def read_loki_api(url: str, harvest: Harvest, timeout: float = 10.0) -> None:
    """Alert rules from a running Loki ruler (its Prometheus-compatible rules endpoint)."""
    label = f"{endpoint_only(url)}/prometheus/api/v1/rules"
    try:
        answer = get_json(url, "/prometheus/api/v1/rules", {"type": "alert"},
                          token_env=LOKI_TOKEN_ENV, timeout=timeout)
    except EndpointError as exc:
        harvest.failed(_msg("monitoring.no_loki", problem=exc), "rules")
        return
    data = answer.get("data") if isinstance(answer, dict) else None
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        harvest.failed(f"{label}: " + _msg("monitoring.not_loki_answer"), "rules")
        return
    try:
        rules, _, _ = _rules_from_groups(label, "api", groups, None, "loki")
    except SourceError as exc:
        harvest.failed(str(exc), "rules")
        return
    harvest.rules += rules
    harvest.read(label, "rules")


def firing_alerts(records: list[Any]) -> list[FiringAlert]:
    """Alerts firing now, from API records (Prometheus or Alertmanager), in a stable order."""
    alerts = [firing_from_record(r) for r in records if isinstance(r, dict)]
    return sorted((a for a in alerts if a is not None),
                  key=lambda a: (a.alertname, a.start.isoformat() if a.start else ""))


def _read_alerts_history(url: str, harvest: Harvest, now: datetime, days: float,
                         timeout: float) -> None:
    start = now - timedelta(days=days)
    step = max(60, math.ceil(days * 86400 / MAX_POINTS))
    end_s = round(now.timestamp(), 3)
    start_s = end_s - step * math.ceil(days * 86400 / step)  # the last point falls on `now`
    label = f"{endpoint_only(url)}/api/v1/query_range ALERTS"
    try:
        answer = get_json(url, "/api/v1/query_range", {
            "query": 'ALERTS{alertstate="firing"}', "start": f"{start_s:.3f}",
            "end": f"{end_s:.3f}", "step": str(step)}, timeout=max(timeout, 30))
        result = answer["data"]["result"]
        if not isinstance(result, list):
            raise TypeError
    except EndpointError as exc:
        harvest.failed(str(exc), "history")
        return
    except (KeyError, TypeError):
        harvest.failed(f"{label}: " + _msg("monitoring.not_range_answer"), "history")
        return
    harvest.episodes += episodes_from_matrix(result, float(step))
    harvest.extend_window(start, now)
    harvest.read(label, "history")
