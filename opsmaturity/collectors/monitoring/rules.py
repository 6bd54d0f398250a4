"""Alert rules and alert routing, normalised across Prometheus, Grafana and Kapacitor.

Why one model: the warning signs ("customers notice first", "alerts without context",
"nobody is paged") are the same whichever stack fires the alert, so each reader turns its
own format into `AlertRule`s and `Router`s, and the `monitoring.*` measures are computed
once from those. The classification here (symptom or cause, heartbeat, service, owner) is a
measurement by documented rules (docs/monitoring-evidence.md), never a judgement.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from opsmaturity.core.messages import text as _msg

System = Literal["prometheus", "grafana", "kapacitor", "loki", "kibana", "watcher"]
Kind = Literal["oncall", "chat", "email", "other"]

SERVICE_LABELS = ("service", "app", "application", "job")
OWNER_LABELS = ("team", "owner", "squad", "owning_team")
SEVERITY_LABELS = ("severity", "priority", "urgency")
RUNBOOK_KEYS = ("runbook_url", "runbook", "runbook_link", "playbook", "playbook_url")
SUMMARY_KEYS = ("summary", "description", "message")
CONTEXT_REF = re.compile(
    r"\{\{[^}]*?(\$labels|\$values?|\.Labels|\.Values?|\.Tags|\.Fields|\.Group|"
    r"context\.\w+|ctx\.payload|alert\.id|rule\.tags)\b"
)

# ---------------------------------------------------------------- models


class Integration(BaseModel):
    """One notification target of a receiver: its type (`pagerduty`, `email`, ...) and kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    kind: Kind
    host: str = Field(default="", description="host of a webhook URL (never the full URL)")


class AlertRule(BaseModel):
    """One alerting rule as its stack defines it (recording rules are not alert rules)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: System
    name: str
    where: str = Field(description="file:line, or the URL and group it came from")
    group: str = ""
    expr: str = Field(default="", description="the query text: PromQL, Grafana queries, TICK")
    for_seconds: float | None = Field(
        default=None, description="pending period; None where the stack has none (Kapacitor)"
    )
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    heartbeat_hint: str | None = Field(
        default=None, description="a stack-specific heartbeat (Kapacitor deadman, Grafana "
        "no-data alerting)"
    )
    receivers: list[str] | None = Field(
        default=None, description="receivers named by the rule itself (Grafana "
        "notification_settings), bypassing the routing tree"
    )
    integrations: list[Integration] | None = Field(
        default=None, description="notifications attached to the rule itself (Kapacitor handlers)"
    )
    routing_known: bool = Field(
        default=True, description="False where the stack routes outside what is read (Grafana "
        "legacy notification channels)"
    )
    muted: bool | None = Field(default=None, description="notifications switched off while the "
                               "rule still runs (Kibana mute_all); None where not known")
    failing: bool | None = Field(default=None, description="the rule's last run failed (Kibana "
                                 "execution status, Watcher execution state); None where not "
                                 "known")


class Receiver(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    integrations: list[Integration] = Field(default_factory=list)
    where: str = ""

    @property
    def kinds(self) -> set[str]:
        return {i.kind for i in self.integrations}


class Matcher(BaseModel):
    """A label matcher of a route (`severity="critical"`, `team=~"a|b"`); a missing label
    matches as the empty string, as in Alertmanager."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    op: Literal["=", "!=", "=~", "!~"]
    value: str

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        try:
            hit = re.fullmatch(self.value, actual) is not None
        except re.error:
            hit = False
        return hit if self.op == "=~" else not hit

    def __str__(self) -> str:
        return f'{self.name}{self.op}"{self.value}"'


