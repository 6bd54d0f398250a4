"""Opsgenie: alerts (`GET /v2/alerts`) and incidents (`GET /v1/incidents`) as JSON.

Shapes read: `{"data": [...]}` pages (or a list of pages, or JSON Lines), and a single
`{"data": {...}}`. An object with `impactStartDate`/`impactedServices`/`ownerTeam` (or
from an `incidents` key) is an incident; anything else is an alert.

Alerts: opened `createdAt`; acknowledged and resolved `createdAt + report.ackTime` /
`report.closeTime` (milliseconds); a closed alert without `closeTime` is resolved at
`updatedAt`. People are Opsgenie users, i.e. values with an `@` (`owner`,
`report.acknowledgedBy`, `report.closedBy`); an integration name closing an alert is not
a person. Service: `details.service`, else `entity`.

Incidents: opened `createdAt` (or `impactStartDate`), resolved `impactEndDate` (a resolved
or closed incident without it: `updatedAt`); no acknowledgement time.

Detection (alerts): a helpdesk integration -> customer; `source` an e-mail address (a user
in the UI or app) or a Web/Mobile/Slack/Teams integration -> staff; an Email integration
-> unknown; any other integration (API, Prometheus, Datadog, ...) -> monitoring. Incidents:
tags and title only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opsmaturity.core.messages import text as _msg

from ..record import IncidentRecord
from .common import (
    HELPDESK_TOOLS,
    Problem,
    RecordError,
    SourceContext,
    after,
    build,
    change_from_tags,
    detection_from_tags,
    detection_from_title,
    first_detection,
    norm_token,
    number,
    parse_time,
    postmortem_from_tags,
    problem,
    severity_of,
    split_list,
    text,
    tri_state,
    unique,
)
from .streams import json_records

NAME = "opsgenie"
CONTAINERS = ("data", "alerts", "incidents", "alert", "incident")
HUMAN_INTEGRATIONS = frozenset({
    "web", "mobile", "ios", "android", "slack", "slackapp", "msteams", "microsoftteams",
    "hipchat", "manual", "user",
})
_INCIDENT_KEYS = ("impactStartDate", "impactedServices", "ownerTeam", "extraProperties")


def read(path: Path, ctx: SourceContext) -> Iterator[IncidentRecord | Problem]:
    """Opsgenie alerts and incidents as records; a broken one becomes a problem."""
    for item in json_records(path, CONTAINERS):
        where = f"{path}:{item.line}"
        if item.error:
            yield Problem(where, item.error, fatal=item.fatal)
            continue
        rec = item.value
        if not isinstance(rec, dict):
            yield Problem(where, f"expected an alert or incident, found {type(rec).__name__}")
            continue
        is_incident = item.key in ("incidents", "incident") or any(k in rec for k in _INCIDENT_KEYS)
        try:
            fields = _incident(rec, ctx) if is_incident else _alert(rec, ctx)
        except RecordError as exc:
            yield problem(where, rec.get("tinyId") or rec.get("id"), str(exc))
            continue
        yield build(fields, where)


def _time(value: Any, ctx: SourceContext, what: str) -> datetime | None:
    """ISO 8601, or epoch milliseconds as webhook payloads carry them."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            raise RecordError(
                f"{what}: {_msg('incidents.time_range', value=repr(value))}") from None
    return parse_time(value, ctx, what)


def _person(value: Any) -> str | None:
    s = text(value)
    return s if s and "@" in s else None


def _tags(rec: Mapping[str, Any]) -> list[str]:
    return split_list(rec.get("tags"))


def _keyed(props: Any, *words: str) -> tuple[str, str] | None:
    """The first (key, value) of a details/extraProperties map whose key names one of words."""
    if not isinstance(props, dict):
        return None
    for key, value in props.items():
        k = norm_token(str(key)).replace("-", "")
        if any(w in k for w in words):
            return str(key), text(value) or ""
    return None


def _review_and_change(rec: Mapping[str, Any], props: Any) -> dict[str, Any]:
    tags = _tags(rec)
    out: dict[str, Any] = {}
    if tag := postmortem_from_tags(tags):
        out["postmortem"], out["postmortem_ref"] = "yes", f"tag {tag}"
    elif found := _keyed(props, "postmortem", "postincident", "pir"):
        out["postmortem"], out["postmortem_ref"] = tri_state(found[1])
    if tag := change_from_tags(tags):
        out["caused_by_change"], out["change"] = "yes", None
    elif found := _keyed(props, "causedbychange", "changeid", "causedby"):
        out["caused_by_change"], out["change"] = tri_state(found[1])
    return out


