"""InfluxDB/Kapacitor: alert tasks from TICKscripts, the task list JSON and topic handlers.

Why a scanner and not a full TICKscript parser: the measures need only the alert nodes
(`|alert()`, `|deadman()`), their properties (`.crit()`, `.message()`, `.details()`,
`.topic()`) and handlers (`.slack()`, `.pagerDuty()`, `.email()`, `.post()`, ...), and what
the task reads (`.measurement()`, `|query()`, `.where()`). The scanner knows TICKscript's
strings (`'...'`, which may span lines, and `'''...'''`), references (`"..."`) and `//`
comments, so a broken script (an unterminated string, an unbalanced parenthesis) is reported
with file:line and skipped.

Mapping to the common alert model: the task id is the rule name (`task#2` for a second alert
node), `.message()` is the summary, `.details()` the description, an http(s) URL in either
is the runbook link, the highest level defined (`.crit()` > `.warn()` > `.info()`; deadman
alerts are critical) is the severity, and `.tag('team'|'owner'|'service', ...)` calls give
labels. Kapacitor has no pending period (`for:`). Handlers route the alert directly; an
alert published with `.topic('x')` also goes to the handlers defined for topic x in handler
files (`kapacitor define-topic-handler` YAML/JSON: `topic`, `kind`, `options`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from opsmaturity.core.messages import text as _msg
from opsmaturity.core.sources import SourceError

from ..files import load_documents, read_text
from ..measures import Harvest
from ..rules import AlertRule, Integration, integration

HANDLERS = {
    "pagerduty": "pagerduty", "pagerduty2": "pagerduty", "opsgenie": "opsgenie",
    "opsgenie2": "opsgenie", "victorops": "victorops", "slack": "slack", "email": "email",
    "post": "webhook", "teams": "teams", "telegram": "telegram", "discord": "discord",
    "hipchat": "hipchat", "talk": "talk", "alerta": "alerta", "sensu": "sensu",
    "pushover": "pushover", "log": "log", "tcp": "tcp", "exec": "exec", "snmptrap": "snmptrap",
    "kafka": "kafka", "mqtt": "mqtt", "servicenow": "servicenow", "bigpanda": "bigpanda",
    "zenoss": "zenoss",
}
QUERY_CALLS = frozenset({"from", "query", "measurement", "where", "field", "crit", "warn",
                         "info", "eval", "deadman", "as"})
_URL = re.compile(r"https?://[^\s)\"'<>]+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class Call:
    """A chained call in a TICKscript: `|node(...)`, `.property(...)` or `@udf(...)`."""

    kind: str
    name: str
    args: str
    line: int
    strings: list[str] = field(default_factory=list)


def scan(path: str, text: str) -> list[Call]:
    """The top-level chained calls of a TICKscript, in order; broken syntax is a SourceError."""
    calls: list[Call] = []
    stack: list[tuple[int, int, Call | None]] = []  # (line, index of "(", call it opens)
    strings: list[list[str]] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("'''", i) or c in "'\"":
            quote = "'''" if text.startswith("'''", i) else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                if text[j] == "\\" and len(quote) == 1:
                    j += 1
                elif text[j] == "\n" and quote == '"':
                    break  # a reference ends on its line; a '...' string may span lines
                j += 1
            if j >= n or not text.startswith(quote, j):
                raise SourceError(path, line, _msg("monitoring.unterminated_reference"
                                                   if c == '"' else
                                                   "monitoring.unterminated_string"))
            if c == "'" and strings:
                strings[-1].append(text[i + len(quote):j])
            line += text.count("\n", i, j)
            i = j + len(quote)
        elif c in "|.@" and (m := _IDENT.match(text, i + 1)) and _opens(text, m.end()):
            paren = _opens(text, m.end())
            call = Call({"|": "node", ".": "property", "@": "udf"}[c], m.group(0), "", line)
            line += text.count("\n", i, paren)
            stack.append((line, paren, call if not stack else None))
            strings.append([])
            i = paren + 1
        elif c == "(":
            stack.append((line, i, None))
            strings.append([])
            i += 1
        elif c == ")":
            if not stack:
                raise SourceError(path, line, "TICKscript: ')' without '('")
            _, start, call = stack.pop()
            found = strings.pop()
            if strings:
                strings[-1] += found
            if call is not None:
                call.args = text[start + 1:i]
                call.strings = found
                calls.append(call)
            i += 1
        else:
            i += 1
    if stack:
        raise SourceError(path, stack[-1][0], _msg("monitoring.paren_not_closed"))
    return calls


def _opens(text: str, pos: int) -> int:
    """Index of the `(` after an identifier (spaces allowed), or 0 when there is none."""
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos if pos < len(text) and text[pos] == "(" else 0


@dataclass
class _Alert:
    line: int
    deadman: bool
    props: list[Call] = field(default_factory=list)


def alerts_of(task: str, where_of: Callable[[int], str], calls: list[Call]) -> list[AlertRule]:
    """The alert rules a task defines (topics not yet resolved: see resolve_topics)."""
    alerts: list[_Alert] = []
    current: _Alert | None = None
    labels: dict[str, str] = {}
    query: list[str] = []
    for call in calls:
        if call.kind == "node":
            current = None
            if call.name in ("alert", "deadman"):
                current = _Alert(call.line, call.name == "deadman")
                alerts.append(current)
        elif current is not None:
            current.props.append(call)
        if call.name == "tag" and len(call.strings) >= 2:
            labels[call.strings[0]] = call.strings[1]
        if call.name in QUERY_CALLS:
            query.append(call.args)
    rules = []
    for n, alert in enumerate(alerts, 1):
        props = {p.name: p for p in alert.props}
        message = " ".join(props["message"].strings) if "message" in props else ""
        details = " ".join(props["details"].strings) if "details" in props else ""
        annotations = {k: v for k, v in (("summary", message), ("description", details)) if v}
        url = _URL.search(f"{message} {details}")
        if url:
            annotations["runbook_url"] = url.group(0)
        level = "critical" if alert.deadman or "crit" in props else (
            "warning" if "warn" in props else "info" if "info" in props else None)
        rule_labels = {**labels, **({"severity": level} if level else {})}
        topics = [p.strings[0] for p in alert.props if p.name == "topic" and p.strings]
        integrations = [_handler(p) for p in alert.props if p.name.lower() in HANDLERS]
        if topics:
            rule_labels["kapacitor_topic"] = topics[0]
        rules.append(AlertRule(
            system="kapacitor", name=task if n == 1 else f"{task}#{n}",
            where=where_of(alert.line), group=task,
            expr=" ".join(q for q in [task, *query] if q.strip()), for_seconds=None,
            labels=rule_labels, annotations=annotations,
            heartbeat_hint="deadman(): fires when data stops arriving" if alert.deadman
            else None,
            integrations=integrations))
    return rules


def _handler(call: Call) -> Integration:
    kind = HANDLERS[call.name.lower()]
    url = call.strings[0] if kind == "webhook" and call.strings else None
    return integration(kind, url)


# ---------------------------------------------------------------- files


@dataclass
class _Task:
    id: str
    script: str
    where: str
    enabled: bool = True
    template: str | None = None  # a templated task (load directory): the template's id
    vars: dict[str, str] = field(default_factory=dict)
    file: Path | None = None  # the task file of a templated task


_VAR_DEFAULT = re.compile(r"^[ \t]*var[ \t]+([A-Za-z_]\w*)[ \t]*=[ \t]*'([^'\n]*)'", re.M)
_VAR_TYPED = re.compile(
    r"^[ \t]*var[ \t]+[A-Za-z_]\w*[ \t]+(string|lambda|duration|int|float|bool|list|star)"
    r"[ \t]*(//.*)?$", re.M)


def is_template(path: Path, text: str) -> bool:
    """A template TICKscript (the load directory's templates/, or a `var x string` without a
    value, which only a template may have): it defines tasks only through task files."""
    return path.parent.name == "templates" or bool(_VAR_TYPED.search(text))


def _with_vars(calls: list[Call], values: dict[str, str]) -> list[Call]:
    """Fill a call whose only argument is a variable (`.message(message)`) with its value."""
    for call in calls:
        name = call.args.strip()
        if not call.strings and name in values:
            call.strings = [values[name]]
    return calls


def _template_task(path: Path, doc: dict[str, Any]) -> _Task:
    """A templated task definition (load directory tasks/*.yaml|json: `template-id`, `vars`,
    `dbrps`); its id is the file name, as Kapacitor's load service names it."""
    tid = str(doc.get("id") or path.stem)
    values: dict[str, str] = {}
    given = doc.get("vars")
    for name, var in (given.items() if isinstance(given, dict) else []):
        value = var.get("value") if isinstance(var, dict) else var
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            values[str(name)] = str(value)
    return _Task(tid, "", f"{path} task {tid!r}", template=str(doc["template-id"]), vars=values,
                 file=path)


def _tasks_in(path: Path, docs: list[Any]) -> tuple[list[_Task], dict[str, list[Integration]]]:
    tasks: list[_Task] = []
    topics: dict[str, list[Integration]] = {}
    recognised = False
    for doc in docs:
        items: Any = doc
        if isinstance(doc, dict) and isinstance(doc.get("tasks"), list):
            items = doc["tasks"]
        elif isinstance(doc, dict) and "script" in doc:
            items = [doc]
        if isinstance(doc, dict) and "topic" in doc and ("kind" in doc or "actions" in doc
                                                         or "handlers" in doc):
            recognised = True
            handlers = doc.get("handlers") if isinstance(doc.get("handlers"), list) else [doc]
            for handler in handlers:
                actions = handler.get("actions") if isinstance(handler, dict) else None
                for action in actions if isinstance(actions, list) else [handler]:
                    if isinstance(action, dict) and action.get("kind"):
                        options = action.get("options") or {}
                        url = options.get("url") if isinstance(options, dict) else None
                        topics.setdefault(str(doc["topic"]), []).append(
                            integration(HANDLERS.get(str(action["kind"]).lower(),
                                                     str(action["kind"])), url))
            continue
        if isinstance(doc, dict) and doc.get("template-id"):
            recognised = True
            tasks.append(_template_task(path, doc))
            continue
        if not isinstance(items, list):
            continue
        for i, task in enumerate(items):
            if not isinstance(task, dict) or not isinstance(task.get("script"), str):
                continue
            recognised = True
            tid = str(task.get("id") or f"task {i + 1}")
            tasks.append(_Task(tid, task["script"], f"{path} task {tid!r}",
                               str(task.get("status", "enabled")).lower() != "disabled"))
    if not recognised:
        raise SourceError(path, None, _msg("monitoring.not_kapacitor"))
    return tasks, topics


def read_kapacitor_files(paths: list[Path], harvest: Harvest) -> None:
    """TICKscripts (`.tick`), task JSON, templated task files, templates and topic handler
    files (a Kapacitor load directory: tasks/, templates/, handlers/) into the harvest."""
    topics: dict[str, list[Integration]] = {}
    rules: list[AlertRule] = []
    templates: dict[str, tuple[Path, str]] = {}
    tasks: list[_Task] = []
    for path in paths:
        try:
            if path.suffix.lower() == ".tick":
                text = read_text(path)
                if is_template(path, text):
                    scan(str(path), text)  # a broken template is named like a broken task
                    templates[path.stem] = (path, text)
                    harvest.read(str(path))
                    continue
                calls = scan(str(path), text)
                rules += alerts_of(path.stem, lambda line, p=path: f"{p}:{line}", calls)
                harvest.read(str(path), "rules", "routing")
                continue
            found_tasks, found_topics = _tasks_in(path, load_documents(path))
        except SourceError as exc:
            harvest.failed(str(exc), "rules", "routing")
            continue
        for topic, items in found_topics.items():
            topics.setdefault(topic, []).extend(items)
        if found_topics and not found_tasks:
            harvest.read(str(path), "routing")
        tasks += found_tasks
    for task in tasks:
        values: dict[str, str] = {}
        script, tpath = task.script, None
        if task.template is not None:
            found = templates.get(task.template) or _template_beside(task)
            if found is None:
                harvest.failed(f"{task.where}: " + _msg("monitoring.template_missing",
                                                        name=repr(task.template)), "rules")
                continue
            tpath, script = found
            values = {**dict(_VAR_DEFAULT.findall(script)), **task.vars}
        try:
            calls = scan(f"{task.where} script", script)
        except SourceError as exc:
            at = (_msg("monitoring.template_line", path=tpath, line=exc.line) if tpath
                  else _msg("monitoring.script_line", line=exc.line))
            harvest.failed(f"{task.where}: {at}: {exc.message}" if exc.line
                           else f"{task.where}: {exc.message}", "rules")
            continue
        found_rules = alerts_of(task.id, partial(_task_line, task, tpath),
                                _with_vars(calls, values))
        if not task.enabled:
            harvest.disabled_rules += [f"{r.name} ({r.where}): task disabled" for r in found_rules]
        else:
            rules += found_rules
        harvest.read(task.where, "rules", "routing")
    harvest.rules += resolve_topics(rules, topics)


def _task_line(task: _Task, template: Path | None, line: int) -> str:
    return (f"{task.where} (template {template}:{line})" if template is not None
            else f"{task.where} script line {line}")


def _template_beside(task: _Task) -> tuple[Path, str] | None:
    """A load directory's template for a task file: ../templates/<id>.tick."""
    if task.file is None:
        return None
    path = task.file.parent.parent / "templates" / f"{task.template}.tick"
    try:
        return (path, read_text(path)) if path.is_file() else None
    except SourceError:
        return None


def resolve_topics(rules: list[AlertRule], topics: dict[str, list[Integration]]
                   ) -> list[AlertRule]:
    """Add the topic handlers to alerts that publish to a topic. An alert whose topic has no
    known handlers and that has no handler of its own has unknown routing (None)."""
    out = []
    for rule in rules:
        topic = rule.labels.get("kapacitor_topic")
        if topic is None:
            out.append(rule)
            continue
        labels = {k: v for k, v in rule.labels.items() if k != "kapacitor_topic"}
        if topic in topics:
            integrations: list[Integration] | None = [*(rule.integrations or []), *topics[topic]]
        else:
            integrations = rule.integrations or None
        out.append(rule.model_copy(update={"labels": labels, "integrations": integrations}))
    return out