class Route(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    receiver: str | None = None
    matchers: list[Matcher] = Field(default_factory=list)
    continue_: bool = Field(default=False, alias="continue")
    routes: list[Route] = Field(default_factory=list)
    where: str = ""

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(m.matches(labels) for m in self.matchers)


class Router(BaseModel):
    """A routing tree and its receivers: an Alertmanager configuration or Grafana's
    notification policies with their contact points."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: System
    source: str
    root: Route | None = None
    receivers: dict[str, Receiver] = Field(default_factory=dict)

    def receivers_for(self, labels: Mapping[str, str]) -> list[str]:
        """Receiver names an alert with these labels is sent to (Alertmanager's algorithm:
        depth first, first matching child wins unless it says `continue`)."""
        if self.root is None:
            return []
        return sorted(set(_walk(self.root, labels, self.root.receiver)) - {""})

    def reachable(self) -> set[str]:
        """Receivers that some route sends to (an unused receiver pages nobody)."""
        names: set[str] = set()
        stack = [(self.root, None)] if self.root else []
        while stack:
            route, inherited = stack.pop()
            assert route is not None
            receiver = route.receiver or inherited
            if receiver:
                names.add(receiver)
            stack += [(child, receiver) for child in route.routes]
        return names


def _walk(route: Route, labels: Mapping[str, str], inherited: str | None) -> list[str]:
    receiver = route.receiver or inherited
    found: list[str] = []
    for child in route.routes:
        if child.matches(labels):
            found += _walk(child, labels, receiver)
            if not child.continue_:
                break
    return found or [receiver or ""]


# ---------------------------------------------------------------- matchers from text


_MATCHER = re.compile(r'^\s*("?)([^"=!~\s]+)\1\s*(=~|!~|!=|=)\s*(.*?)\s*$', re.S)


def parse_matchers(text: str) -> list[Matcher]:
    """Matchers from Alertmanager/Grafana text: `a="b"`, `a = b`, `{a=~"x|y", c!="d"}`.

    Raises ValueError with the offending part."""
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    out: list[Matcher] = []
    for part in _split_commas(body):
        if not part.strip():
            continue
        m = _MATCHER.match(part)
        if not m:
            raise ValueError(_msg("monitoring.not_label_matcher", part=repr(part.strip())))
        value = m.group(4)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        out.append(matcher(m.group(2), m.group(3), value))
    return out


def route_matchers(node: Mapping[str, object]) -> list[Matcher]:
    """The matchers of an Alertmanager route or Grafana policy: `match`, `match_re`,
    `matchers` and `object_matchers`. Raises ValueError saying which key is wrong."""
    out: list[Matcher] = []
    for key, op in (("match", "="), ("match_re", "=~")):
        value = node.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise ValueError(_msg("monitoring.mapping_of_labels", key=key))
        out += [matcher(str(k), op, str(v)) for k, v in value.items()]
    items = node.get("matchers")
    if items is not None:
        if not isinstance(items, list):
            raise ValueError(_msg("monitoring.must_be_list", key="matchers"))
        for text in items:
            out += parse_matchers(str(text))
    triples = node.get("object_matchers")
    if triples is not None:
        if not isinstance(triples, list):
            raise ValueError(_msg("monitoring.must_be_list", key="object_matchers"))
        for item in triples:
            if not isinstance(item, list) or len(item) != 3:
                raise ValueError(_msg("monitoring.not_triple", item=repr(item)))
            out.append(matcher(str(item[0]), str(item[1]), str(item[2])))
    return out


def matcher(name: str, op: str, value: str) -> Matcher:
    """A Matcher, checking a regular expression compiles (ValueError otherwise)."""
    if op in ("=~", "!~"):
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(_msg("monitoring.bad_regex", value=repr(value), name=name,
                                  problem=exc)) from None
    if op not in ("=", "!=", "=~", "!~"):
        raise ValueError(_msg("monitoring.bad_operator", op=repr(op)))
    return Matcher(name=name, op=op, value=value)  # type: ignore[arg-type]


def _split_commas(text: str) -> list[str]:
    parts, current, quote, escaped = [], [], "", False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == ",":
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


# ---------------------------------------------------------------- integrations


ONCALL_TYPES = frozenset(
    {"pagerduty", "opsgenie", "victorops", "incidentio", "oncall", "splunkoncall", "squadcast"}
)
CHAT_TYPES = frozenset(
    {
        "slack",
        "msteams",
        "msteamsv2",
        "teams",
        "discord",
        "telegram",
        "webex",
        "wechat",
        "wecom",
        "googlechat",
        "hipchat",
        "mattermost",
        "rocketchat",
        "line",
        "dingding",
        "threema",
        "talk",
        "kakao",
    }
)
EMAIL_TYPES = frozenset({"email", "smtp"})
CHAT_HOSTS = re.compile(
    r"(^|\.)(hooks\.slack\.com|slack\.com|discord(app)?\.com|webhook\.office\.com|"
    r"outlook\.office(365)?\.com|chat\.googleapis\.com|api\.telegram\.org|webexapis\.com|"
    r"qyapi\.weixin\.qq\.com|oapi\.dingtalk\.com|logic\.azure\.com)$|mattermost|rocket\.?chat",
    re.I,
)
ONCALL_HOSTS = re.compile(r"pagerduty|opsgenie|victorops|splunkoncall|incident\.io", re.I)


def integration(type_: str, url: str | None = None) -> Integration:
    """An Integration with its kind: paging services are on-call; a webhook is on-call
    (it feeds an incident tool) unless its URL points at a chat service."""
    t = type_.lower().replace("_", "").replace("-", "")
    host = ""
    if url:
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            host = ""
    kind: Kind
    if t in ONCALL_TYPES or (host and ONCALL_HOSTS.search(host)):
        kind = "oncall"
    elif t in CHAT_TYPES:
        kind = "chat"
    elif t in EMAIL_TYPES:
        kind = "email"
    elif t in ("webhook", "post", "http"):
        kind = "chat" if host and CHAT_HOSTS.search(host) else "oncall"
    else:
        kind = "other"
    return Integration(type=t, kind=kind, host=host)


_SLACK_HOST = re.compile(r"(^|\.)slack\.com$", re.I)
_TEAMS_HOST = re.compile(r"(^|\.)(webhook\.office\.com|outlook\.office(365)?\.com|"
                         r"logic\.azure\.com)$", re.I)


def channel(i: Integration) -> str | None:
    """The named channel an integration posts to: `slack`, `msteams` (Microsoft Teams,
    also through an Office 365 connector or a Power Automate workflow webhook) or `email`;
    None for anything else (paging services, other chats, other webhooks)."""
    if i.type == "slack" or (i.host and _SLACK_HOST.search(i.host)):
        return "slack"
    if i.type in ("msteams", "msteamsv2", "teams") or (i.host and _TEAMS_HOST.search(i.host)):
        return "msteams"
    if i.kind == "email":
        return "email"
    return None


# ---------------------------------------------------------------- classification


def _first(mapping: Mapping[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = mapping.get(key, "").strip()
        if value:
            return value
    return None


def severity(rule: AlertRule) -> str | None:
    return _first(rule.labels, SEVERITY_LABELS)


def owner(rule: AlertRule) -> str | None:
    return _first(rule.labels, OWNER_LABELS)


def runbook(rule: AlertRule) -> str | None:
    return _first(rule.annotations, RUNBOOK_KEYS) or _first(rule.labels, RUNBOOK_KEYS)


def summary(rule: AlertRule) -> str | None:
    return _first(rule.annotations, SUMMARY_KEYS)


def has_context(rule: AlertRule) -> bool:
    """The summary/description interpolates the alert's labels, tags or value, so the
    receiver sees which environment, component and data are affected."""
    return any(CONTEXT_REF.search(rule.annotations.get(k, "")) for k in SUMMARY_KEYS)


_SERVICE_IN_QUERY = re.compile(
    r"(?<![\w\"])\"?(service|app|application|job)\"?\s*(=~|==|=)\s*[\"']([\w.:/-]+)[\"']"
)


def service(rule: AlertRule) -> str | None:
    """The service or job a rule watches: a service/app/application/job label, else the
    first equality matcher on one of those labels in its query."""
    found = _first(rule.labels, SERVICE_LABELS)
    if found:
        return found
    return service_in_query(rule.expr)


def service_in_query(text: str) -> str | None:
    m = _SERVICE_IN_QUERY.search(text)
    return m.group(3) if m else None


def services_in_query(text: str) -> list[str]:
    """Every service/app/application/job named by an equality matcher in a query."""
    return list(dict.fromkeys(m.group(3) for m in _SERVICE_IN_QUERY.finditer(text)))


_HEARTBEAT_NAME = re.compile(r"watchdog|deadman|heartbeat", re.I)
_UP_DOWN = re.compile(r"(?<![\w:])up\s*(\{[^}]*\})?[\s)]*(==\s*0(?![.\d])|<\s*1(?![.\d]))")
_ABSENT = re.compile(r"\babsent(_over_time)?\s*\(")
_VECTOR_ONE = re.compile(r"^\s*vector\s*\(\s*1\s*\)\s*$")


def heartbeat(rule: AlertRule) -> str | None:
    """Why the rule fires when something stops reporting, or None."""
    compact = re.sub(r"[^a-z]", "", rule.name.lower())
    if _HEARTBEAT_NAME.search(compact):
        return f"name {rule.name!r}"
    if _VECTOR_ONE.match(rule.expr):
        return "vector(1): always firing (dead man's switch)"
    if _ABSENT.search(rule.expr):
        return "absent(): fires when a series stops"
    if _UP_DOWN.search(rule.expr):
        return "up == 0: fires when a target stops answering"
    return rule.heartbeat_hint


SYMPTOM_WORDS: dict[str, frozenset[str]] = {
    "errors": frozenset(
        {"error", "errors", "5xx", "exception", "exceptions", "fail", "failed", "failure",
         "failures", "failing"}
    ),
    "latency": frozenset(
        {"latency", "latencies", "duration", "slow", "quantile", "p99", "p95", "p90", "apdex",
         "responsetime"}
    ),
    "availability": frozenset(
        {"availability", "available", "unavailable", "uptime", "downtime", "outage", "down",
         "slo", "sli", "burnrate", "blackbox", "unreachable", "healthcheck"}
    ),
}
CAUSE_WORDS: dict[str, frozenset[str]] = {
    "cpu": frozenset({"cpu", "load", "load1", "load5", "load15", "throttling", "throttled"}),
    "memory": frozenset({"memory", "mem", "oom", "oomkilled", "swap", "heap", "gc"}),
    "disk": frozenset(
        {"disk", "disks", "filesystem", "inode", "inodes", "iops", "iowait", "volume", "pvc"}
    ),
    "network": frozenset({"network", "bandwidth", "conntrack"}),
    "host": frozenset({"temperature", "restarts", "restart", "ntp", "clock", "fds"}),
}
HOST_METRIC_PREFIXES = ("node_", "container_", "kube_node_", "windows_", "machine_")
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_ERROR_STATUS = re.compile(
    r"\b(code|status|status_code|response_code|http_status|http_code)\"?\s*(=~|==|=)\s*"
    r"[\"']?5"
)
_5XX = re.compile(r"5xx|5\.\.", re.I)
_PROBE = re.compile(r"\bprobe_(success|http_status_code)\b")


def words(text: str) -> set[str]:
    """Lower-case words of identifiers and text: `HighCPUUsage` -> high, cpu, usage."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return {w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w}


def classify(rule: AlertRule) -> tuple[Literal["symptom", "cause", "other"], list[str]]:
    """Symptom (errors, latency, availability users see), cause-only (CPU, memory, disk,
    network, host) or other, with the words that decided it. Looks at the rule's name and
    query, never at its prose; metrics of hosts and containers (`node_*`, `container_*`,
    ...) only ever count as causes."""
    text = f"{rule.name} {rule.expr}"
    host_metrics = sorted({m for m in _IDENT.findall(rule.expr)
                           if m.startswith(HOST_METRIC_PREFIXES)})
    plain = _IDENT.sub(lambda m: " " if m.group(0) in host_metrics else m.group(0), text)
    plain_words = words(plain)
    symptoms: list[str] = []
    for area, vocabulary in SYMPTOM_WORDS.items():
        symptoms += [f"{area}: {w}" for w in sorted(plain_words & vocabulary)]
    if _ERROR_STATUS.search(plain) or _5XX.search(plain):
        symptoms.append("errors: 5xx status")
    if _UP_DOWN.search(rule.expr):
        symptoms.append("availability: up == 0")
    if _PROBE.search(rule.expr):
        symptoms.append("availability: probe_success")
    if symptoms:
        return "symptom", sorted(set(symptoms))
    all_words = plain_words | {w for m in host_metrics for w in words(m)}
    causes = [f"{area}: {w}" for area, vocabulary in CAUSE_WORDS.items()
              for w in sorted(all_words & vocabulary)]
    causes += [f"host metric: {m}" for m in host_metrics if not any(
        w in v for v in CAUSE_WORDS.values() for w in words(m))]
    if causes:
        return "cause", causes
    return "other", []


def routing_labels(rule: AlertRule) -> dict[str, str]:
    """The labels a router sees for this rule, as far as they are known before it fires."""
    return {**rule.labels, "alertname": rule.name}

