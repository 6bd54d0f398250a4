"""Alertmanager: where alerts go. Its configuration file or its live API gives the routing
tree and receivers (who is paged for what) and the alerts it holds now, silences included.

It is read over the same HTTP as Prometheus (`prometheus.get_json`, the one retry policy).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opsmaturity.core.messages import text as _msg
from opsmaturity.core.privacy import endpoint_only
from opsmaturity.core.sources import SourceError, where

from ..files import (
    line_of,
    parse_yaml,
    read_text,
)
from ..measures import Harvest
from ..rules import Receiver, Route, Router, integration, route_matchers
from .prometheus import ALERTMANAGER_TOKEN_ENV, EndpointError, firing_alerts, get_json

# ---------------------------------------------------------------- Alertmanager config


_RECEIVER_URL_KEYS = ("url", "webhook_url", "api_url")


def parse_alertmanager_config(label: str, text: str) -> tuple[Router, list[str]]:
    """The routing tree and receivers of an alertmanager.yml text, and warnings (routes to
    receivers that do not exist). Broken YAML or structure is a SourceError."""
    docs = parse_yaml(label, text)
    doc = docs[0] if docs else None
    if not isinstance(doc, dict) or not isinstance(doc.get("route"), dict):
        raise SourceError(label, line_of(doc), _msg("monitoring.not_alertmanager_config"))
    receivers: dict[str, Receiver] = {}
    items = doc.get("receivers") or []
    if not isinstance(items, list):
        raise SourceError(label, line_of(doc, "receivers"),
                          _msg("monitoring.must_be_list", key="receivers"))
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("name"):
            raise SourceError(label, line_of(items, index=i),
                              _msg("monitoring.receiver_needs_name"))
        integrations = []
        for key, configs in item.items():
            if not str(key).endswith("_configs") or not isinstance(configs, list):
                continue
            for cfg in configs:
                url = next((cfg.get(k) for k in _RECEIVER_URL_KEYS
                            if isinstance(cfg, dict) and isinstance(cfg.get(k), str)), None)
                integrations.append(integration(str(key)[: -len("_configs")], url))
        name = str(item["name"])
        receivers[name] = Receiver(name=name, integrations=integrations,
                                   where=where(label, line_of(items, index=i)))
    root = _route(label, doc["route"], root=True)
    router = Router(system="prometheus", source=label, root=root, receivers=receivers)
    warnings = [f"{label}: " + _msg("monitoring.undefined_receiver", name=repr(name))
                for name in sorted(router.reachable() - set(receivers))]
    return router, warnings


def _route(label: str, node: Any, root: bool = False) -> Route:
    if not isinstance(node, dict):
        raise SourceError(label, line_of(node), _msg("monitoring.must_be_mapping",
                                                      what=_msg("monitoring.a_route")))
    try:
        matchers = route_matchers(node)
    except ValueError as exc:
        raise SourceError(label, line_of(node), f"route: {exc}") from None
    children = node.get("routes") or []
    if not isinstance(children, list):
        raise SourceError(label, line_of(node, "routes"),
                          _msg("monitoring.must_be_list", key="routes"))
    return Route(receiver=str(node["receiver"]) if node.get("receiver") else None,
                 matchers=[] if root else matchers, continue_=bool(node.get("continue")),
                 routes=[_route(label, child) for child in children],
                 where=where(label, line_of(node)))


def read_alertmanager_config(path: Path, harvest: Harvest) -> None:
    try:
        router, warnings = parse_alertmanager_config(str(path), read_text(path))
    except SourceError as exc:
        harvest.failed(str(exc), "routing")
        return
    harvest.routers.append(router)
    harvest.warnings += warnings
    harvest.read(str(path), "routing")


def read_alertmanager_api(url: str, harvest: Harvest, timeout: float = 10.0) -> None:
    """Routing (from the configuration Alertmanager runs) and the alerts it holds now."""
    shown = endpoint_only(url)
    try:
        status = get_json(url, "/api/v2/status", token_env=ALERTMANAGER_TOKEN_ENV,
                          timeout=timeout)
    except EndpointError as exc:
        harvest.failed(_msg("monitoring.no_alertmanager", problem=exc), "routing", "current")
        return
    label = f"{shown}/api/v2/status"
    config = status.get("config") if isinstance(status, dict) else None
    original = config.get("original") if isinstance(config, dict) else None
    if not isinstance(original, str):
        harvest.failed(f"{label}: " + _msg("monitoring.not_status_answer"), "routing")
    else:
        try:
            router, warnings = parse_alertmanager_config(label, original)
        except SourceError as exc:
            harvest.failed(str(exc), "routing")
        else:
            harvest.routers.append(router)
            harvest.warnings += warnings
            harvest.read(label, "routing")
    try:
        records = get_json(url, "/api/v2/alerts", token_env=ALERTMANAGER_TOKEN_ENV,
                           timeout=timeout)
        if not isinstance(records, list):
            raise TypeError
    except EndpointError as exc:
        harvest.failed(str(exc), "current")
    except TypeError:
        harvest.failed(f"{shown}/api/v2/alerts: " + _msg("monitoring.not_am_alerts_answer"),
                       "current")
    else:
        harvest.current = firing_alerts(records)  # Alertmanager knows silences: it wins
        harvest.current_source = f"{shown}/api/v2/alerts"
        harvest.read(f"{shown}/api/v2/alerts", "current")
