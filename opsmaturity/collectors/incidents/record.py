"""The one shape every incident source is normalised to.

Why a schema of its own: PagerDuty, Opsgenie, Jira, ServiceNow and spreadsheets each say
"when", "who" and "how was it found" differently. The readers in `incident_sources/` apply
the per-source rules (docs/incident-evidence.md) once; the measures in `incidents.py` are
then computed over this schema only, whatever the mix of sources.

Times are timezone-aware UTC. People are kept by the name the source used; they are
pseudonymised when measures are written, never here, so that duplicates can be merged.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, ConfigDict, Field, field_validator, model_validator
from pydantic.dataclasses import dataclass

from opsmaturity.core.messages import text as _msg

Severity = Literal["critical", "high", "moderate", "low", "unknown"]
SEVERITIES: tuple[str, ...] = ("critical", "high", "moderate", "low", "unknown")
HIGH_SEVERITIES = frozenset({"critical", "high"})
Detection = Literal["monitoring", "customer", "staff", "unknown"]
DETECTIONS: tuple[str, ...] = ("monitoring", "customer", "staff", "unknown")
TriState = Literal["yes", "no", "unknown"]

SOURCES: tuple[str, ...] = ("pagerduty", "opsgenie", "servicenow", "jira", "csv")
"""Source families, in the precedence used when duplicates are merged: paging tools first
(they saw the incident as it happened), then ticketing systems, then spreadsheets."""


@dataclass(frozen=True, slots=True, config=ConfigDict(extra="forbid"))
class IncidentRecord:
    """One incident, as any source describes it once its own conventions are undone.

    A slotted pydantic dataclass rather than a BaseModel: it is validated the same way, and
    a year of alerts is held in memory at a fifth of the size.
    """

    source: Annotated[str, Field(description="pagerduty, opsgenie, jira, servicenow, csv")]
    origin: Annotated[str, Field(description="where it was read: file:line")]
    id: Annotated[str, Field(min_length=1)]
    opened: AwareDatetime
    title: str = ""
    service: str | None = None
    team: str | None = None
    severity: Severity = "unknown"
    priority: str | None = Field(default=None, description="the source's own priority text")
    acknowledged: AwareDatetime | None = None
    resolved: AwareDatetime | None = None
    detected_by: Detection = "unknown"
    detection_rule: str = _msg("incidents.rule.none")
    responders: tuple[str, ...] = ()
    resolved_by: str | None = None
    paged: tuple[tuple[str, AwareDatetime], ...] = Field(
        default=(), description="(person, time) a person was paged, when not at opened; "
        "read `pages`, which adds the responders paged at opened"
    )
    paged_at_opened: bool = Field(
        default=False, description="every responder was paged when the incident opened"
    )
    postmortem: TriState = "unknown"
    postmortem_ref: str | None = None
    caused_by_change: TriState = "unknown"
    change: str | None = None
    refs: tuple[str, ...] = Field(default=(), description="ids of other systems it names")
    merged_from: tuple[str, ...] = ()

    @field_validator("opened", "acknowledged", "resolved")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return value if value is None or value.tzinfo is UTC else value.astimezone(UTC)

    @field_validator("paged")
    @classmethod
    def _pages_utc(
        cls, value: tuple[tuple[str, datetime], ...]
    ) -> tuple[tuple[str, datetime], ...]:
        if all(at.tzinfo is UTC for _, at in value):
            return value
        return tuple((person, at.astimezone(UTC)) for person, at in value)

    @model_validator(mode="after")
    def _ordered(self) -> IncidentRecord:
        if self.resolved is not None and self.resolved < self.opened:
            raise ValueError(_msg("incidents.resolved_before", resolved=_iso(self.resolved),
                                  opened=_iso(self.opened)))
        if self.acknowledged is not None and self.acknowledged < self.opened:
            raise ValueError(_msg("incidents.acknowledged_before",
                                  acknowledged=_iso(self.acknowledged), opened=_iso(self.opened)))
        return self

    def replace(self, **changes: Any) -> IncidentRecord:
        """A validated copy with some fields changed (`pages` as in `record_fields`)."""
        moved = {"responders", "opened"} & changes.keys() and self.paged_at_opened
        if "pages" in changes or moved:
            changes = record_fields({"pages": self.pages, **changes,
                                     "responders": changes.get("responders", self.responders),
                                     "opened": changes.get("opened", self.opened)})
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict, `pages` whole (to rebuild a record with more facts)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        del out["paged"], out["paged_at_opened"]
        out["pages"] = self.pages
        return out

    @property
    def pages(self) -> tuple[tuple[str, datetime], ...]:
        """(person, time) of every page, in the order the source gave them."""
        if self.paged_at_opened:
            return tuple((who, self.opened) for who in self.responders)
        return self.paged

    @property
    def key(self) -> str:
        """Identity within its source family ("pagerduty:PT4KHLK")."""
        return f"{self.source}:{self.id}"

    @property
    def handler(self) -> str | None:
        """Who handled it: the person who resolved it, else the first responder."""
        return self.resolved_by or (self.responders[0] if self.responders else None)


def record_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Fields for IncidentRecord from the readers' shape, where `pages` lists every page.

    Why: most sources page each responder when the incident opens; such pages are kept as
    a flag rather than a (person, time) pair each, which is a third of a year of incidents'
    memory. `pages` reads them back as they were given."""
    if "pages" not in fields:
        return fields
    out = dict(fields)
    pages = tuple(out.pop("pages") or ())
    opened, responders = out.get("opened"), tuple(out.get("responders") or ())
    at_opened = bool(pages) and len(pages) == len(responders) and all(
        who == person and at == opened for (who, at), person in zip(pages, responders,
                                                                    strict=True))
    out["paged"], out["paged_at_opened"] = ((), True) if at_opened else (pages, False)
    return out


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")
