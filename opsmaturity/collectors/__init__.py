"""Collectors: evidence in. Built-ins are listed here; others arrive by entry point.

A third-party package registers a collector class under the entry-point group
`opsmaturity.collectors` (name = the collector's `name`).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from opsmaturity.core.messages import text as _msg

if TYPE_CHECKING:
    from .base import Collector, CollectorError

# Nothing is imported until it is asked for: the registry is a table of names, a collector's
# module (and its client library: GitPython, python-gitlab, PyGithub) is imported by
# get_collector, the entry points are read only when a name is not a built-in.

ENTRY_POINT_GROUP = "opsmaturity.collectors"
BUILTINS: dict[str, str] = {
    "git": "opsmaturity.collectors.git.collector:GitCollector",
    "ci": "opsmaturity.collectors.ci.collector:CiConfigCollector",
    "monitoring": "opsmaturity.collectors.monitoring.collector:MonitoringCollector",
    "incidents": "opsmaturity.collectors.incidents.collector:IncidentsCollector",
    "postgres": "opsmaturity.collectors.postgres.collector:PostgresCollector",
    "gitlab": "opsmaturity.collectors.delivery.gitlab.collector:GitLabCollector",
    "github": "opsmaturity.collectors.delivery.github.collector:GitHubCollector",
}


def _load(target: str) -> type:
    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)


def __getattr__(name: str) -> Any:  # `from opsmaturity.collectors import CollectorError`
    if name in ("Collector", "CollectorError"):
        from . import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def available() -> dict[str, str]:
    """Collector name -> where it comes from ('builtin' or the providing distribution)."""
    from importlib.metadata import entry_points

    found = {name: "builtin" for name in BUILTINS}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep.dist.name if ep.dist else ep.value)
    return dict(sorted(found.items()))


def get_collector(name: str) -> Collector:
    from importlib.metadata import entry_points

    from .base import Collector, CollectorError

    if name in BUILTINS:
        cls = _load(BUILTINS[name])
    else:
        eps = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
        if not eps:
            raise CollectorError(_msg("collector.unknown", name=repr(name),
                                      known=", ".join(available())))
        cls = eps[0].load()
    collector = cls()
    if not isinstance(collector, Collector):
        raise CollectorError(_msg("collector.not_a_collector", name=repr(name)))
    return collector


__all__ = ["BUILTINS", "Collector", "CollectorError", "available", "get_collector"]