def _alert(rec: Mapping[str, Any], ctx: SourceContext) -> dict[str, Any]:
    ident = text(rec.get("id")) or text(rec.get("tinyId"))
    if ident is None:
        raise RecordError(_msg("incidents.no_id"))
    opened = _time(rec.get("createdAt"), ctx, "createdAt")
    if opened is None:
        raise RecordError(_msg("incidents.field_missing", field="createdAt"))
    report = rec.get("report") if isinstance(rec.get("report"), dict) else {}
    acknowledged = after(opened, number(report.get("ackTime"), "report.ackTime"), 0.001,
                         "report.ackTime")
    resolved = after(opened, number(report.get("closeTime"), "report.closeTime"), 0.001,
                     "report.closeTime")
    if resolved is None and text(rec.get("status")) == "closed":
        resolved = _time(rec.get("updatedAt"), ctx, "updatedAt")
    ack_by = _person(report.get("acknowledgedBy"))
    closed_by = _person(report.get("closedBy"))
    responders = unique([ack_by, _person(rec.get("owner")), closed_by])
    title = text(rec.get("message")) or ""
    details = rec.get("details") if isinstance(rec.get("details"), dict) else {}
    priority = text(rec.get("priority"))
    fields: dict[str, Any] = {
        "source": NAME,
        "id": ident,
        "title": title,
        "service": text(details.get("service") or details.get("Service"))
        or text(rec.get("entity")),
        "team": next((t for x in rec.get("teams") or [] if (t := text(x))), None),
        "severity": severity_of(priority),
        "priority": priority,
        "opened": opened,
        "acknowledged": acknowledged,
        "resolved": resolved,
        "responders": responders,
        "resolved_by": closed_by,
        "pages": tuple((who, opened) for who in responders),
        "refs": unique([a for a in [text(rec.get("alias"))] if a != ident]),
    }
    fields["detected_by"], fields["detection_rule"] = first_detection(
        detection_from_tags(_tags(rec)), detection_from_title(title), _alert_channel(rec)
    )
    fields.update(_review_and_change(rec, details))
    return fields


def _alert_channel(rec: Mapping[str, Any]) -> tuple[str, str] | None:
    integration = rec.get("integration") if isinstance(rec.get("integration"), dict) else {}
    itype = (text(integration.get("type")) or "").casefold()
    iname = text(integration.get("name")) or ""
    source = text(rec.get("source")) or ""
    if HELPDESK_TOOLS.search(itype) or HELPDESK_TOOLS.search(iname):
        return "customer", f"created by the helpdesk integration {iname or itype!r}"
    if "@" in source:
        return "staff", "created by a person (source is a user)"
    if itype in HUMAN_INTEGRATIONS or source.casefold() in HUMAN_INTEGRATIONS:
        return "staff", f"created through {itype or source!r}"
    if itype == "email":
        return None
    if itype:
        return "monitoring", f"created by the {integration.get('type')!r} integration"
    return None


def _incident(rec: Mapping[str, Any], ctx: SourceContext) -> dict[str, Any]:
    ident = text(rec.get("id")) or text(rec.get("tinyId"))
    if ident is None:
        raise RecordError(_msg("incidents.no_id"))
    opened = _time(rec.get("createdAt"), ctx, "createdAt") or _time(
        rec.get("impactStartDate"), ctx, "impactStartDate"
    )
    if opened is None:
        raise RecordError(_msg("incidents.field_missing", field="createdAt"))
    resolved = _time(rec.get("impactEndDate"), ctx, "impactEndDate")
    if resolved is None and text(rec.get("status")) in ("resolved", "closed"):
        resolved = _time(rec.get("updatedAt"), ctx, "updatedAt")
    title = text(rec.get("message")) or ""
    priority = text(rec.get("priority"))
    services = split_list(rec.get("impactedServices"))
    props = rec.get("extraProperties")
    fields: dict[str, Any] = {
        "source": NAME,
        "id": ident,
        "title": title,
        "service": services[0] if services else None,
        "team": text(rec.get("ownerTeam")),
        "severity": severity_of(priority),
        "priority": priority,
        "opened": opened,
        "resolved": resolved,
    }
    fields["detected_by"], fields["detection_rule"] = first_detection(
        detection_from_tags(_tags(rec)), detection_from_title(title)
    )
    fields.update(_review_and_change(rec, props))
    return fields
