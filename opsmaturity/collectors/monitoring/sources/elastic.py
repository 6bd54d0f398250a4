"""Elasticsearch/Kibana: Kibana alerting rules and Elasticsearch Watcher watches, from files
or from the running services, read into the common alert model.

- Kibana rules: `GET /api/alerting/rules/_find` pages (`page`, `per_page`, `total`, `data`)
  or a saved-objects NDJSON export (objects of type `alert`, with their connectors of
  type `action`). A rule's actions are its integrations (connector type `.slack`,
  `.email`, `.pagerduty`, `.teams`, `.webhook`, ...); its `tags` give labels (`team:x`,
  `service:x`, or a plain tag as `tag`), `params.index` and the query its query text,
  the first action's message its summary. `mute_all` is muted, `execution_status.status`
  `error` (or `last_run.outcome` `failed`) is failing, `enabled: false` is listed and
  not counted.
- Watcher: `POST /_watcher/_query/watches` answers (`count`, `watches[]._id/.watch/.status`)
  or one watch's JSON (`GET /_watcher/watch/<id>`). Its actions (`email`, `slack`,
  `pagerduty`, `webhook`, `index`, `logging`, `jira`) are its integrations, `metadata`
  gives labels, the search request its query text. `status.state.active: false` is
  listed and not counted; `status.execution_state` `failed` (or an action whose last
  execution was unsuccessful) is failing.

Live reads page through everything (Kibana `page`/`per_page`, Watcher `from`/`size`) with
the project's retry policy; credentials: `OPSMATURITY_ELASTIC_TOKEN` (an API key, sent as
`Authorization: ApiKey ...`) or `user:password@` in the URL, never written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from opsmaturity.core.http import RateLimitError, RetryingSession, RetryPolicy, http_problem
from opsmaturity.core.messages import text as _msg
from opsmaturity.core.privacy import endpoint_only
from opsmaturity.core.sources import SourceError

from ..measures import Harvest
from ..rules import AlertRule, Integration, integration

TOKEN_ENV = "OPSMATURITY_ELASTIC_TOKEN"
PAGE_SIZE = 100
MAX_PAGES = 1000
CONNECTOR_TYPES = {
    ".slack": "slack", ".slack_api": "slack", ".email": "email", ".pagerduty": "pagerduty",
    ".opsgenie": "opsgenie", ".teams": "msteams", ".webhook": "webhook",
    ".xmatters": "oncall", ".servicenow": "servicenow", ".servicenow-itom": "servicenow",
    ".jira": "jira", ".index": "index", ".server-log": "log", ".torq": "webhook",
    ".tines": "webhook", ".swimlane": "other", ".resilient": "other", ".cases-webhook": "other",
}
WATCH_ACTIONS = {"email": "email", "slack": "slack", "pagerduty": "pagerduty",
                 "webhook": "webhook", "index": "index", "logging": "log", "jira": "jira"}
LABEL_TAGS = ("team", "owner", "service", "app", "severity", "priority", "env", "environment")


# ---------------------------------------------------------------- Kibana rules

def _tags(tags: Any) -> dict[str, str]:
    labels: dict[str, str] = {}
    for tag in tags if isinstance(tags, list) else []:
        key, sep, value = str(tag).partition(":")
        if sep and key.strip().lower() in LABEL_TAGS:
            labels[key.strip().lower()] = value.strip()
        else:
            labels.setdefault("tag", str(tag))
    return labels


def _message(params: Any) -> str:
    if not isinstance(params, dict):
        return ""
    for key in ("message", "body", "subject", "summary", "description", "comments"):
        value = params.get(key)
        if isinstance(value, str) and value.strip():
            return value
    sub = params.get("subActionParams") or params.get("subAction")
    return _message(sub) if isinstance(sub, dict) else ""


def _query_text(params: Any) -> str:
    if not isinstance(params, dict):
        return ""
    parts = []
    index = params.get("index")
    if index:
        parts.append("index " + (",".join(map(str, index)) if isinstance(index, list)
                                 else str(index)))
    for key in ("esQuery", "esqlQuery", "searchConfiguration", "criteria", "kqlQuery",
                "filterQuery", "aggType", "groupBy", "termField"):
        if params.get(key) not in (None, "", [], {}):
            value = params[key]
            parts.append(value if isinstance(value, str) else json.dumps(value, sort_keys=True))
    return " ".join(parts)


def kibana_rule(raw: dict[str, Any], at: str, connectors: dict[str, str] | None = None
                ) -> tuple[AlertRule, bool]:
    """An AlertRule from a Kibana rule (`_find` shape or a saved object's attributes) and
    whether it is enabled."""
    # _find answers use snake_case, saved objects camelCase
    rule_type = raw.get("rule_type_id") or raw.get("alertTypeId") or ""
    params = raw.get("params") or {}
    actions = raw.get("actions") or []
    integrations: list[Integration] = []
    message = ""
    for a in actions if isinstance(actions, list) else []:
        ctype = a.get("connector_type_id") or a.get("actionTypeId") or (
            (connectors or {}).get(str(a.get("actionRef") or a.get("id") or "")))
        if ctype:
            integrations.append(integration(CONNECTOR_TYPES.get(str(ctype), "other"),
                                            (a.get("params") or {}).get("url")))
        message = message or _message(a.get("params"))
    status = raw.get("execution_status") or raw.get("executionStatus") or {}
    last_run = raw.get("last_run") or raw.get("lastRun") or {}
    failing = (str(status.get("status", "")).lower() == "error"
               or str(last_run.get("outcome", "")).lower() == "failed")
    muted = bool(raw.get("mute_all", raw.get("muteAll", False)))
    labels = _tags(raw.get("tags"))
    annotations = {"summary": message} if message else {}
    rule = AlertRule(
        system="kibana", name=str(raw.get("name", "?")), where=at,
        expr=f"{rule_type} {_query_text(params)}".strip(), for_seconds=None, labels=labels,
        annotations=annotations, integrations=integrations, muted=muted, failing=failing)
    return rule, bool(raw.get("enabled", True))


def _add_kibana(harvest: Harvest, found: list[tuple[AlertRule, bool]]) -> None:
    for rule, enabled in found:
        if enabled:
            harvest.rules.append(rule)
        else:
            harvest.disabled_rules.append(f"{rule.name} ({rule.where}): rule disabled")


SHAPE_ERRORS = (AttributeError, TypeError, ValueError, KeyError, IndexError, OverflowError)


def read_kibana_file(path: Path, harvest: Harvest) -> None:
    """A `_find` answer (one page) or a saved-objects NDJSON export."""
    try:
        _read_kibana_file(path, harvest)
    except SHAPE_ERRORS as exc:
        if isinstance(exc, SourceError):
            raise
        raise SourceError(path, None, _msg("monitoring.kibana_shape")) from None


def _read_kibana_file(path: Path, harvest: Harvest) -> None:
    text = _read(path)
    stripped = text.lstrip()
    found: list[tuple[AlertRule, bool]] = []
    if stripped.startswith("{") and "\n{" in stripped.strip():
        objects = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                objects.append((n, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise SourceError(path, n, f"invalid JSON line: {exc.msg}") from None
        connectors = {str(o.get("id")): str((o.get("attributes") or {}).get("actionTypeId"))
                      for _, o in objects if o.get("type") == "action"}
        for n, o in objects:
            if o.get("type") != "alert":
                continue
            attrs = dict(o.get("attributes") or {})
            refs = {r.get("name"): connectors.get(str(r.get("id")))
                    for r in o.get("references") or [] if isinstance(r, dict)}
            found.append(kibana_rule(attrs, f"{path}:{n}",
                                     {k: v for k, v in refs.items() if k and v}))
        if not any(o.get("type") in ("alert", "action") or "exportedCount" in o
                   for _, o in objects):
            raise SourceError(path, None, _msg("monitoring.kibana_no_alerts"))
    else:
        raw = _json(path, text)
        if not isinstance(raw, dict) or not isinstance(raw.get("data"), list):
            raise SourceError(path, None, _msg("monitoring.kibana_not_find"))
        found = [kibana_rule(r, f"{path} rule {i + 1}") for i, r in enumerate(raw["data"])]
    _add_kibana(harvest, found)
    harvest.read(str(path), "rules", "routing")


# ---------------------------------------------------------------- Watcher

def watch_rule(watch_id: str, watch: dict[str, Any], status: dict[str, Any], at: str
               ) -> tuple[AlertRule, bool]:
    actions = watch.get("actions") or {}
    integrations: list[Integration] = []
    message = ""
    for action in actions.values() if isinstance(actions, dict) else []:
        if not isinstance(action, dict):
            continue
        for key, kind in WATCH_ACTIONS.items():
            if key in action:
                body = action[key] if isinstance(action[key], dict) else {}
                url = None
                if key == "webhook":
                    req = body
                    url = req.get("url") or (f"{req.get('scheme', 'https')}://{req['host']}"
                                             if req.get("host") else None)
                integrations.append(integration(kind, url))
                if not message:
                    message = _watch_message(key, body)
    request = ((watch.get("input") or {}).get("search") or {}).get("request") or {}
    expr = " ".join(filter(None, [
        "indices " + ",".join(map(str, request.get("indices") or [])) if request.get(
            "indices") else "",
        json.dumps(request.get("body"), sort_keys=True) if request.get("body") else "",
        json.dumps(watch.get("condition"), sort_keys=True) if watch.get("condition") else ""]))
    metadata = watch.get("metadata") or {}
    labels = {str(k): str(v) for k, v in metadata.items()
              if isinstance(v, (str, int, float)) and not isinstance(v, bool)}
    failing = str(status.get("execution_state", "")).lower() == "failed" or any(
        isinstance(a, dict) and (a.get("last_execution") or {}).get("successful") is False
        for a in (status.get("actions") or {}).values())
    active = (status.get("state") or {}).get("active", True)
    rule = AlertRule(
        system="watcher", name=str(metadata.get("name") or watch_id), where=at, expr=expr,
        for_seconds=None, labels=labels,
        annotations={"summary": message} if message else {}, integrations=integrations,
        muted=False, failing=failing)
    return rule, bool(active)


def _watch_message(kind: str, body: dict[str, Any]) -> str:
    if kind == "email":
        return str(body.get("subject") or (body.get("body") or {}).get("text", "")
                   if isinstance(body.get("body"), dict) else body.get("subject") or "")
    if kind == "slack":
        msg = body.get("message") or {}
        return str(msg.get("text", "")) if isinstance(msg, dict) else ""
    if kind == "pagerduty":
        event = body.get("event") or body
        return str(event.get("description", "")) if isinstance(event, dict) else ""
    if kind == "logging":
        return str(body.get("text", ""))
    return str(body.get("body", "")) if isinstance(body.get("body"), str) else ""


def _watches_from(raw: Any, label: str) -> list[tuple[AlertRule, bool]]:
    if isinstance(raw, dict) and isinstance(raw.get("watches"), list):
        return [watch_rule(str(w.get("_id", "?")), w.get("watch") or {}, w.get("status") or {},
                           f"{label} watch {w.get('_id', i + 1)}")
                for i, w in enumerate(raw["watches"]) if isinstance(w, dict)]
    if isinstance(raw, dict) and isinstance(raw.get("watch"), dict):
        return [watch_rule(str(raw.get("_id", "watch")), raw["watch"], raw.get("status") or {},
                           label)]
    if isinstance(raw, dict) and "trigger" in raw and "actions" in raw:
        return [watch_rule(Path(label).stem, raw, {}, label)]
    raise SourceError(label, None, _msg("monitoring.not_watches"))


def _add_watches(harvest: Harvest, found: list[tuple[AlertRule, bool]]) -> None:
    for rule, active in found:
        if active:
            harvest.rules.append(rule)
        else:
            harvest.disabled_rules.append(f"{rule.name} ({rule.where}): watch inactive")


def read_watcher_file(path: Path, harvest: Harvest) -> None:
    raw = _json(path, _read(path))
    try:
        found = _watches_from(raw, str(path))
    except SHAPE_ERRORS as exc:
        if isinstance(exc, SourceError):
            raise
        raise SourceError(path, None, _msg("monitoring.watcher_shape")) from None
    _add_watches(harvest, found)
    harvest.read(str(path), "rules", "routing")


# ---------------------------------------------------------------- live

def _session(timeout: float) -> RetryingSession:
    session = RetryingSession(RetryPolicy(retries=3, connect_retries=0,
                                          timeout_seconds=timeout, max_wait_seconds=60))
    token = os.environ.get(TOKEN_ENV)
    if token:
        session.headers["Authorization"] = f"ApiKey {token}"
    session.headers["Accept"] = "application/json"
    return session


def _split(url: str) -> tuple[str, tuple[str, str] | None]:
    parts = urlsplit(url)
    auth = (parts.username or "", parts.password or "") if parts.username else None
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", "")), auth


SCOPES = "read (Kibana: read on Stack Rules; Elasticsearch: monitor_watcher)"


def _call(session: RetryingSession, method: str, url: str, what: str, platform: str,
          auth: Any, **kwargs: Any) -> Any:
    thing = _msg("monitoring.kibana_rules" if platform == "Kibana"
                 else "monitoring.watcher_watches")
    try:
        resp = session.request(method, url, auth=auth, **kwargs)
    except RateLimitError as exc:
        raise SourceError(what, None, http_problem(exc.status, thing, platform=platform,
                                                   token_env=TOKEN_ENV, scopes=SCOPES)) from None
    except requests.RequestException as exc:
        raise SourceError(what, None, http_problem(None, thing, platform=platform,
                                                   token_env=TOKEN_ENV, scopes=SCOPES,
                                                   detail=type(exc).__name__)) from None
    if resp.status_code != 200:
        raise SourceError(what, None, http_problem(resp.status_code, thing, platform=platform,
                                                   token_env=TOKEN_ENV, scopes=SCOPES))
    try:
        return resp.json()
    except ValueError:
        raise SourceError(what, None, _msg("postgres.not_json")) from None


def read_kibana_api(url: str, harvest: Harvest, timeout: float = 10.0) -> None:
    """Every Kibana rule, page by page."""
    base, auth = _split(url)
    what = f"{endpoint_only(url)}/api/alerting/rules/_find"
    found: list[tuple[AlertRule, bool]] = []
    try:
        with _session(timeout) as session:
            for page in range(1, MAX_PAGES + 1):
                raw = _call(session, "GET", base + "/api/alerting/rules/_find", what, "Kibana",
                            auth, params={"page": page, "per_page": PAGE_SIZE})
                data = raw.get("data") if isinstance(raw, dict) else None
                if not isinstance(data, list):
                    raise SourceError(what, None, _msg("monitoring.not_kibana_answer"))
                found += [kibana_rule(r, f"{what} page {page} rule {i + 1}")
                          for i, r in enumerate(data)]
                total = raw.get("total")
                if not data or (isinstance(total, int) and page * PAGE_SIZE >= total):
                    break
    except SourceError as exc:
        harvest.failed(_msg("monitoring.no_kibana", problem=exc), "rules", "routing")
        return
    except SHAPE_ERRORS:
        harvest.failed(f"{what}: " + _msg("monitoring.kibana_rule_shape"), "rules", "routing")
        return
    _add_kibana(harvest, found)
    harvest.read(what, "rules", "routing")


def read_watcher_api(url: str, harvest: Harvest, timeout: float = 10.0) -> None:
    """Every Watcher watch, `size` at a time."""
    base, auth = _split(url)
    what = f"{endpoint_only(url)}/_watcher/_query/watches"
    found: list[tuple[AlertRule, bool]] = []
    try:
        with _session(timeout) as session:
            start = 0
            for _ in range(MAX_PAGES):
                raw = _call(session, "POST", base + "/_watcher/_query/watches", what,
                            "Elasticsearch", auth, json={"from": start, "size": PAGE_SIZE})
                if not isinstance(raw, dict) or not isinstance(raw.get("watches"), list):
                    raise SourceError(what, None, _msg("monitoring.not_watcher_answer"))
                found += _watches_from(raw, what)
                start += len(raw["watches"])
                if not raw["watches"] or start >= int(raw.get("count") or 0):
                    break
    except SourceError as exc:
        harvest.failed(_msg("monitoring.no_watcher", problem=exc), "rules", "routing")
        return
    except SHAPE_ERRORS:
        harvest.failed(f"{what}: " + _msg("monitoring.watch_shape"), "rules", "routing")
        return
    _add_watches(harvest, found)
    harvest.read(what, "rules", "routing")


# ---------------------------------------------------------------- helpers

def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(path, None, _msg("source.file_not_found")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(path, None, _msg("source.cannot_read", reason=exc)) from None


def _json(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(path, exc.lineno, _msg("source.invalid_json", problem=exc.msg)) from None
